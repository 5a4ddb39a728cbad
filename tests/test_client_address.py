"""One reading of the client's address for every limit (``core.client_address``).

Behind deploy/'s nginx (``PORTAL_TRUSTED_PROXIES=1``) every request's socket is nginx, which
writes the client's address as the only (or last) ``X-Forwarded-For`` entry. Each limit — 点单 and
registration (django-ratelimit), the API (DRF's throttles, anonymous and per user) and the login
lockout (django-axes) — must then count per client: two clients apart, and a client that sends
its own ``X-Forwarded-For`` keeps the count it had. Without a proxy (0) the socket counts and the
header is ignored.
"""

from __future__ import annotations

import pytest
from django.test import Client, RequestFactory
from django.urls import reverse

from core.client_address import client_ip

pytestmark = pytest.mark.django_db

NGINX = "127.0.0.1"  # the socket every proxied request comes from


def _via_nginx(address: str, forged: str | None = None) -> dict:
    """The headers a request from ``address`` carries behind nginx; ``forged`` is what the
    client itself put in X-Forwarded-For (nginx overwrites it, a proxy that appends keeps it left)."""
    forwarded = f"{forged}, {address}" if forged else address
    return {"REMOTE_ADDR": NGINX, "HTTP_X_FORWARDED_FOR": forwarded}


# --- The reading itself ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("proxies", "remote", "forwarded", "expected"),
    [
        (0, "203.0.113.5", None, "203.0.113.5"),
        (0, "203.0.113.5", "198.51.100.1", "203.0.113.5"),  # no proxy: the header is the client's
        (1, NGINX, "203.0.113.5", "203.0.113.5"),
        (1, NGINX, "198.51.100.1, 203.0.113.5", "203.0.113.5"),  # the forged entry is left of nginx's
        (2, NGINX, "198.51.100.1, 203.0.113.5, 10.0.0.2", "203.0.113.5"),
        (1, "203.0.113.5", None, "203.0.113.5"),  # not through the proxy: the socket
        (2, NGINX, "203.0.113.5", NGINX),
    ],
)
def test_the_client_address_is_read_from_the_trusted_proxies_only(settings, proxies, remote, forwarded, expected):
    settings.PORTAL_TRUSTED_PROXIES = proxies
    meta = {"REMOTE_ADDR": remote} | ({"HTTP_X_FORWARDED_FOR": forwarded} if forwarded else {})
    assert client_ip(RequestFactory().get("/", **meta)) == expected


# --- 点单 and registration (django-ratelimit) -----------------------------------------------------


def _order_limited(address: str, forged: str | None = None) -> bool:
    page = Client().post(reverse("site:order_new"), {}, **_via_nginx(address, forged)).content.decode()
    return "提交太频繁" in page


def test_orders_are_limited_per_client_behind_the_proxy(settings, guicheng):
    settings.PORTAL_TRUSTED_PROXIES = 1
    # given one resident who used up the five 点单 an hour
    assert [_order_limited("203.0.113.5") for _ in range(6)] == [False] * 5 + [True]
    # then another resident can still submit, and the first gets no fresh count by sending a header
    assert not _order_limited("203.0.113.6")
    assert _order_limited("203.0.113.5", forged="198.51.100.99")


def test_without_a_proxy_orders_count_the_socket_and_ignore_the_header(settings, guicheng):
    settings.PORTAL_TRUSTED_PROXIES = 0

    def limited(remote: str, forwarded: str) -> bool:
        page = Client().post(reverse("site:order_new"), {}, REMOTE_ADDR=remote, HTTP_X_FORWARDED_FOR=forwarded)
        return "提交太频繁" in page.content.decode()

    assert [limited("203.0.113.5", f"198.51.100.{n}") for n in range(6)] == [False] * 5 + [True]
    assert not limited("203.0.113.6", "198.51.100.1")


def test_registrations_are_limited_per_client(settings, guicheng):
    settings.PORTAL_TRUSTED_PROXIES = 1

    def limited(address: str, forged: str | None = None) -> bool:
        page = Client().post(reverse("site:register"), {}, **_via_nginx(address, forged))
        return "注册太频繁" in page.content.decode()

    assert [limited("203.0.113.5") for _ in range(11)] == [False] * 10 + [True]
    assert not limited("203.0.113.6")
    assert limited("203.0.113.5", forged="198.51.100.99")


def test_order_look_ups_are_limited_per_client(settings, guicheng):
    settings.PORTAL_TRUSTED_PROXIES = 1
    url = reverse("site:order", args=["NOSUCH"])

    def status(address: str, forged: str | None = None) -> int:
        return Client().get(url, **_via_nginx(address, forged)).status_code

    assert [status("203.0.113.5") for _ in range(31)] == [404] * 30 + [429]
    assert status("203.0.113.6") == 404
    assert status("203.0.113.5", forged="198.51.100.99") == 429


# --- The API (DRF's throttles) --------------------------------------------------------------------


def _api(address: str, forged: str | None = None) -> int:
    return Client().get(reverse("api:community-list"), **_via_nginx(address, forged)).status_code


@pytest.mark.parametrize("rates", [{"anon": "2/min", "user": "100/min"}, {"anon": "100/min", "user": "2/min"}])
def test_api_calls_are_throttled_per_client(settings, rates):
    # Both throttles: DRF's per-user one keys anonymous callers by their address too.
    settings.PORTAL_TRUSTED_PROXIES = 1
    settings.API_THROTTLE_RATES = rates
    assert [_api("203.0.113.5") for _ in range(3)] == [200, 200, 429]
    assert _api("203.0.113.6") == 200
    assert _api("203.0.113.5", forged="198.51.100.99") == 429


def test_without_a_proxy_a_sent_header_gives_no_fresh_api_limit(settings):
    # DRF alone trusts X-Forwarded-For when NUM_PROXIES is unset: a new one per call was never limited.
    settings.PORTAL_TRUSTED_PROXIES = 0
    settings.API_THROTTLE_RATES = {"anon": "2/min", "user": "100/min"}

    def status(n: int) -> int:
        meta = {"REMOTE_ADDR": "203.0.113.5", "HTTP_X_FORWARDED_FOR": f"198.51.100.{n}"}
        return Client().get(reverse("api:community-list"), **meta).status_code

    assert [status(n) for n in range(3)] == [200, 200, 429]


# --- Logins (django-axes) -------------------------------------------------------------------------

PASSWORD = "Right-pass-2023!"


def _login(address: str, password: str, forged: str | None = None) -> int:
    data = {"username": "clerk", "password": password, "next": reverse("admin:index")}
    return Client().post(reverse("admin:login"), data, **_via_nginx(address, forged)).status_code


def test_logins_are_locked_per_client_behind_the_proxy(settings, django_user_model):
    settings.PORTAL_TRUSTED_PROXIES = 1
    django_user_model.objects.create_user("clerk", password=PASSWORD, is_staff=True)
    # given someone guessing the clerk's password from one address until it locks
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert _login("203.0.113.5", "wrong-guess") == 200
    assert _login("203.0.113.5", "wrong-guess") == 429
    # then a new header does not unlock the guesser, and the clerk at their own address logs in
    assert _login("203.0.113.5", PASSWORD, forged="198.51.100.99") == 429
    assert _login("203.0.113.6", PASSWORD) == 302
