"""Print the nginx site for this checkout: deploy/nginx/portal.conf.template with its paths and
limits taken from the settings, so nothing in it is copied by hand (README → Production)."""

from __future__ import annotations

import os
import re
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

TEMPLATE = Path(settings.BASE_DIR) / "deploy" / "nginx" / "portal.conf.template"
PLACEHOLDER = re.compile(r"@([A-Z_]+)@")


def _port(listen: str) -> str:
    return listen.rsplit(":", 1)[-1]


def render(
    *,
    server_name: str,
    https_listen: str,
    http_listen: str,
    certificate: str,
    certificate_key: str,
    upstream: str,
    template: Path = TEMPLATE,
) -> str:
    """The template filled in; every placeholder must have a value (a typo fails, never ships)."""
    prefix = settings.PORTAL_MEDIA_ACCEL_PREFIX
    if not (prefix.startswith("/") and prefix.endswith("/")):
        raise CommandError(
            "PORTAL_MEDIA_ACCEL_PREFIX 须为 /protected-media/ 这样的路径（nginx 的内部位置）。"
            " / Set PORTAL_MEDIA_ACCEL_PREFIX (e.g. /protected-media/): nginx sends the uploads."
        )
    https_port = _port(https_listen)
    values = {
        "SERVER_NAME": server_name,
        "HTTPS_LISTEN": https_listen,
        "HTTP_LISTEN": http_listen,
        "HTTPS_PORT_SUFFIX": "" if https_port == "443" else f":{https_port}",
        "CERTIFICATE": certificate,
        "CERTIFICATE_KEY": certificate_key,
        "UPSTREAM": upstream,
        "STATIC_ROOT": str(Path(settings.STATIC_ROOT).resolve()),
        "MEDIA_ROOT": str(Path(settings.MEDIA_ROOT).resolve()),
        "ACCEL_PREFIX": prefix,
        "MAX_BODY_BYTES": str(settings.PORTAL_MAX_REQUEST_BYTES),
    }

    def fill(match: re.Match) -> str:
        try:
            return values[match.group(1)]
        except KeyError:
            raise CommandError(f"{template}: unknown placeholder {match.group(0)}") from None

    return PLACEHOLDER.sub(fill, template.read_text())


class Command(BaseCommand):
    help = "Print the nginx site (deploy/nginx/portal.conf.template) filled in from the settings."

    def add_arguments(self, parser):
        parser.add_argument("--server-name", default=None, help="host names (default: DJANGO_ALLOWED_HOSTS)")
        parser.add_argument("--https-listen", default="443", help="address:port or port for TLS (443)")
        parser.add_argument("--http-listen", default="80", help="address:port or port redirected to TLS (80)")
        parser.add_argument("--certificate", default="/etc/ssl/portal/fullchain.pem")
        parser.add_argument("--certificate-key", default="/etc/ssl/portal/privkey.pem")
        parser.add_argument(
            "--upstream", default=None, help="gunicorn's address (default: PORTAL_GUNICORN_BIND, else 127.0.0.1:8000)"
        )

    def handle(self, *args, **options):
        server_name = options["server_name"] or " ".join(h for h in settings.ALLOWED_HOSTS if h != "*") or "_"
        upstream = options["upstream"] or os.environ.get("PORTAL_GUNICORN_BIND") or "127.0.0.1:8000"
        self.stdout.write(
            render(
                server_name=server_name,
                https_listen=options["https_listen"],
                http_listen=options["http_listen"],
                certificate=options["certificate"],
                certificate_key=options["certificate_key"],
                upstream=upstream,
            ),
            ending="",
        )
