"""Volunteer teams and volunteers (their numbers)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max

from organizations.scope import require

from ..models import Volunteer, VolunteerTeam
from ._common import _permission, _save

NUMBER_PREFIX = "GC"


# --- Teams and volunteers ---------------------------------------------------------------------


def _next_number() -> str:
    last = (
        Volunteer.objects.filter(number__regex=rf"^{NUMBER_PREFIX}[0-9]{{8}}$")
        .aggregate(last=Max("number"))
        .get("last")
    )
    return f"{NUMBER_PREFIX}{int(last[len(NUMBER_PREFIX) :]) + 1 if last else 1:08d}"


def volunteer_save(*, volunteer: Volunteer, user) -> Volunteer:
    """Register or change a volunteer, in the user's scope (the stored record and the community
    it is saved with, on creation too)."""
    require(user, _permission(Volunteer, volunteer), volunteer, message="这名志愿者不在你的工作范围内。")
    return _volunteer_store(volunteer, user)


def _volunteer_store(volunteer: Volunteer, user) -> Volunteer:
    """A blank number gets the next ``GC00000001``-style one; a concurrent registration that
    took the same number makes this one try the next."""
    if volunteer.member_id and not volunteer.kind:
        volunteer.kind = Volunteer.Kind.PARTY_MEMBER
    assign = not volunteer.number
    for _attempt in range(5):
        if assign:
            volunteer.number = _next_number()
        try:
            with transaction.atomic():
                return _save(volunteer, user)
        except (IntegrityError, ValidationError) as exc:
            taken = isinstance(exc, IntegrityError) or "number" in getattr(exc, "error_dict", {})
            if not (assign and taken):
                raise
    raise ValidationError({"number": "暂时无法分配志愿者编号，请稍后再试。"})


@transaction.atomic
def team_save(*, team: VolunteerTeam, user) -> VolunteerTeam:
    require(user, _permission(VolunteerTeam, team), team, message="这支服务队不在你的工作范围内。")
    return _save(team, user)
