from django.conf import settings
from django.contrib import admin
from django.urls import path
from django.views.generic import RedirectView

from . import views

admin.site.site_header = "桂城党建 管理后台"
admin.site.site_title = "桂城党建"
admin.site.index_title = "党建工作管理"

urlpatterns = [
    # The public site arrives with its own issue; until then the root leads staff to the admin.
    path("", RedirectView.as_view(pattern_name="admin:index", permanent=False)),
    path("healthz", views.healthz, name="healthz"),
    # Uploads, in development and production alike, through the scope (nginx sends the bytes).
    path(settings.MEDIA_URL.lstrip("/") + "<path:path>", views.media, name="media"),
    path("admin/", admin.site.urls),
]
