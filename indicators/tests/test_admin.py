"""Admin smoke tests for every indicators model (changelist, search, add, change) and the period
workflow through the admin: close and publish actions, the reopen page, a secretary's visit."""

from datetime import date

import pytest
from django.contrib import admin
from django.urls import reverse

from indicators.models import FollowUpVisit, Period, Rating, RectificationCase
from organizations.tests.factories import PartyOrganizationFactory

from .factories import (
    FollowUpVisitFactory,
    InstructorFactory,
    MentorFactory,
    PeriodFactory,
    PublishedFigureFactory,
    RatingFactory,
    RectificationCaseFactory,
    SchemeFactory,
    ScoreFactory,
    score_all,
    society_branch,
)

pytestmark = pytest.mark.django_db

MODELS = [model for model in admin.site._registry if model._meta.app_label == "indicators"]


def _one(model, guicheng, community):
    subject = PartyOrganizationFactory(community=community("桂花社区"))
    period = PeriodFactory(scheme=SchemeFactory(street=guicheng))
    return {
        "scheme": lambda: period.scheme,
        "dimension": lambda: period.scheme.dimensions.first(),
        "period": lambda: period,
        "score": lambda: ScoreFactory(period=period, subject=subject),
        "rating": lambda: RatingFactory(period=period, subject=subject),
        "rectificationcase": lambda: RectificationCaseFactory(subject=subject, opened_in=period),
        "followupvisit": lambda: FollowUpVisitFactory(case__subject=subject, case__opened_in=period),
        "instructor": lambda: InstructorFactory(street=guicheng),
        "mentor": lambda: MentorFactory(street=guicheng),
        "publishedfigure": lambda: PublishedFigureFactory(street=guicheng),
    }[model._meta.model_name]()


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m._meta.model_name)
def test_every_page_opens(admin_client, guicheng, community, model):
    obj = _one(model, guicheng, community)
    name = f"admin:indicators_{model._meta.model_name}"

    assert admin_client.get(reverse(f"{name}_changelist")).status_code == 200
    assert admin_client.get(reverse(f"{name}_changelist"), {"q": "桂花"}).status_code == 200
    assert admin_client.get(reverse(f"{name}_change", args=[obj.pk])).status_code == 200
    assert admin_client.get(reverse(f"{name}_history", args=[obj.pk])).status_code == 200
    add = admin_client.get(reverse(f"{name}_add"))
    # ratings and cases are written by the close only
    assert add.status_code == (403 if model in (Rating, RectificationCase) else 200)


def test_close_publish_and_reopen_through_the_admin(
    street_client, guicheng, community, street_staff, django_capture_on_commit_callbacks
):
    # given a period with scores
    period = PeriodFactory(scheme=SchemeFactory(street=guicheng), quarter=1)
    weak = society_branch(community("夏东社区"))
    score_all(period, weak, 60)
    changelist = reverse("admin:indicators_period_changelist")

    # when the period is closed and published through the actions
    with django_capture_on_commit_callbacks(execute=True):
        street_client.post(changelist, {"action": "close_selected", "_selected_action": [period.pk]})
    period.refresh_from_db()
    assert period.status == Period.Status.CLOSED and period.ratings_computed_at
    assert RectificationCase.objects.filter(subject=weak).exists()
    page = street_client.get(reverse("admin:indicators_period_change", args=[period.pk])).content.decode()
    assert "重新打开评定期" in page and "★★☆☆☆：1 个" in page

    # then reopening asks for a reason and records it
    reopen = reverse("admin:indicators_period_reopen", args=[period.pk])
    assert street_client.post(reopen, {"reason": ""}).status_code == 200
    assert Period.objects.get(pk=period.pk).status == Period.Status.CLOSED
    assert street_client.post(reopen, {"reason": "分数录入错误"}).status_code == 302
    period.refresh_from_db()
    assert period.status == Period.Status.OPEN
    assert period.history.latest("history_date").history_user == street_staff

    with django_capture_on_commit_callbacks(execute=True):
        street_client.post(changelist, {"action": "close_selected", "_selected_action": [period.pk]})
    street_client.post(changelist, {"action": "publish_selected", "_selected_action": [period.pk]})
    assert Period.objects.get(pk=period.pk).status == Period.Status.PUBLISHED


def test_a_secretary_reads_the_rating_explained_and_adds_a_visit(
    client, guicheng, community, guihua_secretary, django_capture_on_commit_callbacks
):
    from indicators import services
    from organizations.services import staff_user_create

    staff = staff_user_create(username="jd2", password=None, street=guicheng)
    guihua = community("桂花社区")
    period = PeriodFactory(scheme=SchemeFactory(street=guicheng), quarter=1)
    subject = society_branch(guihua)  # the factory makes 桂花 rural to hold an economic society
    score_all(period, subject, [50, 60, 70, 80])
    with django_capture_on_commit_callbacks(execute=True):
        services.period_close(period=period, user=staff)
    case = RectificationCase.objects.get(subject=subject)
    rating = Rating.objects.get(subject=subject)
    client.force_login(guihua_secretary)

    page = client.get(reverse("admin:indicators_rating_change", args=[rating.pk])).content.decode()
    assert "街道平均" in page and "动员能力" in page

    response = client.post(
        reverse("admin:indicators_followupvisit_add"),
        {"case": case.pk, "visited_on": "2023-04-20", "notes": "跟踪落实情况", "next_steps": ""},
    )

    assert response.status_code == 302, response.context["adminform"].form.errors
    visit = FollowUpVisit.objects.get()
    assert (visit.case, visit.visitor, visit.visited_on) == (case, guihua_secretary, date(2023, 4, 20))
    # the secretary may not close or reopen
    assert client.get(reverse("admin:indicators_period_reopen", args=[period.pk])).status_code == 403
