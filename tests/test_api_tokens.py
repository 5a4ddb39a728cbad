"""The token login (``auth/token/``): throttled, locked after django-axes's failure limit like the
admin's login, and tokens that expire after ``API_TOKEN_LIFETIME_DAYS``."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from conftest import PASSWORD

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def _ask(password: str, ip: str = "10.0.0.9"):
    return APIClient().post(reverse("api:token"), {"username": "guihua", "password": password}, REMOTE_ADDR=ip)


def test_failures_lock_the_token_login_as_they_lock_the_admins(guihua_secretary, settings):
    # given AXES_FAILURE_LIMIT wrong passwords for one login from one address (the last locks)
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert _ask("wrong-guess").status_code == 400
    assert _ask("wrong-guess").status_code == 429
    # when the right password comes next
    locked = _ask(PASSWORD)
    # then no token is handed out, on the token endpoint as on the login page, and it says why
    assert locked.status_code == 429
    assert "登录已暂停" in locked.json()["detail"] and "token" not in locked.json()
    assert not Token.objects.exists()


def test_the_token_login_is_throttled_per_address(guihua_secretary, settings):
    settings.API_THROTTLE_RATES = {**settings.API_THROTTLE_RATES, "token": "3/min"}
    statuses = [_ask(PASSWORD, ip="10.0.0.10").status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    assert "限" in _ask(PASSWORD, ip="10.0.0.10").json()["detail"]
    # another address is not held back by the first one's calls
    assert _ask(PASSWORD, ip="10.0.0.11").status_code == 200


def _client(token: Token) -> APIClient:
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return api


def test_a_token_expires_after_its_lifetime(guihua_secretary, settings):
    settings.API_TOKEN_LIFETIME_DAYS = 30
    token = Token.objects.create(user=guihua_secretary)
    url = reverse("api:service-record-list")
    # a token 29 days old works
    Token.objects.filter(pk=token.pk).update(created=timezone.now() - timedelta(days=29))
    assert _client(token).get(url).status_code == 200
    # one 30 days old is a 401, in Chinese, and is gone
    Token.objects.filter(pk=token.pk).update(created=timezone.now() - timedelta(days=30, seconds=1))
    expired = _client(token).get(url)
    assert expired.status_code == 401 and "过期" in expired.json()["detail"]
    assert not Token.objects.filter(key=token.key).exists()


def test_logging_in_again_replaces_an_expired_token(guihua_secretary, settings):
    old = Token.objects.create(user=guihua_secretary)
    Token.objects.filter(pk=old.pk).update(created=timezone.now() - timedelta(days=31))
    response = _ask(PASSWORD)
    assert response.status_code == 200
    new = Token.objects.get(user=guihua_secretary)
    assert response.json()["token"] == new.key != old.key
    assert _client(new).get(reverse("api:service-record-list")).status_code == 200
    # a token still alive is handed out again, unchanged
    assert _ask(PASSWORD).json()["token"] == new.key
