"""Rectification: a subject at or below the level gets one case, with its plan, instructor,
mentors and visits; a later period rating it above the level closes the case."""

from datetime import date

import pytest
from django.core.exceptions import PermissionDenied

from indicators import selectors, services
from indicators.models import RectificationCase
from organizations.services import staff_user_create
from organizations.tests.factories import CommunityFactory

from .factories import InstructorFactory, MentorFactory, score_all, society_branch

pytestmark = pytest.mark.django_db


def test_a_weak_subject_gets_one_case_until_a_later_period_rates_it_above_the_level(
    staff, quarters, rural, run_on_commit
):
    q1, q2, q3 = quarters[:3]
    weak, strong = society_branch(rural), society_branch(rural)

    # ★3 (75) and ★5: only the weak one is put under rectification
    score_all(q1, weak, 75)
    score_all(q1, strong, 95)
    run_on_commit(services.period_close, period=q1, user=staff)
    case = RectificationCase.objects.get()
    assert (case.subject, case.opened_in, case.status) == (weak, q1, "open")
    assert case.history.get().history_type == "+"

    # still ★3: the same case stays open, no second one
    score_all(q2, weak, 79.99)
    score_all(q2, strong, 95)
    run_on_commit(services.period_close, period=q2, user=staff)
    assert RectificationCase.objects.get() == case
    assert RectificationCase.objects.get().status == "open"

    # ★4: the case closes in q3
    score_all(q3, weak, 80)
    score_all(q3, strong, 95)
    run_on_commit(services.period_close, period=q3, user=staff)
    case.refresh_from_db()
    assert (case.status, case.closed_in) == ("closed", q3)
    assert case.history.latest("history_date").history_change_reason.endswith("销号")


def test_the_level_is_configurable_per_scheme(staff, scheme, quarters, rural, run_on_commit):
    scheme.rectification_level = 2
    scheme.save()
    score_all(quarters[0], society_branch(rural), 75)  # ★3: above ★2
    score_all(quarters[0], society_branch(rural), 65)  # ★2

    run_on_commit(services.period_close, period=quarters[0], user=staff)

    assert RectificationCase.objects.count() == 1


def test_the_plan_instructor_mentors_and_visits_are_kept(staff, street, quarters, rural, run_on_commit):
    score_all(quarters[0], society_branch(rural), 50)
    run_on_commit(services.period_close, period=quarters[0], user=staff)
    case = RectificationCase.objects.get()
    instructor, mentor = InstructorFactory(street=street), MentorFactory(street=street)
    secretary = staff_user_create(username="shuji-r", password=None, communities=[rural])

    case.measures, case.owner, case.deadline, case.instructor = (
        "一村一策：规范三会一课",
        "支部书记",
        date(2023, 9, 30),
        instructor,
    )
    services.case_save(case=case, user=staff)
    case.mentors.set([mentor])
    visit = services.visit_add(case=case, user=secretary, visited_on=date(2023, 5, 3), notes="跟踪落实")

    listed = selectors.rectification_list().get()
    assert (listed.instructor, listed.visit_count, listed.last_visit_on) == (instructor, 1, date(2023, 5, 3))
    assert list(listed.mentors.all()) == [mentor]
    assert visit.visitor == secretary
    assert visit.history.get().history_user == secretary


def test_a_secretary_of_another_community_cannot_touch_the_case(staff, street, quarters, rural, run_on_commit):
    score_all(quarters[0], society_branch(rural), 50)
    run_on_commit(services.period_close, period=quarters[0], user=staff)
    case = RectificationCase.objects.get()
    elsewhere = staff_user_create(username="shuji-x", password=None, communities=[CommunityFactory(street=street)])

    with pytest.raises(PermissionDenied):
        services.visit_add(case=case, user=elsewhere, visited_on=date(2023, 5, 3), notes="越权")
    with pytest.raises(PermissionDenied):
        services.case_save(case=case, user=elsewhere)
    assert not case.visits.exists()


def test_reopening_undoes_the_cases_of_the_close(staff, quarters, rural, run_on_commit):
    q1, q2 = quarters[:2]
    recovering, untouched, worked_on = (society_branch(rural) for _ in range(3))
    for subject in (recovering, untouched, worked_on):
        score_all(q1, subject, 60)
    run_on_commit(services.period_close, period=q1, user=staff)
    score_all(q2, recovering, 95)
    score_all(q2, untouched, 50)
    score_all(q2, worked_on, 50)
    run_on_commit(services.period_close, period=q2, user=staff)
    RectificationCase.objects.filter(subject=worked_on).update(measures="已制定计划")
    assert RectificationCase.objects.get(subject=recovering).status == "closed"

    services.period_reopen(period=q2, user=staff, reason="更正")

    assert RectificationCase.objects.get(subject=recovering).status == "open"
    # opened by q1, not by q2: both stay
    assert RectificationCase.objects.filter(subject__in=[untouched, worked_on]).count() == 2


def test_reopening_removes_the_cases_it_opened_that_nobody_worked_on(staff, quarters, rural, run_on_commit):
    q1 = quarters[0]
    untouched, worked_on = society_branch(rural), society_branch(rural)
    score_all(q1, untouched, 50)
    score_all(q1, worked_on, 50)
    run_on_commit(services.period_close, period=q1, user=staff)
    RectificationCase.objects.filter(subject=worked_on).update(measures="已制定计划")

    services.period_reopen(period=q1, user=staff, reason="更正")

    assert list(RectificationCase.objects.values_list("subject", flat=True)) == [worked_on.pk]
    assert RectificationCase.history.filter(history_type="-", subject_id=untouched.pk).get().history_user == staff
