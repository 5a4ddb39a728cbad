"""The organizations admin: a smoke test of every registered model for each role, real adds
through the admin forms, flat changelists, and the historical-version form staying read-only."""

import datetime as dt
import warnings

import pytest
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.core.paginator import UnorderedObjectListWarning
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from organizations.models import (
    AreaCluster,
    CoBuildingAgreement,
    Community,
    District,
    EconomicSociety,
    Grid,
    JointMeeting,
    Need,
    OpeningException,
    OpeningInterval,
    PartyMember,
    PartyOrganization,
    Position,
    Resource,
    ServiceCenter,
    ServiceType,
    StaffScope,
    Street,
)
from organizations.services import SECRETARY_PERMISSIONS, STREET_STAFF_EXCLUDED, staff_user_create

from .factories import (
    IN_COMMUNITY,
    AreaClusterFactory,
    CoBuildingAgreementFactory,
    CommunityFactory,
    DistrictFactory,
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
    ServiceTypeFactory,
    StaffScopeFactory,
    StreetFactory,
)

pytestmark = pytest.mark.django_db

REGISTERED = sorted(
    (model for model in admin.site._registry if model._meta.app_label == "organizations"),
    key=lambda model: model._meta.model_name,
)

# One record the role may reach, placed in 桂花社区 where the model is scoped.
MAKERS = {**IN_COMMUNITY, ServiceType: lambda community: ServiceTypeFactory()}


@pytest.fixture
def guicheng(guicheng_module, db):
    return guicheng_module


@pytest.fixture(autouse=True)
def _fast_password_hasher(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def _url(model, view, *args):
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


def _actions(role: str, model) -> set[str]:
    """What a role may do on a model, read from the role design, not from the database."""
    label = model._meta.label_lower
    if role == "superuser":
        return {"view", "add", "change", "delete"}
    if role == "street_staff":
        return set() if label in STREET_STAFF_EXCLUDED else {"view", "add", "change", "delete"}
    return set(SECRETARY_PERMISSIONS.get(label, ()))


@pytest.fixture
def acting_user(request, guicheng, street_staff, guihua_secretary):
    return {
        "superuser": lambda: get_user_model().objects.create_superuser("root", password=None),
        "street_staff": lambda: street_staff,
        "secretary": lambda: guihua_secretary,
    }[request.param]()


# --- smoke --------------------------------------------------------------------------------------


def test_every_registered_model_has_a_maker():
    assert [model for model in REGISTERED if model not in MAKERS] == []


@pytest.mark.parametrize("acting_user", ["superuser", "street_staff", "secretary"], indirect=True)
@pytest.mark.parametrize("model", REGISTERED, ids=lambda model: model._meta.model_name)
def test_admin_pages_answer(client, acting_user, model, community, request):
    # given a record inside 桂花社区, which every role here may reach
    role = request.node.callspec.params["acting_user"]
    actions = _actions(role, model)
    record = MAKERS[model](community("桂花社区"))
    client.force_login(acting_user)
    viewable = 200 if actions & {"view", "change"} else 403

    # when / then
    changelist = client.get(_url(model, "changelist"))
    assert changelist.status_code == viewable
    if viewable == 200:
        assert changelist.context["cl"].queryset.filter(pk=record.pk).exists()
    assert client.get(_url(model, "changelist"), {"q": "桂花"}).status_code == viewable
    assert client.get(_url(model, "add")).status_code == (200 if "add" in actions else 403)
    assert client.get(_url(model, "change", record.pk)).status_code == viewable


# --- real adds through the admin ----------------------------------------------------------------


def _assert_created_by(model, user, **lookup):
    obj = model.objects.get(**lookup)
    history = obj.history.get()
    assert history.history_type == "+"
    assert history.history_user == user
    return obj


def test_secretary_adds_a_grid(guihua_client, guihua_secretary, community):
    # given
    guihua = community("桂花社区")
    top = Grid.objects.create(community=guihua, level=1, kind="community", name="桂花社区")

    # when
    response = guihua_client.post(
        _url(Grid, "add"),
        {"community": guihua.pk, "parent": top.pk, "level": 2, "kind": "compound", "name": "桂花苑", "_save": "1"},
    )

    # then
    assert response.status_code == 302, response.context["adminform"].form.errors
    grid = _assert_created_by(Grid, guihua_secretary, community=guihua, name="桂花苑")
    assert grid.path == "桂花社区/桂花苑"


def test_secretary_adds_a_party_member(guihua_client, guihua_secretary, community):
    organization = PartyOrganization.objects.get(name="桂花社区党委")

    response = guihua_client.post(
        _url(PartyMember, "add"),
        {
            "name": "李桂芳",
            "gender": "F",
            "status": "without_post",
            "organization": organization.pk,
            "residence_community": community("桂花社区").pk,
            "joined_on": "2001-07-01",
            "phone": "13800138000",
            "id_number": "",
            "_save": "1",
        },
    )

    assert response.status_code == 302, response.context["adminform"].form.errors
    member = _assert_created_by(PartyMember, guihua_secretary, name="李桂芳")
    assert member.organization == organization


def test_street_staff_add_a_service_centre_with_opening_hours(street_client, street_staff, community):
    # given a new station with Monday hours around a lunch break and a closed national day
    intervals, exceptions = "opening_intervals", "opening_exceptions"
    data = {
        "street": street_staff.staff_scope.street_id,
        "community": community("桂花社区").pk,
        "name": "桂花苑党群服务站",
        "level": "station",
        "address": "桂花路1号",
        "phone": "0757-86220000",
        "_save": "1",
        f"{intervals}-TOTAL_FORMS": 2,
        f"{intervals}-INITIAL_FORMS": 0,
        f"{intervals}-0-weekday": 0,
        f"{intervals}-0-opens_at": "09:00",
        f"{intervals}-0-closes_at": "12:00",
        f"{intervals}-1-weekday": 0,
        f"{intervals}-1-opens_at": "14:00",
        f"{intervals}-1-closes_at": "18:00",
        f"{exceptions}-TOTAL_FORMS": 1,
        f"{exceptions}-INITIAL_FORMS": 0,
        f"{exceptions}-0-date": "2023-10-01",
        f"{exceptions}-0-is_closed": "on",
        f"{exceptions}-0-note": "国庆闭馆",
    }

    # when
    response = street_client.post(_url(ServiceCenter, "add"), data)

    # then
    assert response.status_code == 302, response.context["errors"]
    center = _assert_created_by(ServiceCenter, street_staff, name="桂花苑党群服务站")
    hours = [(i.opens_at, i.closes_at) for i in center.opening_intervals.all()]
    assert hours == [(dt.time(9), dt.time(12)), (dt.time(14), dt.time(18))]
    assert {h.history_user for h in OpeningInterval.history.filter(center_id=center.pk)} == {street_staff}
    assert center.opening_exceptions.get().is_closed


def test_overlapping_opening_hours_are_a_form_error(street_client):
    # given the centre's regular week, posted back unchanged, and one new Monday interval inside it
    center = ServiceCenter.objects.get(name="桂花社区党群服务中心")
    existing = list(center.opening_intervals.all())
    prefix = "opening_intervals"
    data = {
        "street": center.street_id,
        "community": center.community_id,
        "name": center.name,
        "level": center.level,
        "_save": "1",
        f"{prefix}-TOTAL_FORMS": len(existing) + 1,
        f"{prefix}-INITIAL_FORMS": len(existing),
        "opening_exceptions-TOTAL_FORMS": 0,
        "opening_exceptions-INITIAL_FORMS": 0,
    }
    rows = [(i.pk, i.weekday, i.opens_at, i.closes_at) for i in existing] + [("", 0, dt.time(10), dt.time(11))]
    for n, (pk, weekday, opens_at, closes_at) in enumerate(rows):
        data |= {
            f"{prefix}-{n}-id": pk,
            f"{prefix}-{n}-center": center.pk,
            f"{prefix}-{n}-weekday": weekday,
            f"{prefix}-{n}-opens_at": f"{opens_at:%H:%M}",
            f"{prefix}-{n}-closes_at": f"{closes_at:%H:%M}",
        }

    # when
    response = street_client.post(_url(ServiceCenter, "change", center.pk), data)

    # then
    assert response.status_code == 200
    assert "同一天的开放时段不能重叠。" in response.content.decode()
    assert center.opening_intervals.count() == len(existing)


def _party_organization_form(org, **changes):
    data = {
        "street": org.street_id,
        "name": org.name,
        "kind": org.kind,
        "field": org.field,
        "community": org.community_id or "",
        "parent": org.parent_id or "",
        "positions-TOTAL_FORMS": 0,
        "positions-INITIAL_FORMS": 0,
        "_save": "1",
    }
    return data | changes


@pytest.mark.parametrize(("role", "saved"), [("secretary", True), ("director", False)])
def test_position_inline_offers_party_posts_only(street_client, role, saved):
    # given 桂花社区党委 and one of its members
    org = PartyOrganization.objects.get(name="桂花社区党委")
    member = PartyMemberFactory(organization=org)

    # when a post is added under the organisation
    response = street_client.post(
        _url(PartyOrganization, "change", org.pk),
        _party_organization_form(
            org,
            **{
                "positions-TOTAL_FORMS": 1,
                "positions-0-person": member.pk,
                "positions-0-role": role,
                "positions-0-started_on": "2023-01-01",
            },
        ),
    )

    # then a 书记 is saved (with the organisation's community); a 主任 is a form error, not a 500
    assert response.status_code == (302 if saved else 200)
    assert Position.objects.filter(person=member, organization=org, community=org.community).exists() == saved


def test_secretary_cannot_save_a_party_organisation_outside_their_communities(guihua_client, community):
    # given a new branch under the secretary's own committee
    parent = PartyOrganization.objects.get(name="桂花社区党委")
    branch = PartyOrganization(
        street=parent.street, name="桂花苑党支部", kind="branch", field="compound", parent=parent
    )
    url = _url(PartyOrganization, "add")

    # when it is posted without a community, it would be street-level: refused, nothing written
    response = guihua_client.post(url, _party_organization_form(branch))
    assert response.status_code == 200
    assert response.context["adminform"].form.non_field_errors()
    assert not PartyOrganization.objects.filter(name="桂花苑党支部").exists()

    # when it is posted in 桂花社区, it is saved
    response = guihua_client.post(url, _party_organization_form(branch, community=community("桂花社区").pk))
    assert response.status_code == 302
    assert PartyOrganization.objects.get(name="桂花苑党支部").community == community("桂花社区")


def test_secretary_cannot_move_their_centre_out_of_their_communities(guihua_client):
    center = ServiceCenter.objects.get(name="桂花社区党群服务中心")
    data = {
        "street": center.street_id,
        "community": "",
        "name": center.name,
        "level": ServiceCenter.Level.PARK,  # a level that may be community-less
        "opening_intervals-TOTAL_FORMS": 0,
        "opening_intervals-INITIAL_FORMS": 0,
        "opening_exceptions-TOTAL_FORMS": 0,
        "opening_exceptions-INITIAL_FORMS": 0,
        "_save": "1",
    }

    response = guihua_client.post(_url(ServiceCenter, "change", center.pk), data)

    assert response.status_code == 200
    assert response.context["adminform"].form.non_field_errors()
    center.refresh_from_db()
    assert center.community.name == "桂花社区"


def test_autocomplete_pages_are_stable(street_client, guicheng):
    # Community's admin annotates a count (GROUP BY drops Meta.ordering); without an explicit
    # order its 20-a-page answers could repeat or skip communities.
    seen, page = [], 1
    with warnings.catch_warnings():
        warnings.simplefilter("error", UnorderedObjectListWarning)
        while True:
            body = street_client.get(
                reverse("admin:autocomplete"),
                {
                    "app_label": "organizations",
                    "model_name": "partymember",
                    "field_name": "residence_community",
                    "page": page,
                },
            ).json()
            seen += [result["id"] for result in body["results"]]
            if not body["pagination"]["more"]:
                break
            page += 1

    assert len(seen) == len(set(seen)) == Community.objects.filter(street=guicheng).count()


# --- the historical-version form is for reading -----------------------------------------------


def test_view_only_secretary_cannot_rewrite_a_record_through_its_history(guihua_client, guicheng):
    # given an old version of the street, which the secretary may only view
    version = Street.history.filter(id=guicheng.pk).latest("history_date").history_id
    url = _url(Street, "simple_history", guicheng.pk, version)
    assert guihua_client.get(url).status_code == 200

    # when the version's form is posted back, filled in
    response = guihua_client.post(url, {"name": "被改名的街道", "district": guicheng.district_id})

    # then
    assert response.status_code == 403
    guicheng.refresh_from_db()
    assert guicheng.name == "桂城街道"
    assert Street.history.filter(id=guicheng.pk).count() == 1


def test_street_staff_cannot_revert_through_history_either(street_client, guicheng):
    version = Street.history.filter(id=guicheng.pk).latest("history_date").history_id
    guicheng.party_brand = "新品牌"
    guicheng.save()

    response = street_client.post(
        _url(Street, "simple_history", guicheng.pk, version), {"name": "桂城街道", "district": guicheng.district_id}
    )

    assert response.status_code == 403  # SIMPLE_HISTORY_REVERT_DISABLED: change the record itself
    guicheng.refresh_from_db()
    assert guicheng.party_brand == "新品牌"


# --- changelists stay flat ----------------------------------------------------------------------


@pytest.fixture
def street():
    # Not 桂城街道: once a test of this module has loaded the Guicheng data it stays for the
    # module, and this street's staff must list only the rows made here.
    return StreetFactory(name="南庄镇")


@pytest.fixture
def staff_of_street(street, client):
    user = staff_user_create(username="jiedao", password=None, street=street)
    client.force_login(user)
    return user


@pytest.fixture
def superuser_client(client):
    client.force_login(get_user_model().objects.create_superuser("root", password=None))
    return client


def _community(street):
    return CommunityFactory(street=street)


def _position_row(street, i):
    community = _community(street)
    if i % 2:  # an 经济社社长: the row shows the society, named with its community
        society = EconomicSocietyFactory(community=community)
        member = PartyMemberFactory(organization__community=community)
        return Position.objects.create(
            person=member,
            role="society_head",
            economic_society=society,
            community=community,
            started_on=dt.date(2021, 1, 1),
        )
    return PositionFactory(person__organization__community=community)


def _need_row(street, i):
    community = _community(street)
    if i % 2:
        return NeedFactory(community=community, status="matched", matched_resource=ResourceFactory(community=community))
    return NeedFactory(community=community)


def _party_organization_row(street, i):
    # Each organisation hangs under the one made before it: every row shows its own parent.
    parent = PartyOrganization.objects.filter(street=street).order_by("-pk").first()
    return PartyOrganizationFactory(
        community=_community(street), parent=parent, kind="branch" if parent else "committee"
    )


# How to add the i-th visible row of each changelist; every row has its own related records, so
# a missing select_related shows as one more query per row. District, Street and StaffScope are
# listed by a superuser: street staff see one district and one street, and no staff scopes.
ROWS = {
    District: ("superuser", lambda street, i: DistrictFactory()),
    Street: ("superuser", lambda street, i: StreetFactory()),
    AreaCluster: ("street_staff", lambda street, i: AreaClusterFactory(street=street)),
    Community: (
        "street_staff",
        lambda street, i: CommunityFactory(street=street, area_cluster=AreaClusterFactory(street=street)),
    ),
    Grid: ("street_staff", lambda street, i: GridFactory(community=_community(street))),
    EconomicSociety: ("street_staff", lambda street, i: EconomicSocietyFactory(community=_community(street))),
    PartyOrganization: ("street_staff", _party_organization_row),
    PartyMember: (
        "street_staff",
        lambda street, i: PartyMemberFactory(
            organization__community=_community(street), residence_community=_community(street)
        ),
    ),
    Position: ("street_staff", _position_row),
    ServiceType: ("street_staff", lambda street, i: ServiceTypeFactory()),
    ServiceCenter: ("street_staff", lambda street, i: ServiceCenterFactory(community=_community(street))),
    OpeningInterval: ("street_staff", lambda street, i: OpeningIntervalFactory(center__community=_community(street))),
    OpeningException: ("street_staff", lambda street, i: OpeningExceptionFactory(center__community=_community(street))),
    JointMeeting: ("street_staff", lambda street, i: JointMeetingFactory(community=_community(street))),
    CoBuildingAgreement: (
        "street_staff",
        lambda street, i: CoBuildingAgreementFactory(
            community=_community(street),
            partner_organization=PartyOrganizationFactory(street=street, street_level=True),
        ),
    ),
    Resource: ("street_staff", lambda street, i: ResourceFactory(community=_community(street))),
    Need: ("street_staff", _need_row),
    StaffScope: (
        "superuser",
        lambda street, i: StaffScopeFactory(street=street, communities=[_community(street), _community(street)]),
    ),
}

# Expected queries of each changelist page, the same for 2 rows as for a full page of 50:
#   street staff: 1 the session's user (the session itself comes from the cache),
#                 2-3 the user's own and their groups' permissions (once per request),
#                 4 the user's StaffScope (scope_of, once per request; not for the unscoped
#                   ServiceType),
#                 5 COUNT(*) of the listed rows (show_full_result_count=False spares the total),
#                 6 the rows, joined by list_select_related and annotated in one query;
#   superuser:    1, 5 and 6 only (no permission or scope queries);
#   and, where the admin has them, one query for the choices of a RelatedOnlyFieldListFilter
#   (Community's 片区), two for a date_hierarchy (first/last date, then the days: JointMeeting,
#   OpeningException), one prefetch (StaffScope's communities), two prefetches (ServiceCenter's
#   opening intervals and coming exceptions, for the 开放状态 column).
EXPECTED_QUERIES = {
    District: 3,
    Street: 3,
    AreaCluster: 6,
    Community: 7,
    Grid: 6,
    EconomicSociety: 6,
    PartyOrganization: 6,
    PartyMember: 6,
    Position: 6,
    ServiceType: 5,
    ServiceCenter: 8,
    OpeningInterval: 6,
    OpeningException: 8,
    JointMeeting: 8,
    CoBuildingAgreement: 6,
    Resource: 6,
    Need: 6,
    StaffScope: 4,
}


def test_every_registered_model_has_a_query_count():
    assert [model for model in REGISTERED if model not in ROWS or model not in EXPECTED_QUERIES] == []


def _changelist_queries(client, model) -> list[str]:
    with CaptureQueriesContext(connection) as context:
        response = client.get(_url(model, "changelist"))
    assert response.status_code == 200
    return [query["sql"] for query in context.captured_queries], response.context["cl"]


@pytest.mark.parametrize("model", REGISTERED, ids=lambda model: model._meta.model_name)
def test_changelist_queries_do_not_grow_with_rows(client, street, model, request):
    # given 2 rows (on top of any the user already sees: a superuser sees the Guicheng district)
    role, add_row = ROWS[model]
    request.getfixturevalue("staff_of_street" if role == "street_staff" else "superuser_client")
    before = client.get(_url(model, "changelist")).context["cl"].result_count
    for i in range(2):
        add_row(street, i)
    few, cl = _changelist_queries(client, model)
    assert cl.result_count == before + 2

    # when there are 50
    for i in range(2, 50):
        add_row(street, i)
    many, cl = _changelist_queries(client, model)

    # then
    assert cl.result_count == before + 50
    assert len(cl.result_list) == 50  # one full page
    assert len(many) == len(few), "\n".join(many)
    assert len(many) == EXPECTED_QUERIES[model], "\n".join(many)
