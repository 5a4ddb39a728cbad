from django.core.cache import cache
from django.db import connection
from django.http import JsonResponse


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
