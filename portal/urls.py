from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from . import views

admin.site.site_header = "桂城党建 管理后台"
admin.site.site_title = "桂城党建"
admin.site.index_title = "党建工作管理"

# Error pages in Chinese, in the site's style; JSON under /api/ (portal.errors).
handler400 = "portal.errors.bad_request"
handler403 = "portal.errors.permission_denied"
handler404 = "portal.errors.page_not_found"
handler500 = "portal.errors.server_error"

urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    # Browsers (and installed web apps) ask for /favicon.ico whatever the page links to.
    path("favicon.ico", views.favicon, name="favicon"),
    # Uploads, in development and production alike, through the scope (nginx sends the bytes).
    path(settings.MEDIA_URL.lstrip("/") + "<path:path>", views.media, name="media"),
    path("accounts/landing/", views.after_login, name="after_login"),
    path("admin/", admin.site.urls),
    path("workspace/", include("portal.workspace.urls")),
    path("screen/", include("portal.screen.urls")),
    path("api/", include("portal.api_urls")),
    path("", include("portal.site.urls")),
]
