"""The API's behaviour beyond scope (``tests/test_api_scope.py``): flat query counts for every
list, conditional GET for the big screen, bad input as Chinese 400s, throttles, the writes
through the services, the open data and the documentation pages."""

from __future__ import annotations

import csv
import io
import itertools
from datetime import date, time, timedelta

import pytest
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import TestCase
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from PIL import Image
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from indicators.models import Period
from indicators.tests.factories import PeriodFactory, RatingFactory, ScoreFactory, society_branch
from organizations.models import Community
from organizations.tests.factories import (
    OpeningExceptionFactory,
    OpeningIntervalFactory,
    ServiceCenterFactory,
    ServiceTypeFactory,
)
from projects.lagging import today_in_beijing
from projects.models import ProgressUpdate, UpdatePhoto
from projects.tests.factories import (
    ProgressUpdateFactory,
    ProjectMilestoneFactory,
    ProjectTargetFactory,
    SecretaryProjectFactory,
    WorkItemFactory,
    WorkPlanFactory,
    WorkThemeFactory,
)
from volunteers.models import Signup
from volunteers.tests.factories import (
    ActivityFactory,
    ServiceOrderFactory,
    ServiceRecordFactory,
    SignupFactory,
    VolunteerFactory,
)

pytestmark = pytest.mark.django_db

SIZES = (2, 50)


@pytest.fixture
def guicheng(guicheng_module, db):
    return guicheng_module


@pytest.fixture(autouse=True)
def _fast_passwords_and_media(settings, tmp_path):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def anonymous():
    return APIClient()


@pytest.fixture
def staff_api(street_staff):
    # A token, as the apps call: each request reads its user afresh (no permission cache).
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=street_staff).key}")
    return client


@pytest.fixture
def guihua_api(guihua_secretary):
    apps = ("organizations", "projects", "volunteers", "indicators")
    guihua_secretary.user_permissions.add(*Permission.objects.filter(content_type__app_label__in=apps))
    client = APIClient()
    client.force_authenticate(guihua_secretary)
    return client


def _count(client, url, params) -> tuple[int, list[str]]:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, {"page_size": 200, **params})
    assert response.status_code == 200, (url, response.content[:300])
    return len(captured), [q["sql"] for q in captured]


def flat(client, url, build, **params) -> int:
    """Builds 2 rows, counts the list's queries; builds up to 50, counts again: the two match."""
    counts, made = [], 0
    for size in SIZES:
        build(size - made)
        made = size
        counts.append(_count(client, url, params))
    (small, _), (big, big_sql) = counts
    assert small == big, "\n".join(big_sql)
    return small


# --- Query counts: 2 rows cost what 50 cost -------------------------------------------------------


def test_communities_list_is_flat(anonymous, guicheng):
    def build(n):
        for _ in range(n):
            Community.objects.create(street=guicheng, name=f"新社区{Community.objects.count()}", kind="urban")

    # count, communities with street, 片区 and grid counts
    assert flat(anonymous, reverse("api:community-list"), build) == 2


def test_centers_list_is_flat(anonymous, community):
    def build(n):
        for _ in range(n):
            center = ServiceCenterFactory(community=community("桂花社区"), is_published=True)
            center.services.add(ServiceTypeFactory())
            OpeningIntervalFactory(center=center)
            OpeningExceptionFactory(center=center, date=today_in_beijing() + timedelta(days=2), is_closed=True)

    # count, centres, their weekly intervals, their coming exceptions, their services
    assert flat(anonymous, reverse("api:center-list"), build) == 5


def test_projects_list_is_flat(anonymous, community):
    years = itertools.count(2040)  # one project per community and year

    def build(n):
        for _ in range(n):
            project = SecretaryProjectFactory(community=community("桂花社区"), year=next(years))
            ProjectTargetFactory(project=project)
            ProjectMilestoneFactory(project=project)

    # count, projects with community and 滞后, targets, milestones
    assert flat(anonymous, reverse("api:project-list"), build) == 4


def test_project_timeline_is_flat(anonymous, community):
    project = SecretaryProjectFactory(community=community("桂花社区"))

    def build(n):
        for _ in range(n):
            update = ProgressUpdateFactory(project=project)
            UpdatePhoto.objects.create(update=update, image="projects/x.jpg")

    # project, targets, milestones, updates, photos
    assert flat(anonymous, reverse("api:project-detail", args=[project.pk]), build) == 5


def test_plans_list_is_flat(anonymous, guicheng):
    def build(n):
        for _ in range(n):
            theme = WorkThemeFactory(plan=WorkPlanFactory(street=guicheng, is_public=True))
            WorkItemFactory(theme=theme)

    # count, plans with street, themes, items with 滞后
    assert flat(anonymous, reverse("api:plan-list"), build) == 4


def test_honour_roll_is_flat(anonymous, community):
    now = today_in_beijing()
    period = PeriodFactory(
        scheme__street=community("桂花社区").street, status=Period.Status.PUBLISHED,
        closed_at=f"{now}T12:00:00+08:00", published_at=f"{now}T12:00:00+08:00",
        ratings_computed_at=f"{now}T12:00:00+08:00",
    )  # fmt: skip

    def build(n):
        for _ in range(n):
            RatingFactory(period=period, subject=society_branch(community("夏东社区")), stars=5)

    # the period, count, ratings with subject, community and economic society
    assert flat(anonymous, reverse("api:honour-list"), build, period=period.pk) == 3


def test_activities_list_is_flat(anonymous, community):
    def build(n):
        for _ in range(n):
            activity = ActivityFactory(community=community("桂花社区"), is_public=True)
            SignupFactory(activity=activity)

    # count, activities with taken places, team, centre and community
    assert flat(anonymous, reverse("api:activity-list"), build) == 2


def test_staff_lists_are_flat(staff_api, community):
    guihua = community("桂花社区")
    period = PeriodFactory(scheme__street=guihua.street)

    def scores(n):
        for _ in range(n):
            ScoreFactory(period=period, subject=society_branch(guihua))

    def records(n):
        for _ in range(n):
            ServiceRecordFactory(volunteer=VolunteerFactory(community=guihua))

    def orders(n):
        for _ in range(n):
            ServiceOrderFactory(center=ServiceCenterFactory(community=guihua))

    # token with user, scope, the permission (user's and group's), count, rows with their joins
    assert flat(staff_api, reverse("api:score-list"), scores) == 6
    assert flat(staff_api, reverse("api:service-record-list"), records) == 6
    assert flat(staff_api, reverse("api:order-list"), orders) == 6


# --- Conditional GET ---------------------------------------------------------------------------


def test_a_big_screen_polling_gets_304_without_a_query(anonymous, community):
    # given a screen that read the projects once
    SecretaryProjectFactory(community=community("桂花社区"))
    url = reverse("api:project-list")
    first = anonymous.get(url)
    etag, last_modified = first["ETag"], first["Last-Modified"]
    assert first.status_code == 200 and etag and last_modified

    # when it asks again with the ETag, then a 304, with no query at all
    with CaptureQueriesContext(connection) as captured:
        again = anonymous.get(url, HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304 and again.content == b""
    assert len(captured) == 0
    assert anonymous.get(url, HTTP_IF_MODIFIED_SINCE=last_modified).status_code == 304

    # when a record changes (and commits), then the same ETag gets the new list
    with TestCase.captureOnCommitCallbacks(execute=True):
        SecretaryProjectFactory(community=community("同心社区"))
    changed = anonymous.get(url, HTTP_IF_NONE_MATCH=etag)
    assert changed.status_code == 200 and changed["ETag"] != etag
    assert changed.json()["count"] == first.json()["count"] + 1


def test_logged_in_callers_get_fresh_answers(guihua_api, community):
    SecretaryProjectFactory(community=community("桂花社区"))
    response = guihua_api.get(reverse("api:project-list"), HTTP_IF_NONE_MATCH="*")
    assert response.status_code == 200 and "ETag" not in response


# --- Bad input ------------------------------------------------------------------------------------


def _photo(name="p.jpg") -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (16, 16), "red").save(buffer, "JPEG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/jpeg")


def test_bad_fields_are_a_400_in_chinese(guihua_api, community):
    project = SecretaryProjectFactory(community=community("桂花社区"))
    url = reverse("api:project-updates", args=[project.pk])

    response = guihua_api.post(url, {"percent": 130})

    assert response.status_code == 400
    errors = response.json()
    assert errors["text"] == ["该字段是必填项。"]
    assert "100" in errors["percent"][0] and "确保" in errors["percent"][0]
    not_a_photo = SimpleUploadedFile("a.jpg", b"not an image", content_type="image/jpeg")
    response = guihua_api.post(url, {"text": "x", "percent": 10, "photos": [not_a_photo]}, format="multipart")
    assert response.status_code == 400 and "photos" in response.json()
    assert not ProgressUpdate.objects.filter(project=project).exists()


def test_a_service_refusal_is_a_400_not_a_500(community, guicheng, django_user_model):
    # given a volunteer signed up for an activity that has ended
    activity = ActivityFactory(community=community("桂花社区"), is_public=True)
    user = django_user_model.objects.create_user(username="vol", password="Vol-pass-2023")
    volunteer = VolunteerFactory(community=community("桂花社区"), user=user)
    api = APIClient()
    api.force_authenticate(user)
    ended = ActivityFactory(community=community("桂花社区"), is_public=True)
    ended.starts_at -= timedelta(days=30)
    ended.ends_at -= timedelta(days=30)
    ended.save()

    # when they sign up for it, then the service's reason comes back as a 400
    response = api.post(reverse("api:activity-signup", args=[ended.pk]))
    assert response.status_code == 400
    assert response.json() == {"non_field_errors": ["这个活动已结束，不能再报名。"]}

    # and the happy path goes through the same service: a place, then a cancel
    assert api.post(reverse("api:activity-signup", args=[activity.pk])).json()["status"] == "registered"
    assert api.post(reverse("api:activity-cancel", args=[activity.pk])).json()["status"] == "cancelled"
    assert Signup.objects.get(volunteer=volunteer, activity=activity).status == Signup.Status.CANCELLED


def test_a_model_rule_is_a_field_error(staff_api, community):
    # a score above the dimension's maximum: the model's clean, run by the service
    period = PeriodFactory(scheme__street=community("桂花社区").street)
    subject = society_branch(community("桂花社区"))
    dimension = period.scheme.dimensions.first()
    data = {"period": period.pk, "subject": subject.pk, "dimension": dimension.pk, "value": "999"}
    response = staff_api.post(reverse("api:score-list"), data)
    assert response.status_code == 400
    assert "超出" in response.json()["value"][0]


def test_a_garbled_filter_is_a_400(anonymous):
    response = anonymous.get(reverse("api:center-list"), {"level": "moon", "community": "x"})
    assert response.status_code == 400
    body = response.json()
    assert "level" in body and "community" in body
    assert anonymous.get(reverse("api:figures"), {"street": "x"}).status_code == 400


# --- Throttles ------------------------------------------------------------------------------------


def test_anonymous_calls_are_throttled(anonymous, settings, guicheng):
    settings.API_THROTTLE_RATES = {"anon": "3/min", "user": "100/min"}
    statuses = [anonymous.get(reverse("api:community-list")).status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    assert "限" in anonymous.get(reverse("api:community-list")).json()["detail"]


def test_logged_in_calls_have_their_own_rate(guihua_api, settings, guicheng):
    settings.API_THROTTLE_RATES = {"anon": "1/min", "user": "2/min"}
    statuses = [guihua_api.get(reverse("api:community-list")).status_code for _ in range(3)]
    assert statuses == [200, 200, 429]


# --- Writes through the services -----------------------------------------------------------------


def test_a_secretary_posts_progress_with_photos(guihua_api, community):
    project = SecretaryProjectFactory(community=community("桂花社区"))
    response = guihua_api.post(
        reverse("api:project-updates", args=[project.pk]),
        {"text": "完成第一批加装电梯", "percent": 40, "photos": [_photo("a.jpg"), _photo("b.jpg")]},
        format="multipart",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["percent"] == 40 and len(body["photos"]) == 2
    assert all(photo["url"].startswith("/media/") for photo in body["photos"])
    project.refresh_from_db()
    assert project.percent == 40  # the roll-up ran, as it does through the admin


def test_staff_confirm_hours_and_answer_an_order(guihua_api, community):
    guihua = community("桂花社区")
    record = ServiceRecordFactory(volunteer=VolunteerFactory(community=guihua))
    response = guihua_api.post(reverse("api:service-record-confirm", args=[record.pk]), {"note": "属实"})
    assert response.status_code == 200 and response.json()["status"] == "confirmed"

    order = ServiceOrderFactory(center=ServiceCenterFactory(community=guihua))
    activity = ActivityFactory(community=guihua)
    assert guihua_api.post(reverse("api:order-accept", args=[order.pk])).json()["status"] == "accepted"
    answered = guihua_api.post(reverse("api:order-answer", args=[order.pk]), {"activity": activity.pk})
    assert answered.json()["status"] == "answered"
    # answering twice in a row is the service's "a second click changes nothing"
    assert guihua_api.post(reverse("api:order-answer", args=[order.pk]), {}).status_code == 400


def test_writes_need_a_login(anonymous, community):
    project = SecretaryProjectFactory(community=community("桂花社区"))
    assert anonymous.post(reverse("api:project-updates", args=[project.pk]), {}).status_code in (401, 403)
    assert anonymous.get(reverse("api:order-list")).status_code in (401, 403)


# --- Centres: structured hours ---------------------------------------------------------------------


def test_a_centre_says_when_it_is_open(anonymous, community):
    center = ServiceCenterFactory(community=community("桂花社区"), is_published=True)
    for weekday in range(7):
        OpeningIntervalFactory(center=center, weekday=weekday, opens_at=time(0, 0), closes_at=time(23, 59))
    body = anonymous.get(reverse("api:center-detail", args=[center.pk])).json()
    assert len(body["weekly_hours"]) == 7 and body["weekly_hours"][0]["weekday_label"] == "周一"
    assert len(body["week"]) == 7
    today = body["week"][0]
    assert body["open_now"] == (not today["closed"] and body["status"] == "开放中")


# --- Open data --------------------------------------------------------------------------------------


def test_centres_as_hsds_with_holiday_exceptions(anonymous, community, monkeypatch):
    # given a centre open Monday to Friday 09:00–12:00 and closed on a dated exception
    center = ServiceCenterFactory(community=community("桂花社区"), is_published=True, phone="0757-86000000")
    for weekday in range(5):
        OpeningIntervalFactory(center=center, weekday=weekday, opens_at=time(9), closes_at=time(12))
    closed_on = today_in_beijing() + timedelta(days=20)  # beyond the fortnight the pages prefetch
    OpeningExceptionFactory(center=center, date=closed_on, is_closed=True, note="设备检修")

    body = anonymous.get(reverse("api:open-centers-hsds")).json()

    location = next(loc for loc in body["locations"] if loc["name"] == center.name)
    assert location["addresses"][0]["address_1"] == center.address
    assert {"organizations", "services", "service_at_locations", "schedules"} <= set(body)
    own = [s for s in body["schedules"] if s["location_id"] == location["id"]]
    weekly = [s for s in own if s.get("freq") == "WEEKLY"]
    assert sorted(s["byday"] for s in weekly) == sorted(["MO", "TU", "WE", "TH", "FR"])
    exception = next(s for s in own if s.get("valid_from") == closed_on.isoformat())
    assert exception["opens_at"] is None and exception["notes"] == "设备检修"


def test_centres_hsds_includes_statutory_holidays():
    # 2024-10-01 is National Day (国庆节): a weekday the regular week would open, closed.
    from organizations.api import _hsds_schedules
    from organizations.opening import Hours

    class Center:
        pk = 1
        _api_hours = Hours()

    for weekday in range(5):
        Center._api_hours.weekly[weekday].append((time(9), time(12)))
    rows = _hsds_schedules(Center, date(2024, 9, 25))
    national_day = next(row for row in rows if row.get("valid_from") == "2024-10-01")
    assert national_day["opens_at"] is None and "国庆节" in national_day["notes"]
    makeup = next(row for row in rows if row.get("valid_from") == "2024-09-29")  # a 调休 Sunday
    assert makeup["opens_at"] == "09:00" and "调休" in makeup["notes"]


def test_projects_and_730_as_csv(anonymous, community, guicheng):
    project = SecretaryProjectFactory(community=community("桂花社区"), year=2023, title="加装电梯")
    item = WorkItemFactory(theme=WorkThemeFactory(plan=WorkPlanFactory(street=guicheng, year=2031, is_public=True)))

    text = anonymous.get(reverse("api:open-projects-csv"), {"year": 2023}).content.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][:4] == ["编号", "年度", "社区", "项目"]
    assert [str(project.pk), "2023", "桂花社区", "加装电梯"] in [row[:4] for row in rows]

    text = anonymous.get(reverse("api:open-plan-csv"), {"year": 2031}).content.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert len(rows) == 2 and rows[1][3] == item.title
    assert anonymous.get(reverse("api:open-plan-csv"), {"year": "x"}).status_code == 400


def test_open_data_is_linked_from_the_public_site(client, guicheng):
    from projects.services import projects_2023_load

    projects_2023_load()
    pages = {
        reverse("site:centers"): [reverse("api:open-centers-hsds"), reverse("api:open-centers-csv")],
        reverse("site:projects"): [reverse("api:open-projects-csv")],
        reverse("site:plan"): [reverse("api:open-plan-csv")],
    }
    for page, links in pages.items():
        html = client.get(page).content.decode()
        for link in links:
            assert link in html, (page, link)


# --- Schema and docs --------------------------------------------------------------------------------


def test_every_operation_is_described_in_chinese(anonymous):
    schema = anonymous.get(reverse("api:schema"), HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    undocumented = []
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            if not operation.get("description") and not operation.get("summary"):
                undocumented.append(f"{method} {path}")
    assert undocumented == []
    for name, component in schema["components"]["schemas"].items():
        for field, spec in component.get("properties", {}).items():
            if "$ref" in spec or "allOf" in spec:
                continue
            assert spec.get("description"), f"{name}.{field} has no description"


def test_docs_pages_use_local_assets_only(anonymous):
    for name in ("api:swagger-ui", "api:redoc"):
        html = anonymous.get(reverse(name)).content.decode()
        assert "http://" not in html and "https://" not in html, name
        assert "<style" not in html and "<script>" not in html, name
    script = anonymous.get(reverse("api:swagger-ui") + "?script=")
    assert script.status_code == 200 and "SwaggerUIBundle" in script.content.decode()


def test_cookie_login_writes_need_the_csrf_token(community, guihua_secretary):
    # given the secretary logged in on the site (a session cookie), as a WeChat web view would be
    project = SecretaryProjectFactory(community=community("桂花社区"))
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(guihua_secretary)
    url = reverse("api:project-updates", args=[project.pk])

    # when they post without the CSRF token, then refused; with it, written
    assert client.post(url, {"text": "入户走访", "percent": 5}).status_code == 403
    secret = "a" * 32
    client.cookies["csrftoken"] = secret
    assert client.post(url, {"text": "入户走访", "percent": 5}, HTTP_X_CSRFTOKEN=secret).status_code == 201


# Every list the API serves has a query-count test above; a new list without one fails here.
LIST_QUERY_TESTS = {
    "community-list": test_communities_list_is_flat,
    "center-list": test_centers_list_is_flat,
    "project-list": test_projects_list_is_flat,
    "plan-list": test_plans_list_is_flat,
    "honour-list": test_honour_roll_is_flat,
    "activity-list": test_activities_list_is_flat,
    "score-list": test_staff_lists_are_flat,
    "service-record-list": test_staff_lists_are_flat,
    "order-list": test_staff_lists_are_flat,
}


def test_every_api_list_has_a_query_count_test():
    from portal import api_urls

    from .url_names import url_names

    lists = {name for name in url_names(api_urls.urlpatterns) if name.endswith("-list")}
    assert lists - set(LIST_QUERY_TESTS) == set(), "add a query-count test for these lists"
