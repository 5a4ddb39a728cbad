"""A resident looking for help (issue 18), in a real browser on a 390×844 phone: registers from an
activity and is brought back to sign up; places a 点单 logged in, copies its code and finds it on
/me/; filters the demo's activities and sees their place on a waitlist. Screenshots are kept in
bench/out/screenshots/ (``SHOTS``) to be looked at."""

from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from organizations.models import ServiceCenter
from volunteers import services
from volunteers.models import Activity, ServiceOrder, Signup

from .test_browser import CHROMIUM, PHONE, browser  # noqa: F401 - the shared browser fixture

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Chromium is installed by `make test`"),
]
SHOTS = Path(__file__).resolve().parent.parent / "bench" / "out" / "screenshots"
PASSWORD = "Guihua-2023-pass"


def _phone_page(chromium, **options):
    context = chromium.new_context(viewport=PHONE, locale="zh-CN", timezone_id="Asia/Shanghai", **options)
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    SHOTS.mkdir(parents=True, exist_ok=True)
    return page, errors


def _log_in(page, base: str, phone: str) -> None:
    page.goto(f"{base}/volunteer/login/")
    page.get_by_label("手机号").fill(phone)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url("**/me/")


def test_a_resident_registers_from_an_activity_and_is_brought_back_to_sign_up(browser, live_server, guicheng):  # noqa: F811
    # given an activity with three places
    guihua = guicheng.communities.get(name="桂花社区")
    start = timezone.now() + timedelta(days=2)
    activity = Activity.objects.create(
        street=guicheng, community=guihua, title="桂花园长者义剪", place="桂花社区党群服务中心",
        category=Activity.Category.ELDERLY, starts_at=start, ends_at=start + timedelta(hours=2), capacity=3,
    )  # fmt: skip
    page, errors = _phone_page(browser)

    # when a resident reading it follows 用手机号注册, registers, and logs in
    page.goto(f"{live_server.url}/activities/{activity.pk}/")
    page.get_by_role("link", name="用手机号注册").click()
    page.wait_for_url("**/volunteer/register/?next=**")
    page.locator("#id_name").fill("陈街坊")
    page.get_by_label("手机号（用作登录名，不会公开）").fill("13912345678")
    page.get_by_label("所在社区").select_option(label="桂花社区")
    page.get_by_label("设置密码（至少 8 位，不要只用数字）").fill(PASSWORD)
    page.get_by_label("我已阅读并同意下面的个人信息说明").check()
    page.get_by_role("button", name="注册").click()
    page.wait_for_url(f"**/volunteer/login/?next=/activities/{activity.pk}/")
    page.get_by_label("手机号").fill("13912345678")
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()

    # then they are back on the activity, its sign-up offered right there
    page.wait_for_url(f"{live_server.url}/activities/{activity.pk}/")
    assert page.locator("#free-places").inner_text() == "剩余 3 个"
    page.get_by_role("button", name="报名参加").click()
    page.wait_for_selector(".messages")
    assert page.locator("#free-places").inner_text() == "剩余 2 个"
    assert Signup.objects.get(activity=activity).volunteer.phone == "13912345678"

    # and cancelling asks first: the question opens, nothing is cancelled until it is confirmed
    page.locator("summary", has_text="取消报名").click()
    assert page.get_by_role("button", name="确定取消报名").is_visible()
    page.screenshot(path=SHOTS / "site-activity-cancel-confirm.png", full_page=True)
    assert Signup.objects.get(activity=activity).status == Signup.Status.REGISTERED
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    assert errors == []


def test_a_resident_places_an_order_logged_in_and_finds_it_on_me(browser, live_server, guicheng):  # noqa: F811
    # given a resident of 桂花社区 with a login
    guihua = guicheng.communities.get(name="桂花社区")
    services.volunteer_account_register(
        phone="13912345678", name="陈街坊", password=PASSWORD, community=guihua, show_name=False
    )
    page, errors = _phone_page(browser, permissions=["clipboard-read", "clipboard-write"])
    _log_in(page, live_server.url, "13912345678")

    # when they ask for help: the form knows them and starts at their community's centre
    page.goto(f"{live_server.url}/orders/new/")
    centre = page.get_by_label("向哪个服务中心点单")
    assert centre.evaluate("e => e.options[e.selectedIndex].text") == "桂花社区党群服务中心"
    assert centre.evaluate("e => e.options[e.selectedIndex].parentElement.label") == "桂花社区（我的社区）"
    assert page.get_by_label("联系人").input_value() == "陈街坊"
    assert page.get_by_label("联系电话（只给服务中心，不会公开）").input_value() == "13912345678"
    page.get_by_label("服务类别").select_option(label="家电维修")
    page.get_by_label("需要什么帮助").fill("楼道灯坏了，想请志愿者帮忙修一下")
    page.get_by_label("希望的时间（选填）").fill("周六上午")
    page.get_by_role("button", name="提交点单").click()
    page.wait_for_selector("#order-code")

    # then the status page repeats the order, their contact to them, and copies its code
    code = ServiceOrder.objects.get().code
    assert page.locator("#order-code").inner_text() == code
    assert "楼道灯坏了" in page.locator("#order-need").inner_text()
    assert page.locator("#order-contact").inner_text() == "陈街坊 · 13912345678"
    copy = page.get_by_role("button", name="复制查询码")
    assert copy.is_visible()
    copy.click()
    page.wait_for_selector(".copy-status:has-text('已复制')")
    assert page.evaluate("navigator.clipboard.readText()") == code
    page.screenshot(path=SHOTS / "site-order-status.png", full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]

    # and /me/ lists it with its status and a link back
    page.goto(f"{live_server.url}/me/")
    mine = page.locator(".orders .card")
    assert mine.count() == 1 and "已提交" in mine.inner_text() and code in mine.inner_text()
    page.locator("#my-orders").scroll_into_view_if_needed()
    page.screenshot(path=SHOTS / "site-me-orders.png", full_page=True)
    mine.get_by_role("link").click()
    page.wait_for_url(f"**/orders/{code}/")
    assert errors == []


def test_a_resident_filters_the_demo_activities_and_sees_their_place_on_a_waitlist(browser, live_server, guicheng):  # noqa: F811
    from volunteers.demo import demo_volunteers_seed

    # given the demo's volunteer work, and a resident of 桂花社区
    ServiceCenter.objects.update(is_published=True)
    demo_volunteers_seed()
    guihua = guicheng.communities.get(name="桂花社区")
    services.volunteer_account_register(
        phone="13912345678", name="陈街坊", password=PASSWORD, community=guihua, show_name=False
    )
    page, errors = _phone_page(browser)

    # when a resident asks for this week's activities that still have places
    page.goto(f"{live_server.url}/activities/")
    everything = int(page.locator("#activity-count").inner_text().split("共 ")[1].split(" ")[0])
    page.get_by_label("时间").select_option(label="本周")
    page.get_by_label("只看有名额").check()
    page.get_by_role("button", name="筛选").click()
    page.wait_for_url("**/activities/?*when=week*free=1*")
    page.screenshot(path=SHOTS / "site-activities-filtered.png", full_page=False)

    # then fewer are listed, none of them full, and the link opens the same list elsewhere
    shown = int(page.locator("#activity-count").inner_text().split("共 ")[1].split(" ")[0])
    assert 0 < shown < everything
    assert page.locator(".badge-closed", has_text="名额已满").count() == 0
    assert page.get_by_label("只看有名额").is_checked()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]

    # and on a full activity, signing up puts them on its waitlist, their place shown
    full = next(
        a
        for a in Activity.objects.filter(is_demo=True, ends_at__gt=timezone.now()).with_taken().order_by("starts_at")
        if a.taken >= a.capacity
    )
    ahead = Signup.objects.filter(activity=full, status=Signup.Status.WAITLISTED).count()
    _log_in(page, live_server.url, "13912345678")
    page.goto(f"{live_server.url}/activities/{full.pk}/")
    page.get_by_role("button", name="排队候补").click()
    page.wait_for_selector(".messages")
    assert page.locator("#my-signup .badge").inner_text() == f"候补第 {ahead + 1} 位"
    page.screenshot(path=SHOTS / "site-activity-waitlisted.png", full_page=True)
    assert errors == []
