"""The lobby big screen in a real browser (Debian's Chromium through Playwright) at 1920×1080: the
charts draw, the page fits the screen, new records appear without the page reloading, and the
groups turn by themselves in type read from a few metres away, every name whole. The
screenshots are kept in bench/out/screenshots/ to be looked at."""

from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import expect

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
    # In one go: the panels are swapped for fresh ones every second in the first test.
    return page.evaluate(
        "(sel) => Array.from(document.querySelectorAll(sel)).map((bar) => bar.getBoundingClientRect().width)", selector
    )


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

    # when the lobby screen opens, and someone picks the 730 group with the buttons below it
    page.goto(f"{live_server.url}/screen/")
    page.get_by_role("button", name="730进度").click()
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

    # when an activity is published while the screen is up on this week's activities, paused
    page.get_by_role("button", name="本周活动").click()
    page.get_by_role("button", name="暂停轮播").click()
    assert page.get_by_role("button", name="暂停轮播").get_attribute("aria-pressed") == "true"
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
    # on the group that was up, still paused
    assert page.locator("body").get_attribute("data-group") == "news"
    assert page.get_by_role("button", name="本周活动").get_attribute("aria-current") == "true"
    assert page.get_by_role("button", name="暂停轮播").get_attribute("aria-pressed") == "true"
    page.screenshot(path=SHOTS / "screen-1920x1080-refreshed.png")
    assert errors == []

    # and when the network goes away, the last panels stay up, marked as not current
    page.route("**/panels/", lambda route: route.abort())
    page.wait_for_selector("body.is-stale", timeout=10_000)
    assert page.locator("#panels").get_by_text("新上线的志愿活动").is_visible()
    assert page.locator(".chart-stars .chart-bar").count() == 5
    context.close()


# What a tile, a heading or a line of the screen must measure to be read from 3 m (px, at 1920×1080).
READ_FROM_AFAR = 28
# Every text of the group shown: its computed font size, and whether any of it is cut: an
# ellipsis or a line clamp hiding some of it, a line running out of its box sideways, or the
# text reaching past the panel that holds it (panels hide what overflows them) or the screen.
TEXTS = """(sel) => Array.from(document.querySelectorAll(sel)).map((el) => {
  const style = getComputedStyle(el);
  const box = el.getBoundingClientRect();
  const panel = (el.closest(".panel") || document.body).getBoundingClientRect();
  return {
    text: el.textContent.trim(),
    size: parseFloat(style.fontSize),
    ellipsis: style.textOverflow === "ellipsis" && el.scrollWidth > el.clientWidth,
    clamp: style.webkitLineClamp !== "none" && style.webkitLineClamp !== "",
    overflowX: el.scrollWidth > el.clientWidth + 1,
    outside: box.top < panel.top || box.bottom > panel.bottom || box.left < panel.left || box.right > panel.right
      || box.bottom > window.innerHeight || box.right > window.innerWidth,
  };
})"""


def _open_screen(browser, url, **options):  # noqa: F811
    context = browser.new_context(viewport=SCREEN, locale="zh-CN", timezone_id="Asia/Shanghai", **options)
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.goto(url)
    return context, page, errors


def _shown(page) -> str:
    return page.locator("body").get_attribute("data-group")


def test_the_screen_reads_from_three_metres_turning_through_its_groups(browser, live_server, guicheng):  # noqa: F811
    from core import registry
    from organizations.models import ServiceCenter
    from projects.tests.factories import ProgressUpdateFactory, SecretaryProjectFactory

    # given every kind of record, and the long names the old screen cut: 夏南一社区's centre as the
    # place of an activity with a long title, and 夏南一社区's 书记工程 in the latest updates
    Board(guicheng.communities.get(name="桂花社区"))(5)
    xianan = guicheng.communities.get(name="夏南一社区")
    centre = ServiceCenter.objects.filter(community=xianan).first()
    ActivityFactory(
        community=xianan,
        center=centre,
        title="夏南一社区长者智能手机使用培训暨防诈骗宣传活动",
        starts_at=timezone.now() + timedelta(minutes=30),
    )
    ProgressUpdateFactory(
        project=SecretaryProjectFactory(community=xianan, year=2023),
        text="完成夏南一社区三个小区的党群议事会选举，议题清单已经在社区公示栏和微信群同步公开",
    )
    figures = {value.label for value in registry.figures_for(guicheng) if value.computable}
    SHOTS.mkdir(parents=True, exist_ok=True)

    # when the lobby screen opens with its groups turning every 2 seconds
    context, page, errors = _open_screen(browser, f"{live_server.url}/screen/?rotate=2")
    first = _shown(page)

    # then another group comes up by itself, and only one group is visible at a time
    expect(page.locator("body")).not_to_have_attribute("data-group", first, timeout=6_000)
    second = _shown(page)
    expect(page.locator(f"#group-{first}")).to_be_hidden()  # once faded out
    expect(page.locator(f"#group-{second}")).to_be_visible()
    assert page.locator(".group.is-current").count() == 1
    page.screenshot(path=SHOTS / f"screen-group-{second}.png")
    expect(page.locator("body")).not_to_have_attribute("data-group", second, timeout=6_000)

    # and when someone pauses it, it stays on the group they chose
    page.get_by_role("button", name="暂停轮播").click()
    buttons = page.locator(".group-nav [data-show]")
    slugs = [button.get_attribute("data-show") for button in buttons.all()]
    assert len(slugs) >= 5
    seen = set()
    for index, slug in enumerate(slugs):
        buttons.nth(index).click()
        assert _shown(page) == slug
        group = f"#group-{slug}"
        expect(page.locator(group)).to_be_visible()

        # every tile, heading and line is large, and whole: no ellipsis, no clamp, nothing
        # running out of its box; a group holds a few tiles, all on the screen
        texts = page.evaluate(
            TEXTS,
            f"{group} h2, {group} .figure dt, {group} .figure dd, {group} .list-title, {group} .list-meta,"
            f" {group} .list-text, {group} .panel-foot, {group} .empty, .group-nav button",
        )
        assert texts, slug
        for text in texts:
            assert text["size"] >= READ_FROM_AFAR, (slug, text)
            assert not (text["ellipsis"] or text["clamp"] or text["overflowX"] or text["outside"]), (slug, text)
        names = page.evaluate(TEXTS, f"{group} .figure dt")
        seen |= {name["text"] for name in names}
        assert len(names) <= 8, slug
        for tile in page.locator(f"{group} .figure").all():
            box = tile.bounding_box()
            assert box["height"] >= 150 and box["y"] + box["height"] <= SCREEN["height"], (slug, box)
        for label in page.locator(f"{group} .chart-label").all():  # SVG type is drawn at about its size
            assert label.bounding_box()["height"] >= READ_FROM_AFAR, slug
        assert page.evaluate("document.documentElement.scrollHeight") <= SCREEN["height"]
        if slug in {"news", "organization"}:
            page.wait_for_timeout(700)  # the fade
            page.screenshot(path=SHOTS / f"screen-group-{slug}.png")

    # and every figure of the street is in one of the groups, the long names whole
    assert seen == figures
    news = page.locator("#group-news")
    assert news.get_by_text("夏南一社区长者智能手机使用培训暨防诈骗宣传活动").is_visible()
    assert news.get_by_text(f"{centre.name}").is_visible()
    assert news.get_by_text("夏南一社区书记工程").is_visible()
    page.wait_for_timeout(2_500)
    assert _shown(page) == slugs[-1]  # still paused
    assert errors == []
    context.close()


def test_with_reduced_motion_the_screen_stays_put_until_someone_steps_it(browser, live_server, guicheng):  # noqa: F811
    Board(guicheng.communities.get(name="桂花社区"))(2)

    # when the screen opens on a display that asks for reduced motion, its groups set to 1 second
    context, page, errors = _open_screen(browser, f"{live_server.url}/screen/?rotate=1", reduced_motion="reduce")
    first = _shown(page)
    page.wait_for_timeout(2_500)

    # then nothing turned, nothing fades, and the pause button says rotation is off
    assert _shown(page) == first
    assert page.get_by_role("button", name="暂停轮播").get_attribute("aria-pressed") == "true"
    assert page.locator(".group.is-current").evaluate("el => getComputedStyle(el).transitionDuration") == "0s"

    # and the buttons and the arrow keys still step through the groups
    page.get_by_role("button", name="本周活动").click()
    assert _shown(page) == "news" and page.locator("#group-news").is_visible()
    page.keyboard.press("ArrowRight")
    assert _shown(page) == first  # the last group wraps round to the first
    page.keyboard.press("ArrowLeft")
    assert _shown(page) == "news"
    assert errors == []
    context.close()
