"""`manage.py seed_demo`: Guicheng at its published size, and a small Foshan, both deterministic,
idempotent and within the database's rules.

Seeding Guicheng takes a few seconds, so the module seeds it once, inside a transaction rolled
back when the module ends; each test runs in a savepoint of its own on top of it.
"""

import hashlib
import json
import os
import re
import subprocess
import sys
from io import StringIO

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import transaction
from django.db.models import Count, F, Q
from django.test import override_settings

from organizations import demo
from organizations.demo import demo_foshan_seed, demo_guicheng_seed
from organizations.demo.base import CHANGE_REASON
from organizations.demo.centers import GUICHENG_BOX
from organizations.demo.people import GIVEN_FEMALE, GIVEN_MALE, SURNAMES
from organizations.geo import haversine_km
from organizations.models import (
    CoBuildingAgreement,
    Community,
    EconomicSociety,
    Grid,
    JointMeeting,
    Need,
    PartyMember,
    PartyOrganization,
    Position,
    Resource,
    ServiceCenter,
    Street,
)
from organizations.selectors import COMMUNITY_FIELDS, communities_with_one_shoulder, one_shoulder_summary
from organizations.services import GUICHENG_FIXTURE, roles_sync
from organizations.validators import validate_id_number, validate_phone

pytestmark = pytest.mark.django_db

GUICHENG = "桂城街道"
REFERENCE_ORGS = [
    item["name"] for item in json.loads(GUICHENG_FIXTURE.read_text(encoding="utf-8"))["party_organizations"]
]


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), transaction.atomic():
        created = demo_guicheng_seed()
        roles_sync()
        yield created
        transaction.set_rollback(True)


def counts() -> dict[str, int]:
    """Rows, and “created” history records, of every model the generator writes. (Change records
    are left out: ``guicheng_load`` may re-save a reference row, which is not the generator's.)"""
    return {model.__name__: model._default_manager.count() for model in demo.SEEDED_MODELS} | {
        f"{model.__name__}.history": model.history.filter(history_type="+").count() for model in demo.SEEDED_MODELS
    }


def members_checksum() -> str:
    rows = PartyMember.objects.filter(is_demo=True).order_by("id_number")
    digest = hashlib.sha256()
    for row in rows.values_list(
        "id_number", "name", "gender", "status", "organization__name", "phone", "address", "birth_date", "joined_on"
    ):
        digest.update(repr(row).encode())
    return digest.hexdigest()


def test_guicheng_has_its_published_size(seeded):
    street = Street.objects.get(name=GUICHENG)
    assert Community.objects.filter(street=street).count() == 45
    grids = Grid.objects.filter(community__street=street)
    assert grids.count() == 700
    assert [grids.level(level).count() for level in (1, 2, 3)] == [45, 220, 435]
    branches = PartyOrganization.objects.filter(street=street, kind=PartyOrganization.Kind.BRANCH)
    assert branches.count() >= 460
    members = PartyMember.objects.filter(organization__street=street)
    assert 10_000 <= members.count() <= 10_600
    assert one_shoulder_summary(Community.objects.filter(street=street))["count"] == 15
    assert one_shoulder_summary()["count"] == 15


def test_grids_have_valid_levels_parents_and_paths(seeded):
    for community in Community.objects.filter(street__name=GUICHENG):
        assert Grid.objects.filter(community=community, level=1, parent=None, path=community.name).count() == 1
    children = Grid.objects.filter(level__gt=1)
    assert not children.exclude(parent__level=F("level") - 1).exists()
    assert not children.exclude(parent__community=F("community")).exists()
    for grid in children.select_related("parent"):
        assert grid.path == f"{grid.parent.path}/{grid.name}"
    assert not Grid.objects.filter(level=2).exclude(kind__in=["resident_group", "compound", "building"]).exists()
    assert not Grid.objects.filter(level=3).exclude(kind="zone").exists()
    # Every compound and office building has its branch at its grid.
    for grid in Grid.objects.filter(kind__in=["compound", "building"]):
        assert grid.party_organizations.filter(kind=PartyOrganization.Kind.BRANCH).count() == 1


def test_one_branch_per_economic_society_and_every_rural_community_has_societies(seeded):
    for community in Community.objects.filter(street__name=GUICHENG, kind=Community.Kind.RURAL):
        assert community.economic_societies.exists(), community.name
    assert set(EconomicSociety.objects.filter(community__name="夏东社区").values_list("name", flat=True)) == {
        "二洲经济社",
        "五房沙经济社",
        "孔溪经济社",
        "涌口经济社",
        "三洲经济社",
    }
    assert not EconomicSociety.objects.annotate(n=Count("party_organizations")).exclude(n=1).exists()


def test_members_look_real_but_are_synthetic(seeded):
    members = PartyMember.objects.filter(is_demo=True)
    total = members.count()
    without_post = members.filter(status=PartyMember.Status.WITHOUT_POST).count()
    assert 0.18 <= without_post / total <= 0.22
    assert set(members.values_list("status", flat=True).distinct()) == set(PartyMember.Status.values)
    name = re.compile(f"^[{''.join(SURNAMES)}][{GIVEN_MALE}{GIVEN_FEMALE}]{{2}}$")
    for row in members.values("name", "gender", "phone", "id_number", "address", "birth_date"):
        assert name.match(row["name"]), row["name"]
        validate_phone(row["phone"])
        validate_id_number(row["id_number"])
        assert row["id_number"][6:14] == row["birth_date"].strftime("%Y%m%d")
        # The 17th digit is odd for men (GB 11643).
        assert int(row["id_number"][16]) % 2 == (1 if row["gender"] == "M" else 0)
        assert row["address"].startswith("广东省佛山市南海区桂城街道")
    # Every branch in a community, the reference data's included, has the three members a branch
    # needs; members are kept in branches only.
    community_branches = PartyOrganization.objects.filter(kind="branch", community__isnull=False)
    assert not community_branches.annotate(n=Count("members")).filter(n__lt=3).exists()
    assert not members.exclude(organization__kind="branch").exists()


def test_every_community_has_a_secretary_and_a_director(seeded):
    current = Position.objects.current()
    for community in Community.objects.filter(street__name=GUICHENG):
        own = PartyOrganization.objects.filter(community=community, field__in=COMMUNITY_FIELDS).exclude(
            parent__community=community
        )
        assert current.filter(role="secretary", organization__in=own).count() == 1, community.name
        assert current.filter(role="director", community=community).count() == 1, community.name
    # Positions reach their community, so the scope finds them.
    assert not Position.objects.filter(community=None).exists()
    assert not Position.objects.exclude(person__organization__community=F("community")).exists()


def test_urban_communities_have_joint_work(seeded):
    for community in Community.objects.filter(street__name=GUICHENG, kind=Community.Kind.URBAN):
        assert JointMeeting.objects.filter(community=community).count() >= 4
        assert community.co_building_agreements.count() == 2
        assert community.resources.count() == 3
        assert community.needs.count() == 3
    assert not JointMeeting.objects.annotate(n=Count("participant_organizations")).filter(n=0).exists()
    assert not Need.objects.filter(~Q(status="open"), ~Q(matched_resource__community=F("community"))).exists()


def test_generated_rows_are_marked_and_have_history(seeded):
    # The reference data has no grids or members, and economic societies only in 夏东社区.
    assert not Grid.objects.filter(is_demo=False).exists()
    assert not PartyMember.objects.filter(is_demo=False).exists()
    assert not EconomicSociety.objects.filter(is_demo=False).exclude(community__name="夏东社区").exists()
    for model in (Position, JointMeeting, CoBuildingAgreement, Resource, Need):
        assert model.objects.exists()
        assert not model.objects.filter(is_demo=False).exists()
    generated = PartyOrganization.objects.exclude(name__in=REFERENCE_ORGS)
    assert generated.count() == 458
    assert not generated.filter(is_demo=False).exists()
    for model, rows in ((Grid, 700), (EconomicSociety, 125), (PartyOrganization, 458), (PartyMember, 10_300)):
        assert model.history.filter(history_change_reason=CHANGE_REASON, history_type="+").count() == rows


def _contacts():
    return list(
        ServiceCenter.objects.filter(street__name=GUICHENG)
        .order_by("name")
        .values_list("name", "is_demo", "address", "phone", "latitude", "longitude")
    )


def test_every_demo_centre_can_be_found_and_called_and_the_real_ones_are_left_alone(seeded):
    # given the centres after the generator ran
    centers = ServiceCenter.objects.filter(street__name=GUICHENG).select_related("community")
    demo_centers = [c for c in centers if c.is_demo]
    assert len(demo_centers) > 140  # 45 community centres and the economic societies' 阵地

    # then every demo centre has an address in its community, a Foshan phone and a position in Guicheng
    south, north, west, east = GUICHENG_BOX
    for center in demo_centers:
        assert center.address.startswith("佛山市南海区桂城街道" + center.community.name), center.address
        assert re.fullmatch(r"0757-8\d{7}", center.phone), center.phone
        validate_phone(center.phone)
        assert south <= float(center.latitude) <= north and west <= float(center.longitude) <= east, center.name
    # the communities are spread over the street, each 阵地 near its community's centre
    spots = {c.community_id: c for c in demo_centers if c.level == ServiceCenter.Level.COMMUNITY}
    assert len(spots) == 45
    points = [(float(c.latitude), float(c.longitude)) for c in spots.values()]
    assert min(haversine_km(*a, *b) for i, a in enumerate(points) for b in points[i + 1 :]) > 0.2
    for center in demo_centers:
        home = spots[center.community_id]
        distance = haversine_km(
            float(center.latitude), float(center.longitude), float(home.latitude), float(home.longitude)
        )
        assert distance < 0.5, center.name
    # and the real centres of the reports get nothing invented
    real = [c for c in centers if not c.is_demo]
    assert len(real) == 5
    assert all((c.address, c.phone, c.latitude, c.longitude) == ("", "", None, None) for c in real)
    invented = ServiceCenter.history.filter(history_change_reason=CHANGE_REASON, history_type="~")
    assert invented.count() == len(demo_centers)


def test_a_centre_s_invented_contacts_are_the_same_on_every_run_and_typed_ones_are_kept(seeded):
    # given the contacts of the first run; one centre's are cleared, another's phone is typed in
    first = _contacts()
    cleared = ServiceCenter.objects.get(name="桂花社区党群服务中心")
    ServiceCenter.objects.filter(pk=cleared.pk).update(address="", phone="", latitude=None, longitude=None)
    typed = ServiceCenter.objects.get(name="灯湖社区党群服务中心")
    ServiceCenter.objects.filter(pk=typed.pk).update(phone="0757-86230000")

    # when the generator runs again
    demo_guicheng_seed()

    # then the cleared centre gets the same invented values, and the typed phone stays
    again = {row[0]: row for row in _contacts()}
    assert [again[row[0]] if row[0] != typed.name else row for row in first] == first
    assert again[typed.name][3] == "0757-86230000"
    ServiceCenter.objects.filter(pk=typed.pk).update(phone=dict((r[0], r[3]) for r in first)[typed.name])


def test_second_run_creates_nothing(seeded):
    # given
    before = counts()

    # when
    created = demo_guicheng_seed()

    # then
    assert set(created.values()) == {0}
    assert counts() == before


def test_members_are_the_same_on_a_fresh_run(seeded):
    # given the members of the first run, gone again
    first = members_checksum()
    one_shoulder = set(communities_with_one_shoulder().filter(is_one_shoulder=True).values_list("name", flat=True))
    with override_settings(SIMPLE_HISTORY_ENABLED=False):  # a “deleted” record per row is slow
        PartyMember.objects.filter(is_demo=True).delete()

    # when
    created = demo_guicheng_seed()

    # then the same people come back, in the same posts
    assert created[PartyMember] == 10_300
    assert created[Grid] == created[PartyOrganization] == 0
    assert members_checksum() == first
    assert set(communities_with_one_shoulder().filter(is_one_shoulder=True).values_list("name", flat=True)) == (
        one_shoulder
    )
    assert len(one_shoulder) == 15


PLAN_CHECKSUM = """
import hashlib, django
django.setup()
from organizations.demo.base import _Community, _Street, _rng
from organizations.demo.members import _plan_members, _spread_members
from organizations.demo.party_organizations import _plan_branches
from organizations.demo.people import _People
from organizations.demo.places import _plan_level2, _plan_level3, _plan_societies
streets = [_Community(street="甲街道", name=f"甲{i:02d}社区", kind="rural" if i % 3 else "urban",
           own_org=f"甲{i:02d}社区党委") for i in range(12)]
plan = _Street("甲区", "甲街道", "甲街道党工委", streets)
for i, community in enumerate(streets):
    _plan_level2(community, 3 + i % 4)
    if community.kind == "rural":
        _plan_societies(community)
    _plan_branches(community, 2, working_committee=plan.working_committee)
_plan_level3(streets, 80, _rng("甲", "level3"))
_spread_members(streets, 1500, _rng("甲", "members"))
people = _People()
rows = [m for community in streets for m in _plan_members(plan, community, people).members]
text = repr([(c.level2, c.level3, c.societies, [b.name for b in c.branches]) for c in streets]) + repr(rows)
print(len(rows), hashlib.sha256(text.encode()).hexdigest())
"""


def test_the_plan_is_the_same_in_every_process():
    """Two interpreters with different string hashing plan the same rows: nothing depends on the
    iteration order of a set or on the clock."""
    outputs = set()
    for hash_seed in ("1", "2"):
        env = {**os.environ, "DJANGO_SETTINGS_MODULE": "portal.settings", "PYTHONHASHSEED": hash_seed}
        result = subprocess.run(  # noqa: S603 — our own interpreter and script
            [sys.executable, "-c", PLAN_CHECKSUM],
            cwd=settings.BASE_DIR,
            env=env,
            capture_output=True,
            text=True,
            check=True,
            timeout=120,
        )
        outputs.add(result.stdout.strip())
    assert len(outputs) == 1
    assert outputs.pop().startswith("1500 ")


def test_small_foshan_reaches_its_totals_exactly_and_twice_is_once(seeded):
    # given Guicheng seeded, plus two demo streets of a few communities
    totals = {"streets": 3, "communities": 52, "urban": 28, "level2": 235, "level3": 470, "members": 11_500}

    # when
    created = demo_foshan_seed(**totals)

    # then
    assert Street.objects.count() == 3
    assert Community.objects.count() == 52
    assert Community.objects.filter(kind=Community.Kind.URBAN).count() == 28
    assert [Grid.objects.level(level).count() for level in (1, 2, 3)] == [52, 235, 470]
    assert PartyMember.objects.count() == 11_500
    assert created[Grid] == 7 + 15 + 35
    new = Street.objects.filter(is_demo=True)
    assert new.count() == 2
    assert not Community.objects.filter(street__in=new, is_demo=False).exists()
    for community in Community.objects.filter(street__in=new):
        assert Position.objects.current().filter(role="director", community=community).count() == 1
    assert Position.objects.current().filter(role="secretary").values("organization").distinct().count() == (
        Position.objects.current().filter(role="secretary").count()
    )
    # Guicheng is untouched by the other streets.
    assert one_shoulder_summary(Community.objects.filter(street__name=GUICHENG))["count"] == 15
    before = counts()

    assert set(demo_foshan_seed(**totals).values()) == {0}
    assert counts() == before


@pytest.mark.parametrize(
    "totals",
    [
        {"streets": 0},
        {"streets": 1, "communities": 46},
        {"streets": 3, "communities": 46},
        {"streets": 2, "communities": 50, "urban": 20},
        {"streets": 2, "communities": 50, "level2": 221},
        {"streets": 2, "communities": 50, "level2": 230, "level3": 436},
        {"streets": 2, "communities": 50, "level2": 230, "level3": 500, "members": 10_301},
    ],
)
def test_foshan_rejects_totals_it_cannot_reach(seeded, totals):
    with pytest.raises(ValueError):
        demo_foshan_seed(**({"urban": 30, "level2": 230, "level3": 500, "members": 12_000} | totals))
    assert Street.objects.count() == 1


def test_command_prints_counts_and_time(seeded):
    out = StringIO()
    call_command("seed_demo", scale="guicheng", stdout=out)
    output = out.getvalue()
    assert "网格：新建 0，现有 700" in output
    assert "党员：新建 0，现有 10,300" in output
    assert re.search(r"用时 \d+\.\d 秒", output)


def test_command_refuses_an_unknown_scale():
    with pytest.raises(CommandError):
        call_command("seed_demo", scale="guangzhou")
    with pytest.raises(CommandError):
        call_command("seed_demo", "--scale", "guangzhou")


def _published(label: str) -> dict:
    figures = json.loads(GUICHENG_FIXTURE.read_text(encoding="utf-8"))["key_figures"]
    return next(figure for figure in figures if figure["label"] == label)


def test_the_seeds_published_figures_come_out_of_the_records(seeded):
    """Seed 000: 15 communities completed 一肩挑, 68 % (of the 22 rural ones); the 联席会议 runs
    in the 23 urban communities; 45 communities have a 党群服务中心; 460+ branches, 10,000+ members."""
    street = Street.objects.get(name=GUICHENG)
    communities = Community.objects.filter(street=street)

    one_shoulder = one_shoulder_summary(communities)
    published = _published("完成“一肩挑”改革的社区")
    assert (one_shoulder["count"], f"{one_shoulder['rate']}%") == (published["value"], published["rate"]) == (15, "68%")
    assert (communities.urban().count(), communities.rural().count()) == (23, 22)

    with_meetings = communities.filter(joint_meetings__isnull=False).distinct()
    assert with_meetings.count() == _published("铺开社区党群联席会议制度的城市社区")["value"] == 23
    assert set(with_meetings) == set(communities.urban())

    with_centre = communities.filter(service_centers__level=ServiceCenter.Level.COMMUNITY).distinct().count()
    assert with_centre == _published("设立社区党群服务中心的社区")["value"] == 45
    branches = PartyOrganization.objects.filter(street=street, kind=PartyOrganization.Kind.BRANCH).count()
    assert branches > _published("党支部")["value"]
    assert PartyMember.objects.filter(organization__street=street).count() > _published("在册党员")["value"]
