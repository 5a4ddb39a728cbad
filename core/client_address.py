"""The client's address, read one way for every limit: django-ratelimit's keys, DRF's throttles
and django-axes' login lockout.

Behind a reverse proxy every request comes from the proxy's socket, so the address must be read
from ``X-Forwarded-For`` — but only the entries the proxies we run wrote: anything to their left
was sent by the client and is whatever it wants. ``PORTAL_TRUSTED_PROXIES`` says how many proxies
stand in front of the portal (the nginx of ``deploy/`` is one, and it overwrites the header with
``$remote_addr``); each appends the address it saw, so the client is the entry that many places
from the right. With 0 (the default, no proxy) the socket address is used and the header ignored.

This module imports no DRF view: ``core.api_defaults`` uses it (see that module's docstring).
"""

from __future__ import annotations

from django.conf import settings


def client_ip(request) -> str:
    """The address of the client that sent ``request`` (a Django or DRF request)."""
    meta = request.META
    remote = meta.get("REMOTE_ADDR", "") or ""
    proxies = settings.PORTAL_TRUSTED_PROXIES
    if proxies <= 0:
        return remote
    forwarded = [part.strip() for part in meta.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
    if len(forwarded) < proxies:
        # Fewer entries than proxies: the request did not come through them all (a health check
        # on the gunicorn port, say). The socket is the only address nobody could forge.
        return remote
    return forwarded[-proxies]


def ratelimit_key(group: str, request) -> str:
    """django-ratelimit's ``key=``: the client's address, as for every other limit."""
    return client_ip(request)
