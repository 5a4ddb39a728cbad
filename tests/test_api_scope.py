"""Nobody reaches another community's records through any API URL.

Each case runs for two viewers (see ``ctx``): the 桂花社区 secretary, and the street staff of
西樵镇, another street. The viewer calls with a token and given every permission of the
portal's apps on top of their role, so the scope is proved to hold on its own and not because a
permission happens to be missing. For every URL the API serves, ``CASES`` holds a case that makes
a record inside 桂花社区 and one inside 同心社区 (unpublished where the endpoint is public), and
proves the secretary reaches the first — so no check can pass on an empty answer — and neither
reads the second (absent from the list, 404 on its detail) nor writes to it (refused, nothing
written).

``test_every_api_url_has_a_case`` walks the API's URL patterns: a new endpoint without a case
fails it. Endpoints that serve no record of a community (the schema, the docs, the token login)
are listed in ``NO_RECORDS`` with the reason.
"""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from PIL import Image
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from indicators.models import Period, Score
from indicators.tests.factories import PeriodFactory, RatingFactory, ScoreFactory, society_branch
from organizations.services import staff_user_create
from organizations.tests.factories import (
    CommunityFactory,
    DistrictFactory,
    PartyOrganizationFactory,
    ServiceCenterFactory,
    StreetFactory,
)
from portal import api_urls
from projects.models import ProgressUpdate
from projects.tests.factories import SecretaryProjectFactory, WorkItemFactory
from volunteers.models import ServiceOrder, ServiceRecord, Signup
from volunteers.tests.factories import (
    ActivityFactory,
    ServiceOrderFactory,
    ServiceRecordFactory,
    SignupFactory,
    VolunteerFactory,
)

from .url_names import url_names

pytestmark = pytest.mark.django_db


@pytest.fixture
def guicheng(guicheng_module, db):
    return guicheng_module


@pytest.fixture(autouse=True)
def _fast_passwords_and_media(settings, tmp_path):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.MEDIA_ROOT = tmp_path / "media"


class Ctx:
    def __init__(self, api: APIClient, anonymous: APIClient, user, own, other):
        self.api, self.anonymous, self.user, self.own, self.other = api, anonymous, user, own, other

    def ids(self, url: str, client: APIClient | None = None, **params) -> set[int]:
        response = (client or self.api).get(url, {"page_size": 200, **params})
        assert response.status_code == 200, (url, response.content[:300])
        data = response.json()
        rows = data["results"] if isinstance(data, dict) else data
        return {row["id"] for row in rows}


@pytest.fixture(params=["guihua", "xiqiao"])
def ctx(request, community):
    """Two viewers: the 桂花社区 secretary (own 桂花, other 同心), and the street staff of 西樵镇,
    another street in another district (own 西樵社区, other 桂花社区)."""
    if request.param == "guihua":
        user, own, other = request.getfixturevalue("guihua_secretary"), community("桂花社区"), community("同心社区")
    else:
        street = StreetFactory(name="西樵镇", district=DistrictFactory(name="三水区"))
        own = CommunityFactory(street=street, name="西樵社区")
        user, other = staff_user_create(username="xiqiao", password=None, street=street), community("桂花社区")
    apps = ("organizations", "projects", "volunteers", "indicators")
    user.user_permissions.add(*Permission.objects.filter(content_type__app_label__in=apps))
    token = Token.objects.create(user=user)
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return Ctx(api, APIClient(), user, own, other)


def _url(name: str, *args) -> str:
    return reverse(f"api:{name}", args=args)


def _photo() -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), "red").save(buffer, "JPEG")
    return SimpleUploadedFile("p.jpg", buffer.getvalue(), content_type="image/jpeg")


# --- Public endpoints: a secretary sees nothing unpublished of another community ------------------


def case_communities(c: Ctx):
    # Communities are public as a whole: the secretary's answer is the anonymous one, no more.
    listed = c.api.get(_url("community-list"), {"page_size": 200}).json()
    assert {c.own.pk, c.other.pk} <= {row["id"] for row in listed["results"]}
    assert listed == c.anonymous.get(_url("community-list"), {"page_size": 200}).json()


def case_community(c: Ctx):
    for pk in (c.own.pk, c.other.pk):
        assert c.api.get(_url("community-detail", pk)).json() == c.anonymous.get(_url("community-detail", pk)).json()


def _centers(c: Ctx):
    return (
        ServiceCenterFactory(community=c.own, is_published=True),
        ServiceCenterFactory(community=c.other, is_published=False),
    )


def case_centers(c: Ctx):
    own, other = _centers(c)
    ids = c.ids(_url("center-list"))
    assert own.pk in ids and other.pk not in ids


def case_center(c: Ctx):
    own, other = _centers(c)
    assert c.api.get(_url("center-detail", own.pk)).status_code == 200
    assert c.api.get(_url("center-detail", other.pk)).status_code == 404


def _projects(c: Ctx):
    return (
        SecretaryProjectFactory(community=c.own, is_public=False),
        SecretaryProjectFactory(community=c.other, is_public=False),
    )


def case_projects(c: Ctx):
    own, other = _projects(c)
    ids = c.ids(_url("project-list"))
    # the secretary's own unpublished project, as in the admin; never another community's
    assert own.pk in ids and other.pk not in ids
    assert own.pk not in c.ids(_url("project-list"), c.anonymous)


def case_project(c: Ctx):
    own, other = _projects(c)
    assert c.api.get(_url("project-detail", own.pk)).status_code == 200
    assert c.api.get(_url("project-detail", other.pk)).status_code == 404
    assert c.anonymous.get(_url("project-detail", own.pk)).status_code == 404


def case_project_updates(c: Ctx):
    own = SecretaryProjectFactory(community=c.own)
    other = SecretaryProjectFactory(community=c.other)  # public: readable, still not writable
    response = c.api.post(_url("project-updates", own.pk), {"text": "完成加装电梯意见征集", "percent": 30})
    assert response.status_code == 201, response.content
    response = c.api.post(
        _url("project-updates", other.pk), {"text": "越权填报", "percent": 90, "photos": [_photo()]}, format="multipart"
    )
    assert response.status_code == 403
    assert not ProgressUpdate.objects.filter(project=other).exists()


def _plans(c: Ctx):
    # The 730 plan is the street's: an unpublished one is for nobody on the public endpoints.
    public = WorkItemFactory(theme__plan__street=c.own.street, theme__plan__is_public=True).theme.plan
    hidden = WorkItemFactory(theme__plan__street=c.own.street, theme__plan__is_public=False).theme.plan
    return public, hidden


def case_plans(c: Ctx):
    public, hidden = _plans(c)
    ids = c.ids(_url("plan-list"))
    assert public.pk in ids and hidden.pk not in ids


def case_plan(c: Ctx):
    public, hidden = _plans(c)
    assert c.api.get(_url("plan-detail", public.pk)).status_code == 200
    assert c.api.get(_url("plan-detail", hidden.pk)).status_code == 404


def _ratings(c: Ctx):
    now = timezone.now()
    published = PeriodFactory(
        scheme__street=c.own.street, status=Period.Status.PUBLISHED, closed_at=now, published_at=now,
        ratings_computed_at=now,
    )  # fmt: skip
    closed = PeriodFactory(
        scheme__street=c.own.street, status=Period.Status.CLOSED, closed_at=now, ratings_computed_at=now
    )
    own = RatingFactory(period=published, subject=PartyOrganizationFactory(community=c.own), stars=5)
    other = RatingFactory(period=closed, subject=PartyOrganizationFactory(community=c.other), stars=5)
    return own, other


def case_honour(c: Ctx):
    own, other = _ratings(c)
    assert own.pk in c.ids(_url("honour-list"), period=own.period_id)
    assert c.ids(_url("honour-list"), period=other.period_id) == set()


def case_rating_history(c: Ctx):
    own, other = _ratings(c)
    assert c.api.get(_url("rating-history", own.subject_id)).status_code == 200
    assert c.api.get(_url("rating-history", other.subject_id)).status_code == 404


def case_figures(c: Ctx):
    assert c.api.get(_url("figures")).json() == c.anonymous.get(_url("figures")).json()


def _activities(c: Ctx):
    return ActivityFactory(community=c.own, is_public=True), ActivityFactory(community=c.other, is_public=False)


def case_activities(c: Ctx):
    own, other = _activities(c)
    ids = c.ids(_url("activity-list"))
    assert own.pk in ids and other.pk not in ids


def case_activity(c: Ctx):
    own, other = _activities(c)
    assert c.api.get(_url("activity-detail", own.pk)).status_code == 200
    assert c.api.get(_url("activity-detail", other.pk)).status_code == 404


def case_activity_signup(c: Ctx):
    own, other = _activities(c)
    VolunteerFactory(community=c.own, user=c.user)
    assert c.api.post(_url("activity-signup", own.pk)).status_code == 201
    assert c.api.post(_url("activity-signup", other.pk)).status_code == 404
    assert not Signup.objects.filter(activity=other).exists()


def case_activity_cancel(c: Ctx):
    own, _ = _activities(c)
    mine = SignupFactory(activity=own, volunteer=VolunteerFactory(community=c.own, user=c.user))
    # another volunteer's sign-up (of 同心社区) on the same activity is not the secretary's to cancel
    theirs = SignupFactory(activity=own, volunteer=VolunteerFactory(community=c.other))
    assert c.api.post(_url("activity-cancel", own.pk)).status_code == 200
    mine.refresh_from_db(), theirs.refresh_from_db()
    assert mine.status == Signup.Status.CANCELLED and theirs.status == Signup.Status.REGISTERED


# --- Staff endpoints: the scope of the admin ------------------------------------------------------


def _scores(c: Ctx):
    period = PeriodFactory(scheme__street=c.own.street)
    own = ScoreFactory(period=period, subject=society_branch(c.own))
    other = ScoreFactory(period=period, subject=society_branch(c.other))
    return own, other


def case_scores(c: Ctx):
    own, other = _scores(c)
    ids = c.ids(_url("score-list"))
    assert own.pk in ids and other.pk not in ids
    # writing a score for a 同心社区 subject: a field error, nothing written
    subject = society_branch(c.other)
    data = {"period": own.period_id, "subject": subject.pk, "dimension": own.dimension_id, "value": "70"}
    response = c.api.post(_url("score-list"), data)
    assert response.status_code == 400 and "subject" in response.json()
    assert not Score.objects.filter(subject=subject).exists()
    mine = society_branch(c.own)
    assert c.api.post(_url("score-list"), {**data, "subject": mine.pk}).status_code == 201


def case_score(c: Ctx):
    own, other = _scores(c)
    assert c.api.get(_url("score-detail", own.pk)).status_code == 200
    assert c.api.get(_url("score-detail", other.pk)).status_code == 404
    assert c.api.patch(_url("score-detail", other.pk), {"value": "1"}).status_code == 404
    assert c.api.patch(_url("score-detail", own.pk), {"value": "66"}).status_code == 200
    other.refresh_from_db()
    assert other.value == Decimal(80)


def _records(c: Ctx):
    return (
        ServiceRecordFactory(volunteer=VolunteerFactory(community=c.own)),
        ServiceRecordFactory(volunteer=VolunteerFactory(community=c.other)),
    )


def case_records(c: Ctx):
    own, other = _records(c)
    ids = c.ids(_url("service-record-list"))
    assert own.pk in ids and other.pk not in ids


def case_record(c: Ctx):
    own, other = _records(c)
    assert c.api.get(_url("service-record-detail", own.pk)).status_code == 200
    assert c.api.get(_url("service-record-detail", other.pk)).status_code == 404


def case_record_batch(c: Ctx):
    own, other = _records(c)
    both = c.api.post(_url("service-record-batch"), {"ids": [own.pk, other.pk], "decision": "confirm"}, format="json")
    assert both.status_code == 404
    assert set(ServiceRecord.objects.values_list("status", flat=True)) == {ServiceRecord.Status.PENDING}
    mine = c.api.post(_url("service-record-batch"), {"ids": [own.pk], "decision": "confirm"}, format="json")
    assert mine.status_code == 200 and mine.json()["confirmed"] == 1


def case_record_confirm(c: Ctx):
    own, other = _records(c)
    assert c.api.post(_url("service-record-confirm", own.pk)).status_code == 200
    assert c.api.post(_url("service-record-confirm", other.pk)).status_code == 404
    other.refresh_from_db()
    assert other.status == ServiceRecord.Status.PENDING


def _orders(c: Ctx):
    return (
        ServiceOrderFactory(center=ServiceCenterFactory(community=c.own)),
        ServiceOrderFactory(center=ServiceCenterFactory(community=c.other)),
    )


def case_orders(c: Ctx):
    own, other = _orders(c)
    ids = c.ids(_url("order-list"))
    assert own.pk in ids and other.pk not in ids


def case_order(c: Ctx):
    own, other = _orders(c)
    assert c.api.get(_url("order-detail", own.pk)).status_code == 200
    assert c.api.get(_url("order-detail", other.pk)).status_code == 404


def case_order_accept(c: Ctx):
    own, other = _orders(c)
    assert c.api.post(_url("order-accept", own.pk)).status_code == 200
    assert c.api.post(_url("order-accept", other.pk)).status_code == 404
    other.refresh_from_db()
    assert other.status == ServiceOrder.Status.SUBMITTED


def case_order_answer(c: Ctx):
    own, other = _orders(c)
    own_activity = ActivityFactory(community=c.own)
    other_activity = ActivityFactory(community=c.other)
    c.api.post(_url("order-accept", own.pk))
    # answering with another community's activity is a field error
    response = c.api.post(_url("order-answer", own.pk), {"activity": other_activity.pk})
    assert response.status_code == 400 and "activity" in response.json()
    assert c.api.post(_url("order-answer", own.pk), {"activity": own_activity.pk}).status_code == 200
    assert c.api.post(_url("order-answer", other.pk), {"activity": own_activity.pk}).status_code == 404
    other.refresh_from_db()
    assert other.status == ServiceOrder.Status.SUBMITTED and other.answer_activity_id is None


# --- Open data: public records only, for everyone ----------------------------------------------


def case_open_centers_hsds(c: Ctx):
    own, other = _centers(c)
    body = c.api.get(_url("open-centers-hsds")).json()
    names = {location["name"] for location in body["locations"]}
    assert own.name in names and other.name not in names


def case_open_centers_csv(c: Ctx):
    own, other = _centers(c)
    text = c.api.get(_url("open-centers-csv")).content.decode()
    assert own.name in text and other.name not in text


def case_open_projects_csv(c: Ctx):
    own = SecretaryProjectFactory(community=c.own, is_public=True)
    other = SecretaryProjectFactory(community=c.other, is_public=False)
    text = c.api.get(_url("open-projects-csv")).content.decode()
    assert own.title in text and other.title not in text


def case_open_plan_csv(c: Ctx):
    public, hidden = _plans(c)
    text = c.api.get(_url("open-plan-csv")).content.decode()
    assert public.themes.get().items.get().title in text
    assert hidden.themes.get().items.get().title not in text


CASES = {
    "community-list": case_communities,
    "community-detail": case_community,
    "center-list": case_centers,
    "center-detail": case_center,
    "project-list": case_projects,
    "project-detail": case_project,
    "project-updates": case_project_updates,
    "plan-list": case_plans,
    "plan-detail": case_plan,
    "honour-list": case_honour,
    "rating-history": case_rating_history,
    "figures": case_figures,
    "activity-list": case_activities,
    "activity-detail": case_activity,
    "activity-signup": case_activity_signup,
    "activity-cancel": case_activity_cancel,
    "score-list": case_scores,
    "score-detail": case_score,
    "service-record-list": case_records,
    "service-record-detail": case_record,
    "service-record-confirm": case_record_confirm,
    "service-record-batch": case_record_batch,
    "order-list": case_orders,
    "order-detail": case_order,
    "order-accept": case_order_accept,
    "order-answer": case_order_answer,
    "open-centers-hsds": case_open_centers_hsds,
    "open-centers-csv": case_open_centers_csv,
    "open-projects-csv": case_open_projects_csv,
    "open-plan-csv": case_open_plan_csv,
}

NO_RECORDS = {
    "schema": "the OpenAPI document describes endpoints, not records",
    "swagger-ui": "documentation page",
    "redoc": "documentation page",
    "token": "exchanges one's own password for one's own token",
}


def test_every_api_url_has_a_case():
    names = set(url_names(api_urls.urlpatterns))

    assert names - set(CASES) - set(NO_RECORDS) == set(), "add a cross-community case to CASES"
    assert (set(CASES) | set(NO_RECORDS)) - names == set()


@pytest.mark.parametrize("name", sorted(CASES))
def test_secretary_reaches_nothing_of_another_community(name, ctx):
    CASES[name](ctx)


def test_the_token_belongs_to_whoever_logs_in(guicheng, guihua_secretary, settings):
    # given the secretary's password
    from conftest import PASSWORD

    # when they ask for a token, then it is theirs, and it works on a staff endpoint
    response = APIClient().post(_url("token"), {"username": "guihua", "password": PASSWORD})
    assert response.status_code == 200
    assert Token.objects.get(key=response.json()["token"]).user == guihua_secretary
    wrong = APIClient().post(_url("token"), {"username": "guihua", "password": "wrong"})
    assert wrong.status_code == 400 and "无法" in wrong.content.decode()


# --- A view-only account (an auditor): reads its scope, writes nothing ----------------------------


@pytest.fixture(params=["guihua", "xiqiao"])
def auditor(request, community):
    """The two viewers above turned auditors: the same scope, only the view permissions."""
    if request.param == "guihua":
        user, own = request.getfixturevalue("guihua_secretary"), community("桂花社区")
    else:
        street = StreetFactory(name="西樵镇", district=DistrictFactory(name="三水区"))
        own = CommunityFactory(street=street, name="西樵社区")
        user = staff_user_create(username="xiqiao", password=None, street=street)
    user.groups.clear()
    apps = ("organizations", "projects", "volunteers", "indicators")
    user.user_permissions.set(Permission.objects.filter(codename__startswith="view_", content_type__app_label__in=apps))
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    return Ctx(api, APIClient(), user, own, None)


def write_project_updates(c: Ctx):
    project = SecretaryProjectFactory(community=c.own)
    return lambda: c.api.post(_url("project-updates", project.pk), {"text": "旁观者填报", "percent": 90})


def write_record_confirm(c: Ctx):
    record = ServiceRecordFactory(volunteer=VolunteerFactory(community=c.own))
    assert c.api.get(_url("service-record-detail", record.pk)).status_code == 200  # they do read it
    return lambda: c.api.post(_url("service-record-confirm", record.pk))


def write_record_batch(c: Ctx):
    record = ServiceRecordFactory(volunteer=VolunteerFactory(community=c.own))
    return lambda: c.api.post(_url("service-record-batch"), {"ids": [record.pk], "decision": "confirm"}, format="json")


def write_order_accept(c: Ctx):
    order = ServiceOrderFactory(center=ServiceCenterFactory(community=c.own))
    read = c.api.get(_url("order-detail", order.pk))
    # they read the need, not the resident's contact details
    assert read.status_code == 200 and read.json()["need"] and read.json()["contact_phone"] == ""
    return lambda: c.api.post(_url("order-accept", order.pk))


def write_order_answer(c: Ctx):
    order = ServiceOrderFactory(
        center=ServiceCenterFactory(community=c.own), status=ServiceOrder.Status.ACCEPTED, accepted_at=timezone.now(),
        accepted_by=staff_user_create(username="accepting-clerk", password=None, street=c.own.street),
    )  # fmt: skip
    return lambda: c.api.post(_url("order-answer", order.pk), {"activity": ActivityFactory(community=c.own).pk})


def write_score_create(c: Ctx):
    own = ScoreFactory(period=PeriodFactory(scheme__street=c.own.street), subject=society_branch(c.own))
    data = {"period": own.period_id, "subject": society_branch(c.own).pk, "dimension": own.dimension_id}
    return lambda: c.api.post(_url("score-list"), data | {"value": "70"})


def write_score_change(c: Ctx):
    own = ScoreFactory(period=PeriodFactory(scheme__street=c.own.street), subject=society_branch(c.own))
    return lambda: c.api.patch(_url("score-detail", own.pk), {"value": "1"})


# Every API URL that writes: makes a record of the auditor's own scope, returns the attempt.
WRITES = {
    "project-updates": write_project_updates,
    "service-record-confirm": write_record_confirm,
    "service-record-batch": write_record_batch,
    "order-accept": write_order_accept,
    "order-answer": write_order_answer,
    "score-list": write_score_create,
    "score-detail": write_score_change,
}
NOT_STAFF_WRITES = {
    "activity-signup": "a volunteer signs themselves up (their own volunteer record, not a staff write)",
    "activity-cancel": "a volunteer cancels their own sign-up",
    "token": "exchanges one's own password for one's own token",
}


def _writing_url_names(patterns) -> set[str]:
    from django.urls import URLPattern, URLResolver

    found = set()
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            found |= _writing_url_names(pattern.url_patterns)
        elif isinstance(pattern, URLPattern) and pattern.name:
            actions = getattr(pattern.callback, "actions", None)
            view_class = getattr(pattern.callback, "cls", None) or getattr(pattern.callback, "view_class", None)
            methods = (
                set(actions) if actions else {m for m in ("post", "put", "patch", "delete") if hasattr(view_class, m)}
            )
            if methods & {"post", "put", "patch", "delete"}:
                found.add(pattern.name)
    return found


def test_every_writing_api_url_is_tried_by_an_auditor():
    assert _writing_url_names(api_urls.urlpatterns) == set(WRITES) | set(NOT_STAFF_WRITES)


def _written() -> list[int]:
    from volunteers.models import PointsEntry

    return [
        ProgressUpdate.objects.count(), ServiceRecord.history.count(), PointsEntry.objects.count(),
        ServiceOrder.history.count(), Score.history.count(),
    ]  # fmt: skip


@pytest.mark.parametrize("name", sorted(WRITES))
def test_a_view_only_account_writes_nothing(name, auditor):
    # given an auditor's token and a record of their own scope
    attempt = WRITES[name](auditor)
    before = _written()
    # when they try the write
    response = attempt()
    # then it is a 403 saying why in Chinese, and nothing is written
    assert response.status_code == 403, response.content
    assert "权限" in response.json()["detail"]
    assert _written() == before


def test_a_demoted_user_keeps_no_scope_through_their_token(guicheng, guihua_secretary, community):
    # given a secretary's token, their StaffScope row and an unpublished project of theirs
    apps = ("organizations", "projects", "volunteers", "indicators")
    guihua_secretary.user_permissions.add(*Permission.objects.filter(content_type__app_label__in=apps))
    project = SecretaryProjectFactory(community=community("桂花社区"), is_public=False)
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=guihua_secretary).key}")
    assert api.get(_url("project-detail", project.pk)).status_code == 200
    # when they lose the staff flag (the StaffScope row and the token stay)
    guihua_secretary.is_staff = False
    guihua_secretary.save()
    # then the token reads what anyone reads, and writes nothing
    assert api.get(_url("project-detail", project.pk)).status_code == 404
    assert project.pk not in {row["id"] for row in api.get(_url("project-list")).json()["results"]}
    posted = api.post(_url("project-updates", project.pk), {"text": "降级后填报", "percent": 50})
    assert posted.status_code == 403
    assert api.get(_url("service-record-list")).status_code == 403
    assert not ProgressUpdate.objects.filter(project=project).exists()
