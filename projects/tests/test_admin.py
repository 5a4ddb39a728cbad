"""The projects admin from the outside: scope (beyond the generic cross-app test), the
append-only timeline, the 滞后 column and filter, photos, the quarterly report, smoke tests."""

import io
from datetime import date, timedelta

import openpyxl
import pytest
from django.contrib import admin
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from projects import services
from projects.lagging import today_in_beijing
from projects.models import ProgressUpdate, SecretaryProject, UpdatePhoto, WorkItem, WorkPlan

from .adminform import add_inline_row, form_data, inline_prefix
from .factories import SecretaryProjectFactory, WorkItemFactory
from .test_services import image_file

pytestmark = pytest.mark.django_db


def url(model, view, *args):
    return reverse(f"admin:projects_{model._meta.model_name}_{view}", args=args)


@pytest.fixture
def guihua_project(community):
    return SecretaryProjectFactory(community=community("桂花社区"), year=2023, title="全力推进老旧小区改造")


@pytest.fixture
def tongxin_project(community):
    return SecretaryProjectFactory(community=community("同心社区"), year=2023, title="新市民融合")


@pytest.fixture
def tongxin_update(tongxin_project, tongxin_secretary):
    return services.progress_update_add(
        user=tongxin_secretary, project=tongxin_project, date=date(2023, 5, 1), text="同心进展", percent=40
    )


def refused(response) -> bool:
    """403, 404, or the admin's "does not exist" redirect to its index."""
    if response.status_code == 302:
        return response["Location"] == reverse("admin:index")
    return response.status_code in (403, 404)


# --- Scope --------------------------------------------------------------------------------------


def test_a_secretary_sees_and_changes_only_their_own_project(
    guihua_client, guihua_project, tongxin_project, tongxin_update
):
    # list: own only, also when searched for the other by name
    response = guihua_client.get(url(SecretaryProject, "changelist"), {"q": "新市民"})
    assert response.status_code == 200 and list(response.context["cl"].queryset) == []
    listed = list(guihua_client.get(url(SecretaryProject, "changelist")).context["cl"].queryset)
    assert listed == [guihua_project]

    # the other project and its update: not opened, not changed, not deleted, no history
    for model, pk in ((SecretaryProject, tongxin_project.pk), (ProgressUpdate, tongxin_update.pk)):
        assert refused(guihua_client.get(url(model, "change", pk)))
        assert refused(guihua_client.post(url(model, "change", pk), {"title": "改掉", "text": "改掉"}))
        assert refused(guihua_client.get(url(model, "delete", pk)))
        assert refused(guihua_client.post(url(model, "delete", pk), {"post": "yes"}))
        assert guihua_client.get(url(model, "history", pk)).status_code == 404
    tongxin_project.refresh_from_db()
    tongxin_update.refresh_from_db()
    assert (tongxin_project.title, tongxin_update.text) == ("新市民融合", "同心进展")

    # update list and export: nothing of 同心
    updates = guihua_client.get(url(ProgressUpdate, "changelist")).context["cl"].queryset
    assert tongxin_update not in updates
    export = guihua_client.post(url(SecretaryProject, "export"), {"format": "1", "resource": "0"})
    assert "新市民融合" not in export.content.decode("utf-8-sig")


def test_a_secretary_cannot_post_an_update_to_another_project_by_any_form(
    guihua_client, guihua_project, tongxin_project
):
    # the standalone add form refuses the other project as a choice
    response = guihua_client.post(
        url(ProgressUpdate, "add"),
        {"project": tongxin_project.pk, "date": "2023-05-01", "percent": 50, "text": "冒名", **empty_photos()},
    )
    assert response.status_code == 200
    assert "project" in response.context["adminform"].form.errors
    # and the own project's inline cannot be re-pointed at it: the foreign key is the parent
    page = guihua_client.get(url(SecretaryProject, "change", guihua_project.pk))
    data = form_data(page)
    prefix = inline_prefix(page, ProgressUpdate)
    add_inline_row(data, prefix, {"date": "2023-05-01", "percent": 50, "text": "冒名", "project": tongxin_project.pk})
    guihua_client.post(url(SecretaryProject, "change", guihua_project.pk), data)
    assert not ProgressUpdate.objects.filter(project=tongxin_project).exists()


def empty_photos() -> dict:
    return {"photos-TOTAL_FORMS": 0, "photos-INITIAL_FORMS": 0}


def test_secretaries_read_the_730_list_but_post_nothing_to_it(guihua_client, guicheng, street_staff):
    item = WorkItemFactory(theme__plan__street=guicheng)

    assert guihua_client.get(url(WorkItem, "changelist")).status_code == 200
    page = guihua_client.get(url(WorkItem, "change", item.pk))
    assert page.status_code == 200 and not page.context["has_change_permission"]
    assert page.context["inline_admin_formsets"] == []  # item timelines are the street's
    assert guihua_client.post(url(WorkItem, "change", item.pk), {"title": "改"}).status_code == 403
    assert guihua_client.get(url(WorkItem, "import")).status_code == 403


# --- The timeline is append-only ------------------------------------------------------------------


def test_a_secretary_adds_an_update_with_a_photo_from_the_project_page(
    guihua_client, guihua_project, guihua_secretary, django_capture_on_commit_callbacks
):
    page = guihua_client.get(url(SecretaryProject, "change", guihua_project.pk))
    data = form_data(page)
    prefix = inline_prefix(page, ProgressUpdate)
    add_inline_row(
        data, prefix, {"date": "2023-04-10", "percent": 20, "text": "6个小区完成入户动员", "photo": image_file()}
    )

    with django_capture_on_commit_callbacks(execute=True):
        response = guihua_client.post(url(SecretaryProject, "change", guihua_project.pk), data)

    assert response.status_code == 302, response.context and response.context["errors"]
    update = ProgressUpdate.objects.get(project=guihua_project)
    assert (update.author, update.percent, update.photos.count()) == (guihua_secretary, 20, 1)
    guihua_project.refresh_from_db()
    assert guihua_project.percent == 20


def test_a_bad_photo_is_a_form_error_and_nothing_is_written(guihua_client, guihua_project):
    page = guihua_client.get(url(SecretaryProject, "change", guihua_project.pk))
    data = form_data(page)
    prefix = inline_prefix(page, ProgressUpdate)
    add_inline_row(
        data, prefix, {"date": "2023-04-10", "percent": 20, "text": "x", "photo": image_file("x.gif", "GIF")}
    )

    response = guihua_client.post(url(SecretaryProject, "change", guihua_project.pk), data)

    assert response.status_code == 200
    assert "不支持 GIF" in response.content.decode()
    assert not ProgressUpdate.objects.exists() and not UpdatePhoto.objects.exists()


def correct_first_update(client, project, text):
    page = client.get(url(SecretaryProject, "change", project.pk))
    data = form_data(page)
    prefix = inline_prefix(page, ProgressUpdate)
    data[f"{prefix}-0-text"] = text
    data[f"{prefix}-0-percent"] = "99"
    return page, client.post(url(SecretaryProject, "change", project.pk), data)


def test_the_author_corrects_their_update_within_the_window(guihua_client, guihua_project, guihua_secretary):
    update = services.progress_update_add(
        user=guihua_secretary, project=guihua_project, date=date(2023, 5, 1), text="原文", percent=30
    )

    _, response = correct_first_update(guihua_client, guihua_project, "更正后")

    assert response.status_code == 302
    update.refresh_from_db()
    assert (update.text, update.percent) == ("更正后", 99)


def test_after_the_window_the_update_is_locked_and_a_tampered_post_changes_nothing(
    guihua_client, guihua_project, guihua_secretary
):
    update = services.progress_update_add(
        user=guihua_secretary, project=guihua_project, date=date(2023, 5, 1), text="原文", percent=30
    )
    ProgressUpdate.objects.filter(pk=update.pk).update(created_at=timezone.now() - timedelta(hours=2))

    page, response = correct_first_update(guihua_client, guihua_project, "篡改")

    form = page.context["inline_admin_formsets"][-1].formset.initial_forms[0]
    assert all(form.fields[name].disabled for name in ("date", "percent", "text", "photo"))
    assert response.status_code == 302
    update.refresh_from_db()
    assert (update.text, update.percent) == ("原文", 30)


def test_street_staff_cannot_rewrite_a_secretarys_update(street_client, guihua_project, guihua_secretary):
    update = services.progress_update_add(
        user=guihua_secretary, project=guihua_project, date=date(2023, 5, 1), text="原文", percent=30
    )

    correct_first_update(street_client, guihua_project, "篡改")
    response = street_client.post(
        url(ProgressUpdate, "change", update.pk), {"text": "篡改", "percent": 1, **empty_photos()}
    )

    assert response.status_code == 403
    update.refresh_from_db()
    assert update.text == "原文"


def test_the_inline_offers_no_delete_and_a_forged_delete_does_nothing(guihua_client, guihua_project, guihua_secretary):
    services.progress_update_add(
        user=guihua_secretary, project=guihua_project, date=date(2023, 5, 1), text="x", percent=30
    )
    page = guihua_client.get(url(SecretaryProject, "change", guihua_project.pk))
    data = form_data(page)
    prefix = inline_prefix(page, ProgressUpdate)
    data[f"{prefix}-0-DELETE"] = "on"

    guihua_client.post(url(SecretaryProject, "change", guihua_project.pk), data)

    assert not page.context["inline_admin_formsets"][-1].formset.can_delete
    assert ProgressUpdate.objects.filter(project=guihua_project).count() == 1
    # the delete page itself is refused to the secretary
    update = ProgressUpdate.objects.get()
    assert guihua_client.post(url(ProgressUpdate, "delete", update.pk), {"post": "yes"}).status_code == 403


def test_street_staff_delete_an_update_and_the_history_records_it(
    street_client, street_staff, guihua_project, guihua_secretary, admin_client
):
    services.progress_update_add(
        user=guihua_secretary, project=guihua_project, date=date(2023, 4, 1), text="a", percent=30
    )
    wrong = services.progress_update_add(
        user=guihua_secretary, project=guihua_project, date=date(2023, 5, 1), text="填错了", percent=90
    )
    wrong_pk = wrong.pk

    response = street_client.post(url(ProgressUpdate, "delete", wrong_pk), {"post": "yes"})

    assert response.status_code == 302
    assert not ProgressUpdate.objects.filter(pk=wrong_pk).exists()
    record = ProgressUpdate.history.get(id=wrong_pk, history_type="-")
    assert record.history_user == street_staff and record.text == "填错了"
    guihua_project.refresh_from_db()
    assert guihua_project.percent == 30
    # the deleted entry's history page stays readable (for superusers: ScopedAdmin answers 404
    # to anyone else for a record no longer in their queryset)
    history = admin_client.get(url(ProgressUpdate, "history", wrong_pk))
    assert history.status_code == 200 and "jiedao" in history.content.decode()


# --- The 滞后 column and filter ---------------------------------------------------------------------


def test_the_lagging_column_and_filter_follow_the_computed_rule(street_client, community, street_staff):
    today = today_in_beijing()
    on_track = SecretaryProjectFactory(community=community("桂花社区"), year=today.year)
    stale = SecretaryProjectFactory(community=community("同心社区"), year=today.year)
    services.progress_update_add(user=street_staff, project=on_track, date=today, text="全部完成", percent=100)

    lagging = street_client.get(url(SecretaryProject, "changelist"), {"lagging": "yes", "year": today.year})
    not_lagging = street_client.get(url(SecretaryProject, "changelist"), {"lagging": "no", "year": today.year})

    assert list(lagging.context["cl"].queryset) == [stale]
    assert list(not_lagging.context["cl"].queryset) == [on_track]
    # the derived status is shown beside the computed flag: 100 % reads 已完成, never 滞后
    assert lagging.context["cl"].queryset[0].is_lagging is True
    assert not_lagging.context["cl"].queryset[0].get_status_display() == "已完成"
    assert "滞后（自动）" in lagging.content.decode()


def test_the_730_item_list_filters_by_lagging(street_client, guicheng, street_staff):
    today = today_in_beijing()
    plan = WorkPlan.objects.create(street=guicheng, year=today.year, title="计划")
    item = WorkItemFactory(theme__plan=plan)
    done = WorkItemFactory(theme=item.theme)
    services.progress_update_add(user=street_staff, item=done, date=today, text="完成", percent=100)

    response = street_client.get(url(WorkItem, "changelist"), {"lagging": "yes"})

    assert list(response.context["cl"].queryset) == [item]


# --- The quarterly report -----------------------------------------------------------------------


def test_the_quarterly_report_asks_for_year_and_quarter_defaulting_to_the_current_one(street_client, guicheng):
    today = today_in_beijing()

    page = street_client.get(url(SecretaryProject, "quarterly_report"))

    assert page.status_code == 200
    form = page.context["form"]
    assert form["year"].value() == today.year
    assert form["quarter"].value() == (today.month - 1) // 3 + 1
    assert "下载报表" in page.content.decode()


def test_the_quarterly_report_of_a_chosen_past_quarter_is_as_of_its_last_day(street_client, guihua_project, guicheng):
    response = street_client.get(url(SecretaryProject, "quarterly_report"), {"year": 2023, "quarter": 2})

    assert response.status_code == 200
    disposition = response["Content-Disposition"]
    assert "attachment" in disposition
    assert "%E7%AC%AC2%E5%AD%A3%E5%BA%A6" in disposition  # 第2季度, encoded
    assert "20230630" in disposition and "2023" in disposition
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    assert book.properties.title == "桂城街道党建季度报表（2023年第2季度，截至2023-06-30）"
    assert [c.value for c in book["书记工程"][2]][:2] == ["桂花社区", "全力推进老旧小区改造"]


@pytest.mark.parametrize(
    "query",
    [{"year": "x"}, {"year": 2023, "quarter": 5}, {"year": 1999, "quarter": 1}, {"year": "", "quarter": 1}],
)
def test_a_bad_report_choice_is_a_400_with_the_form(street_client, guicheng, query):
    page = street_client.get(url(SecretaryProject, "quarterly_report"), query)

    assert page.status_code == 400
    assert page.context["form"].errors


def test_a_quarter_that_has_not_begun_is_refused(street_client, guicheng):
    next_year = today_in_beijing().year + 1
    WorkItemFactory(theme__plan__street=guicheng, theme__plan__year=next_year)  # next year's plan is out

    page = street_client.get(url(SecretaryProject, "quarterly_report"), {"year": next_year, "quarter": 4})

    assert page.status_code == 400
    assert f"{next_year}年第4季度还没有开始" in page.content.decode()


def test_the_admin_home_links_the_quarterly_report_for_street_staff_only(street_client, guihua_secretary):
    report = url(SecretaryProject, "quarterly_report")

    assert report in street_client.get(reverse("admin:index")).content.decode()
    secretary = Client()
    secretary.force_login(guihua_secretary)
    assert report not in secretary.get(reverse("admin:index")).content.decode()


def test_the_quarterly_report_is_for_street_staff(street_client, guihua_secretary, guihua_project, guicheng):
    WorkItemFactory(theme__plan__street=guicheng, theme__plan__year=2023, title="桂城大讲堂")

    response = street_client.get(url(SecretaryProject, "quarterly_report"), {"year": 2023})

    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    assert book.sheetnames == ["书记工程", "730要点", "730主题"]
    assert [c.value for c in book["书记工程"][2]][:2] == ["桂花社区", "全力推进老旧小区改造"]
    assert "季度报表" in street_client.get(url(SecretaryProject, "changelist")).content.decode()
    assert street_client.get(url(SecretaryProject, "quarterly_report"), {"year": "x"}).status_code == 400
    secretary = Client()
    secretary.force_login(guihua_secretary)
    assert secretary.get(url(SecretaryProject, "quarterly_report")).status_code == 403
    assert "季度报表" not in secretary.get(url(SecretaryProject, "changelist")).content.decode()


# --- Smoke: every registered projects admin opens, searches, adds and changes ----------------------


@pytest.fixture
def one_of_everything(guicheng, community, street_staff, guihua_secretary):
    project = SecretaryProjectFactory(community=community("桂花社区"), year=2023)
    update = services.progress_update_add(
        user=guihua_secretary, project=project, date=date(2023, 5, 1), text="x", percent=5
    )
    UpdatePhoto.objects.create(update=update, image=image_file())
    item = WorkItemFactory(theme__plan__street=guicheng, theme__plan__year=2023)
    reminder = project.stale_reminders.create(year=2023, quarter=2, recipients="a@example.cn")
    return {
        SecretaryProject: project,
        ProgressUpdate: update,
        WorkItem: item,
        WorkPlan: item.theme.plan,
        type(reminder): reminder,
    }


@pytest.mark.parametrize(
    "model_admin", [a for m, a in admin.site._registry.items() if m._meta.app_label == "projects"], ids=str
)
def test_every_projects_admin_page_opens(admin_client, one_of_everything, model_admin):
    model = model_admin.model
    obj = one_of_everything[model]

    assert admin_client.get(url(model, "changelist")).status_code == 200
    assert admin_client.get(url(model, "changelist"), {"q": "桂"}).status_code == 200
    add = admin_client.get(url(model, "add"))
    assert add.status_code == (200 if model_admin.has_add_permission(add.wsgi_request) else 403)
    assert admin_client.get(url(model, "change", obj.pk)).status_code == 200
    assert admin_client.get(url(model, "history", obj.pk)).status_code == 200
