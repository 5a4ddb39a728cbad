"""The environment switches: embedded default, production checks, Redis outages, Celery."""

import json
import os
import secrets
import subprocess
import sys
import time
import uuid
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.core.cache import caches
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from organizations.tasks import clear_expired_sessions

ROOT = Path(__file__).resolve().parents[2]


def _manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    full_env.update(env)
    return subprocess.run(  # noqa: S603 - our own manage.py with fixed arguments
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=full_env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_embedded_default_is_chinese_and_shanghai():
    assert settings.LANGUAGE_CODE == "zh-hans"
    assert settings.TIME_ZONE == "Asia/Shanghai"
    assert settings.USE_TZ is True
    # Sessions live in the database and are only cached, so a cache outage logs nobody out.
    assert settings.SESSION_ENGINE == "django.contrib.sessions.backends.cached_db"


# Runs in a fresh interpreter: set Django up, collect every dotted name the settings hold, then
# resolve each one in a child forked from that state, so each starts from the same clean slate.
RESOLVE_EACH = r"""
import json, os, sys
import django
django.setup()
from django.conf import settings


def dotted(value):
    return isinstance(value, str) and "." in value and " " not in value and "/" not in value


names = []  # (what, dotted name or REST_FRAMEWORK key)
for key, value in settings.REST_FRAMEWORK.items():
    names.append(("REST_FRAMEWORK", key))
for key, value in settings.SPECTACULAR_SETTINGS.items():
    for item in value.values() if isinstance(value, dict) else value if isinstance(value, list) else [value]:
        if dotted(item) and key not in {"SCHEMA_PATH_PREFIX", "VERSION"}:
            names.append(("SPECTACULAR_SETTINGS", item))
names += [("MIDDLEWARE", name) for name in settings.MIDDLEWARE]
names += [("AUTHENTICATION_BACKENDS", name) for name in settings.AUTHENTICATION_BACKENDS]
names += [("AUTH_PASSWORD_VALIDATORS", v["NAME"]) for v in settings.AUTH_PASSWORD_VALIDATORS]
for template in settings.TEMPLATES:
    names.append(("TEMPLATES", template["BACKEND"]))
    names += [("TEMPLATES", name) for name in template.get("OPTIONS", {}).get("context_processors", [])]
names += [("CACHES", cache["BACKEND"]) for cache in settings.CACHES.values()]
names += [("STORAGES", storage["BACKEND"]) for storage in settings.STORAGES.values()]
names += [("LOGGING", handler["class"]) for handler in settings.LOGGING.get("handlers", {}).values()]
names += [("ROOT_URLCONF", settings.ROOT_URLCONF + ".urlpatterns"), ("WSGI_APPLICATION", settings.WSGI_APPLICATION)]
names += [("CELERY_BEAT_SCHEDULE", entry["task"]) for entry in settings.CELERY_BEAT_SCHEDULE.values()]
for setting in ("AXES_LOCKOUT_CALLABLE", "AXES_CLIENT_IP_CALLABLE", "RATELIMIT_IP_META_KEY", "CSRF_FAILURE_VIEW"):
    if dotted(getattr(settings, setting, None)):
        names.append((setting, getattr(settings, setting)))

results = []
for what, name in names:
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(read)
        try:
            if what == "REST_FRAMEWORK":
                from rest_framework.settings import api_settings
                getattr(api_settings, name)
            elif what == "SPECTACULAR_SETTINGS":
                from drf_spectacular.plumbing import deep_import_string  # how it resolves them (Model.Enum)
                assert deep_import_string(name) is not None, "not found"
            else:
                from django.utils.module_loading import import_string
                import_string(name)
            message = ""
        except BaseException as exc:  # noqa: BLE001 - reported to the parent
            message = f"{type(exc).__name__}: {exc}"
        os.write(write, message.encode())
        os._exit(0)
    os.close(write)
    chunks = []
    while chunk := os.read(read, 65536):
        chunks.append(chunk)
    os.close(read)
    os.waitpid(pid, 0)
    results.append([what, name, b"".join(chunks).decode()])
print(json.dumps(results))
"""


PRODUCTION = {
    "DJANGO_SECRET_KEY": secrets.token_urlsafe(60),
    "DJANGO_ALLOWED_HOSTS": "dangjian.example.org",
    "EMAIL_URL": "smtp+tls://portal:secret@smtp.example.org:587",
}


def test_production_check_deploy_reports_nothing():
    result = _manage("check", "--deploy", "--fail-level", "WARNING", **PRODUCTION)

    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


@pytest.mark.parametrize("mode", ["debug", "production"])
def test_every_name_in_settings_resolves_first_thing(mode):
    """Every class or function the settings name by string loads first thing after
    ``django.setup()``, each in a child forked from a fresh interpreter.

    Django and DRF import what settings name lazily, in an order that can depend on nothing more
    than which system check runs first. A named module that is half-imported at that moment (it
    imported ``rest_framework.views``, whose ``APIView`` reads ``DEFAULT_THROTTLE_CLASSES`` back
    from it) made every ``manage.py`` command fail on some machines and not others."""
    env = {"DJANGO_DEBUG": "1"} if mode == "debug" else PRODUCTION
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    full_env.update(env, DJANGO_SETTINGS_MODULE="portal.settings")
    done = subprocess.run(  # noqa: S603 - our own interpreter and script
        [sys.executable, "-c", RESOLVE_EACH], cwd=ROOT, env=full_env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr[-3000:]
    results = json.loads(done.stdout.strip().splitlines()[-1])
    whats = {what for what, _, _ in results}
    # The walk reaches every kind of setting that names code (a typo in it would skip a kind).
    assert {"REST_FRAMEWORK", "SPECTACULAR_SETTINGS", "MIDDLEWARE", "TEMPLATES", "ROOT_URLCONF"} <= whats
    assert len(results) > 40
    failures = [f"{what} {name}: {error}" for what, name, error in results if error]
    assert not failures, "\n".join(failures)


def test_the_api_defaults_import_no_drf_view():
    """The module REST_FRAMEWORK names must not pull in ``rest_framework.views``, which reads
    these very settings while it loads."""
    script = (
        "import sys, django; django.setup(); import core.api_defaults; "
        "print('rest_framework.views' in sys.modules, 'rest_framework.generics' in sys.modules)"
    )
    result = _manage("shell", "-c", script, DJANGO_DEBUG="1")
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.split()[-2:] == ["False", "False"]


def test_manage_py_check_passes_in_debug():
    result = _manage("check", "--fail-level", "WARNING", DJANGO_DEBUG="1")

    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_debug_is_off_unless_asked_for():
    # DJANGO_* variables are left out of the environment: no DJANGO_DEBUG at all
    result = _manage("shell", "-c", "from django.conf import settings; print(settings.DEBUG)", **PRODUCTION)

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "False"


@pytest.mark.parametrize("variable", ["DJANGO_SECRET_KEY", "DJANGO_ALLOWED_HOSTS", "EMAIL_URL"])
def test_production_without_a_required_variable_refuses_to_start_naming_it(variable):
    env = {name: value for name, value in PRODUCTION.items() if name != variable}

    result = _manage("check", **env)

    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr  # one line, no traceback
    assert variable in lines[0]
    assert "启动失败" in lines[0] and "Refusing to start" in lines[0]


@pytest.mark.parametrize("url", ["consolemail://", "dummymail://", "memorymail://"])
def test_production_refuses_mail_that_goes_nowhere(url):
    result = _manage("check", **(PRODUCTION | {"EMAIL_URL": url}))

    assert result.returncode != 0
    assert "EMAIL_URL" in result.stderr and len(result.stderr.strip().splitlines()) == 1


def test_debug_asked_for_runs_on_the_embedded_default():
    result = _manage("shell", "-c", "from django.conf import settings; print(settings.DEBUG)", DJANGO_DEBUG="1")

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "True"


DEAD_REDIS = {
    "default": {
        "BACKEND": "django_redis.cache.RedisCache",
        # Nothing listens on port 1: every cache call fails at once.
        "LOCATION": "redis://127.0.0.1:1/0",
        "OPTIONS": {
            "CLIENT_CLASS": "django_redis.client.DefaultClient",
            "IGNORE_EXCEPTIONS": True,
            "SOCKET_CONNECT_TIMEOUT": 0.2,
            "SOCKET_TIMEOUT": 0.2,
        },
    }
}


@pytest.mark.django_db
def test_redis_outage_degrades_to_cache_misses(client, django_user_model):
    # given a cache that cannot be reached
    django_user_model.objects.create_superuser("chief", "chief@example.org", "Outage-pass-2023!")
    with override_settings(CACHES=DEAD_REDIS):
        assert caches["default"].get("anything") is None
        # when staff log in and browse
        response = client.post(
            reverse("admin:login"),
            {"username": "chief", "password": "Outage-pass-2023!", "next": reverse("admin:index")},
        )
        # then the login works, the session is in the database, and pages are served
        assert response.status_code == 302
        assert Session.objects.count() == 1
        assert client.get(reverse("admin:index")).status_code == 200
        health = client.get(reverse("healthz")).json()
        assert health == {"database": "ok", "cache": "degraded"}


@pytest.mark.django_db
def test_housekeeping_task_runs_and_is_idempotent():
    # given one expired and one live session
    Session.objects.create(session_key="old", session_data="", expire_date=timezone.now() - timedelta(days=1))
    Session.objects.create(session_key="new", session_data="", expire_date=timezone.now() + timedelta(days=1))
    # when the task runs twice through Celery (eager in tests)
    first = clear_expired_sessions.delay().get()
    second = clear_expired_sessions.delay().get()
    # then the expired one is gone, once
    assert (first, second) == (1, 0)
    assert list(Session.objects.values_list("session_key", flat=True)) == ["new"]


@pytest.mark.skipif(not settings.REDIS_URL, reason="needs REDIS_URL: runs in CI's second pass")
@pytest.mark.django_db(transaction=True)
def test_task_travels_through_the_redis_broker_to_a_worker():
    from celery.contrib.testing.worker import start_worker

    from portal.celery import app

    # given an expired session and a worker listening on a queue of this test's own
    Session.objects.create(session_key="stale", session_data="", expire_date=timezone.now() - timedelta(days=1))
    queue = f"test-{uuid.uuid4().hex}"
    app.conf.task_always_eager = False
    try:
        with start_worker(app, pool="solo", perform_ping_check=False, queues=[queue]):
            # when the task is sent through Redis
            clear_expired_sessions.apply_async(queue=queue)
            deadline = time.monotonic() + 20
            while Session.objects.filter(session_key="stale").exists() and time.monotonic() < deadline:
                time.sleep(0.2)
    finally:
        app.conf.task_always_eager = True
    # then the worker ran it
    assert not Session.objects.filter(session_key="stale").exists()
