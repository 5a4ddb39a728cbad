"""The boards on a 390×844 phone in a real browser (Debian's Chromium through Playwright): the
home page puts 我要办 above the figures, the 书记工程 board narrows to one community with an
address that can be shared, and the honour roll finds a branch that is not five-star, whose
page states the thresholds and weights it was rated by."""

from decimal import Decimal
from pathlib import Path

import pytest

from indicators import services as rating_services
from indicators.models import Period, Score
from indicators.tests.factories import PeriodFactory, SchemeFactory, society_branch
from organizations.models import Community
from projects.tests.factories import SecretaryProjectFactory

from .test_browser import CHROMIUM, PHONE, browser  # noqa: F401 - the shared browser fixture

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Chromium is installed by `make test`"),
]
SHOTS = Path(__file__).resolve().parent.parent / "bench" / "out" / "screenshots"


def _phone_page(chromium):
    context = chromium.new_context(viewport=PHONE, locale="zh-CN", timezone_id="Asia/Shanghai")
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    SHOTS.mkdir(parents=True, exist_ok=True)
    return page, errors


def test_home_shows_我要办_before_the_first_figure(browser, live_server, guicheng):  # noqa: F811
    page, errors = _phone_page(browser)
    page.goto(f"{live_server.url}/")
    page.screenshot(path=SHOTS / "boards-home.png")

    entries = page.get_by_role("heading", name="我要办").bounding_box()
    first_tile = page.locator(".figures > div").first.bounding_box()
    assert entries["y"] < first_tile["y"]
    # the first things a resident comes to do are on the first screen
    assert page.get_by_role("link", name="找一个正在开放的党群服务中心").bounding_box()["y"] < PHONE["height"]
    assert page.get_by_role("link", name="查点单进度").bounding_box()["y"] < PHONE["height"]
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    assert errors == []


def test_the_board_filters_by_community(browser, live_server, guicheng):  # noqa: F811
    # given a 2023 project in each of 45 communities, 桂花 far down the list
    for community in Community.objects.filter(street=guicheng):
        SecretaryProjectFactory(community=community, year=2023, title=f"{community.name}的书记工程")
    page, errors = _phone_page(browser)

    # when a resident picks 桂花社区 and filters
    page.goto(f"{live_server.url}/projects/")
    page.get_by_label("社区").select_option(label="桂花社区")
    page.get_by_role("button", name="筛选").click()
    page.wait_for_url("**/projects/?community=*")
    page.screenshot(path=SHOTS / "boards-projects-guihua.png", full_page=True)

    # then only 桂花's project is on the board, and the address opens the same board again
    assert page.locator(".card-title").all_inner_texts() == ["桂花社区 · 桂花社区的书记工程"]
    shared = page.url
    again, _ = _phone_page(browser)
    again.goto(shared)
    assert again.locator(".card-title").all_inner_texts() == ["桂花社区 · 桂花社区的书记工程"]
    assert again.get_by_label("社区").input_value() == page.get_by_label("社区").input_value()
    assert errors == []


def test_the_honour_roll_finds_a_three_star_branch_and_shows_its_rules(
    browser,  # noqa: F811
    live_server,
    guicheng,
    street_staff,
):
    # given a published period: one five-star branch and one three-star branch of 叠北社区
    scheme = SchemeFactory(street=guicheng, year=2023)
    period = PeriodFactory(scheme=scheme, year=2023, quarter=3)
    diebei = Community.objects.get(street=guicheng, name="叠北社区")
    branches = {}
    for stars, value in ((5, 95), (3, 75)):
        branch = society_branch(diebei)
        for dimension in scheme.dimensions.all():
            Score.objects.create(period=period, subject=branch, dimension=dimension, value=Decimal(value))
        branches[stars] = branch
    rating_services.period_close_unchecked(period=period)  # rated on commit (eager Celery)
    rating_services.period_publish(period=Period.objects.get(pk=period.pk), user=street_staff)
    page, errors = _phone_page(browser)

    # when a resident looks the three-star one up by its economic society
    page.goto(f"{live_server.url}/honour/")
    page.get_by_label("找一个党支部").fill(branches[3].economic_society.name)
    page.get_by_role("button", name="查找").click()
    page.wait_for_url("**/honour/?q=*")
    page.screenshot(path=SHOTS / "boards-honour-search.png", full_page=True)

    # then it is found, with its stars, and the five-star roll is still there
    found = page.locator("ol.found")
    assert found.get_by_role("link", name=branches[3].name).is_visible()
    assert "★★★☆☆" in found.inner_text()
    assert page.get_by_role("heading", name="五星党支部（1个）").is_visible()

    # and its page states the thresholds and weights it was rated by, and how its total came out
    found.get_by_role("link", name=branches[3].name).click()
    page.wait_for_url(f"**/honour/{branches[3].pk}/")
    page.screenshot(path=SHOTS / "boards-branch-rules.png", full_page=True)
    text = page.locator("main").inner_text()
    for expected in ("五星：总分 ≥ 90 分", "三星：总分 ≥ 70 分", "动员能力：权重 25，满分 100 分", "评为三星"):
        assert expected in text, expected
    assert "18.75 + 18.75 + 18.75 + 18.75 = 总分 75.00 分" in text
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    assert errors == []
