"""双报到: a member reports to the community they live in."""

from __future__ import annotations

from datetime import date

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from organizations.models import Community, PartyMember, PartyOrganization

from ..models import CommunityCheckIn
from ._common import _save

# --- 双报到 -----------------------------------------------------------------------------------


@transaction.atomic
def community_check_in(
    *,
    member: PartyMember,
    community: Community,
    employer: str,
    user,
    registered_on: date | None = None,
    employer_organization: PartyOrganization | None = None,
) -> CommunityCheckIn:
    """An in-service member reports to the community they live in; a member reporting to a new
    community ends the old check-in the same day."""
    if not Community.objects.scoped_for(user).filter(pk=community.pk).exists():
        raise PermissionDenied("这个社区不在你的工作范围内。")
    day = registered_on or timezone.localdate()
    for old in CommunityCheckIn.objects.select_for_update().active().filter(member=member):
        if old.community_id == community.pk:
            return old
        old.ended_on = max(day, old.registered_on)
        _save(old, user)
    check_in = CommunityCheckIn(
        member=member,
        community=community,
        employer=employer,
        employer_organization=employer_organization,
        registered_on=day,
    )
    _save(check_in, user)
    if member.residence_community_id != community.pk:
        member.residence_community = community
        member._history_user = user
        member.save(update_fields=["residence_community"])
    return check_in
