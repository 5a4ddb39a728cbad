"""Activities and their sign-ups (places, the waitlist, attendance)."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from core.once import first_of, insert_once
from organizations.scope import require

from ..models import Activity, Signup, Volunteer
from ._common import _in_scope, _lock_activity, _lock_volunteer, _permission, _save

# --- Activities and sign-ups ------------------------------------------------------------------


def _taken(activity_id: int) -> int:
    return Signup.objects.filter(activity_id=activity_id, status__in=Signup.HOLDS_PLACE).count()


def _promote_waitlisted(activity: Activity, user) -> list[Signup]:
    """Fill free places from the waitlist, first come first served (the activity is locked)."""
    free = activity.capacity - _taken(activity.pk)
    promoted = []
    if free <= 0:
        return promoted
    now = timezone.now()
    for signup in Signup.objects.filter(activity=activity).waitlisted()[:free]:
        signup.status, signup.promoted_at, signup.changed_by = Signup.Status.REGISTERED, now, user
        promoted.append(_save(signup, user))
    return promoted


@transaction.atomic
def activity_save(*, activity: Activity, user, once: str = "") -> Activity:
    """Create or change an activity; more places promote people from the waitlist. A new
    activity's form sent twice (``once``, see ``core.once``) creates one."""
    require(user, _permission(Activity, activity), activity, message="这个活动不在你的工作范围内。")
    if activity.pk is None:

        def same(first):
            return (first.title, first.starts_at, first.community_id) == (
                activity.title, activity.starts_at, activity.community_id,
            )  # fmt: skip

        if (first := first_of(Activity, once, same=same)) is not None:
            return first
        return insert_once(activity, once, lambda: _save(activity, user), same=same)
    _in_scope(Activity, activity.pk, user, "这个活动不在你的工作范围内。")  # the row lock
    _save(activity, user)
    _promote_waitlisted(activity, user)
    return activity


@transaction.atomic
def signup_register(*, activity: Activity, volunteer: Volunteer, user) -> Signup:
    """Sign ``volunteer`` up: a place while there is one, else the waitlist. Signing up again
    while signed up returns the existing sign-up."""
    volunteer = _lock_volunteer(volunteer, user)
    activity = _lock_activity(activity.pk)
    if activity.is_cancelled:
        raise ValidationError("这个活动已取消。")
    if activity.ends_at <= timezone.now():
        raise ValidationError("这个活动已结束，不能再报名。")
    if not volunteer.is_active:
        raise ValidationError("志愿者已不在册，不能报名。")
    existing = Signup.objects.filter(activity=activity, volunteer=volunteer).exclude(status=Signup.Status.CANCELLED)
    if signup := existing.first():
        return signup
    full = _taken(activity.pk) >= activity.capacity
    signup = Signup(
        activity=activity,
        volunteer=volunteer,
        status=Signup.Status.WAITLISTED if full else Signup.Status.REGISTERED,
        changed_by=user,
    )
    return _save(signup, user)


@transaction.atomic
def signup_cancel(*, signup: Signup, user) -> Signup:
    """Cancel; a place given up goes to the first on the waitlist. Cancelling a cancelled sign-up
    changes nothing, so the waitlist moves once per cancellation."""
    _lock_volunteer(signup.volunteer, user)
    activity = _lock_activity(signup.activity_id)
    signup = Signup.objects.select_for_update(of=("self",)).filter(pk=signup.pk).first()
    if signup is None:
        raise ValidationError("这条报名已被删除。")
    if signup.status == Signup.Status.CANCELLED:
        return signup
    if signup.status in (Signup.Status.ATTENDED, Signup.Status.NO_SHOW):
        raise ValidationError("活动已签到结算，不能取消报名。")
    held = signup.status == Signup.Status.REGISTERED
    signup.status, signup.cancelled_at, signup.changed_by = Signup.Status.CANCELLED, timezone.now(), user
    _save(signup, user)
    if held:
        _promote_waitlisted(activity, user)
    return signup


@transaction.atomic
def signup_delete(*, signup: Signup, user) -> None:
    """Street staff remove a sign-up made in error; its place goes to the waitlist."""
    if not Signup.objects.scoped_for(user).filter(pk=signup.pk).exists():
        raise PermissionDenied("这条报名不在你的工作范围内。")
    # The activity first, then the sign-up, as signup_cancel does: the other way round the two
    # deadlock when a volunteer cancels while staff delete.
    activity = _lock_activity(signup.activity_id)
    signup = _in_scope(Signup, signup.pk, user, "这条报名不在你的工作范围内。")
    signup._history_user = user
    signup.delete()
    _promote_waitlisted(activity, user)


@transaction.atomic
def signup_mark(*, signup: Signup, attended: bool, user) -> Signup:
    """Staff mark attendance after the activity."""
    if not Signup.objects.scoped_for(user).filter(pk=signup.pk).exists():
        raise PermissionDenied("这条报名不在你的工作范围内。")
    _lock_activity(Signup.objects.values_list("activity_id", flat=True).get(pk=signup.pk))
    signup = _in_scope(Signup, signup.pk, user, "这条报名不在你的工作范围内。")
    if signup.status not in (Signup.Status.REGISTERED, Signup.Status.ATTENDED, Signup.Status.NO_SHOW):
        raise ValidationError("只有已报名的志愿者可以登记到场情况。")
    signup.status = Signup.Status.ATTENDED if attended else Signup.Status.NO_SHOW
    signup.changed_by = user
    return _save(signup, user)
