"""The error pages, in production mode (DEBUG off): Chinese, in the residents' site's style, with a
way back (home; the login on staff paths); JSON under /api/. And where a staff login lands when
its ?next= is refused."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.test import Client, RequestFactory, override_settings
from django.urls import reverse

from conftest import PASSWORD
from portal.errors import server_error

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("production_mode")]


@pytest.fixture
def guicheng(guicheng_module, db):
    return guicheng_module


@pytest.fixture
def production_mode():
    with override_settings(DEBUG=False):
        yield


def _page(response, status: int, title: str) -> str:
    assert response.status_code == status
    assert response["Content-Type"].startswith("text/html")
    page = response.content.decode()
    assert f"<h1>{title}</h1>" in page
    assert "site.css" in page and "桂城党建" in page  # the residents' site's base template
    assert f'href="{reverse("site:home")}">返回首页' in page
    assert "Forbidden" not in page and "Not Found" not in page and "Server Error" not in page
    return page


def test_an_unknown_page_is_a_chinese_404(client):
    page = _page(client.get("/no-such-page/"), 404, "页面不存在")
    # A public path: the page's own choices offer no staff login (the footer's link is on every page).
    choices = page.split('<ul class="entries">', 1)[1].split("</ul>", 1)[0]
    assert "返回首页" in choices and "工作人员登录" not in choices


def test_a_missing_record_is_the_same_404(client, guicheng):
    _page(client.get(reverse("site:project", args=[999999])), 404, "页面不存在")


def test_a_staff_path_offers_the_login(client):
    page = _page(client.get("/workspace/no-such-page/"), 404, "页面不存在")
    assert 'href="/admin/login/?next=%2Fworkspace%2Fno-such-page%2F">工作人员登录' in page


def test_a_resident_in_the_workspace_gets_the_chinese_403(client, guicheng):
    resident = get_user_model().objects.create_user("13800138000", password=PASSWORD)
    client.force_login(resident)
    page = _page(client.get(reverse("workspace:home")), 403, "没有权限查看")
    assert "工作台只对社区书记和街道工作人员开放。" in page
    assert "/admin/login/?next=%2Fworkspace%2F" in page


def test_a_bad_request_is_a_chinese_400(client):
    # An unknown Host header is Django's DisallowedHost, answered by handler400.
    _page(client.get("/", HTTP_HOST="evil.example"), 400, "请求无法处理")


@override_settings(ROOT_URLCONF="portal.tests.urls_failing")
def test_a_failure_is_a_chinese_500():
    _page(Client(raise_request_exception=False).get("/boom/"), 500, "服务器出错了")


def test_the_500_page_reads_nothing_from_the_database(django_assert_num_queries):
    # It must show when the database is what failed.
    with django_assert_num_queries(0):
        response = server_error(RequestFactory().get("/boom/"))
    assert response.status_code == 500 and "服务器出错了" in response.content.decode()


def test_a_rate_limited_look_up_is_a_chinese_429(client, guicheng):
    url = reverse("site:order", args=["NOSUCH"])
    for _ in range(30):
        assert client.get(url).status_code == 404
    page = _page(client.get(url), 429, "操作太频繁")
    assert "查询太频繁，请稍后再试。" in page


def test_a_refused_form_is_the_chinese_csrf_page(guicheng):
    client = Client(enforce_csrf_checks=True)
    page = _page(client.post(reverse("site:order_new"), {}), 403, "页面已过期")
    assert "刷新后再提交" in page and "CSRF" not in page
    # the staff login form, left open too long, offers the login again
    page = _page(client.post(reverse("admin:login"), {}), 403, "页面已过期")
    assert "/admin/login/?next=%2Fadmin%2Flogin%2F" in page


# --- The API keeps JSON -----------------------------------------------------------------------------


def test_the_api_keeps_json_errors(client, guicheng):
    unknown = client.get("/api/v1/no-such-endpoint/")
    assert unknown.status_code == 404 and unknown.json() == {"detail": "页面不存在"}
    missing = client.get(reverse("api:project-detail", args=[999999]))
    assert missing.status_code == 404 and "detail" in missing.json()
    assert client.get("/api/v1/", HTTP_HOST="evil.example").json() == {"detail": "请求无法处理"}


@override_settings(ROOT_URLCONF="portal.tests.urls_failing")
def test_an_api_failure_is_a_json_500():
    response = Client(raise_request_exception=False).get("/api/v1/boom/")
    assert response.status_code == 500 and response.json() == {"detail": "服务器出错了"}


# --- Where a staff login lands ----------------------------------------------------------------------


def _login(client, username: str, next_url: str):
    data = {"username": username, "password": PASSWORD, "next": next_url}
    return client.post(reverse("admin:login") + "?next=" + next_url, data, follow=True)


@pytest.mark.parametrize("next_url", ["https://evil.example/", "//evil.example/admin/"])
def test_street_staff_refused_another_site_land_in_the_admin(client, street_staff, next_url):
    response = _login(client, "jiedao", next_url)
    assert response.redirect_chain[-1][0] == reverse("admin:index")
    assert response.status_code == 200


def test_a_secretary_refused_another_site_lands_in_the_workspace(client, guihua_secretary):
    response = _login(client, "guihua", "https://evil.example/")
    assert response.redirect_chain[-1][0] == reverse("workspace:home")
    assert response.status_code == 200


def test_a_resident_lands_on_their_page_and_a_visitor_on_the_login(client, guicheng):
    assert client.get(reverse("after_login"))["Location"] == reverse("admin:login")
    resident = get_user_model().objects.create_user("13800138000", password=PASSWORD)
    client.force_login(resident)
    assert client.get(reverse("after_login"))["Location"] == reverse("site:me")
