"""自助点单: residents' service orders, from submission to rating."""

from __future__ import annotations

import hmac

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from core.once import first_of, insert_once
from organizations.models import ServiceCenter
from organizations.scope import require

from ..models import Activity, ServiceOrder, VolunteerTeam
from ._common import ORDERS_REFUSAL, _in_scope, _save

# --- 自助点单 ---------------------------------------------------------------------------------


@transaction.atomic
def service_order_submit(
    *,
    center: ServiceCenter,
    category: str,
    need: str,
    contact_name: str,
    contact_phone: str,
    wanted_when: str = "",
    address: str = "",
    user=None,
    once: str = "",
) -> ServiceOrder:
    """A resident's request (anonymous or logged in). Rate limiting is the caller's (the view).
    The form sent twice (``once``, see ``core.once``) records one order and answers
    the second time with the first."""

    def same(first):
        return (first.center_id, first.need, first.contact_phone) == (center.pk, need, contact_phone)

    if (first := first_of(ServiceOrder, once, same=same)) is not None:
        return first
    order = ServiceOrder(
        center=center,
        street_id=center.street_id,
        community_id=center.community_id,
        category=category,
        need=need,
        wanted_when=wanted_when,
        contact_name=contact_name,
        contact_phone=contact_phone,
        address=address,
        submitted_by=user if getattr(user, "is_authenticated", False) else None,
    )
    who = user if getattr(user, "is_authenticated", False) else None
    return insert_once(order, once, lambda: _save(order, who), same=same)


def _advance(order: ServiceOrder, user, *, allowed_from: tuple[str, ...], to: str, **changes) -> ServiceOrder:
    require(user, "volunteers.change_serviceorder", message=ORDERS_REFUSAL)
    order = _in_scope(ServiceOrder, order.pk, user, "这条点单不在你的工作范围内。")
    if order.status == to:
        return order  # a second click changes nothing
    if order.status not in allowed_from:
        raise ValidationError(f"点单当前为“{order.get_status_display()}”，不能执行这一步。")
    now = timezone.now()
    for name, value in changes.items():
        setattr(order, name, now if value is _NOW else value)
    order.status, order.last_action_at = to, now
    return _save(order, user)


_NOW = object()


@transaction.atomic
def service_order_accept(*, order: ServiceOrder, user) -> ServiceOrder:
    return _advance(
        order, user, allowed_from=(ServiceOrder.Status.SUBMITTED,), to=ServiceOrder.Status.ACCEPTED,
        accepted_at=_NOW, accepted_by=user,
    )  # fmt: skip


@transaction.atomic
def service_order_answer(
    *, order: ServiceOrder, user, activity: Activity | None = None, team: VolunteerTeam | None = None, note: str = ""
) -> ServiceOrder:
    """Answer with an activity or a team (from the user's scope)."""
    require(user, "volunteers.change_serviceorder", message=ORDERS_REFUSAL)
    if activity is None and team is None:
        raise ValidationError("请选择响应的活动或服务队。")
    if activity is not None and not Activity.objects.scoped_for(user).filter(pk=activity.pk).exists():
        raise PermissionDenied("这个活动不在你的工作范围内。")
    if team is not None and not VolunteerTeam.objects.scoped_for(user).filter(pk=team.pk).exists():
        raise PermissionDenied("这支服务队不在你的工作范围内。")
    return _advance(
        order, user, allowed_from=(ServiceOrder.Status.ACCEPTED,), to=ServiceOrder.Status.ANSWERED,
        answered_at=_NOW, answered_by=user, answer_activity=activity, answer_team=team, answer_note=note,
    )  # fmt: skip


@transaction.atomic
def service_order_done(*, order: ServiceOrder, user) -> ServiceOrder:
    return _advance(
        order, user, allowed_from=(ServiceOrder.Status.ANSWERED,), to=ServiceOrder.Status.DONE,
        done_at=_NOW, done_by=user,
    )  # fmt: skip


@transaction.atomic
def service_order_decline(*, order: ServiceOrder, user, reason: str) -> ServiceOrder:
    if not reason.strip():
        raise ValidationError("不予受理须说明原因。")
    return _advance(
        order, user,
        allowed_from=(ServiceOrder.Status.SUBMITTED, ServiceOrder.Status.ACCEPTED), to=ServiceOrder.Status.DECLINED,
        declined_reason=reason.strip(), done_at=_NOW, done_by=user,
    )  # fmt: skip


@transaction.atomic
def service_order_rate(
    *, order: ServiceOrder, rating: int, comment: str = "", user=None, code: str = ""
) -> ServiceOrder:
    """The resident rates a finished order: the account that submitted it, or whoever holds its
    tracking code (an anonymous submitter)."""
    order = ServiceOrder.objects.select_for_update(of=("self",)).get(pk=order.pk)
    is_submitter = getattr(user, "is_authenticated", False) and order.submitted_by_id == user.pk
    if not (is_submitter or (code and secrets_equal(code.strip().upper(), order.code))):
        raise PermissionDenied("只有提交点单的居民可以评价。")
    if order.status == ServiceOrder.Status.RATED:
        return order
    if order.status != ServiceOrder.Status.DONE:
        raise ValidationError("点单办结后才能评价。")
    order.status, order.rating, order.rating_comment = ServiceOrder.Status.RATED, rating, comment.strip()
    order.rated_at = order.last_action_at = timezone.now()
    return _save(order, user if is_submitter else None)


def secrets_equal(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode(), b.encode())
