"""The invariants of organizations/models/: database constraints hold against writes that skip
``save()`` validation (imports, bulk writes), and ``clean()`` rules hold through ``full_clean()``."""

import datetime as dt
from collections.abc import Callable

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, models, transaction

from organizations.models import (
    AreaCluster,
    CoBuildingAgreement,
    Community,
    EconomicSociety,
    Grid,
    JointMeeting,
    Need,
    OpeningException,
    OpeningInterval,
    PartyMember,
    PartyOrganization,
    Position,
    ServiceCenter,
    Street,
)
from organizations.selectors import communities_with_one_shoulder, one_shoulder_summary

from .factories import (
    AreaClusterFactory,
    CoBuildingAgreementFactory,
    CommunityFactory,
    CompoundGridFactory,
    EconomicSocietyFactory,
    GridFactory,
    JointMeetingFactory,
    NeedFactory,
    OpeningExceptionFactory,
    OpeningIntervalFactory,
    PartyMemberFactory,
    PartyOrganizationFactory,
    PositionFactory,
    ResourceFactory,
    ServiceCenterFactory,
    StreetFactory,
    ZoneGridFactory,
)

pytestmark = pytest.mark.django_db

NINE, NOON = dt.time(9, 0), dt.time(12, 0)
DAY = dt.date(2023, 5, 4)


def _constraint(model: type[models.Model], name: str) -> models.BaseConstraint:
    return next(c for c in model._meta.constraints if c.name == name)


def _fk_position(**kwargs) -> Position:
    return Position.objects.create(started_on=DAY, **kwargs)


# Each case: the model, the constraint's name, and a write that breaks it (given valid neighbours).
BAD_WRITES: list[tuple[type[models.Model], str, Callable[[], object]]] = [
    (
        Street,
        "street_unique_name",
        lambda: Street.objects.create(district=StreetFactory().district, name=StreetFactory().name),
    ),
    (
        AreaCluster,
        "areacluster_unique_name_in_street",
        lambda: (a := AreaClusterFactory(), AreaClusterFactory(street=a.street, name=a.name)),
    ),
    (
        Community,
        "community_unique_name_in_street",
        lambda: (c := CommunityFactory(), CommunityFactory(street=c.street, name=c.name)),
    ),
    (
        Grid,
        "grid_level_1_to_3",
        lambda: Grid.objects.create(
            community=(g := CompoundGridFactory()).community, parent=g, level=4, kind="zone", name="四级"
        ),
    ),
    (
        Grid,
        "grid_level_1_to_3",
        lambda: Grid.objects.create(community=CommunityFactory(), level=0, kind="community", name="零级"),
    ),
    (
        Grid,
        "grid_parent_iff_below_level_1",
        lambda: Grid.objects.create(community=CommunityFactory(), level=2, kind="compound", name="无上级小区"),
    ),
    (
        Grid,
        "grid_parent_iff_below_level_1",
        lambda: Grid.objects.create(
            community=(g := GridFactory()).community, parent=g, level=1, kind="community", name="有上级的一级"
        ),
    ),
    (
        Grid,
        "grid_one_level_1_per_community",
        lambda: Grid.objects.create(
            community=GridFactory().community, level=1, kind="community", name="第二个一级网格"
        ),
    ),
    (
        Grid,
        "grid_unique_name_in_parent",
        lambda: (
            g := CompoundGridFactory(),
            Grid.objects.filter(pk=CompoundGridFactory(community=g.community).pk).update(name=g.name),
        ),
    ),
    (
        Grid,
        "grid_unique_path_in_community",
        lambda: (
            g := CompoundGridFactory(),
            Grid.objects.filter(pk=CompoundGridFactory(community=g.community).pk).update(path=g.path),
        ),
    ),
    (
        EconomicSociety,
        "economicsociety_unique_name",
        lambda: (s := EconomicSocietyFactory(), EconomicSocietyFactory(community=s.community, name=s.name)),
    ),
    (
        PartyOrganization,
        "partyorganization_unique_name_in_street",
        lambda: (o := PartyOrganizationFactory(), PartyOrganizationFactory(community=o.community, name=o.name)),
    ),
    (
        PartyOrganization,
        "partyorganization_not_own_parent",
        lambda: PartyOrganization.objects.filter(pk=(o := PartyOrganizationFactory()).pk).update(parent=o),
    ),
    (
        PartyOrganization,
        "partyorganization_root_kinds",
        lambda: PartyOrganizationFactory(kind=PartyOrganization.Kind.BRANCH, parent=None),
    ),
    (
        PartyMember,
        "partymember_unique_id_number",
        lambda: PartyMemberFactory.create_batch(2, id_number="44060219800101001X"),
    ),
    (
        Position,
        "position_ends_after_start",
        lambda: PositionFactory(started_on=DAY, ended_on=DAY - dt.timedelta(days=1)),
    ),
    (Position, "position_role_has_its_body", lambda: _fk_position(person=PartyMemberFactory(), role="secretary")),
    (
        Position,
        "position_role_has_its_body",
        lambda: _fk_position(
            person=(m := PartyMemberFactory()),
            role="director",
            community=m.organization.community,
            organization=m.organization,
        ),
    ),
    (Position, "position_role_has_its_body", lambda: _fk_position(person=PartyMemberFactory(), role="director")),
    (Position, "position_role_has_its_body", lambda: _fk_position(person=PartyMemberFactory(), role="society_head")),
    (
        Position,
        "position_one_current_secretary",
        lambda: (p := PositionFactory(), PositionFactory(person__organization=p.organization)),
    ),
    (
        Position,
        "position_one_current_director",
        lambda: (
            p := PositionFactory(director=True),
            PositionFactory(director=True, person__organization=p.person.organization),
        ),
    ),
    (
        Position,
        "position_one_current_society_head",
        lambda: (
            s := EconomicSocietyFactory(),
            [
                _fk_position(
                    person=PartyMemberFactory(), role="society_head", economic_society=s, community=s.community
                )
                for _ in range(2)
            ],
        ),
    ),
    (
        ServiceCenter,
        "servicecenter_unique_name_in_street",
        lambda: (c := ServiceCenterFactory(), ServiceCenterFactory(community=c.community, name=c.name)),
    ),
    (
        ServiceCenter,
        "servicecenter_community_levels_have_community",
        lambda: ServiceCenterFactory(community=None, street=StreetFactory(), level="station"),
    ),
    (
        ServiceCenter,
        "servicecenter_society_iff_society_level",
        lambda: ServiceCenterFactory(level="economic_society", economic_society=None),
    ),
    (
        OpeningInterval,
        "openinginterval_ends_after_start",
        lambda: OpeningIntervalFactory(opens_at=NOON, closes_at=NINE),
    ),
    (
        OpeningInterval,
        "openinginterval_ends_after_start",
        lambda: OpeningIntervalFactory(opens_at=NINE, closes_at=NINE),
    ),
    (OpeningInterval, "openinginterval_weekday_0_to_6", lambda: OpeningIntervalFactory(weekday=7)),
    (
        OpeningInterval,
        "openinginterval_unique_start",
        lambda: (i := OpeningIntervalFactory(), OpeningIntervalFactory(center=i.center, closes_at=dt.time(11, 0))),
    ),
    (
        OpeningException,
        "openingexception_closed_or_valid_hours",
        lambda: OpeningExceptionFactory(is_closed=True, opens_at=NINE, closes_at=NOON),
    ),
    (OpeningException, "openingexception_closed_or_valid_hours", lambda: OpeningExceptionFactory(is_closed=False)),
    (
        OpeningException,
        "openingexception_closed_or_valid_hours",
        lambda: OpeningExceptionFactory(is_closed=False, opens_at=NOON, closes_at=NINE),
    ),
    (
        JointMeeting,
        "jointmeeting_unique_per_day",
        lambda: (m := JointMeetingFactory(), JointMeetingFactory(community=m.community, title=m.title)),
    ),
    (
        CoBuildingAgreement,
        "cobuildingagreement_ends_after_signing",
        lambda: CoBuildingAgreementFactory(signed_on=DAY, ends_on=DAY - dt.timedelta(days=1)),
    ),
    (Need, "need_matched_has_resource", lambda: NeedFactory(status=Need.Status.MATCHED, matched_resource=None)),
]


def test_every_constraint_has_a_bad_write():
    tested = {name for _, name, _ in BAD_WRITES}
    declared = {
        constraint.name
        for model in apps.get_app_config("organizations").get_models()
        for constraint in model._meta.constraints
    }
    assert declared - tested == set()


@pytest.mark.parametrize(
    ("model", "name", "write"),
    BAD_WRITES,
    ids=[f"{name}-{i}" for i, (_, name, _) in enumerate(BAD_WRITES)],
)
def test_database_rejects_bad_data(model, name, write):
    constraint = _constraint(model, name)

    with pytest.raises(IntegrityError) as excinfo, transaction.atomic():
        write()

    # It failed on this constraint, not on another one or a NOT NULL.
    message = str(excinfo.value)
    if connection.vendor == "sqlite" and isinstance(constraint, models.UniqueConstraint):
        # SQLite names the columns of a unique index, not the index.
        columns = [model._meta.get_field(field).column for field in constraint.fields]
        assert "UNIQUE constraint failed" in message
        assert all(f"{model._meta.db_table}.{column}" in message for column in columns)
    else:
        assert name in message


def test_good_data_passes_every_constraint():
    # A control for the cases above: the same shapes, with the rule kept, are written.
    AreaClusterFactory.create_batch(2, name="千灯湖片区")  # one name in two streets
    grid = ZoneGridFactory()
    assert grid.path.count("/") == 2
    PartyMemberFactory.create_batch(2, id_number="")  # empty ID numbers are not duplicates
    ended = PositionFactory(ended_on=dt.date(2022, 12, 31))
    PositionFactory(person__organization=ended.organization)  # a new 书记 after the old one ended
    OpeningIntervalFactory(opens_at=dt.time(14, 0), closes_at=dt.time(18, 0))
    OpeningExceptionFactory(is_closed=False, opens_at=NINE, closes_at=NOON)
    NeedFactory(status=Need.Status.MATCHED, matched_resource=ResourceFactory())
    ServiceCenterFactory(community=None, street=StreetFactory(), level="park")


# --- clean() rules, through full_clean() -------------------------------------------------------


def _errors(instance) -> dict:
    with pytest.raises(ValidationError) as excinfo:
        instance.full_clean()
    return excinfo.value.message_dict


def test_level_3_grid_directly_under_level_1_is_rejected():
    top = GridFactory()

    errors = _errors(Grid(community=top.community, parent=top, level=3, kind="zone", name="跳级责任区"))

    assert "parent" in errors
    assert "高一级" in errors["parent"][0]


def test_parent_grid_of_another_community_is_rejected():
    foreign = GridFactory()
    community = CommunityFactory(street=foreign.community.street)

    errors = _errors(Grid(community=community, parent=foreign, level=2, kind="compound", name="越界小区"))

    assert errors["parent"] == ["上级网格必须属于同一社区。"]


def test_a_grid_exactly_one_level_down_in_its_community_is_valid():
    top = GridFactory()

    Grid(community=top.community, parent=top, level=2, kind="compound", name="合规小区").full_clean()


@pytest.mark.parametrize(("kind", "valid"), [(Community.Kind.RURAL, True), (Community.Kind.URBAN, False)])
def test_economic_society_only_under_a_rural_community(kind, valid):
    society = EconomicSociety(community=CommunityFactory(kind=kind), name="二洲经济社")

    if valid:
        society.full_clean()
    else:
        assert "community" in _errors(society)


def test_party_organisation_cannot_hang_under_its_own_descendant():
    # given 党委 → 党总支 → 党支部
    committee = PartyOrganizationFactory()
    general = PartyOrganizationFactory(community=committee.community, parent=committee, kind="general_branch")
    branch = PartyOrganizationFactory(community=committee.community, parent=general, kind="branch")

    # when the 党委 is moved under its own 党支部
    committee.parent = branch

    # then
    assert _errors(committee)["parent"] == ["上级党组织不能是它自己或它的下级。"]


def test_party_organisation_cannot_be_its_own_parent():
    committee = PartyOrganizationFactory()
    committee.parent = committee

    assert "parent" in _errors(committee)


def test_party_organisation_may_move_under_an_unrelated_parent():
    committee = PartyOrganizationFactory()
    other = PartyOrganizationFactory(community=committee.community)
    committee.parent = other

    committee.full_clean()


def test_party_organisation_grid_and_society_must_lie_in_its_community():
    org = PartyOrganizationFactory()
    org.grid = GridFactory(community=CommunityFactory(street=org.street))
    org.economic_society = EconomicSocietyFactory(community__street=org.street)

    errors = _errors(org)

    assert set(errors) >= {"grid", "economic_society"}


def test_position_takes_its_community_from_its_organisation():
    member = PartyMemberFactory()
    position = Position(person=member, role="secretary", organization=member.organization, started_on=DAY)

    position.full_clean()

    assert position.community == member.organization.community


# --- 一肩挑 ---------------------------------------------------------------------------------------


@pytest.fixture
def community_org():
    """A community with its own party committee hanging under the street's 党工委."""
    # A rural community: the 一肩挑 reform's base (selectors.one_shoulder_summary).
    community = CommunityFactory(name="林岳社区", kind=Community.Kind.RURAL)
    working = PartyOrganizationFactory(street=community.street, street_level=True, name="桂城街道党工委")
    return PartyOrganizationFactory(
        community=community, parent=working, name="林岳社区党委", field=PartyOrganization.Field.RURAL
    )


def _one_shoulder(community) -> bool:
    return communities_with_one_shoulder(Community.objects.filter(pk=community.pk)).get().is_one_shoulder


def test_one_person_as_current_secretary_and_director_is_one_shoulder(community_org):
    # given the same member as 书记 of the community's committee and as 居委会主任
    person = PartyMemberFactory(organization=community_org)
    PositionFactory(person=person, organization=community_org)
    PositionFactory(person=person, director=True)
    CommunityFactory(street=community_org.street, kind=Community.Kind.RURAL)  # a second one, without 一肩挑
    urban = CommunityFactory(street=community_org.street)  # outside the reform's base

    # when
    summary = one_shoulder_summary(Community.objects.filter(street=community_org.street))

    # then
    assert _one_shoulder(community_org.community)
    assert summary == {"count": 1, "total": 2, "rate": 50}
    assert urban.kind == Community.Kind.URBAN


def test_the_rate_counts_the_rural_communities_only(community_org):
    # given an urban community whose secretary is also the director
    urban_org = PartyOrganizationFactory(
        community=CommunityFactory(street=community_org.street), parent=community_org.parent
    )
    person = PartyMemberFactory(organization=urban_org)
    PositionFactory(person=person, organization=urban_org)
    PositionFactory(person=person, director=True)

    # when
    summary = one_shoulder_summary(Community.objects.filter(street=community_org.street))

    # then it is 一肩挑, but outside the base the rate is taken over
    assert _one_shoulder(urban_org.community)
    assert summary == {"count": 0, "total": 1, "rate": 0}


def test_an_ended_position_is_not_one_shoulder(community_org):
    person = PartyMemberFactory(organization=community_org)
    PositionFactory(person=person, organization=community_org, ended_on=dt.date(2022, 12, 31))
    PositionFactory(person=person, director=True)

    assert not _one_shoulder(community_org.community)
    assert one_shoulder_summary(Community.objects.filter(pk=community_org.community.pk))["count"] == 0


def test_secretary_and_director_being_two_people_is_not_one_shoulder(community_org):
    PositionFactory(person__organization=community_org, organization=community_org)
    PositionFactory(person__organization=community_org, director=True)

    assert not _one_shoulder(community_org.community)
    assert one_shoulder_summary(Community.objects.filter(pk=community_org.community.pk)) == {
        "count": 0,
        "total": 1,
        "rate": 0,
    }


def test_secretary_of_a_branch_inside_the_community_is_not_one_shoulder(community_org):
    # A 党支部 under the community's own committee is not the community party organisation.
    branch = PartyOrganizationFactory(community=community_org.community, parent=community_org, kind="branch")
    person = PartyMemberFactory(organization=branch)
    PositionFactory(person=person, organization=branch)
    PositionFactory(person=person, director=True)

    assert not _one_shoulder(community_org.community)


def test_secretary_of_a_company_branch_is_not_one_shoulder(community_org):
    company = PartyOrganizationFactory(community=community_org.community, field="enterprise")
    person = PartyMemberFactory(organization=company)
    PositionFactory(person=person, organization=company)
    PositionFactory(person=person, director=True)

    assert not _one_shoulder(community_org.community)


# --- Guards the database holds beyond Meta.constraints (migration 0008) ---------------------------


@pytest.mark.skipif(connection.vendor != "postgresql", reason="an exclusion constraint needs PostgreSQL")
def test_the_database_refuses_overlapping_opening_intervals():
    # given a centre open 09:00–12:00 on Mondays
    first = OpeningIntervalFactory(weekday=0, opens_at=dt.time(9), closes_at=dt.time(12))

    # when a bulk write (no clean()) adds 11:00–13:00 on the same day, then it is refused
    with pytest.raises(IntegrityError, match="openinginterval_no_overlap"), transaction.atomic():
        OpeningInterval.objects.bulk_create(
            [OpeningInterval(center=first.center, weekday=0, opens_at=dt.time(11), closes_at=dt.time(13))]
        )
    # while the afternoon after a lunch break, and the same hours on Tuesday, are fine
    OpeningInterval.objects.bulk_create(
        [
            OpeningInterval(center=first.center, weekday=0, opens_at=dt.time(12), closes_at=dt.time(18)),
            OpeningInterval(center=first.center, weekday=1, opens_at=dt.time(9), closes_at=dt.time(12)),
        ]
    )
    assert OpeningInterval.objects.filter(center=first.center).count() == 3


def test_the_database_keeps_a_scope_inside_its_street():
    from organizations.models import StaffScope
    from organizations.services import staff_user_create

    # given a secretary of a community of one street, and a community of another street
    own = CommunityFactory()
    elsewhere = CommunityFactory()
    user = staff_user_create(username="shuji", password=None, communities=[own])
    scope = StaffScope.objects.get(user=user)

    # then the other street's community cannot be added, nor the scope moved to that street
    with pytest.raises(IntegrityError), transaction.atomic():
        scope.communities.add(elsewhere)
    with pytest.raises(IntegrityError), transaction.atomic():
        StaffScope.objects.filter(pk=scope.pk).update(street=elsewhere.street)
    assert list(scope.communities.all()) == [own]
