"""The secretaries' workspace: each route works for its user, refuses (404) any record of
another community or street whether read or written, turns bad input into a 400 that changes
nothing, and costs the same number of queries for 2 rows as for 50.

``OBJECT_ROUTES`` and ``LIST_ROUTES`` say how each workspace URL is checked across communities;
a new workspace URL in neither fails ``test_every_workspace_url_is_covered``.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import re
from decimal import Decimal

import pytest
from django.contrib.staticfiles import finders
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from PIL import Image

from indicators.models import FollowUpVisit
from indicators.tests.factories import FollowUpVisitFactory, InstructorFactory, RectificationCaseFactory
from organizations.models import OpeningInterval, ServiceCenter
from organizations.services import staff_user_create
from organizations.tests.factories import (
    CommunityFactory,
    DistrictFactory,
    PartyOrganizationFactory,
    ServiceCenterFactory,
    StreetFactory,
)
from portal.workspace import urls as workspace_urls
from projects.models import ProgressUpdate
from projects.tests.factories import SecretaryProjectFactory, WorkItemFactory, WorkPlanFactory, WorkThemeFactory
from tests.url_names import url_names
from volunteers.models import Activity, ServiceOrder, ServiceRecord
from volunteers.services import service_order_decline
from volunteers.tests.factories import (
    ActivityFactory,
    ServiceOrderFactory,
    ServiceRecordFactory,
    VolunteerFactory,
    VolunteerTeamFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def guicheng(guicheng_module, db):
    return guicheng_module


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def photo(name="site.jpg") -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), "red").save(buffer, "JPEG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/jpeg")


def _case_in(community):
    return RectificationCaseFactory(subject=PartyOrganizationFactory(community=community), deadline=None)


def _item_of_another_street(community):
    # 730 items belong to a street: the other street's is out of reach of everyone here.
    other = StreetFactory(name="九江镇")
    return WorkItemFactory(theme=WorkThemeFactory(plan=WorkPlanFactory(street=other)))


# Routes of one record: a record of 同心社区 (or another street) for the 桂花 secretary, whose
# GET and POST must both be 404.
OBJECT_ROUTES = {
    "project_progress": lambda community: SecretaryProjectFactory(community=community),
    "item_progress": _item_of_another_street,
    "order": lambda community: ServiceOrderFactory(center__community=community),
    "center_hours": lambda community: ServiceCenterFactory(community=community),
    "case_visit": _case_in,
}
# Routes without a record in the URL; each has its own cross-community test below.
LIST_ROUTES = {
    "home": "test_home_lists_only_my_community",
    "records": "test_confirming_another_communitys_hours_is_a_404",
    "orders": "test_home_lists_only_my_community",
    "centers": "test_home_lists_only_my_community",
    "activity_new": "test_an_activity_cannot_be_placed_in_another_community",
    "service_worker": "test_the_workspace_is_installable",
}


def test_every_workspace_url_is_covered():
    names = set(url_names(workspace_urls.urlpatterns))
    assert names == set(OBJECT_ROUTES) | set(LIST_ROUTES)
    assert all(name in globals() for name in LIST_ROUTES.values())


def _changes():
    return [
        ProgressUpdate.history.count(),
        ServiceOrder.history.count(),
        OpeningInterval.history.count(),
        FollowUpVisit.objects.count(),
        Activity.objects.count(),
    ]


@pytest.fixture
def xiqiao_staff(guicheng):
    """Street staff of 西樵镇, another street in another district."""
    street = StreetFactory(name="西樵镇", district=DistrictFactory(name="三水区"))
    CommunityFactory(street=street, name="西樵社区")
    return staff_user_create(username="xiqiao", password=None, street=street)


@pytest.mark.parametrize("viewer", ["guihua", "xiqiao"])
@pytest.mark.parametrize("name", sorted(OBJECT_ROUTES))
def test_a_record_out_of_scope_is_a_404_to_read_and_to_write(name, viewer, client, community, request):
    # given a record of 同心社区 (for the 桂花 secretary; an item of another street), or of
    # 桂花社区 itself for the street staff of 西樵镇
    if viewer == "guihua":
        user, place = request.getfixturevalue("guihua_secretary"), community("同心社区")
    else:
        user, place = request.getfixturevalue("xiqiao_staff"), community("桂花社区")
    record = OBJECT_ROUTES[name](place)
    if name == "item_progress" and viewer == "xiqiao":
        record = WorkItemFactory(theme=WorkThemeFactory(plan=WorkPlanFactory(street=place.street)))
    url = reverse(f"workspace:{name}", args=[record.pk])
    client.force_login(user)
    before = _changes()
    # when they open it or post to it
    read = client.get(url)
    write = client.post(
        url,
        {"text": "越权", "percent": 90, "step": "accept", "visited_on": "2023-05-01", "notes": "越权",
         "week-TOTAL_FORMS": 1, "week-INITIAL_FORMS": 0, "week-0-weekday": 0, "week-0-opens_at": "09:00",
         "week-0-closes_at": "10:00", "days-TOTAL_FORMS": 0, "days-INITIAL_FORMS": 0},
    )  # fmt: skip
    # then it does not exist for them, and nothing changed
    assert (read.status_code, write.status_code) == (404, 404)
    assert _changes() == before


def _view_only(user):
    """``user`` turned into an auditor: the same scope, only the view permissions."""
    from django.contrib.auth.models import Permission

    user.groups.clear()
    apps = ("organizations", "projects", "volunteers", "indicators")
    user.user_permissions.set(Permission.objects.filter(codename__startswith="view_", content_type__app_label__in=apps))
    return user


def _hours_changes():
    from volunteers.models import PointsEntry

    return [ServiceRecord.history.count(), PointsEntry.objects.count()]


@pytest.mark.parametrize("viewer", ["guihua", "jiedao"])
@pytest.mark.parametrize("name", sorted([*OBJECT_ROUTES, "records", "activity_new"]))
def test_a_view_only_account_writes_nothing(name, viewer, client, community, guicheng, request):
    # given an auditor with the 桂花 secretary's scope or the street's, and a record of 桂花社区
    user = _view_only(request.getfixturevalue("guihua_secretary" if viewer == "guihua" else "street_staff"))
    mine = community("桂花社区")
    if name == "item_progress":
        record = WorkItemFactory(theme=WorkThemeFactory(plan=WorkPlanFactory(street=guicheng)))
    elif name in OBJECT_ROUTES:
        record = OBJECT_ROUTES[name](mine)
    pending = ServiceRecordFactory(volunteer=VolunteerFactory(community=mine))
    args = [record.pk] if name in OBJECT_ROUTES else []
    url = reverse(f"workspace:{name}", args=args)
    client.force_login(user)
    before = _changes() + _hours_changes()
    # when they post what the page would post
    write = client.post(
        url,
        {"text": "旁观者填报", "percent": 90, "step": "accept", "visited_on": "2023-05-01", "notes": "旁观",
         "week-TOTAL_FORMS": 1, "week-INITIAL_FORMS": 0, "week-0-weekday": 0, "week-0-opens_at": "09:00",
         "week-0-closes_at": "10:00", "days-TOTAL_FORMS": 0, "days-INITIAL_FORMS": 0,
         "records": [pending.pk], "decision": "confirm", "title": "旁观者的活动", "community": mine.pk,
         "starts_at": "2099-05-06T09:00", "ends_at": "2099-05-06T11:00", "capacity": 8},
    )  # fmt: skip
    # then it is refused, saying why in Chinese, and nothing is written
    assert write.status_code == 403, write.content.decode()[:500]
    assert "权限" in write.content.decode()
    assert _changes() + _hours_changes() == before
    assert ServiceRecord.objects.get(pk=pending.pk).status == "pending"


def test_a_view_only_account_is_offered_no_write_and_no_phone(client, guihua_secretary, community):
    # given an auditor of 桂花社区 with a project, an order and a centre there
    mine = community("桂花社区")
    SecretaryProjectFactory(community=mine, year=2023)
    order = ServiceOrderFactory(center__community=mine)
    ServiceRecordFactory(volunteer=VolunteerFactory(community=mine))
    client.force_login(_view_only(guihua_secretary))
    # when they read the workspace
    home = client.get(reverse("workspace:home")).content.decode()
    detail = client.get(reverse("workspace:order", args=[order.pk]))
    hours = client.get(reverse("workspace:records")).content.decode()
    # then they read, but no write is offered and the resident's phone is not shown
    assert detail.status_code == 200 and order.need in detail.content.decode()
    assert order.contact_phone not in detail.content.decode() and 'name="step"' not in detail.content.decode()
    assert "更新进展" not in home and reverse("workspace:activity_new") not in home
    assert 'name="decision"' not in hours


@pytest.mark.parametrize("name", sorted(OBJECT_ROUTES))
def test_a_record_of_my_community_opens(name, guihua_client, community, street_client):
    record = OBJECT_ROUTES[name](community("桂花社区"))
    client = street_client if name == "item_progress" else guihua_client
    if name == "item_progress":
        # A 730 item of Guicheng itself, for Guicheng's street staff.
        from organizations.models import Street

        record = WorkItemFactory(
            theme=WorkThemeFactory(plan=WorkPlanFactory(street=Street.objects.get(name="桂城街道")))
        )
    assert client.get(reverse(f"workspace:{name}", args=[record.pk])).status_code == 200


def test_home_lists_only_my_community(guihua_client, community):
    mine, theirs = community("桂花社区"), community("同心社区")
    SecretaryProjectFactory(community=mine, title="桂花的书记工程")
    SecretaryProjectFactory(community=theirs, title="同心的书记工程")
    ServiceOrderFactory(center__community=mine, center__name="桂花测试中心")
    ServiceOrderFactory(center__community=theirs, center__name="同心测试中心")
    pages = "".join(
        guihua_client.get(reverse(f"workspace:{name}")).content.decode() for name in ("home", "orders", "centers")
    )
    assert "桂花的书记工程" in pages and "桂花测试中心" in pages
    assert "同心" not in pages


def test_anonymous_goes_to_the_login_and_a_resident_is_refused(client, guicheng, django_user_model):
    response = client.get(reverse("workspace:home"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("admin:login"))
    resident = django_user_model.objects.create_user("13800138000", password="x")  # noqa: S106
    client.force_login(resident)
    assert client.get(reverse("workspace:home")).status_code == 403


# --- Progress ------------------------------------------------------------------------------------


@pytest.fixture
def guihua_project(community):
    return SecretaryProjectFactory(community=community("桂花社区"), year=2023)


def test_a_progress_update_with_photos_goes_through_the_service(guihua_client, guihua_project):
    url = reverse("workspace:project_progress", args=[guihua_project.pk])
    response = guihua_client.post(
        url, {"text": "完成加装电梯意愿摸查", "percent": 35, "photos": [photo(), photo("b.jpg")]}
    )
    assert response.status_code == 302 and response["Location"] == reverse("workspace:home")
    update = ProgressUpdate.objects.get(project=guihua_project)
    assert (update.percent, update.photos.count(), update.author.username) == (35, 2, "guihua")
    guihua_project.refresh_from_db()
    assert guihua_project.percent == 35  # the roll-up followed
    assert update.history.first().history_user.username == "guihua"


def test_a_draft_sent_twice_is_recorded_once(guihua_client, guihua_project):
    url = reverse("workspace:project_progress", args=[guihua_project.pk])
    data = {"text": "离线时写的进展", "percent": 40, "draft": "3f1c9a"}
    first = guihua_client.post(url, data, HTTP_ACCEPT="application/json")
    second = guihua_client.post(url, data, HTTP_ACCEPT="application/json")
    assert (first.status_code, second.status_code) == (201, 201)
    assert first.json()["redirect"] == reverse("workspace:home")
    assert ProgressUpdate.objects.filter(project=guihua_project).count() == 1


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"text": "进展", "percent": 150}, "percent", "100"),
        ({"text": "", "percent": 10}, "text", "请填写进展情况"),
        ({"text": "进展", "percent": 10, "photos": [SimpleUploadedFile("a.jpg", b"not a photo")]}, "photos", "第 1 张"),
    ],
)
def test_bad_progress_is_a_400_naming_the_field_and_writes_nothing(guihua_client, guihua_project, data, field, message):
    url = reverse("workspace:project_progress", args=[guihua_project.pk])
    page = guihua_client.post(url, data)
    as_json = guihua_client.post(url, data, HTTP_ACCEPT="application/json")
    assert (page.status_code, as_json.status_code) == (400, 400)
    assert message in " ".join(error["message"] for error in as_json.json()["errors"][field])
    assert not ProgressUpdate.objects.exists()


@pytest.fixture
def lagging_item(guicheng):
    # A 730 item of Guicheng's 2023 plan, at 0 % once 2023 is over: it lags.
    return WorkItemFactory(
        theme=WorkThemeFactory(plan=WorkPlanFactory(street=guicheng, year=2023)), title="老旧小区改造"
    )


def test_a_secretary_is_not_offered_the_730_form(guihua_client, lagging_item):
    url = reverse("workspace:item_progress", args=[lagging_item.pk])
    # given a lagging 730 item of the secretary's street: the workspace offers no way to it
    home = guihua_client.get(reverse("workspace:home")).content.decode()
    assert url not in home and "730" not in home
    # when they open its form's address all the same
    page = guihua_client.get(url)
    # then a page says who posts it and what to do instead; no form
    text = page.content.decode()
    assert page.status_code == 403
    assert "730要点的进展由街道工作人员填报" in text and "我的书记工程" in text and "老旧小区改造" in text
    assert 'name="text"' not in text and "提交进展" not in text and "data-draft" not in text
    # and a post, from a page or from a phone's draft, is refused the same way and writes nothing
    posted = guihua_client.post(url, {"text": "x", "percent": 10})
    drafted = guihua_client.post(url, {"text": "x", "percent": 10}, HTTP_ACCEPT="application/json")
    assert (posted.status_code, drafted.status_code) == (403, 403)
    assert "730要点的进展由街道工作人员填报" in posted.content.decode()
    assert drafted.json()["errors"]["__all__"][0]["message"] == "730要点的进展由街道工作人员填报。"
    assert not ProgressUpdate.objects.exists()


def test_street_staff_are_offered_the_730_form_and_post_on_it(street_client, lagging_item):
    url = reverse("workspace:item_progress", args=[lagging_item.pk])
    assert url in street_client.get(reverse("workspace:home")).content.decode()
    form = street_client.get(url)
    assert form.status_code == 200 and 'name="text"' in form.content.decode()
    assert street_client.post(url, {"text": "街道督办完成", "percent": 30}).status_code == 302
    assert ProgressUpdate.objects.get(item=lagging_item).percent == 30


# --- Hours ----------------------------------------------------------------------------------------


def test_a_batch_of_hours_is_confirmed_and_the_points_follow(guihua_client, community):
    volunteer = VolunteerFactory(community=community("桂花社区"))
    records = [ServiceRecordFactory(volunteer=volunteer) for _ in range(3)]
    response = guihua_client.post(
        reverse("workspace:records"), {"records": [records[0].pk, records[1].pk], "decision": "confirm"}
    )
    assert response.status_code == 302
    statuses = [ServiceRecord.objects.get(pk=r.pk).status for r in records]
    assert statuses == ["confirmed", "confirmed", "pending"]
    assert volunteer.points_entries.count() == 2


def test_sending_hours_back_needs_a_reason(guihua_client, community):
    record = ServiceRecordFactory(volunteer=VolunteerFactory(community=community("桂花社区")))
    response = guihua_client.post(reverse("workspace:records"), {"records": [record.pk], "decision": "reject"})
    assert response.status_code == 400 and "退回须说明原因" in response.content.decode()
    assert ServiceRecord.objects.get(pk=record.pk).status == "pending"


def test_confirming_another_communitys_hours_is_a_404(guihua_client, community):
    mine = ServiceRecordFactory(volunteer=VolunteerFactory(community=community("桂花社区")))
    theirs = ServiceRecordFactory(volunteer=VolunteerFactory(community=community("同心社区")))
    page = guihua_client.get(reverse("workspace:records")).content.decode()
    assert theirs.volunteer.name not in page and mine.volunteer.name in page
    response = guihua_client.post(
        reverse("workspace:records"), {"records": [mine.pk, theirs.pk], "decision": "confirm"}
    )
    assert response.status_code == 404
    assert set(ServiceRecord.objects.values_list("status", flat=True)) == {"pending"}


# --- 点单 -----------------------------------------------------------------------------------------


def test_an_order_is_accepted_answered_and_done(guihua_client, community):
    mine = community("桂花社区")
    order = ServiceOrderFactory(center__community=mine)
    team = VolunteerTeamFactory(community=mine)
    url = reverse("workspace:order", args=[order.pk])
    page = guihua_client.get(url).content.decode()
    assert order.contact_phone in page  # the secretary calls the resident back
    assert guihua_client.post(url, {"step": "accept"}).status_code == 302
    missing = guihua_client.post(url, {"step": "answer"})
    assert missing.status_code == 400 and "请选择派出的服务队" in missing.content.decode()
    answer = {"step": "answer", "answer-team": team.pk, "answer-note": "周六上午上门"}
    assert guihua_client.post(url, answer).status_code == 302
    assert guihua_client.post(url, {"step": "done"}).status_code == 302
    order.refresh_from_db()
    assert (order.status, order.answer_team, order.answer_note) == ("done", team, "周六上午上门")
    assert order.history.count() == 4


def _accepted(client, order):
    assert client.post(reverse("workspace:order", args=[order.pk]), {"step": "accept"}).status_code == 302
    return order


def _between(page: str, start: str, end: str) -> str:
    return page[page.index(start) : page.index(end, page.index(start))]


@pytest.mark.parametrize("with_activity", [True, False])
def test_answering_with_nothing_chosen_says_so_under_the_answer_form_only(guihua_client, community, with_activity):
    # given an accepted order of 桂花社区, a team there and, or not, an upcoming activity
    mine = community("桂花社区")
    order = _accepted(guihua_client, ServiceOrderFactory(center__community=mine))
    VolunteerTeamFactory(community=mine)
    if with_activity:
        ActivityFactory(community=mine, is_public=True)
    # when 派单并答复 is pressed with nothing chosen
    response = guihua_client.post(reverse("workspace:order", args=[order.pk]), {"step": "answer", "decline-reason": ""})
    # then it is a 400 whose error is under the choice offered, in the answer form, and nowhere else
    page = response.content.decode()
    answer, decline = response.context["answer"], response.context["decline"]
    field, message = ("activity", "请选择响应的活动") if with_activity else ("team", "请选择派出的服务队")
    assert response.status_code == 400
    assert list(answer.errors) == [field] and message in answer.errors[field][0]
    assert not decline.is_bound and not decline.errors
    answer_form, decline_form = _between(page, 'id="answer"', "</form>"), _between(page, 'id="decline"', "</form>")
    assert message in answer_form and "errorlist" not in decline_form
    assert "必填" not in page and "“派单答复”未提交" in page
    order.refresh_from_db()
    assert order.status == "accepted"


def test_declining_without_a_reason_says_so_under_the_decline_form_only(guihua_client, community):
    order = _accepted(guihua_client, ServiceOrderFactory(center__community=community("桂花社区")))
    response = guihua_client.post(reverse("workspace:order", args=[order.pk]), {"step": "decline"})
    page = response.content.decode()
    assert response.status_code == 400
    assert response.context["decline"].errors == {"reason": ["请填写不予受理的原因。"]}
    assert not response.context["answer"].is_bound
    assert "errorlist" not in _between(page, 'id="answer"', "</form>")
    assert "请填写不予受理的原因" in _between(page, 'id="decline"', "</form>")
    order.refresh_from_db()
    assert order.status == "accepted"


def test_a_refused_answer_shows_under_the_answer_form(guihua_client, guihua_secretary, community):
    # given an order declined meanwhile (by a colleague, or in another tab)
    mine = community("桂花社区")
    order = _accepted(guihua_client, ServiceOrderFactory(center__community=mine))
    team = VolunteerTeamFactory(community=mine)
    url = reverse("workspace:order", args=[order.pk])
    assert guihua_client.get(url).status_code == 200
    service_order_decline(order=order, user=guihua_secretary, reason="不在服务范围")
    # when the answer is sent from the page opened before
    response = guihua_client.post(url, {"step": "answer", "answer-team": team.pk})
    # then the service's refusal is in the answer form's errors
    assert response.status_code == 400
    assert "不予受理" in response.context["answer"].non_field_errors()[0]
    assert not response.context["decline"].errors
    order.refresh_from_db()
    assert (order.status, order.answer_team) == ("declined", None)


# --- Centre hours, activities, visits -------------------------------------------------------------


def _week(center, rows, days=()):
    data = {"week-TOTAL_FORMS": len(rows), "week-INITIAL_FORMS": 0, "days-TOTAL_FORMS": len(days)}
    data["days-INITIAL_FORMS"] = 0
    for index, (weekday, opens, closes) in enumerate(rows):
        data |= {f"week-{index}-weekday": weekday, f"week-{index}-opens_at": opens, f"week-{index}-closes_at": closes}
    for index, (day, closed) in enumerate(days):
        data |= {f"days-{index}-date": day, f"days-{index}-is_closed": "on" if closed else ""}
    return data


def test_a_secretary_keeps_the_week_and_a_closed_day(guihua_client, community):
    center = ServiceCenterFactory(community=community("桂花社区"))
    url = reverse("workspace:center_hours", args=[center.pk])
    data = _week(center, [(0, "09:00", "12:00"), (0, "14:00", "17:30")], [("2099-10-01", True)])
    assert guihua_client.post(url, data).status_code == 302
    assert center.opening_intervals.count() == 2 and center.opening_exceptions.get().is_closed


def test_overlapping_hours_are_a_400_and_nothing_is_saved(guihua_client, community):
    center = ServiceCenterFactory(community=community("桂花社区"))
    url = reverse("workspace:center_hours", args=[center.pk])
    response = guihua_client.post(url, _week(center, [(0, "09:00", "12:00"), (0, "11:00", "17:30")]))
    assert response.status_code == 400 and "重叠" in response.content.decode()
    assert not center.opening_intervals.exists()


def test_a_secretary_publishes_an_activity(guihua_client, community):
    mine = community("桂花社区")
    center = ServiceCenter.objects.filter(community=mine).first()
    data = {
        "title": "长者义剪", "community": mine.pk, "center": center.pk, "starts_at": "2099-05-06T09:00",
        "ends_at": "2099-05-06T11:00", "capacity": 8, "is_public": "on",
    }  # fmt: skip
    assert guihua_client.post(reverse("workspace:activity_new"), data).status_code == 302
    activity = Activity.objects.get(title="长者义剪")
    assert (activity.community, activity.street_id, activity.capacity) == (mine, mine.street_id, 8)


def test_an_activity_without_a_community_is_a_400_naming_the_field(guihua_client, community):
    data = {"title": "没有社区的活动", "starts_at": "2099-05-06T09:00", "ends_at": "2099-05-06T11:00"}
    response = guihua_client.post(reverse("workspace:activity_new"), data | {"capacity": 8})
    assert response.status_code == 400
    assert response.context["form"].errors["community"] == ["请选择活动所在的社区。"]
    assert not Activity.objects.filter(title="没有社区的活动").exists()


def test_an_activity_cannot_be_placed_in_another_community(guihua_client, community):
    data = {"title": "越权活动", "community": community("同心社区").pk, "starts_at": "2099-05-06T09:00"}
    data |= {"ends_at": "2099-05-06T11:00", "capacity": 8}
    response = guihua_client.post(reverse("workspace:activity_new"), data)
    assert response.status_code == 400 and not Activity.objects.filter(title="越权活动").exists()


def test_a_visit_is_recorded_and_a_future_one_refused(guihua_client, community):
    case = _case_in(community("桂花社区"))
    url = reverse("workspace:case_visit", args=[case.pk])
    future = guihua_client.post(url, {"visited_on": "2099-01-01", "notes": "走访"})
    assert future.status_code == 400 and "走访日期不能晚于今天" in future.content.decode()
    assert guihua_client.post(url, {"visited_on": "2023-06-01", "notes": "检查提升计划"}).status_code == 302
    assert case.visits.get().visitor.username == "guihua"


def test_an_instructor_sees_their_own_cases_first(client, community, guicheng):
    instructor = InstructorFactory(street=guicheng)
    own = _case_in(community("桂花社区"))
    own.instructor = instructor
    own.save()
    other = _case_in(community("同心社区"))
    client.force_login(instructor.user)
    page = client.get(reverse("workspace:home")).content.decode()
    assert own.subject.name in page and other.subject.name not in page
    assert "尚未走访" in page


def test_the_workspace_is_installable(guihua_client, client):
    home = guihua_client.get(reverse("workspace:home")).content.decode()
    assert 'rel="manifest"' in home
    worker = client.get(reverse("workspace:service_worker"))
    assert worker.status_code == 200 and worker["Content-Type"].startswith("text/javascript")
    assert "respondWith" in worker.content.decode()


def test_the_service_worker_keeps_every_file_a_workspace_page_loads(guihua_client, client, guihua_project):
    # given the files the home and the progress form load (styles, script, icons, manifest)
    pages = guihua_client.get(reverse("workspace:home")).content.decode()
    pages += guihua_client.get(reverse("workspace:project_progress", args=[guihua_project.pk])).content.decode()
    loaded = set(re.findall(r'(?:href|src)="(/static/[^"]+)"', pages))
    assert {"/static/portal/workspace.css", "/static/portal/workspace.js"} <= loaded
    # when the service worker is fetched
    script = client.get(reverse("workspace:service_worker")).content.decode()
    # then it precaches them all as it installs, named as the pages name them
    precache = json.loads(re.search(r"^var PRECACHE = (\[.*\]);$", script, re.MULTILINE).group(1))
    assert loaded <= set(precache)
    assert all(finders.find(url.removeprefix("/static/")) for url in precache)


# --- Query counts ---------------------------------------------------------------------------------


def _queries(client, url) -> tuple[int, list[str]]:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured), [q["sql"] for q in captured]


def _grow(user, count):
    # One 书记工程 per community and year: the secretary takes on a new community each time.
    for _ in range(count):
        mine = CommunityFactory(street=user.staff_scope.street)
        user.staff_scope.communities.add(mine)
        SecretaryProjectFactory(community=mine, year=2023)
        ServiceOrderFactory(center__community=mine)
        ServiceRecordFactory(volunteer=VolunteerFactory(community=mine), hours=Decimal("2.00"))
        FollowUpVisitFactory(case=_case_in(mine), visited_on=dt.date(2023, 5, 1))


@pytest.mark.parametrize("name", ["home", "records", "orders", "centers"])
def test_workspace_pages_cost_the_same_for_2_and_50_rows(name, guihua_client, guihua_secretary):
    # home: session, user, scope, year, projects, pending count, orders, stale orders,
    # instructor check, cases, mentors, centres — whatever the rows.
    url = reverse(f"workspace:{name}")
    _grow(guihua_secretary, 2)
    small, _ = _queries(guihua_client, url)
    _grow(guihua_secretary, 48)
    big, sql = _queries(guihua_client, url)
    assert small == big, "\n".join(sql)


def test_the_730_queue_costs_the_same_for_2_and_50_items(street_client, guicheng):
    theme = WorkThemeFactory(plan=WorkPlanFactory(street=guicheng, year=2023))
    WorkItemFactory.create_batch(2, theme=theme)
    small, _ = _queries(street_client, reverse("workspace:home"))
    WorkItemFactory.create_batch(48, theme=theme)
    big, sql = _queries(street_client, reverse("workspace:home"))
    assert small == big, "\n".join(sql)
    page = street_client.get(reverse("workspace:home")).content.decode()
    assert page.count("滞后</span>") == 50  # every item of 2023 at 0 % lags once the year is over


def test_a_long_queue_of_hours_shows_the_oldest_first_and_says_so(guihua_client, community, monkeypatch):
    from portal.workspace import views

    monkeypatch.setattr(views, "RECORDS_PER_PAGE", 2)
    volunteer = VolunteerFactory(community=community("桂花社区"))
    oldest, second, newest = (ServiceRecordFactory(volunteer=volunteer) for _ in range(3))
    page = guihua_client.get(reverse("workspace:records")).content.decode()
    assert f'value="{oldest.pk}"' in page and f'value="{second.pk}"' in page
    assert f'value="{newest.pk}"' not in page
    assert "一次显示最早的 2 条" in page
