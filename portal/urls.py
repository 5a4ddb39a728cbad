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
    path("admin/", admin.site.urls),
]
