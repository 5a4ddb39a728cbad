import mimetypes
from urllib.parse import quote

from django.conf import settings
from django.core.cache import cache
from django.core.files.storage import default_storage
from django.db import connection
from django.http import FileResponse, Http404, HttpResponse, HttpResponsePermanentRedirect, JsonResponse
from django.shortcuts import redirect
from django.templatetags.static import static
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from core.uploads import Visibility, clean_name, visibility
from organizations.scope import NOTHING, scope_of


def healthz(request):
    """Liveness for the load balancer: the database must answer; the cache may be down."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    try:
        cache.set("healthz", "ok", 5)
        cache_ok = cache.get("healthz") == "ok"
    except Exception:  # noqa: BLE001 - a cache outage is reported, not raised
        cache_ok = False
    return JsonResponse({"database": "ok", "cache": "ok" if cache_ok else "degraded"})


@require_safe
def media(request, path: str):
    """Every upload, through the scope (``core.uploads``): a public record's file to
    anyone, any other to staff whose scope covers it, a 404 to everyone else. In production the
    bytes are sent by nginx (``PORTAL_MEDIA_ACCEL_PREFIX``, see the README), not by Python."""
    name = clean_name(path)
    seen_by = visibility(request.user, name) if name else None
    if seen_by is None or not default_storage.exists(name):
        raise Http404
    content_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
    prefix = settings.PORTAL_MEDIA_ACCEL_PREFIX
    if prefix:
        response = HttpResponse(content_type=content_type)
        response["X-Accel-Redirect"] = prefix + quote(name)
    else:
        response = FileResponse(default_storage.open(name), content_type=content_type)
    # A staff-only file must not sit in a shared cache; a public one may, for a day.
    response["Cache-Control"] = "public, max-age=86400" if seen_by is Visibility.PUBLIC else "private, no-store"
    return response


def favicon(request):
    """Browsers (and installed web apps) ask for /favicon.ico whatever a page links to. The
    static URL is read per request: in production it carries the manifest's hash."""
    return HttpResponsePermanentRedirect(static("portal/favicon.svg"))


@never_cache
def after_login(request):
    """``LOGIN_REDIRECT_URL``: where a login lands when its ``?next=`` is missing or refused (a
    link to another site), by role — street staff (and superusers) in the admin, a community
    secretary in the workspace, a resident on their volunteer page. Django's default,
    ``/accounts/profile/``, does not exist here."""
    user = request.user
    if not user.is_authenticated:
        return redirect("admin:login")
    if not user.is_staff:
        return redirect("site:me")
    scope = scope_of(user)
    if scope != NOTHING and not scope.whole_street:
        return redirect("workspace:home")
    return redirect("admin:index")
