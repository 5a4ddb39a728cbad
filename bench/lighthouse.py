"""`make lighthouse`: Lighthouse (npm, in bench/lighthouse) in Debian's Chromium, mobile, against
the residents' main pages served as in production (gunicorn, DEBUG off, whitenoise, the Guicheng
demo data in a throw-away SQLite file). Fails when any page scores below 0.95 in performance,
accessibility, best practices or SEO. Reports land in bench/out/lighthouse/."""

from __future__ import annotations

import json
import os
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LIGHTHOUSE = ROOT / "bench" / "lighthouse" / "node_modules" / ".bin" / "lighthouse"
OUT = ROOT / "bench" / "out" / "lighthouse"
PORT = 8765
TARGET = 0.95
CATEGORIES = ("performance", "accessibility", "best-practices", "seo")


def main() -> int:
    work = Path(tempfile.mkdtemp(prefix="portal-lighthouse-"))
    env = {
        **os.environ,
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "EMAIL_URL": "smtp://127.0.0.1:25",
        "DJANGO_SECURE_SSL_REDIRECT": "0",
        "DATABASE_URL": f"sqlite:///{work / 'lighthouse.sqlite3'}",
        "DJANGO_MEDIA_ROOT": str(work / "media"),
        "DJANGO_ADMIN_PASSWORD": secrets.token_urlsafe(12),
    }
    env.pop("REDIS_URL", None)
    python = sys.executable

    def manage(*args: str) -> str:
        return subprocess.run(  # noqa: S603 - our own manage.py
            [python, "manage.py", *args], cwd=ROOT, env=env, check=True, capture_output=True, text=True
        ).stdout

    manage("migrate", "--noinput")
    manage("bootstrap")
    manage("collectstatic", "--noinput", "-v0")
    pages = json.loads(
        manage(
            "shell",
            "-c",
            "import json; from organizations.models import ServiceCenter; from projects.models import SecretaryProject;"
            "c = ServiceCenter.objects.public().filter(opening_intervals__isnull=False).order_by('pk').first();"
            "p = SecretaryProject.objects.public().get(community__name='桂花社区', year=2023);"
            "print(json.dumps(['/', '/centers/', f'/centers/{c.pk}/', '/projects/', f'/projects/p/{p.pk}/',"
            " '/figures/']))",
        )
        .strip()
        .splitlines()[-1]
    )
    server = subprocess.Popen(  # noqa: S603
        [str(Path(python).parent / "gunicorn"), "portal.wsgi", "--bind", f"127.0.0.1:{PORT}", "--workers", "2"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    failures = []
    try:
        for _ in range(50):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{PORT}/healthz", timeout=1)  # noqa: S310 - loopback
                break
            except OSError:
                time.sleep(0.2)
        OUT.mkdir(parents=True, exist_ok=True)
        print(f"{'page':28} " + " ".join(f"{c:>15}" for c in CATEGORIES))
        for index, path in enumerate(pages):
            report = OUT / f"page-{index}.json"
            subprocess.run(  # noqa: S603
                [
                    str(LIGHTHOUSE),
                    f"http://127.0.0.1:{PORT}{path}",
                    "--form-factor=mobile",
                    "--chrome-flags=--headless=new --no-sandbox --disable-gpu",
                    f"--only-categories={','.join(CATEGORIES)}",
                    "--output=json",
                    "--output=html",
                    f"--output-path={OUT / f'page-{index}'}",
                    "--quiet",
                ],
                env={**os.environ, "CHROME_PATH": "/usr/bin/chromium"},
                check=True,
            )
            result = json.loads((OUT / f"page-{index}.report.json").read_text(encoding="utf-8"))
            scores = {c: result["categories"][c]["score"] or 0 for c in CATEGORIES}
            print(f"{path:28} " + " ".join(f"{scores[c]:>15.2f}" for c in CATEGORIES))
            failures += [f"{path} {c} {scores[c]:.2f}" for c in CATEGORIES if scores[c] < TARGET]
            report.unlink(missing_ok=True)
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=10)
        shutil.rmtree(work, ignore_errors=True)
    if failures:
        print(f"below {TARGET}: " + "; ".join(failures))
        return 1
    print(f"every page scores at least {TARGET} in every category")
    return 0


if __name__ == "__main__":
    sys.exit(main())
