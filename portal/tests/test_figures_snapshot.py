"""One figure, one value: the home page, 数读明细, the lobby screen and the API read the same
stored snapshot, so after a change every surface shows the same new value with the same 截至
time, and none of them claims to be 实时 (real-time): they say they are updated when the
records change, which is what happens."""

import json
import re
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from core import registry
from indicators.tasks import refresh_key_figures
from volunteers.models import Volunteer
from volunteers.tests.factories import VolunteerFactory

pytestmark = pytest.mark.django_db

FIGURE, LABEL = "volunteers.volunteers", "注册志愿者"
AS_OF = re.compile(r'截至 <time datetime="([^"]+)">')
UPDATED_ON_CHANGE = "记录变化后自动更新"


@pytest.fixture
def guicheng(guicheng_module, db):
    return guicheng_module


def _figures_page_total(page: str) -> str:
    """The total row's cell under the figure's column on 数读明细."""
    head = page[page.index("<thead>") : page.index("</thead>")]
    columns = re.findall(r'<th scope="col" id="([^"]+)"', head)[1:]  # the first is the community column
    foot = page[page.index("<tfoot>") : page.index("</tfoot>")]
    return re.findall(r"<td>(.*?)</td>", foot)[columns.index(FIGURE)]


def _surfaces(client) -> dict[str, tuple[str, datetime]]:
    """What each surface shows of 注册志愿者: its value and its 截至 time."""
    shown = {}
    home = client.get(reverse("site:home")).content.decode()
    shown["home"] = (re.search(LABEL + r"</a></dt>\s*<dd>([\d.]+)<small>", home)[1], AS_OF.search(home)[1])
    figures = client.get(reverse("site:figures")).content.decode()
    shown["figures"] = (_figures_page_total(figures), AS_OF.search(figures)[1])
    screen = client.get(reverse("screen:home")).content.decode()
    shown["screen"] = (re.search(LABEL + r"</dt><dd>([\d.]+)<small>", screen)[1], AS_OF.search(screen)[1])
    api = {f["name"]: f for f in client.get("/api/v1/figures/").json()}[FIGURE]
    shown["api"] = (str(int(api["value"])), api["as_of"])
    return {surface: (value, datetime.fromisoformat(as_of)) for surface, (value, as_of) in shown.items()}


def _one_value(shown: dict) -> tuple[str, datetime]:
    assert len(set(shown.values())) == 1, shown
    return next(iter(shown.values()))


def _register(client, community, phone: str):
    return client.post(
        reverse("site:register"),
        {"name": "陈街坊", "phone": phone, "community": community.pk, "password": "Guihua-2023-pass", "agree": "on"},
    )


def test_a_new_volunteer_shows_the_same_value_and_time_on_every_surface(
    client, guicheng, community, monkeypatch, django_capture_on_commit_callbacks
):
    # given two volunteers, and every surface read once
    with django_capture_on_commit_callbacks(execute=True):
        VolunteerFactory.create_batch(2, community=community("桂花社区"))
    before, first_as_of = _one_value(_surfaces(client))
    assert before == "2"

    # when, a quarter of an hour later, a resident registers as a volunteer (and it commits)
    later = timezone.now() + timedelta(minutes=15)
    monkeypatch.setattr(timezone, "now", lambda: later)
    with django_capture_on_commit_callbacks(execute=True):
        assert _register(client, community("同心社区"), "13912345678").status_code == 302
    assert Volunteer.objects.count() == 3

    # then the home page, 数读明细, the screen and the API all show 3, as of the same new time
    value, as_of = _one_value(_surfaces(client))
    assert value == "3"
    assert as_of == later and as_of > first_as_of


def test_a_recheck_that_finds_nothing_new_keeps_the_time_every_surface_shows(
    client, guicheng, community, monkeypatch, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        VolunteerFactory(community=community("桂花社区"))
    shown = _one_value(_surfaces(client))

    # when the beat's periodic recheck runs an hour later, and a record is saved unchanged
    later = timezone.now() + timedelta(hours=1)
    monkeypatch.setattr(timezone, "now", lambda: later)
    with django_capture_on_commit_callbacks(execute=True):
        refresh_key_figures.delay().get()
        community("桂花社区").save()

    # then the snapshot was recomputed, found the same values and kept their 截至 time: a page
    # cached before the recheck and one rendered after it agree
    assert _one_value(_surfaces(client)) == shown


def test_a_bulk_write_without_a_signal_is_caught_by_the_periodic_recheck(
    client, guicheng, community, monkeypatch, django_capture_on_commit_callbacks
):
    _, first_as_of = _one_value(_surfaces(client))
    later = timezone.now() + timedelta(minutes=15)
    monkeypatch.setattr(timezone, "now", lambda: later)
    Volunteer.objects.bulk_create([VolunteerFactory.build(community=community("桂花社区"), number="GC00000001")])

    with django_capture_on_commit_callbacks(execute=True):
        refresh_key_figures.delay().get()

    value, as_of = _one_value(_surfaces(client))
    assert value == "1" and as_of > first_as_of


def test_the_snapshot_is_stored_once_per_street_and_read_in_one_query(
    guicheng, django_assert_num_queries, django_capture_on_commit_callbacks
):
    from core.models import FigureSnapshot

    values = registry.figures_for(guicheng)
    with django_assert_num_queries(1):
        again = registry.figures_for(guicheng)
    assert again == values
    assert FigureSnapshot.objects.filter(street_pk=guicheng.pk).count() == 1
    assert {value.as_of for value in values} == {FigureSnapshot.objects.get().as_of}


def test_no_surface_says_real_time_and_each_says_when_it_is_updated(client, guicheng):
    pages = {
        "home": reverse("site:home"),
        "figures": reverse("site:figures"),
        "screen": reverse("screen:home"),
        "panels": reverse("screen:panels", args=[guicheng.pk]),
    }
    for surface, url in pages.items():
        page = client.get(url).content.decode()
        assert "实时" not in page, surface
        assert UPDATED_ON_CHANGE in page, surface
    schema = json.dumps(client.get("/api/schema/?format=json").json(), ensure_ascii=False)
    assert "实时" not in schema
    assert "记录变化后自动重算" in schema
    # nor does any template or the README claim it
    for path in [*Path(settings.BASE_DIR, "templates").rglob("*.html"), Path(settings.BASE_DIR, "README.md")]:
        assert "实时" not in path.read_text(encoding="utf-8"), path
