"""The lobby big screen in a real browser (Debian's Chromium through Playwright) at 1920×1080: the
charts draw, the page fits the screen, and new records appear without the page reloading. The
screenshot is kept in bench/out/screenshots/ to be looked at."""

from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from portal.tests.test_screen import Board
from volunteers.tests.factories import ActivityFactory

from .test_browser import CHROMIUM, browser  # noqa: F401 - the shared browser fixture
from .test_browser_site import SHOTS

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Chromium is installed by `make test`"),
]
SCREEN = {"width": 1920, "height": 1080}


def _bar_widths(page, selector: str) -> list[float]:
    return [box["width"] if box else 0 for box in (bar.bounding_box() for bar in page.locator(selector).all())]


def test_the_big_screen_draws_its_charts_and_refreshes_in_place(browser, live_server, guicheng, settings):  # noqa: F811
    # given a public 730 plan with every theme under way, published ratings at every star level,
    # activities and updates; and a screen that refreshes every second
    guihua = guicheng.communities.get(name="桂花社区")
    Board(guihua)(7)
    settings.SCREEN_REFRESH_SECONDS = 1
    context = browser.new_context(viewport=SCREEN, locale="zh-CN", timezone_id="Asia/Shanghai")
    page = context.new_page()
    errors, navigations = [], []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.on("framenavigated", lambda frame: navigations.append(frame.url) if frame == page.main_frame else None)
    SHOTS.mkdir(parents=True, exist_ok=True)

    # when the lobby screen opens
    page.goto(f"{live_server.url}/screen/")
    page.wait_for_selector(".chart-plan .chart-bar")

    # then both charts drew: 7 theme bars and 5 star bars, each with a visible length, in SVGs
    # of a real size, and the page fits 1920×1080 with nothing to scroll
    theme_bars = _bar_widths(page, ".chart-plan .chart-bar")
    star_bars = _bar_widths(page, ".chart-stars .chart-bar")
    assert len(theme_bars) == 7 and all(width > 5 for width in theme_bars), theme_bars
    assert theme_bars == sorted(theme_bars)  # themes at 10 %, 20 % … 70 %
    assert len(star_bars) == 5 and all(width > 5 for width in star_bars), star_bars
    for chart in (".chart-plan", ".chart-stars"):
        box = page.locator(chart).bounding_box()
        assert box["width"] > 250 and box["height"] > 180, (chart, box)
        assert box["y"] + box["height"] <= SCREEN["height"], (chart, box)
    assert page.evaluate("document.documentElement.scrollWidth") <= SCREEN["width"]
    assert page.evaluate("document.documentElement.scrollHeight") <= SCREEN["height"]
    assert page.locator(".figure").count() >= 10
    page.screenshot(path=SHOTS / "screen-1920x1080.png")

    # when an activity is published while the screen is up
    page.evaluate("window.screenMarker = 'still the same page'")
    first = page.locator("#panels").get_attribute("data-generated")
    ActivityFactory(community=guihua, title="新上线的志愿活动", starts_at=timezone.now() + timedelta(hours=1))

    # then it appears within a refresh cycle or two, swapped in without a navigation
    page.locator("#panels").get_by_text("新上线的志愿活动").wait_for(timeout=15_000)
    assert page.locator("#panels").get_attribute("data-generated") != first
    assert page.evaluate("window.screenMarker") == "still the same page"
    assert page.locator("body").get_attribute("data-refreshed")
    assert navigations == [f"{live_server.url}/screen/"]
    assert page.locator(".chart-plan .chart-bar").count() == 7  # the charts came back with the panels
    page.screenshot(path=SHOTS / "screen-1920x1080-refreshed.png")
    assert errors == []

    # and when the network goes away, the last panels stay up, marked as not current
    page.route("**/panels/", lambda route: route.abort())
    page.wait_for_selector("body.is-stale", timeout=10_000)
    assert page.locator("#panels").get_by_text("新上线的志愿活动").is_visible()
    assert page.locator(".chart-stars .chart-bar").count() == 5
    context.close()
