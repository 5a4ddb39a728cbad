from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from . import views

admin.site.site_header = "桂城党建 管理后台"
admin.site.site_title = "桂城党建"
admin.site.index_title = "党建工作管理"

urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    # Uploads, in development and production alike, through the scope (nginx sends the bytes).
    path(settings.MEDIA_URL.lstrip("/") + "<path:path>", views.media, name="media"),
    path("admin/", admin.site.urls),
    path("api/", include("portal.api_urls")),
    path("", include("portal.site.urls")),
]
