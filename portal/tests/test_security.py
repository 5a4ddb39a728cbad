"""Login throttling (django-axes), CSP and the other headers every page carries."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db

PASSWORD = "Right-pass-2023!"


def _login(client, password):
    return client.post(
        reverse("admin:login"),
        {"username": "clerk", "password": password, "next": reverse("admin:index")},
        REMOTE_ADDR="10.0.0.7",
    )


def test_five_failed_logins_lock_the_account_for_a_while(client, django_user_model, settings):
    # given a staff login
    django_user_model.objects.create_user("clerk", password=PASSWORD, is_staff=True)
    # when someone guesses wrong five times (the fifth failure locks)
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert _login(client, "wrong-guess").status_code == 200
    assert _login(client, "wrong-guess").status_code == 429
    # then even the right password is refused, in Chinese, with a finite cool-off
    locked = _login(client, PASSWORD)
    assert locked.status_code == 429
    assert "登录已暂停" in locked.content.decode()
    assert "_auth_user_id" not in client.session
    assert 0 < settings.AXES_COOLOFF_TIME <= 24


def test_a_correct_login_before_the_limit_still_works(client, django_user_model):
    django_user_model.objects.create_user("clerk", password=PASSWORD, is_staff=True)
    _login(client, "wrong-guess")
    assert _login(client, PASSWORD).status_code == 302
    assert client.session["_auth_user_id"]


def test_pages_carry_csp_and_frame_headers(client):
    response = client.get(reverse("admin:login"))
    assert response.status_code == 200
    csp = response["Content-Security-Policy"]
    assert "default-src 'self'" in csp
    assert "script-src 'self'" in csp
    assert "frame-ancestors 'none'" in csp
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    # The admin speaks Chinese.
    assert "登录" in response.content.decode()


def test_public_pages_allow_no_inline_style_or_script_and_the_admin_only_inline_styles(client, guicheng):
    public = client.get(reverse("site:home"))
    admin_login = client.get(reverse("admin:login"))

    public_csp = public["Content-Security-Policy"]
    assert "style-src 'self';" in public_csp + ";" and "unsafe-inline" not in public_csp
    assert "script-src 'self'" in public_csp
    assert "style-src 'self' 'unsafe-inline'" in admin_login["Content-Security-Policy"]
    assert "'unsafe-inline'" not in admin_login["Content-Security-Policy"].split("script-src")[1].split(";")[0]
    assert " style=" not in public.content.decode() and "<style" not in public.content.decode()
