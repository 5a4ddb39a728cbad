"""Honest demo data: wherever a value the demo generators invented is shown — the percent and
timeline of a real 书记工程, the 730 list's progress, the stars of a real economic society's
branch, a 数读 figure counting demo records — the page, the lobby screen and the API say so
(a “演示数据” badge; ``is_demo`` / ``progress_is_demo`` in the API), and a real record with no
demo data says nothing of the kind.

The module loads what ``make run`` loads twice: first the reference data alone (``bootstrap
--no-demo``), then with every demo generator, so it can also check that the generators mark
every row they write."""

from __future__ import annotations

import io
import os
import re
from unittest import mock

import pytest
from django.apps import apps
from django.core.management import call_command
from django.urls import reverse

from core import registry
from indicators.models import Period, Rating
from organizations.models import Community, ServiceCenter
from organizations.selectors import default_street
from projects import services as project_services
from projects.models import ProgressUpdate, SecretaryProject, WorkPlan
from projects.tests.factories import SecretaryProjectFactory

pytestmark = [pytest.mark.django_db, pytest.mark.slow]

MARK = 'class="demo-mark"'
PORTAL_APPS = ("organizations", "projects", "volunteers", "indicators")


def _real_rows() -> dict[str, int]:
    """Rows not marked is_demo, per model that has the flag."""
    return {
        model._meta.label: model._default_manager.filter(is_demo=False).count()
        for label in PORTAL_APPS
        for model in apps.get_app_config(label).get_models()
        if any(f.name == "is_demo" for f in model._meta.fields) and not model.__name__.startswith("Historical")
    }


@pytest.fixture(scope="module")
def loaded(django_db_setup, django_db_blocker):
    from django.db import transaction

    with (
        django_db_blocker.unblock(),
        transaction.atomic(),
        mock.patch.dict(os.environ, DJANGO_ADMIN_PASSWORD="Demo-marks-2023"),
    ):
        call_command("bootstrap", no_demo=True, stdout=io.StringIO())
        reference = _real_rows()
        call_command("bootstrap", stdout=io.StringIO())
        yield {"reference": reference}
        transaction.set_rollback(True)


@pytest.fixture
def demo(loaded, db):
    return loaded


@pytest.fixture
def street_staff(demo, django_user_model):
    return django_user_model.objects.get(username="jiedao")  # bootstrap's street staff login


def _guihua_project() -> SecretaryProject:
    return SecretaryProject.objects.get(community__name="桂花社区", year=2023)


def _card(page: str, text: str) -> str:
    """The board card (``<li class="card">…</li>``) that contains ``text``."""
    cards = page.split('<li class="card">')[1:]
    return next(card.split("</li>")[0] for card in cards if text in card)


# --- The generators -------------------------------------------------------------------------------


def test_the_demo_generators_mark_every_row_they_write(demo):
    # the reference data alone, then every demo generator: no row more without is_demo
    assert _real_rows() == demo["reference"]
    assert ProgressUpdate.objects.filter(is_demo=True).count() > 300
    assert Period.objects.filter(is_demo=True, status="published").exists()


# --- Pages ----------------------------------------------------------------------------------------


def test_a_real_project_with_demo_updates_is_marked_on_the_board_and_its_page(client, demo):
    project = _guihua_project()
    assert not project.is_demo and project.progress_is_demo  # real project, invented timeline

    board = client.get(reverse("site:projects_year", args=[2023])).content.decode()
    card = _card(board, "桂花社区 ·")
    assert MARK in card and "演示数据" in card
    demo_card = _card(board, SecretaryProject.objects.filter(is_demo=True, year=2023).first().title)
    assert "这个项目由演示数据生成" in demo_card

    page = client.get(reverse("site:project", args=[project.pk])).content.decode()
    percent_line = re.search(r'<p class="progress-line">.*?</p>', page)[0]
    assert MARK in percent_line
    start = page.index('<ol class="timeline">')
    entries = page[start : page.index("</ol>", start)].split("<li>")[1:]
    assert len(entries) == project.updates.count() > 3
    assert all(MARK in entry for entry in entries)  # every made-up update says so


def test_the_730_board_marks_the_invented_progress(client, demo):
    plan = WorkPlan.objects.get(year=2023)
    assert plan.progress_is_demo

    page = client.get(reverse("site:plan_year", args=[2023])).content.decode()

    overall = re.search(r"总体完成 .*?</p>", page)[0]
    assert MARK in overall
    items = re.findall(r'<li><span class="code">.*?</li>', page, re.S)
    assert len(items) == 30 and all(MARK in item for item in items)
    assert page.count(MARK) == 1 + 7 + 30


def test_the_honour_roll_and_a_branchs_page_mark_demo_ratings(client, demo):
    page = client.get(reverse("site:honour")).content.decode()
    start = page.index('<ol class="roll">')
    roll = page[start : page.index("</ol>", start)]
    entries = roll.split("<li>")[1:]
    assert entries and all(MARK in entry for entry in entries)
    assert MARK in re.search(r'<p class="card-meta">.*?</p>', page)[0]  # beside the period

    rating = Rating.objects.filter(period__status="published", stars=5).select_related("subject").first()
    branch = client.get(reverse("site:subject", args=[rating.subject_id])).content.decode()
    headings = re.findall(r'<h2 id="p-.*?</h2>', branch)
    assert headings and all(MARK in heading for heading in headings)


def test_the_home_page_marks_figures_counting_demo_records_and_demo_updates(client, demo):
    values = {value.name: value for value in registry.figures_for(default_street())}
    assert values["indicators.five_star_branches"].is_demo
    assert values["volunteers.volunteers"].is_demo
    assert not values["organizations.reserve_cadres_per_community"].is_demo  # cannot be computed

    page = client.get(reverse("site:home")).content.decode()

    tiles = re.findall(r"<div>\s*<dt>.*?</div>", page, re.S)
    for value in values.values():
        tile = next(tile for tile in tiles if f">{value.label}<" in tile)
        assert (MARK in tile) == value.is_demo, value.name
    start = page.index('id="updates-title"')
    updates = page[start : page.index("</section>", start)]
    assert updates.count("<li>") == updates.count(MARK) > 0


def test_the_figures_page_marks_its_demo_columns_and_communities(client, demo):
    values = {value.name: value for value in registry.figures_for(default_street())}

    page = client.get(reverse("site:figures")).content.decode()

    head = page[page.index("<thead>") : page.index("</thead>")]
    for header in re.findall(r'<th scope="col" id="([^"]+)".*?</th>', head, re.S)[1:]:
        cell = re.search(rf'<th scope="col" id="{re.escape(header)}".*?</th>', head, re.S)[0]
        assert (MARK in cell) == values[header].is_demo, header
    generated = Community.objects.filter(street=default_street(), is_demo=True).first()
    real = Community.objects.get(name="桂花社区")
    rows = re.findall(r"<tr>\s*<th scope=\"row\">.*?</th>", page, re.S)
    assert MARK in next(row for row in rows if f">{generated.name}</a>" in row)
    assert MARK not in next(row for row in rows if f">{real.name}</a>" in row)


def test_the_screen_marks_demo_figures_progress_stars_and_updates(client, demo):
    page = client.get(reverse("screen:home")).content.decode()

    tiles = re.findall(r'<div class="figure"><dt>(.*?)</dt>(.*?)</div>', page)
    demo_figures = {v.label for v in registry.figures_for(default_street()) if v.computable and v.is_demo}
    assert tiles and demo_figures
    for label, tile in tiles:
        assert (MARK in tile) == (label in demo_figures), label
    plan = page[page.index('id="group-plan"') :]
    assert MARK in plan.split("</h2>")[0]  # beside the plan's overall percent
    stars = re.search(r'<p class="panel-foot">.*?</p>', page[page.index('id="group-stars"') :])[0]
    assert MARK in stars
    updates = page[page.index('id="updates-title"') : page.index('class="screen-bar"')]
    assert updates.count("<li>") == updates.count(MARK) > 0


# --- API ------------------------------------------------------------------------------------------


def test_the_api_says_which_records_and_values_are_demo(client, demo):
    guihua = _guihua_project()
    answer = client.get(f"/api/v1/projects/{guihua.pk}/").json()
    assert (answer["is_demo"], answer["progress_is_demo"]) == (False, True)
    assert answer["updates"] and all(update["is_demo"] for update in answer["updates"])
    invented = SecretaryProject.objects.filter(is_demo=True, year=2023).first()
    assert client.get(f"/api/v1/projects/{invented.pk}/").json()["is_demo"] is True

    plan = client.get("/api/v1/plans/").json()["results"][0]
    assert plan["progress_is_demo"] is True
    assert all(item["is_demo"] and item["progress_is_demo"] for theme in plan["themes"] for item in theme["items"])

    roll = client.get("/api/v1/honour/").json()["results"]
    assert roll and all(rating["is_demo"] for rating in roll)
    history = client.get(f"/api/v1/ratings/{roll[0]['subject']['id']}/").json()["history"]
    assert history and all(entry["is_demo"] for entry in history)

    figures = {f["name"]: f for f in client.get("/api/v1/figures/").json()}
    assert figures["indicators.five_star_branches"]["is_demo"] is True
    assert figures["organizations.reserve_cadres_per_community"]["is_demo"] is False


def test_the_reference_datas_real_rows_are_not_demo_in_the_api(client, demo):
    # the communities and centres fixtures/guicheng.json names from the reports
    communities = {c["name"]: c for c in client.get("/api/v1/communities/", {"page_size": 200}).json()["results"]}
    assert communities["桂花社区"]["is_demo"] is False
    generated = Community.objects.filter(is_demo=True).first()
    assert communities[generated.name]["is_demo"] is True
    centers = client.get("/api/v1/centers/", {"page_size": 200}).json()["results"]
    flags = {c["name"]: c["is_demo"] for c in centers}
    for center in ServiceCenter.objects.public().filter(name__in=flags):
        assert flags[center.name] == center.is_demo, center.name


def test_a_real_project_with_real_progress_carries_no_mark(client, demo, street_staff):
    # given a real project whose secretary reported real progress
    community = Community.objects.get(name="同心社区")
    project = SecretaryProjectFactory(community=community, year=2024, is_demo=False, is_public=True, title="真实项目")
    project_services.progress_update_add(user=street_staff, project=project, text="召开启动会。", percent=20)

    board = client.get(reverse("site:projects_year", args=[2024])).content.decode()
    page = client.get(reverse("site:project", args=[project.pk])).content.decode()
    answer = client.get(f"/api/v1/projects/{project.pk}/").json()

    assert MARK not in _card(board, "真实项目")
    assert "演示数据" not in page
    assert (answer["is_demo"], answer["progress_is_demo"], answer["updates"][0]["is_demo"]) == (False, False, False)


def test_a_real_update_after_demo_ones_takes_the_mark_off_the_percent(client, demo, street_staff):
    project = _guihua_project()
    project_services.progress_update_add(user=street_staff, project=project, text="真实进展：完成验收。", percent=100)

    project.refresh_from_db()
    page = client.get(reverse("site:project", args=[project.pk])).content.decode()

    assert not project.progress_is_demo
    assert MARK not in re.search(r'<p class="progress-line">.*?</p>', page)[0]
    start = page.index('<ol class="timeline">')
    entries = page[start : page.index("</ol>", start)].split("<li>")[1:]
    assert MARK not in entries[0] and all(MARK in entry for entry in entries[1:])
