"""The rules of the services, from the outside: sign-ups and the waitlist, hours and their
confirmation, the points ledger and redemptions, 双报到, posts and the 点单 life cycle."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from organizations.models import PartyMember
from organizations.tests.factories import PartyMemberFactory, ServiceCenterFactory
from volunteers import selectors, services
from volunteers.models import PointsEntry, ServiceOrder, ServiceRecord, Signup

from .factories import (
    ActivityFactory,
    ResponsibilityPostFactory,
    RewardFactory,
    ServiceRecordFactory,
    VolunteerFactory,
    VolunteerTeamFactory,
    at,
)

pytestmark = pytest.mark.django_db


# --- Sign-ups -----------------------------------------------------------------------------------


def test_the_last_place_goes_to_one_and_the_next_waits(guihua, street_staff):
    activity = ActivityFactory(community=guihua, capacity=2)
    people = VolunteerFactory.create_batch(4, community=guihua)

    signups = [services.signup_register(activity=activity, volunteer=v, user=street_staff) for v in people]

    assert [s.status for s in signups] == ["registered", "registered", "waitlisted", "waitlisted"]


def test_a_cancellation_promotes_the_first_waitlisted_once(guihua, street_staff):
    # given a full activity with two on the waitlist
    activity = ActivityFactory(community=guihua, capacity=1)
    first, second, third = (
        services.signup_register(activity=activity, volunteer=v, user=street_staff)
        for v in VolunteerFactory.create_batch(3, community=guihua)
    )

    # when the registered one cancels, twice
    services.signup_cancel(signup=first, user=street_staff)
    services.signup_cancel(signup=first, user=street_staff)

    # then only the first on the waitlist moved up
    second.refresh_from_db()
    third.refresh_from_db()
    assert (second.status, third.status) == (Signup.Status.REGISTERED, Signup.Status.WAITLISTED)
    assert second.promoted_at is not None
    assert Signup.objects.filter(activity=activity).holding_place().count() == 1


def test_cancelling_a_waitlisted_signup_promotes_nobody(guihua, street_staff):
    activity = ActivityFactory(community=guihua, capacity=1)
    _held, waiting, last = (
        services.signup_register(activity=activity, volunteer=v, user=street_staff)
        for v in VolunteerFactory.create_batch(3, community=guihua)
    )

    services.signup_cancel(signup=waiting, user=street_staff)

    last.refresh_from_db()
    assert last.status == Signup.Status.WAITLISTED


def test_more_places_fill_from_the_waitlist(guihua, street_staff):
    activity = ActivityFactory(community=guihua, capacity=1)
    for v in VolunteerFactory.create_batch(3, community=guihua):
        services.signup_register(activity=activity, volunteer=v, user=street_staff)

    activity.capacity = 2
    services.activity_save(activity=activity, user=street_staff)

    assert Signup.objects.filter(activity=activity).holding_place().count() == 2


def test_a_volunteer_signs_up_and_cancels_themselves_but_not_others(guihua, volunteer):
    activity = ActivityFactory(community=guihua)
    someone_else = VolunteerFactory(community=guihua)

    signup = services.signup_register(activity=activity, volunteer=volunteer, user=volunteer.user)
    again = services.signup_register(activity=activity, volunteer=volunteer, user=volunteer.user)
    assert signup.pk == again.pk
    with pytest.raises(PermissionDenied):
        services.signup_register(activity=activity, volunteer=someone_else, user=volunteer.user)

    services.signup_cancel(signup=signup, user=volunteer.user)
    signup.refresh_from_db()
    assert signup.status == Signup.Status.CANCELLED
    # and may sign up again afterwards
    assert services.signup_register(activity=activity, volunteer=volunteer, user=volunteer.user).pk != signup.pk


def test_a_secretary_cannot_sign_up_another_communitys_volunteer(guihua_secretary, tongxin):
    activity = ActivityFactory(community=tongxin)
    with pytest.raises(PermissionDenied):
        services.signup_register(
            activity=activity, volunteer=VolunteerFactory(community=tongxin), user=guihua_secretary
        )


def test_no_signups_for_past_or_cancelled_activities(guihua, street_staff):
    past = ActivityFactory(community=guihua, starts_at=timezone.now() - timedelta(days=2))
    cancelled = ActivityFactory(community=guihua, is_cancelled=True)
    for activity in (past, cancelled):
        with pytest.raises(ValidationError):
            services.signup_register(activity=activity, volunteer=VolunteerFactory(community=guihua), user=street_staff)


# --- Hours and points ---------------------------------------------------------------------------


def record_for(volunteer, user, start=None, hours=2):
    start = start or at(3, 9)
    return services.service_record_add(
        volunteer=volunteer,
        started_at=start,
        ended_at=start + timedelta(hours=hours),
        description="探访长者",
        user=user,
    )


def test_confirming_twice_writes_one_points_entry(guihua, street_staff, settings):
    settings.VOLUNTEERS_POINTS_PER_HOUR = 10
    volunteer = VolunteerFactory(community=guihua)
    record = record_for(volunteer, street_staff, hours=2.5)

    services.service_record_confirm(record=record, user=street_staff)
    services.service_record_confirm(record=record, user=street_staff)

    record.refresh_from_db()
    assert (record.status, record.reviewed_by, record.hours) == ("confirmed", street_staff, Decimal("2.50"))
    assert list(PointsEntry.objects.filter(volunteer=volunteer).values_list("kind", "points")) == [("earned", 25)]


def test_the_database_refuses_a_second_entry_for_one_confirmation(guihua, street_staff):
    record = record_for(VolunteerFactory(community=guihua), street_staff)
    services.service_record_confirm(record=record, user=street_staff)
    entry = PointsEntry.objects.get(service_record=record)

    with pytest.raises(IntegrityError), transaction.atomic():
        PointsEntry.objects.create(
            volunteer=entry.volunteer, kind="earned", points=20, service_record=record, confirmation=1
        )


def test_unconfirming_reverses_the_points_and_a_new_confirmation_earns_again(guihua, street_staff):
    volunteer = VolunteerFactory(community=guihua)
    record = record_for(volunteer, street_staff)
    services.service_record_confirm(record=record, user=street_staff)

    services.service_record_unconfirm(record=record, user=street_staff, reason="时间登记错误")
    services.service_record_unconfirm(record=record, user=street_staff, reason="再点一次")
    assert selectors.points_balance(volunteer=volunteer) == 0
    services.service_record_confirm(record=record, user=street_staff)

    kinds = list(PointsEntry.objects.filter(volunteer=volunteer).order_by("pk").values_list("kind", "points"))
    assert kinds == [("earned", 20), ("reversal", -20), ("earned", 20)]
    assert selectors.points_balance(volunteer=volunteer) == 20


def test_unconfirming_spent_points_is_refused(guihua, street_staff):
    volunteer = VolunteerFactory(community=guihua)
    record = record_for(volunteer, street_staff)
    services.service_record_confirm(record=record, user=street_staff)
    services.reward_redeem(
        volunteer=volunteer, reward=RewardFactory(community=guihua, points_cost=15), user=street_staff
    )

    with pytest.raises(ValidationError, match="余额将为负数"):
        services.service_record_unconfirm(record=record, user=street_staff, reason="错误")
    assert selectors.points_balance(volunteer=volunteer) == 5


def test_rejecting_a_confirmed_record_reverses_its_points(guihua, street_staff):
    volunteer = VolunteerFactory(community=guihua)
    record = record_for(volunteer, street_staff)
    services.service_record_confirm(record=record, user=street_staff)

    services.service_record_reject(record=record, user=street_staff, note="未实际参加")

    record.refresh_from_db()
    assert record.status == ServiceRecord.Status.REJECTED
    assert selectors.points_balance(volunteer=volunteer) == 0


def test_records_of_one_volunteer_never_overlap(guihua, street_staff):
    volunteer = VolunteerFactory(community=guihua)
    first = record_for(volunteer, street_staff, start=at(3, 9), hours=2)

    with pytest.raises(ValidationError, match="重叠"):
        record_for(volunteer, street_staff, start=at(3, 10), hours=2)
    # touching ends are fine, and another volunteer may serve at the same time
    record_for(volunteer, street_staff, start=at(3, 11), hours=1)
    record_for(VolunteerFactory(community=guihua), street_staff, start=at(3, 9), hours=2)
    # a rejected record frees its time
    services.service_record_reject(record=first, user=street_staff, note="登记错误")
    record_for(volunteer, street_staff, start=at(3, 9, 30), hours=1)


def test_an_open_check_in_blocks_later_records_until_check_out(guihua, volunteer):
    record = services.service_record_check_in(volunteer=volunteer, user=volunteer.user, description="值守", at=at(4, 9))
    with pytest.raises(ValidationError):
        services.service_record_check_in(volunteer=volunteer, user=volunteer.user, description="再签到", at=at(4, 12))

    services.service_record_check_out(record=record, user=volunteer.user, at=at(4, 11, 30))

    record.refresh_from_db()
    assert record.hours == Decimal("2.50")
    services.service_record_check_in(volunteer=volunteer, user=volunteer.user, description="再签到", at=at(4, 12))


def test_an_open_check_in_cannot_be_confirmed(guihua, volunteer, street_staff):
    record = services.service_record_check_in(volunteer=volunteer, user=volunteer.user, description="值守", at=at(4, 9))
    with pytest.raises(ValidationError):
        services.service_record_confirm(record=record, user=street_staff)


def test_batch_confirm_counts_and_refuses_whole_for_one_out_of_scope(guihua, tongxin, guihua_secretary):
    own = [ServiceRecordFactory(volunteer=VolunteerFactory(community=guihua)) for _ in range(3)]
    other = ServiceRecordFactory(volunteer=VolunteerFactory(community=tongxin))

    counts = services.service_records_confirm(records=[*own, own[0]], user=guihua_secretary)
    assert counts == {"confirmed": 3, "already": 1}

    # one record out of scope: nothing of the batch is confirmed (see test_review_batches.py)
    more = ServiceRecordFactory(volunteer=VolunteerFactory(community=guihua))
    with pytest.raises(ValidationError):
        services.service_records_confirm(records=[more, other], user=guihua_secretary)
    assert ServiceRecord.objects.filter(pk__in=[more.pk, other.pk], status="pending").count() == 2


# --- Rewards ------------------------------------------------------------------------------------


def give_points(volunteer, user, points):
    return services.points_adjust(volunteer=volunteer, points=points, reason="测试", user=user)


def test_redemption_takes_points_and_stock_and_cancelling_gives_them_back(guihua, street_staff):
    volunteer = VolunteerFactory(community=guihua)
    give_points(volunteer, street_staff, 30)
    reward = RewardFactory(community=guihua, points_cost=20, stock=1)

    redemption = services.reward_redeem(volunteer=volunteer, reward=reward, user=street_staff)
    reward.refresh_from_db()
    assert (selectors.points_balance(volunteer=volunteer), reward.stock) == (10, 0)

    services.redemption_cancel(redemption=redemption, user=street_staff)
    services.redemption_cancel(redemption=redemption, user=street_staff)
    reward.refresh_from_db()
    assert (selectors.points_balance(volunteer=volunteer), reward.stock) == (30, 1)


def test_no_redemption_without_points_or_stock(guihua, street_staff):
    volunteer = VolunteerFactory(community=guihua)
    give_points(volunteer, street_staff, 15)
    with pytest.raises(ValidationError, match="积分不足"):
        services.reward_redeem(
            volunteer=volunteer, reward=RewardFactory(community=guihua, points_cost=20), user=street_staff
        )
    with pytest.raises(ValidationError, match="兑完"):
        services.reward_redeem(volunteer=volunteer, reward=RewardFactory(community=guihua, stock=0), user=street_staff)
    assert selectors.points_balance(volunteer=volunteer) == 15


def test_adjustments_are_street_staffs_and_never_go_below_zero(guihua, street_staff, guihua_secretary):
    volunteer = VolunteerFactory(community=guihua)
    with pytest.raises(PermissionDenied):
        give_points(volunteer, guihua_secretary, 5)
    with pytest.raises(ValidationError):
        give_points(volunteer, street_staff, -1)
    with pytest.raises(ValidationError):
        services.points_adjust(volunteer=volunteer, points=5, reason=" ", user=street_staff)


# --- 双报到 and posts -------------------------------------------------------------------------


def test_a_member_reports_to_one_community_at_a_time(guihua, tongxin, street_staff):
    member = PartyMemberFactory(organization__community=tongxin)

    first = services.community_check_in(member=member, community=tongxin, employer="某机关", user=street_staff)
    again = services.community_check_in(member=member, community=tongxin, employer="某机关", user=street_staff)
    moved = services.community_check_in(member=member, community=guihua, employer="某机关", user=street_staff)

    first.refresh_from_db()
    member.refresh_from_db()
    assert again.pk == first.pk and first.ended_on is not None and moved.ended_on is None
    assert member.residence_community == guihua


def test_posts_are_claimed_by_members_without_a_post_up_to_the_limit(guihua, street_staff, settings):
    settings.VOLUNTEERS_POST_CLAIM_LIMIT = 2
    post = ResponsibilityPostFactory(community=guihua)
    members = PartyMemberFactory.create_batch(3, organization__community=guihua, status=PartyMember.Status.WITHOUT_POST)

    services.post_claim(post=post, member=members[0], user=street_staff)
    services.post_claim(post=post, member=members[1], user=street_staff)
    with pytest.raises(ValidationError, match="已满"):
        services.post_claim(post=post, member=members[2], user=street_staff)
    with pytest.raises(ValidationError, match="无职"):
        services.post_claim(
            post=ResponsibilityPostFactory(community=guihua), member=PartyMemberFactory(), user=street_staff
        )


# --- 点单 ---------------------------------------------------------------------------------------


def test_an_order_goes_through_every_step_with_who_and_when(guihua, street_staff, guihua_secretary):
    # given a resident's anonymous order at the 桂花 centre
    center = ServiceCenterFactory(community=guihua, street=guihua.street)
    order = services.service_order_submit(
        center=center, category="repair", need="楼道灯坏了", contact_name="黄女士", contact_phone="13800138000"
    )
    assert (order.community, order.status) == (guihua, ServiceOrder.Status.SUBMITTED)
    team = VolunteerTeamFactory(community=guihua)

    # when the secretary works it through and the resident rates it with the tracking code
    with pytest.raises(ValidationError):
        services.service_order_done(order=order, user=guihua_secretary)  # not answered yet
    services.service_order_accept(order=order, user=guihua_secretary)
    services.service_order_accept(order=order, user=guihua_secretary)  # a second click: no change
    services.service_order_answer(order=order, user=guihua_secretary, team=team, note="周六上门")
    services.service_order_done(order=order, user=guihua_secretary)
    with pytest.raises(PermissionDenied):
        services.service_order_rate(order=order, rating=5, code="WRONG")
    order = services.service_order_rate(order=order, rating=4, comment="很及时", code=order.code.lower())

    # then every step says who and when, and the public view has no contact detail
    assert order.status == ServiceOrder.Status.RATED
    assert order.accepted_by == order.answered_by == order.done_by == guihua_secretary
    assert order.accepted_at <= order.answered_at <= order.done_at <= order.rated_at
    public = selectors.order_by_code(code=order.code)
    assert public["answer_team"] == team.name and public["rating"] == 4
    assert "黄女士" not in str(public) and "13800138000" not in str(public)
    assert order.history.count() == 5


def test_another_communitys_secretary_cannot_work_an_order(guihua, tongxin_secretary):
    center = ServiceCenterFactory(community=guihua, street=guihua.street)
    order = services.service_order_submit(
        center=center, category="repair", need="x", contact_name="黄女士", contact_phone="13800138000"
    )
    with pytest.raises(PermissionDenied):
        services.service_order_accept(order=order, user=tongxin_secretary)


def test_an_untouched_order_is_stale(guihua, street_staff, settings):
    settings.VOLUNTEERS_ORDER_STALE_DAYS = 3
    center = ServiceCenterFactory(community=guihua, street=guihua.street)
    order = services.service_order_submit(
        center=center, category="repair", need="x", contact_name="黄女士", contact_phone="13800138000"
    )
    later = timezone.now() + timedelta(days=3, minutes=1)

    assert list(ServiceOrder.objects.stale(later)) == [order]
    assert list(ServiceOrder.objects.stale(later - timedelta(minutes=2))) == []
    services.service_order_accept(order=order, user=street_staff)
    accepted = ServiceOrder.objects.get(pk=order.pk).last_action_at
    assert list(ServiceOrder.objects.stale(accepted + timedelta(days=2, hours=23))) == []
    assert list(selectors.stale_orders(user=street_staff, now=accepted + timedelta(days=3))) == [order]


def test_volunteer_numbers_are_assigned_in_order(guihua, street_staff):
    first = services.volunteer_save(volunteer=VolunteerFactory.build(community=guihua, number=""), user=street_staff)
    second = services.volunteer_save(volunteer=VolunteerFactory.build(community=guihua, number=""), user=street_staff)
    assert int(second.number[2:]) == int(first.number[2:]) + 1


# --- The scope on creation, and the permission, in the services themselves ----------------------


def test_creating_outside_the_scope_is_refused_by_the_service(guihua, tongxin, guihua_secretary):
    # given the 桂花 secretary, who may add activities, teams and volunteers in 桂花社区
    from volunteers.models import Activity, Volunteer, VolunteerTeam

    # when they create each in 同心社区, calling the services directly (no form to limit choices)
    activity = Activity(
        title="越权活动", street=tongxin.street, community=tongxin, starts_at=at(5, 9), ends_at=at(5, 11), capacity=5
    )
    team = VolunteerTeam(name="越权服务队", street=tongxin.street, community=tongxin, kind=VolunteerTeam.Kind.COMMUNITY)
    volunteer = Volunteer(name="越权志愿者", community=tongxin)
    attempts = [
        lambda: services.activity_save(activity=activity, user=guihua_secretary),
        lambda: services.team_save(team=team, user=guihua_secretary),
        lambda: services.volunteer_save(volunteer=volunteer, user=guihua_secretary),
    ]
    # then each is refused and nothing is written
    for attempt in attempts:
        with pytest.raises(PermissionDenied):
            attempt()
    assert not Activity.objects.filter(title="越权活动").exists()
    assert not VolunteerTeam.objects.filter(name="越权服务队").exists()
    assert not Volunteer.objects.filter(name="越权志愿者").exists()
    # while in their own community the same calls work
    team = VolunteerTeam(name="桂花服务队", street=guihua.street, community=guihua, kind=VolunteerTeam.Kind.COMMUNITY)
    team = services.team_save(team=team, user=guihua_secretary)
    assert team.pk is not None


def test_a_view_only_account_confirms_and_answers_nothing(guihua, guihua_secretary):
    # given an auditor of 桂花社区 (view permissions only) and a record and an order there
    from django.contrib.auth.models import Permission

    guihua_secretary.groups.clear()
    guihua_secretary.user_permissions.set(
        Permission.objects.filter(codename__startswith="view_", content_type__app_label="volunteers")
    )
    auditor = type(guihua_secretary).objects.get(pk=guihua_secretary.pk)
    record = ServiceRecordFactory(volunteer=VolunteerFactory(community=guihua))
    order = services.service_order_submit(
        center=ServiceCenterFactory(community=guihua), category=ServiceOrder.Category.REPAIR, need="水龙头漏水",
        contact_name="黄女士", contact_phone="13800138000", user=None,
    )  # fmt: skip
    # when they confirm, reject or accept, then each is refused and nothing changes
    for attempt in (
        lambda: services.service_record_confirm(record=record, user=auditor),
        lambda: services.service_records_confirm(records=[record], user=auditor),
        lambda: services.service_record_reject(record=record, user=auditor, note="不对"),
        lambda: services.service_order_accept(order=order, user=auditor),
    ):
        with pytest.raises(PermissionDenied):
            attempt()
    record.refresh_from_db(), order.refresh_from_db()
    assert (record.status, order.status) == (ServiceRecord.Status.PENDING, ServiceOrder.Status.SUBMITTED)
    assert not PointsEntry.objects.exists()
