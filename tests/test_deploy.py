"""deploy/: the nginx site renders from the settings with nothing left to fill in by hand, passes
the client's address the one way the portal reads it, and the systemd units ask only for variables
the env file template defines. (`make prod-check` runs all of it for real.)"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management.base import CommandError

from portal.management.commands.nginx_site import PLACEHOLDER, render

DEPLOY = Path(settings.BASE_DIR) / "deploy"
ARGS = {
    "server_name": "dangjian.example.org",
    "https_listen": "443",
    "http_listen": "80",
    "certificate": "/etc/ssl/portal/fullchain.pem",
    "certificate_key": "/etc/ssl/portal/privkey.pem",
    "upstream": "127.0.0.1:8000",
}


@pytest.fixture
def site(settings, tmp_path) -> str:
    settings.PORTAL_MEDIA_ACCEL_PREFIX = "/protected-media/"
    settings.MEDIA_ROOT = tmp_path / "media"
    return render(**ARGS)


def test_the_nginx_site_is_filled_in_from_the_settings(site, settings, tmp_path):
    assert not PLACEHOLDER.search(site)
    assert f"client_max_body_size {settings.PORTAL_MAX_REQUEST_BYTES};" in site
    assert settings.PORTAL_MAX_REQUEST_BYTES >= 9 * settings.PORTAL_MAX_PHOTO_BYTES  # the API's nine photos
    assert f"alias {Path(settings.STATIC_ROOT).resolve()}/;" in site
    accel = re.search(r"location /protected-media/ \{(.*?)\}", site, re.S).group(1)
    assert "internal;" in accel and f"alias {(tmp_path / 'media').resolve()}/;" in accel
    assert "return 301 https://$host$request_uri;" in site  # port 443: no port in the redirect


def test_nginx_overwrites_the_client_address_never_appends(site):
    # A client-sent X-Forwarded-For must not survive nginx: the portal reads the last entry.
    assert "proxy_set_header X-Forwarded-For $remote_addr;" in site
    assert "proxy_set_header X-Real-IP $remote_addr;" in site
    assert "$proxy_add_x_forwarded_for" not in site


def test_a_site_without_the_accel_prefix_is_refused(settings):
    settings.PORTAL_MEDIA_ACCEL_PREFIX = ""
    with pytest.raises(CommandError, match="PORTAL_MEDIA_ACCEL_PREFIX"):
        render(**ARGS)


def _env_template() -> dict[str, str]:
    lines = (DEPLOY / "portal.env.example").read_text().splitlines()
    return dict(line.split("=", 1) for line in lines if line and not line.startswith("#"))


@pytest.mark.parametrize("unit", sorted(p.name for p in (DEPLOY / "systemd").glob("*.service")))
def test_each_unit_asks_only_for_variables_the_env_file_defines(unit):
    text = (DEPLOY / "systemd" / unit).read_text()
    assert "EnvironmentFile=/etc/portal/env" in text
    (command,) = re.findall(r"^ExecStart=(.*)$", text, re.M)
    assert command.startswith("/srv/portal/app/.venv/bin/")
    assert set(re.findall(r"\$\{(\w+)\}", command)) <= set(_env_template())


def test_the_env_file_runs_behind_one_proxy_with_nginx_sending_uploads():
    env = _env_template()
    assert env["PORTAL_TRUSTED_PROXIES"] == "1"
    assert env["PORTAL_MEDIA_ACCEL_PREFIX"] == "/protected-media/"
    for required in ("DJANGO_SECRET_KEY", "DJANGO_ALLOWED_HOSTS", "EMAIL_URL", "DATABASE_URL", "REDIS_URL"):
        assert required in env
    assert "DJANGO_DEBUG" not in env
