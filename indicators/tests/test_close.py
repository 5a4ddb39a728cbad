"""Closing a period: one set-based pass rates every subject with its total, stars, movement and
rank; closing twice changes nothing; reopening is street staff's, with a reason, audited; the
query count does not grow with the number of subjects."""

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from indicators import services, tasks
from indicators.models import Dimension, Period, Rating, Score
from organizations.models import EconomicSociety, PartyOrganization
from organizations.services import staff_user_create

from .factories import PeriodFactory, score_all, society_branch

pytestmark = pytest.mark.django_db


def ratings_of(period) -> dict:
    return {
        r.subject_id: (r.total, r.stars, r.previous_stars, r.movement, r.rank)
        for r in Rating.objects.filter(period=period)
    }


def test_close_rates_every_subject_at_the_threshold_edges(staff, quarters, rural, run_on_commit):
    # given
    q1 = quarters[0]
    a, b, c, d = (society_branch(rural) for _ in range(4))
    score_all(q1, a, 90)
    score_all(q1, b, "89.99")
    score_all(q1, c, [100, 80, 70, 70])  # 80.00: ★4
    score_all(q1, d, "59.99")

    # when
    run_on_commit(services.period_close, period=q1, user=staff)

    # then
    q1.refresh_from_db()
    assert q1.status == Period.Status.CLOSED
    assert q1.ratings_computed_at is not None
    assert ratings_of(q1) == {
        a.pk: (Decimal("90.00"), 5, None, "new", 1),
        b.pk: (Decimal("89.99"), 4, None, "new", 2),
        c.pk: (Decimal("80.00"), 4, None, "new", 3),
        d.pk: (Decimal("59.99"), 1, None, "new", 4),
    }


def test_weights_count_per_dimension(staff, scheme, rural, run_on_commit):
    # 动员 40 of 50, weight 40; the rest 90 of 100, weight 20 each: 32 + 18 × 3 = 86
    dimensions = list(scheme.dimensions.order_by("number"))
    Dimension.objects.filter(pk=dimensions[0].pk).update(weight=40, max_points=50)
    Dimension.objects.filter(pk__in=[d.pk for d in dimensions[1:]]).update(weight=20)
    period = PeriodFactory(scheme=scheme, quarter=1)
    subject = society_branch(rural)
    score_all(period, subject, [40, 90, 90, 90])

    run_on_commit(services.period_close, period=period, user=staff)

    rating = Rating.objects.get(period=period)
    assert (rating.total, rating.stars) == (Decimal("86.00"), 4)
    assert period.__class__.objects.get(pk=period.pk).rules["dimensions"][0]["weight"] == "40.00"


def test_stars_move_from_the_previous_period(staff, quarters, rural, run_on_commit):
    q1, q2 = quarters[0], quarters[1]
    up, down, same, new = (society_branch(rural) for _ in range(4))
    score_all(q1, up, 75)
    score_all(q1, down, 95)
    score_all(q1, same, 85)
    run_on_commit(services.period_close, period=q1, user=staff)
    score_all(q2, up, 91)
    score_all(q2, down, 65)
    score_all(q2, same, 88)
    score_all(q2, new, 88)

    run_on_commit(services.period_close, period=q2, user=staff)

    q2.refresh_from_db()
    assert q2.previous_period == q1
    assert {k: v[1:4] for k, v in ratings_of(q2).items()} == {
        up.pk: (5, 3, "up"),
        down.pk: (2, 5, "down"),
        same.pk: (4, 4, "same"),
        new.pk: (4, None, "new"),
    }
    # equal totals share a rank
    assert ratings_of(q2)[same.pk][4] == ratings_of(q2)[new.pk][4] == 2


def test_rank_is_within_the_street(staff, scheme, rural, run_on_commit):
    period = PeriodFactory(scheme=scheme, quarter=1)
    subject = society_branch(rural)
    score_all(period, subject, 60)

    run_on_commit(services.period_close, period=period, user=staff)

    assert Rating.objects.get(period=period).rank == 1


def test_closing_twice_gives_the_same_rows(staff, quarters, rural, run_on_commit):
    q1 = quarters[0]
    for value in (95, 72, 40):
        score_all(q1, society_branch(rural), value)
    run_on_commit(services.period_close, period=q1, user=staff)
    first = list(Rating.objects.filter(period=q1).order_by("pk").values())
    history = Rating.history.count()

    run_on_commit(services.period_close, period=q1, user=staff)
    tasks.compute_period_ratings.delay(q1.pk)
    services.period_ratings_compute(period_id=q1.pk)

    assert list(Rating.objects.filter(period=q1).order_by("pk").values()) == first
    assert Rating.history.count() == history


def test_reopen_and_close_again_gives_the_same_ratings(staff, quarters, rural, run_on_commit):
    q1 = quarters[0]
    for value in (95, 72, 40):
        score_all(q1, society_branch(rural), value)
    run_on_commit(services.period_close, period=q1, user=staff)
    before = ratings_of(q1)

    services.period_reopen(period=q1, user=staff, reason="第三个经济社得分录入有误")
    assert not Rating.objects.filter(period=q1).exists()
    run_on_commit(services.period_close, period=q1, user=staff)

    assert ratings_of(q1) == before


def test_reopen_is_audited_with_user_and_reason(staff, quarters, rural, run_on_commit):
    q1 = quarters[0]
    score_all(q1, society_branch(rural), 80)
    run_on_commit(services.period_close, period=q1, user=staff)

    services.period_reopen(period=q1, user=staff, reason="佐证材料补充")

    q1.refresh_from_db()
    assert q1.status == Period.Status.OPEN and q1.rules == {} and q1.closed_at is None
    latest = q1.history.latest("history_date")
    assert latest.history_user == staff
    assert latest.history_change_reason == "重新打开：佐证材料补充"
    deleted = Rating.history.filter(history_type="-").get()
    assert deleted.history_user_id == staff.pk and "佐证材料补充" in deleted.history_change_reason


def test_reopen_needs_street_staff_and_a_reason(staff, quarters, rural, run_on_commit, street):
    q1 = quarters[0]
    score_all(q1, society_branch(rural), 80)
    run_on_commit(services.period_close, period=q1, user=staff)
    secretary = staff_user_create(username="shuji", password=None, communities=[rural])

    with pytest.raises(PermissionDenied):
        services.period_reopen(period=q1, user=secretary, reason="想改分")
    with pytest.raises(ValidationError):
        services.period_reopen(period=q1, user=staff, reason="  ")
    with pytest.raises(PermissionDenied):
        services.period_close(period=quarters[1], user=secretary)
    assert Period.objects.get(pk=q1.pk).status == Period.Status.CLOSED


def test_a_published_period_or_one_compared_with_stays_closed(staff, quarters, rural, run_on_commit):
    q1, q2 = quarters[0], quarters[1]
    subject = society_branch(rural)
    score_all(q1, subject, 80)
    run_on_commit(services.period_close, period=q1, user=staff)
    score_all(q2, subject, 80)
    run_on_commit(services.period_close, period=q2, user=staff)

    with pytest.raises(ValidationError, match="已与本期比较升降"):
        services.period_reopen(period=q1, user=staff, reason="更正")
    services.period_publish(period=q2, user=staff)
    with pytest.raises(ValidationError, match="已公布"):
        services.period_reopen(period=q2, user=staff, reason="更正")


def test_closing_refuses_incomplete_scores_and_names_them(staff, quarters, rural):
    q1 = quarters[0]
    complete, partial = society_branch(rural), society_branch(rural)
    score_all(q1, complete, 80)
    Score.objects.create(period=q1, subject=partial, dimension=q1.scheme.dimensions.first(), value=80)

    with pytest.raises(ValidationError) as refused:
        services.period_close(period=q1, user=staff)

    assert partial.name in refused.value.messages[0]
    assert Period.objects.get(pk=q1.pk).is_open


def test_changing_the_scheme_never_rewrites_a_closed_period(staff, quarters, rural, run_on_commit):
    q1 = quarters[0]
    subject = society_branch(rural)
    score_all(q1, subject, 85)
    run_on_commit(services.period_close, period=q1, user=staff)
    scheme = q1.scheme

    scheme.star4_min, scheme.star3_min = Decimal(88), Decimal(75)
    scheme.save()
    Dimension.objects.filter(scheme=scheme).update(weight=10)

    rating = Rating.objects.get(period=q1)
    assert (rating.total, rating.stars) == (Decimal("85.00"), 4)
    q1.refresh_from_db()
    assert q1.rules["thresholds"] == ["90.00", "80.00", "70.00", "60.00"]


def test_a_closed_period_refuses_new_scores(staff, quarters, rural, run_on_commit):
    q1 = quarters[0]
    subject = society_branch(rural)
    score_all(q1, subject, 80)
    run_on_commit(services.period_close, period=q1, user=staff)
    score = Score(period=q1, subject=society_branch(rural), dimension=q1.scheme.dimensions.first(), value=70)

    with pytest.raises(ValidationError) as refused:
        services.score_save(score=score, user=staff)

    assert "已评定" in str(refused.value)


# --- Query count ----------------------------------------------------------------------------------


def _bulk_subjects(period, rural, count: int, offset: int) -> None:
    """``count`` economic-society branches with a score in every dimension, written in bulk."""
    parent = PartyOrganization.objects.filter(community=rural, kind="committee").first()
    societies = EconomicSociety.objects.bulk_create(
        [EconomicSociety(community=rural, name=f"批量{offset + i}经济社") for i in range(count)]
    )
    branches = PartyOrganization.objects.bulk_create(
        [
            PartyOrganization(
                street=rural.street,
                community=rural,
                parent=parent,
                economic_society=society,
                name=f"批量{offset + i}经济社党支部",
                kind="branch",
                field="rural",
            )
            for i, society in enumerate(societies)
        ]
    )
    dimensions = list(period.scheme.dimensions.all())
    Score.objects.bulk_create(
        [
            Score(period=period, subject=branch, dimension=dimension, value=Decimal(40 + (i * 7 + j) % 61))
            for i, branch in enumerate(branches)
            for j, dimension in enumerate(dimensions)
        ]
    )


def test_closing_costs_the_same_queries_for_10_and_1000_subjects(staff, scheme, rural, run_on_commit):
    # The count covers the close and the rating pass: with a previous period rated, so the
    # movement is computed, some cases are opened and some closed.
    society_branch(rural)  # the community's committee: the parent of the bulk branches
    counts = []
    for previous_quarter, size in ((1, 10), (3, 1000)):
        # given
        previous = PeriodFactory(scheme=scheme, quarter=previous_quarter)
        _bulk_subjects(previous, rural, size, offset=previous_quarter * 10_000)
        run_on_commit(services.period_close, period=previous, user=staff)
        period = PeriodFactory(scheme=scheme, quarter=previous_quarter + 1)
        Score.objects.bulk_create(
            [
                Score(period=period, subject_id=s.subject_id, dimension_id=s.dimension_id, value=140 - s.value)
                for s in Score.objects.filter(period=previous)
            ]
        )

        # when
        with CaptureQueriesContext(connection) as captured:
            result = run_on_commit(services.period_close, period=period, user=staff)
        counts.append(len(captured))

        # then
        assert result.status == Period.Status.CLOSED
        assert Rating.objects.filter(period=period).count() == size
        assert Rating.objects.filter(period=period).exclude(movement="same").exists()
    small, big = counts
    assert small == big, counts


def test_periods_are_rated_in_order(staff, quarters, rural, run_on_commit):
    q1, q2, q3 = quarters[:3]
    subject = society_branch(rural)
    for period in (q1, q2, q3):
        score_all(period, subject, 80)
    run_on_commit(services.period_close, period=q1, user=staff)
    run_on_commit(services.period_close, period=q3, user=staff)

    with pytest.raises(ValidationError, match="按时间先后"):
        services.period_close(period=q2, user=staff)


def test_a_pass_rates_its_previous_period_first_when_that_pass_has_not_run(staff, quarters, rural):
    # Two closes committed before any task ran (a busy worker): the second pass runs first.
    q1, q2 = quarters[:2]
    subject = society_branch(rural)
    score_all(q1, subject, 95)
    score_all(q2, subject, 75)
    services.period_close(period=q1, user=staff)  # the task waits for a commit that never comes here
    services.period_close(period=q2, user=staff)

    services.period_ratings_compute(period_id=q2.pk)

    assert Period.objects.get(pk=q2.pk).previous_period == q1
    assert Rating.objects.get(period=q1).stars == 5
    rating = Rating.objects.get(period=q2)
    assert (rating.stars, rating.previous_stars, rating.movement) == (3, 5, "down")
