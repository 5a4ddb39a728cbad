"""The residents' site in a real browser (Debian's Chromium through Playwright) on a 390×844
phone. Screenshots are kept in bench/out/screenshots/ to be looked at."""

from datetime import time
from pathlib import Path

import pytest

from organizations.models import OpeningInterval, ServiceCenter

from .test_browser import CHROMIUM, PHONE, browser  # noqa: F401 - the shared browser fixture

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Chromium is installed by `make test`"),
]
SHOTS = Path(__file__).resolve().parent.parent / "bench" / "out" / "screenshots"


def test_a_resident_finds_a_centre_open_now_and_reads_its_hours(browser, live_server, guicheng):  # noqa: F811
    # given a station open all day every day, and the street centre with no hours published
    station = ServiceCenter.objects.create(
        street=guicheng,
        community=guicheng.communities.get(name="桂花社区"),
        name="桂花园党群服务站",
        level=ServiceCenter.Level.STATION,
        address="桂花社区桂花园东区",
        phone="0757-86000000",
        is_published=True,
    )
    OpeningInterval.objects.bulk_create(
        OpeningInterval(center=station, weekday=day, opens_at=time(0, 0), closes_at=time(23, 59)) for day in range(7)
    )
    context = browser.new_context(viewport=PHONE, locale="zh-CN", timezone_id="Asia/Shanghai")
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    SHOTS.mkdir(parents=True, exist_ok=True)

    # when the resident opens the site from a WeChat link and asks for a centre open now
    page.goto(f"{live_server.url}/")
    page.screenshot(path=SHOTS / "site-home.png", full_page=True)
    page.get_by_role("link", name="找一个正在开放的党群服务中心").click()
    page.wait_for_url("**/centers/?open=1")
    page.screenshot(path=SHOTS / "site-open-now.png", full_page=True)
    # the open ones run to several pages: the resident narrows them to their community
    assert page.get_by_label("只看开放中").is_checked()
    page.get_by_label("社区").select_option(label="桂花社区")
    page.get_by_role("button", name="筛选").click()
    page.wait_for_url("**/centers/?level=&community=*&open=1")

    # then the open station is listed with its badge, and the closed street centre is not
    cards = page.locator(".card")
    assert cards.count() >= 1
    assert page.get_by_text("桂花园党群服务站").is_visible()
    assert page.locator(".badge-open").first.inner_text() == "开放中"
    assert "桂城街道党群服务中心" not in page.content()

    # and its page shows today's hours, a phone link and no horizontal scrolling
    page.get_by_role("link", name="桂花园党群服务站").click()
    page.wait_for_selector("table.hours")
    page.screenshot(path=SHOTS / "site-centre.png", full_page=True)
    assert "00:00–23:59" in page.locator("tr.today").inner_text()
    assert page.locator('a[href="tel:0757-86000000"]').is_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    assert errors == []


def _phone_page(chromium):
    context = chromium.new_context(viewport=PHONE, locale="zh-CN", timezone_id="Asia/Shanghai")
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    SHOTS.mkdir(parents=True, exist_ok=True)
    return page, errors


def test_a_volunteer_signs_up_and_the_free_places_go_down_by_one(browser, live_server, guicheng):  # noqa: F811
    from datetime import timedelta

    from django.utils import timezone

    from volunteers.models import Activity

    # given an activity with three places
    guihua = guicheng.communities.get(name="桂花社区")
    activity = Activity.objects.create(
        street=guicheng,
        community=guihua,
        title="桂花园长者义剪",
        place="桂花社区党群服务中心",
        starts_at=timezone.now() + timedelta(days=2),
        ends_at=timezone.now() + timedelta(days=2, hours=2),
        capacity=3,
    )
    page, errors = _phone_page(browser)

    # when a resident registers with a phone number and a password, then signs up
    page.goto(f"{live_server.url}/volunteer/register/")
    page.locator("#id_name").fill("陈街坊")
    page.get_by_label("手机号（用作登录名，不会公开）").fill("13912345678")
    page.get_by_label("所在社区").select_option(label="桂花社区")
    page.get_by_label("设置密码（至少 8 位，不要只用数字）").fill("Guihua-2023-pass")
    page.get_by_label("我已阅读并同意下面的个人信息说明").check()
    page.get_by_role("button", name="注册").click()
    page.wait_for_url("**/login/")
    page.get_by_label("手机号").fill("13912345678")
    page.get_by_label("密码").fill("Guihua-2023-pass")
    page.get_by_role("button", name="登录").click()
    page.wait_for_url("**/me/")
    page.goto(f"{live_server.url}/activities/{activity.pk}/")
    assert page.locator("#free-places").inner_text() == "剩余 3 个"
    page.get_by_role("button", name="报名参加").click()
    page.wait_for_selector(".messages")
    page.screenshot(path=SHOTS / "site-signed-up.png", full_page=True)

    # then one place fewer is left, and the page offers to cancel
    assert page.locator("#free-places").inner_text() == "剩余 2 个"
    assert page.locator("summary", has_text="取消报名").is_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    assert errors == []


def test_a_resident_submits_a_service_order_and_sees_its_status(browser, live_server, guicheng):  # noqa: F811
    center = ServiceCenter.objects.get(name="桂城街道党群服务中心")
    center.is_published = True
    center.save()
    page, errors = _phone_page(browser)

    # when a resident asks the street centre for help
    page.goto(f"{live_server.url}/orders/new/")
    page.get_by_label("向哪个服务中心点单").select_option(label=center.name)
    page.get_by_label("服务类别").select_option(label="家电维修")
    page.get_by_label("需要什么帮助").fill("楼道灯坏了，想请志愿者帮忙修一下")
    page.get_by_label("联系人").fill("黄女士")
    page.get_by_label("联系电话（只给服务中心，不会公开）").fill("13800138000")
    page.get_by_role("button", name="提交点单").click()
    page.wait_for_selector("#order-code")
    page.screenshot(path=SHOTS / "site-order.png", full_page=True)

    # then the tracking page says it was submitted; the contact is shown to the browser that
    # sent it, and to no other holder of the code
    assert page.locator("#order-status").inner_text() == "已提交"
    assert page.locator("#order-contact").inner_text() == "黄女士 · 13800138000"
    elsewhere, _ = _phone_page(browser)
    elsewhere.goto(page.url)
    assert elsewhere.locator("#order-status").inner_text() == "已提交"
    assert "13800138000" not in elsewhere.content() and "黄女士" not in elsewhere.content()
    assert errors == []


def test_a_resident_taps_a_figure_and_reads_its_column_on_a_small_phone(browser, live_server, guicheng):  # noqa: F811
    # given a 360 px phone, the narrowest the site is made for
    context = browser.new_context(viewport={"width": 360, "height": 740}, locale="zh-CN", timezone_id="Asia/Shanghai")
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    SHOTS.mkdir(parents=True, exist_ok=True)

    # when the resident taps 在册党员 in the 数读 panel
    page.goto(f"{live_server.url}/")
    page.locator(".figures").get_by_role("link", name="在册党员").click()
    page.wait_for_url("**/figures/?street=*#organizations.members")
    page.wait_for_timeout(200)
    page.screenshot(path=SHOTS / "site-figures-column.png")

    # then the table scrolled sideways inside its wrapper to the 在册党员 column, the community
    # names stayed in view beside it, and the page itself does not scroll sideways
    header = page.locator('th[id="organizations.members"]').bounding_box()
    name = page.locator("tbody th[scope=row]").first.bounding_box()
    assert page.locator(".table-scroll").evaluate("e => e.scrollLeft") > 0
    assert 0 <= name["x"] and name["x"] + name["width"] <= header["x"] + 1
    assert header["x"] + header["width"] <= 360
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    assert page.get_by_role("link", name="桂花社区").is_visible()
    assert errors == []


def test_a_resident_pages_through_the_directory_keeping_the_filter(browser, live_server, guicheng):  # noqa: F811
    # given 30 published stations of 桂花社区
    guihua = guicheng.communities.get(name="桂花社区")
    ServiceCenter.objects.bulk_create(
        ServiceCenter(street=guicheng, community=guihua, level="station", name=f"桂花{i:02}服务站", is_published=True)
        for i in range(30)
    )
    page, errors = _phone_page(browser)

    # when the resident filters by 小区 and 桂花社区, then taps 下一页
    page.goto(f"{live_server.url}/centers/")
    page.get_by_label("层级").select_option(label="小区")
    page.get_by_label("社区").select_option(label="桂花社区")
    page.get_by_role("button", name="筛选").click()
    page.wait_for_url("**/centers/?level=station*")
    first = page.locator(".card-title").all_inner_texts()
    page.get_by_role("link", name="下一页").click()
    page.wait_for_url("**page=2")
    page.screenshot(path=SHOTS / "site-centres-page-2.png", full_page=True)

    # then page 2 holds the rest of the same filter, and offers the way back
    second = page.locator(".card-title").all_inner_texts()
    assert page.locator("p.count").inner_text() == "第 2 / 2 页 · 共 30 个"
    assert len(first) == 24 and len(second) == 6 and not set(first) & set(second)
    assert all(title.startswith("桂花") for title in first + second)
    assert page.get_by_role("link", name="上一页").is_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    assert errors == []


# --- 离我最近 -----------------------------------------------------------------------------------

CENTRE_SHOTS = SHOTS


def _gps_of(lat: float, lng: float) -> tuple[float, float]:
    """The GPS (WGS-84) position a phone reports where 高德 shows (lat, lng): the shift inverted."""
    from organizations.geo import wgs84_to_gcj02

    wgs = (lat, lng)
    for _ in range(5):
        shifted = wgs84_to_gcj02(*wgs)
        wgs = (wgs[0] + lat - shifted[0], wgs[1] + lng - shifted[1])
    return wgs


def _demo_contacts(street):
    """What the demo generator writes for the centres' addresses, phones and positions."""
    from organizations.demo.centers import _write_center_contacts
    from organizations.demo.scales import _guicheng_plan

    _write_center_contacts(_guicheng_plan(street), street, history=False)


def test_a_resident_finds_the_nearest_centre_and_calls_it(browser, live_server, guicheng):  # noqa: F811
    # given the demo centres placed over Guicheng, and a resident standing by the 桂花 centre
    _demo_contacts(guicheng)
    guihua = ServiceCenter.objects.get(name="桂花社区党群服务中心")
    lat, lng = _gps_of(float(guihua.latitude), float(guihua.longitude))
    context = browser.new_context(
        viewport=PHONE,
        locale="zh-CN",
        timezone_id="Asia/Shanghai",
        geolocation={"latitude": lat, "longitude": lng},
        permissions=["geolocation"],
    )
    page = context.new_page()
    errors, posted = [], []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.on("request", lambda request: posted.append(request) if "/centers/near/" in request.url else None)
    CENTRE_SHOTS.mkdir(parents=True, exist_ok=True)

    # when they open the directory and tap 离我最近
    page.goto(f"{live_server.url}/centers/")
    first_before = page.locator(".card-title").first.inner_text()
    page.get_by_role("button", name="离我最近").click()
    page.wait_for_selector(".near-note")

    # then the 桂花 centre comes first, a few metres away, with a call button and a 高德 link
    first = page.locator(".card").first
    assert first_before == "桂城街道党群服务中心"
    assert first.locator(".card-title").inner_text() == "桂花社区党群服务中心"
    assert first.locator(".distance").inner_text() == "距您约 100 米"
    assert first.get_by_role("link", name=f"拨打 {guihua.phone}").get_attribute("href") == f"tel:{guihua.phone}"
    navigate = first.get_by_role("link", name="高德导航").get_attribute("href")
    assert navigate.startswith(f"https://uri.amap.com/marker?position={guihua.longitude},{guihua.latitude}&name=")
    assert "演示数据" in first.inner_text()
    distances = page.locator(".distance").all_inner_texts()
    assert len(distances) == 24 and distances[1] != "距您约 100 米"
    # the position went in a POST body, rounded, and never into the address bar
    assert [request.method for request in posted] == ["POST"]
    assert posted[0].url == f"{live_server.url}/centers/near/"
    assert "lat=" in posted[0].post_data and "lat" not in page.url
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=CENTRE_SHOTS / "centres-near-me.png", full_page=False)
    page.screenshot(path=CENTRE_SHOTS / "centres-near-me-full.png", full_page=True)

    # and the centre's page says where it is and how to call it, the invented details marked
    first.locator(".card-title").click()
    page.wait_for_selector("dl.contact")
    assert page.locator('a[href^="tel:0757-8"]').first.is_visible()
    assert page.locator(".contact .demo-mark").count() == 3
    page.screenshot(path=CENTRE_SHOTS / "centre-detail.png", full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]

    # and the login page's forgotten-password line leads to the community centres' phones
    page.goto(f"{live_server.url}/volunteer/login/")
    page.screenshot(path=CENTRE_SHOTS / "login.png", full_page=True)
    page.get_by_role("link", name="所在社区的党群服务中心").click()
    page.wait_for_url("**/centers/?level=community")
    assert page.locator('.card a[href^="tel:"]').count() == 24
    assert errors == []


def test_a_resident_who_refuses_the_position_is_told_what_to_do(browser, live_server, guicheng):  # noqa: F811
    # given a browser whose resident said no to sharing the position
    context = browser.new_context(viewport=PHONE, locale="zh-CN", timezone_id="Asia/Shanghai")
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))

    # when they tap 离我最近
    page.goto(f"{live_server.url}/centers/")
    page.get_by_role("button", name="离我最近").click()

    # then they are told why nothing was sorted and what else to do, and the list stays
    status = page.locator("#near-status")
    status.filter(has_text="没有允许").wait_for()
    assert "社区" in status.inner_text()
    assert page.locator(".card").count() == 24 and page.locator(".distance").count() == 0
    assert page.get_by_role("button", name="离我最近").is_enabled()
    page.screenshot(path=CENTRE_SHOTS / "centres-near-refused.png")
    assert errors == []


def test_at_night_open_now_says_when_the_centres_open(browser, live_server, guicheng):  # noqa: F811
    from datetime import UTC, datetime
    from unittest import mock

    # given the demo centres, at 23:00 on a Monday (2026-11-23) in Foshan
    _demo_contacts(guicheng)
    page, errors = _phone_page(browser)
    CENTRE_SHOTS.mkdir(parents=True, exist_ok=True)

    # when a resident asks for the centres open now
    with mock.patch("django.utils.timezone.now", return_value=datetime(2026, 11, 23, 15, 0, tzinfo=UTC)):
        page.goto(f"{live_server.url}/centers/?open=1")

    # then they read that none is open, and when each opens tomorrow
    assert page.get_by_text("现在没有开放中的服务中心").is_visible()
    assert page.locator(".next-opening").first.inner_text() == "明天 09:00 开放"
    page.screenshot(path=CENTRE_SHOTS / "centres-open-now-at-night.png")


def test_bad_registration_and_order_say_what_is_wrong_in_chinese(browser, live_server, guicheng):  # noqa: F811
    center = ServiceCenter.objects.get(name="桂城街道党群服务中心")
    center.is_published = True
    center.save()
    page, errors = _phone_page(browser)

    # when a resident registers without a name, with a short phone and a short password
    page.goto(f"{live_server.url}/volunteer/register/")
    phone = page.get_by_label("手机号（用作登录名，不会公开）")
    assert (phone.get_attribute("type"), phone.get_attribute("inputmode")) == ("tel", "tel")
    assert page.get_by_label("所在社区").locator("option").first.inner_text() == "请选择…"
    phone.fill("12345")
    page.get_by_label("设置密码（至少 8 位，不要只用数字）").fill("123")
    page.get_by_role("button", name="注册").click()
    page.wait_for_selector(".errorlist")
    page.screenshot(path=SHOTS / "site-register-errors.png", full_page=True)

    # then each field says what is wrong in its own words
    text = page.locator("main").inner_text()
    for message in ("请填写姓名。", "请选择所在社区。", "密码至少 8 位（现在 3 位）。"):
        assert message in text
    assert "电话号码格式不正确" in text and "请勾选“我已阅读并同意下面的个人信息说明”。" in text

    # and so does the 点单 form sent empty
    page.goto(f"{live_server.url}/orders/new/")
    assert page.get_by_label("联系电话（只给服务中心，不会公开）").get_attribute("type") == "tel"
    page.get_by_role("button", name="提交点单").click()
    page.wait_for_selector(".errorlist")
    page.screenshot(path=SHOTS / "site-order-errors.png", full_page=True)
    text = page.locator("main").inner_text()
    for message in ("请选择服务中心。", "请填写求助内容。", "请填写联系人。", "请填写联系电话。"):
        assert message in text
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    assert errors == []
