"""A past year's 书记工程 takes no new progress update (``projects.closing``): the service refuses
it with a clear Chinese message and writes nothing, and the workspace, the API and the admin do
not offer the form; street staff still correct the old record by deleting a wrong update."""

from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from rest_framework.test import APIClient

from projects import closing, services
from projects.models import ProgressUpdate, SecretaryProject
from projects.tests.factories import SecretaryProjectFactory, WorkItemFactory, WorkPlanFactory, WorkThemeFactory

pytestmark = pytest.mark.django_db
REFUSAL = "2023年度的书记工程已经结束，不再接受新的进展"


@pytest.fixture
def guicheng(guicheng_module, db):
    return guicheng_module


@pytest.fixture(autouse=True)
def _in_2024(monkeypatch):
    """The rule judged on 5 January 2024: 2023 has closed, 2024 runs."""
    monkeypatch.setattr(closing, "today_in_beijing", lambda: date(2024, 1, 5))


@pytest.fixture
def old_project(community):
    return SecretaryProjectFactory(community=community("桂花社区"), year=2023)


@pytest.fixture
def new_project(community):
    return SecretaryProjectFactory(community=community("桂花社区"), year=2024)


def test_the_rule_closes_a_year_on_the_first_of_january():
    assert closing.accepts_updates(2023, today=date(2023, 12, 31))
    assert not closing.accepts_updates(2023, today=date(2024, 1, 1))
    assert closing.accepts_updates(2024, today=date(2024, 1, 1))


def test_the_service_refuses_a_past_years_project_and_writes_nothing(old_project, new_project, guihua_secretary):
    with pytest.raises(ValidationError) as refused:
        services.progress_update_add(
            user=guihua_secretary, project=old_project, date=date(2023, 12, 30), text="补报", percent=100
        )
    assert REFUSAL in refused.value.messages[0]
    assert not ProgressUpdate.objects.exists()
    old_project.refresh_from_db()
    assert (old_project.percent, old_project.status) == (0, SecretaryProject.Status.NOT_STARTED)

    # this year's project still takes updates
    services.progress_update_add(
        user=guihua_secretary, project=new_project, date=date(2024, 1, 5), text="启动", percent=5
    )
    assert ProgressUpdate.objects.filter(project=new_project).count() == 1


def test_a_past_years_730_item_is_closed_too(guicheng, street_staff):
    item = WorkItemFactory(theme=WorkThemeFactory(plan=WorkPlanFactory(street=guicheng, year=2023)))
    with pytest.raises(ValidationError, match="2023年度的730要点已经结束"):
        services.progress_update_add(user=street_staff, item=item, date=date(2023, 12, 1), text="x", percent=10)
    assert not ProgressUpdate.objects.exists()


def test_the_workspace_offers_no_form_and_refuses_a_post(guihua_client, old_project, new_project):
    # the home lists the old project without the button, the new one with it
    home = guihua_client.get(reverse("workspace:home")).content.decode()
    assert reverse("workspace:project_progress", args=[old_project.pk]) not in home
    assert reverse("workspace:project_progress", args=[new_project.pk]) in home

    url = reverse("workspace:project_progress", args=[old_project.pk])
    page = guihua_client.get(url)
    assert page.status_code == 200
    assert REFUSAL in page.content.decode() and "progress-form" not in page.content.decode()

    posted = guihua_client.post(url, {"text": "补报", "percent": 100})
    as_json = guihua_client.post(url, {"text": "补报", "percent": 100}, HTTP_ACCEPT="application/json")
    assert (posted.status_code, as_json.status_code) == (400, 400)
    assert REFUSAL in as_json.json()["errors"]["__all__"][0]["message"]
    assert not ProgressUpdate.objects.exists()


def test_the_api_says_so_and_answers_400(guihua_secretary, old_project, new_project):
    api = APIClient()
    api.force_authenticate(guihua_secretary)
    listed = {p["id"]: p["accepts_updates"] for p in api.get(reverse("api:project-list")).json()["results"]}
    assert listed[old_project.pk] is False and listed[new_project.pk] is True

    response = api.post(reverse("api:project-updates", args=[old_project.pk]), {"text": "补报", "percent": 100})
    assert response.status_code == 400
    assert REFUSAL in str(response.json())
    assert not ProgressUpdate.objects.exists()


def test_the_admin_offers_no_update_row_and_refuses_one_added_by_hand(street_client, old_project, new_project):
    change = reverse("admin:projects_secretaryproject_change", args=[old_project.pk])
    formset = next(
        f for f in street_client.get(change).context["inline_admin_formsets"] if f.opts.model is ProgressUpdate
    )
    assert formset.has_add_permission is False
    open_change = reverse("admin:projects_secretaryproject_change", args=[new_project.pk])
    open_formset = next(
        f for f in street_client.get(open_change).context["inline_admin_formsets"] if f.opts.model is ProgressUpdate
    )
    assert open_formset.has_add_permission is True

    # the update's own add form offers only this year's projects in its autocomplete ...
    offered = street_client.get(
        reverse("admin:autocomplete"),
        {"app_label": "projects", "model_name": "progressupdate", "field_name": "project", "term": ""},
    ).json()["results"]
    assert {int(row["id"]) for row in offered} == {new_project.pk}
    # ... and a past year's project posted by hand is a form error, nothing written
    add = reverse("admin:projects_progressupdate_add")
    response = street_client.post(
        add, {"project": old_project.pk, "date": "2023-12-30", "percent": 100, "text": "补报"}
    )
    assert response.status_code == 200
    assert REFUSAL in response.content.decode()
    assert not ProgressUpdate.objects.exists()


def test_street_staff_still_correct_an_old_record_by_deleting_a_wrong_update(
    monkeypatch, street_staff, guihua_secretary, old_project
):
    # given an update posted while 2023 ran
    monkeypatch.setattr(closing, "today_in_beijing", lambda: date(2023, 12, 20))
    wrong = services.progress_update_add(
        user=guihua_secretary, project=old_project, date=date(2023, 12, 20), text="填错了", percent=100
    )
    wrong_pk = wrong.pk
    monkeypatch.setattr(closing, "today_in_beijing", lambda: date(2024, 1, 5))

    # when street staff delete it in 2024
    services.progress_update_delete(update=wrong, user=street_staff, reason="误报为已完成")

    # then the roll-up and the status follow, and the history keeps who and why
    old_project.refresh_from_db()
    assert (old_project.percent, old_project.get_status_display()) == (0, "未启动")
    assert ProgressUpdate.history.filter(id=wrong_pk, history_type="-").get().history_change_reason == "误报为已完成"
