"""Anonymous pages are cached (Redis when ``REDIS_URL`` is set) and dropped when the records
behind them change.

Every cached page's key carries a content version. A change to any record of the portal's apps
(``post_save``, ``post_delete``, ``m2m_changed``, connected in ``PortalConfig.ready``) replaces
the version, so every page is rendered afresh on its next visit; bulk writes that send no
signals (the hours import, the ratings of a period, roll-ups, history-keeping bulk updates) call
``public_content_changed()`` themselves, a 数读 recomputation that found a new value calls
``pages_changed()``, and the timeout bounds what is left. A change to a record also makes the
stored 数读 snapshot stale (``core.registry``).

The version is replaced when the transaction commits, never before: a page read between the
write and the commit still shows the old records, and cached under a new version it (and the
API's ETag built from that version) would stay stale until the next write.
Logged-in visitors, non-GET requests and pages with forms (a CSRF token is per visitor) are
never cached.
"""

from __future__ import annotations

import functools
import hashlib
import threading
import time
import uuid
from datetime import UTC, datetime

from django.core.cache import cache
from django.db import transaction
from django.http import HttpResponse

from . import registry

VERSION_KEY = "portal:public:version"
PORTAL_APPS = ("organizations", "projects", "volunteers", "indicators")


def _new_version() -> str:
    # "<random>.<unix seconds>": unique, and it says when the content last changed.
    return f"{uuid.uuid4().hex}.{int(time.time())}"


def _version() -> str:
    version = cache.get(VERSION_KEY)
    if version is None:
        version = _new_version()
        cache.add(VERSION_KEY, version, None)
        version = cache.get(VERSION_KEY) or version
    return version


def content_version() -> tuple[str, datetime]:
    """The public content version and when it was set (one cache read, no query): the API's
    ETag and Last-Modified come from it."""
    version = _version()
    _, _, seconds = version.partition(".")
    changed_at = datetime.fromtimestamp(int(seconds), tz=UTC) if seconds.isdigit() else datetime.now(tz=UTC)
    return version, changed_at


# Set when a change is registered, cleared by the first of its commit callbacks: a transaction
# of a thousand saves queues a thousand callbacks, and only the first writes a new version.
# (A rolled-back transaction leaves it set, which at worst costs one needless new version.)
_due = threading.local()


def _bump() -> None:
    if getattr(_due, "value", False):
        _due.value = False
        registry.invalidate()
        cache.set(VERSION_KEY, _new_version(), None)


def public_content_changed(**_kwargs) -> None:
    """Records changed: the 数读 snapshot is stale at once and again at the commit (a snapshot
    computed in between, from the records before the change, is not kept), and every cached
    public page once the current transaction commits (at once outside one)."""
    registry.invalidate()
    _due.value = True
    transaction.on_commit(_bump)


def pages_changed() -> None:
    """What the pages show changed, though no record did (a 数读 recomputation found a new
    value): every cached public page is stale once the current transaction commits."""
    transaction.on_commit(lambda: cache.set(VERSION_KEY, _new_version(), None))


def public_page(timeout: int = 300):
    """Cache an anonymous GET's 200 response for ``timeout`` seconds (shorter where the page
    shows the time of day, such as 开放中)."""

    def decorator(view):
        @functools.wraps(view)
        def wrapped(request, *args, **kwargs):
            if request.method != "GET" or request.user.is_authenticated:
                return view(request, *args, **kwargs)
            digest = hashlib.sha256(request.get_full_path().encode()).hexdigest()
            key = f"portal:public:page:{_version()}:{digest}"
            cached = cache.get(key)
            if cached is not None:
                content, content_type = cached
                return HttpResponse(content, content_type=content_type)
            response = view(request, *args, **kwargs)
            if response.status_code == 200 and not getattr(response, "streaming", False):
                if hasattr(response, "render"):
                    response.render()
                cache.set(key, (response.content, response["Content-Type"]), timeout)
            return response

        return wrapped

    return decorator


def connect() -> None:
    from django.apps import apps
    from django.db.models.signals import m2m_changed, post_delete, post_save

    for app_label in PORTAL_APPS:
        for model in apps.get_app_config(app_label).get_models():
            post_save.connect(
                public_content_changed, sender=model, dispatch_uid=f"public-cache-save-{model._meta.label}"
            )
            post_delete.connect(
                public_content_changed, sender=model, dispatch_uid=f"public-cache-delete-{model._meta.label}"
            )
    m2m_changed.connect(public_content_changed, dispatch_uid="public-cache-m2m")
