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
