"""What the services of several sub-domains share: saving with its history user, the scope's row
locks and the refusals."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied

from ..models import Activity, Volunteer


def _save(obj, user, **kwargs):
    obj.full_clean()
    obj._history_user = user
    obj.save(**kwargs)
    return obj


# A view-only account (an auditor) reads hours and 点单 but never decides on them.
HOURS_REFUSAL = "你只能查看志愿服务时长，没有确认或退回的权限。"
ORDERS_REFUSAL = "你只能查看点单，没有受理或答复的权限。"


def _in_scope(model, pk, user, message: str):
    """The record re-read under a row lock, after checking it lies in the user's scope."""
    obj = model.objects.scoped_for(user).select_for_update(of=("self",)).filter(pk=pk).first()
    if obj is None:
        raise PermissionDenied(message)
    return obj


def acts_for(user, volunteer: Volunteer) -> bool:
    """The volunteer themselves (their linked login) or staff whose scope holds them."""
    if not getattr(user, "is_authenticated", False):
        return False
    if volunteer.user_id is not None and volunteer.user_id == user.pk:
        return True
    return user.is_staff and Volunteer.objects.scoped_for(user).filter(pk=volunteer.pk).exists()


def _lock_volunteer(volunteer: Volunteer, user) -> Volunteer:
    if not acts_for(user, volunteer):
        raise PermissionDenied("你不能为这名志愿者办理。")
    return Volunteer.objects.select_for_update(of=("self",)).get(pk=volunteer.pk)


def _lock_activity(activity_id: int) -> Activity:
    """The activity's row lock, always taken before any of its sign-ups' (one order everywhere)."""
    return Activity.objects.select_for_update(of=("self",)).get(pk=activity_id)


def _permission(model, obj) -> str:
    """The permission the admin asks for before saving ``obj``: add when new, change when not."""
    action = "add" if obj.pk is None else "change"
    return f"{model._meta.app_label}.{action}_{model._meta.model_name}"
