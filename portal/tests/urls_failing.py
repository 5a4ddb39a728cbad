"""The portal's URLconf plus one view that fails, for the 500 pages (tests only)."""

from django.urls import path

from portal.urls import handler400, handler403, handler404, handler500, urlpatterns  # noqa: F401


def fails(request):
    raise RuntimeError("boom")


urlpatterns = [path("boom/", fails), path("api/v1/boom/", fails), *urlpatterns]
