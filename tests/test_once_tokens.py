"""Back and submit again: every form that creates a record carries a one-time token made with
the page; the same token sent again shows the first result and records nothing. The token is
kept with the record under a unique constraint, so it holds without the cache (Redis down) and
for two copies arriving at once. The API takes it as an ``Idempotency-Key``."""

import pytest
from django.core.cache import cache
from django.urls import reverse
from rest_framework.test import APIClient

from indicators.models import FollowUpVisit
from indicators.tests.factories import RectificationCaseFactory
from organizations.models import ServiceCenter
from organizations.tests.factories import PartyOrganizationFactory
from projects.models import ProgressUpdate
from projects.tests.factories import SecretaryProjectFactory
from volunteers.models import Activity, ServiceOrder


@pytest.fixture
def guicheng(guicheng_module, db):
    return guicheng_module


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def token_on(response, name="once") -> str:
    """The token the page was rendered with."""
    context = response.context
    form = context["adminform"].form if "adminform" in context else context["form"]
    value = form[name].value()
    assert value and len(value) >= 20, value
    return value


# --- 点单 on the residents' site -----------------------------------------------------------------


def test_an_order_sent_twice_is_one_order_and_the_same_page(client, community):
    center = ServiceCenter.objects.public().filter(community=community("桂花社区")).first()
    page = client.get(reverse("site:order_new"))
    data = {
        "center": center.pk, "category": ServiceOrder.Category.choices[0][0], "need": "家里老人需要代购药品",
        "contact_name": "陈女士", "contact_phone": "13800138000", "once": token_on(page),
    }  # fmt: skip

    first = client.post(reverse("site:order_new"), data)
    cache.clear()  # the guard is the database's, not the cache's
    again = client.post(reverse("site:order_new"), data)

    assert first.status_code == again.status_code == 302
    assert again["Location"] == first["Location"]
    assert ServiceOrder.objects.count() == 1
    assert client.session["order_codes"] == [ServiceOrder.objects.get().code]


def test_a_token_sent_with_another_order_is_refused(client, community):
    center = ServiceCenter.objects.public().filter(community=community("桂花社区")).first()
    data = {
        "center": center.pk, "category": ServiceOrder.Category.choices[0][0], "need": "第一份",
        "contact_name": "陈女士", "contact_phone": "13800138000", "once": "same-token-0123456789",
    }  # fmt: skip
    client.post(reverse("site:order_new"), data)

    other = client.post(reverse("site:order_new"), {**data, "need": "另一份", "contact_phone": "13900139000"})

    assert other.status_code == 200 and "提交编号已用于另一份内容" in other.content.decode()
    assert list(ServiceOrder.objects.values_list("need", flat=True)) == ["第一份"]


# --- Progress updates: workspace, admin, API ------------------------------------------------------


@pytest.fixture
def project(community):
    return SecretaryProjectFactory(community=community("桂花社区"), year=2023)


def test_the_workspace_form_sent_twice_records_one_update(guihua_client, project):
    url = reverse("workspace:project_progress", args=[project.pk])
    data = {"text": "完成摸查", "percent": 30, "draft": token_on(guihua_client.get(url), "draft")}

    guihua_client.post(url, data)
    again = guihua_client.post(url, data, follow=True)

    assert ProgressUpdate.objects.filter(project=project).count() == 1
    assert "已经发送过" in again.content.decode()


def test_a_draft_resent_with_the_cache_empty_is_recorded_once(guihua_client, project):
    url = reverse("workspace:project_progress", args=[project.pk])
    data = {"text": "离线时写的进展", "percent": 40, "draft": "draft-3f1c9a"}

    first = guihua_client.post(url, data, HTTP_ACCEPT="application/json")
    cache.clear()  # Redis restarted, or down
    second = guihua_client.post(url, data, HTTP_ACCEPT="application/json")

    assert (first.status_code, second.status_code) == (201, 201)
    assert ProgressUpdate.objects.filter(project=project).count() == 1


def test_a_draft_is_never_recorded_under_another_login(client, guihua_secretary, community, project):
    from organizations.services import staff_user_create

    colleague = staff_user_create(username="guihua2", password="Test-pass-2023!", communities=[community("桂花社区")])
    url = reverse("workspace:project_progress", args=[project.pk])
    data = {"text": "上一位书记的草稿", "percent": 40, "draft": "draft-of-a"}
    client.force_login(guihua_secretary)
    client.post(url, {**data, "draft_user": guihua_secretary.pk}, HTTP_ACCEPT="application/json")

    # the next login on the same phone: the same draft id, or a draft written under the other login
    client.force_login(colleague)
    resent = client.post(url, data, HTTP_ACCEPT="application/json")
    left = client.post(url, {**data, "draft": "draft-of-a-2", "draft_user": guihua_secretary.pk})

    assert resent.status_code == 400 and "其他账号" in str(resent.json())
    assert left.status_code == 400 and "另一个账号" in left.content.decode()
    assert list(ProgressUpdate.objects.values_list("author__username", flat=True)) == ["guihua"]


def test_the_admin_form_sent_twice_adds_one_update(guihua_client, project):
    url = reverse("admin:projects_progressupdate_add")
    data = {
        "project": project.pk, "date": "2023-06-01", "percent": 20, "text": "后台补录",
        "once": token_on(guihua_client.get(url)),
        "photos-TOTAL_FORMS": 0, "photos-INITIAL_FORMS": 0, "photos-MIN_NUM_FORMS": 0, "photos-MAX_NUM_FORMS": 1000,
    }  # fmt: skip

    first = guihua_client.post(url, data)
    again = guihua_client.post(url, data)

    assert first.status_code == again.status_code == 302
    assert ProgressUpdate.objects.filter(project=project).count() == 1


def test_the_api_answers_a_resend_with_the_first_update(guihua_secretary, project):
    api = APIClient()
    api.force_authenticate(guihua_secretary)
    url = f"/api/v1/projects/{project.pk}/updates/"

    first = api.post(url, {"text": "接口填报", "percent": 25}, format="json", HTTP_IDEMPOTENCY_KEY="app-7f3e")
    again = api.post(url, {"text": "接口填报", "percent": 25}, format="json", HTTP_IDEMPOTENCY_KEY="app-7f3e")
    by_field = api.post(url, {"text": "字段", "percent": 26, "once": "app-8a1b"}, format="json")
    by_field_again = api.post(url, {"text": "字段", "percent": 26, "once": "app-8a1b"}, format="json")

    assert first.status_code == again.status_code == 201 and first.json() == again.json()
    assert by_field.json() == by_field_again.json()
    assert ProgressUpdate.objects.filter(project=project).count() == 2


def test_the_api_refuses_a_key_reused_for_another_project(guihua_secretary, project, community):
    other = SecretaryProjectFactory(community=community("桂花社区"), year=2024)
    api = APIClient()
    api.force_authenticate(guihua_secretary)
    api.post(f"/api/v1/projects/{project.pk}/updates/", {"text": "a", "percent": 5}, HTTP_IDEMPOTENCY_KEY="k-1")

    reused = api.post(f"/api/v1/projects/{other.pk}/updates/", {"text": "a", "percent": 5}, HTTP_IDEMPOTENCY_KEY="k-1")
    too_long = api.post(
        f"/api/v1/projects/{other.pk}/updates/", {"text": "a", "percent": 5}, HTTP_IDEMPOTENCY_KEY="k" * 65
    )

    assert reused.status_code == too_long.status_code == 400
    assert not ProgressUpdate.objects.filter(project=other).exists()


# --- Other create forms of the workspace -----------------------------------------------------------


def test_a_new_activity_sent_twice_is_one_activity(guihua_client, community):
    mine = community("桂花社区")
    page = guihua_client.get(reverse("workspace:activity_new"))
    data = {
        "title": "长者义剪", "community": mine.pk, "starts_at": "2099-05-06T09:00", "ends_at": "2099-05-06T11:00",
        "capacity": 8, "place": "社区广场", "once": token_on(page),
    }  # fmt: skip

    first = guihua_client.post(reverse("workspace:activity_new"), data)
    assert first.status_code == 302, first.context["form"].errors
    assert guihua_client.post(reverse("workspace:activity_new"), data).status_code == 302
    assert Activity.objects.filter(title="长者义剪").count() == 1


def test_a_visit_sent_twice_is_one_visit(guihua_client, community):
    case = RectificationCaseFactory(subject=PartyOrganizationFactory(community=community("桂花社区")), deadline=None)
    url = reverse("workspace:case_visit", args=[case.pk])
    data = {"visited_on": "2023-06-01", "notes": "检查提升计划", "once": token_on(guihua_client.get(url))}

    assert guihua_client.post(url, data).status_code == 302
    assert guihua_client.post(url, data).status_code == 302
    assert FollowUpVisit.objects.filter(case=case).count() == 1
