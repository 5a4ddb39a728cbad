"""Older residents on a 390×844 phone (Debian's Chromium through Playwright): running text is never
under 16px, whatever is tapped is at least 44px high, and the 大字 switch in the masthead makes
every page larger, is remembered by the browser, is on before the first paint, and leaves no
page scrolling sideways. Screenshots are kept in bench/out/screenshots/ to be looked at."""

from datetime import time, timedelta
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import timezone

from organizations.models import OpeningInterval, ServiceCenter
from volunteers.models import Activity

from .test_browser import CHROMIUM, PHONE, browser  # noqa: F401 - the shared browser fixture
from .test_browser_site import SHOTS

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Chromium is installed by `make test`"),
]
# What a finger taps: buttons and links styled as buttons, navigation links, form controls. A
# checkbox is tapped through the label around it, so its label is what is measured.
TARGETS = """() => Array.from(document.querySelectorAll(
  "button, a.button, nav a, .entries a, .tags a, .crumbs a, .card-link, input, select, textarea"
)).filter((el) => {
  const box = el.getBoundingClientRect();
  return box.width > 0 && box.height > 0 && getComputedStyle(el).visibility !== "hidden";
}).map((el) => {
  const target = el.type === "checkbox" || el.type === "radio" ? el.closest("label") || el : el;
  return { what: el.outerHTML.slice(0, 90), height: target.getBoundingClientRect().height };
})"""
BODY_SIZE = "parseFloat(getComputedStyle(document.body).fontSize)"
# Set before any script of the page runs: whether <html> already had 大字 when the parser
# reached <body>, that is before anything could be painted.
LARGE_AT_BODY = """new MutationObserver((records, observer) => {
  if (document.body) {
    window.largeAtBody = document.documentElement.classList.contains("text-large");
    observer.disconnect();
  }
}).observe(document, { childList: true, subtree: true });"""


def _small_targets(page) -> list[dict]:
    return [target for target in page.evaluate(TARGETS) if target["height"] < 44]


def test_older_residents_read_large_text_and_tap_large_targets(browser, live_server, guicheng):  # noqa: F811
    # given a station open all day, and an activity of its community this week
    guihua = guicheng.communities.get(name="桂花社区")
    station = ServiceCenter.objects.create(
        street=guicheng,
        community=guihua,
        name="桂花园党群服务站",
        level=ServiceCenter.Level.STATION,
        address="桂花社区桂花园东区",
        phone="0757-86000000",
        is_published=True,
    )
    OpeningInterval.objects.bulk_create(
        OpeningInterval(center=station, weekday=day, opens_at=time(0, 0), closes_at=time(23, 59)) for day in range(7)
    )
    activity = Activity.objects.create(
        street=guicheng,
        community=guihua,
        center=station,
        title="桂花园长者智能手机使用课堂",
        place="桂花园党群服务站",
        starts_at=timezone.now() + timedelta(days=1),
        ends_at=timezone.now() + timedelta(days=1, hours=2),
        capacity=20,
    )
    read = {
        "home": reverse("site:home"),
        "centre": reverse("site:center", args=[station.pk]),
        "activities": reverse("site:activities"),
    }
    tapped = read | {
        "centres": f"{reverse('site:centers')}?open=1",
        "activity": reverse("site:activity", args=[activity.pk]),
        "projects": reverse("site:projects"),
        "search": f"{reverse('site:search')}?q=桂花",
        "order": reverse("site:order_new"),
        "register": reverse("site:register"),
    }
    context = browser.new_context(viewport=PHONE, locale="zh-CN", timezone_id="Asia/Shanghai")
    context.add_init_script(LARGE_AT_BODY)
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    SHOTS.mkdir(parents=True, exist_ok=True)

    # when a resident opens the site at the normal size
    # then the text is at least 16px and every target at least 44px high, on every page
    for name, path in tapped.items():
        page.goto(f"{live_server.url}{path}")
        if name in read:
            assert page.evaluate(BODY_SIZE) >= 16, name
        assert _small_targets(page) == [], name
    page.goto(f"{live_server.url}/")
    normal = page.evaluate(BODY_SIZE)
    switch = page.get_by_role("button", name="大字")
    assert switch.get_attribute("aria-pressed") == "false"
    page.screenshot(path=SHOTS / "site-home-normal.png", full_page=True)

    # when they turn 大字 on and come back later
    switch.click()
    assert switch.get_attribute("aria-pressed") == "true"
    page.reload()

    # then it is still on, on before the first paint, and the text is clearly larger
    assert page.get_by_role("button", name="大字").get_attribute("aria-pressed") == "true"
    assert page.evaluate("window.largeAtBody") is True
    large = page.evaluate(BODY_SIZE)
    assert large >= 20 and large >= normal * 1.2, (normal, large)
    page.screenshot(path=SHOTS / "site-home-large.png", full_page=True)

    # and on every page the targets stay large and nothing scrolls sideways at 390px
    for name, path in tapped.items():
        page.goto(f"{live_server.url}{path}")
        assert page.evaluate("window.largeAtBody") is True, name
        if name in read:
            assert page.evaluate(BODY_SIZE) >= 20, name
        assert _small_targets(page) == [], name
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"], name
        if name in {"centre", "activities"}:
            page.screenshot(path=SHOTS / f"site-{name}-large.png", full_page=True)

    # and turned off again, the site is back to its normal size after a reload
    page.get_by_role("button", name="大字").click()
    page.reload()
    assert page.get_by_role("button", name="大字").get_attribute("aria-pressed") == "false"
    assert page.evaluate("window.largeAtBody") is False
    assert page.evaluate(BODY_SIZE) == normal
    assert errors == []
    context.close()
