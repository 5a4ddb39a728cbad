"""Demo volunteer work for the Guicheng communities (``make run``), and 5,000,000 service records
across Foshan for ``make bench`` only. Everything is marked ``is_demo``.

* deterministic — choices come from ``random.Random`` seeded with ``SEED`` and the community's
  name; rows are planned in the order of natural keys (community names, member ID numbers), so
  every machine plans the same teams, volunteers, activities and hours. Activity dates are
  counted from ``AS_OF`` except the three upcoming ones of each community, placed after the day
  of the run (one in the coming week) with a realistic mix of sign-ups: most with places free,
  some nearly full, a few full with a waitlist;
* idempotent — a community that already has demo volunteers is left alone, but for new upcoming
  activities once its earlier ones have passed; each community is written in a transaction of
  its own, so an interrupted run is completed by the next one;
* bulk — rows go in with ``bulk_create_with_history`` (the ledger, which has no history, with
  ``bulk_create``); points are entered exactly as ``services.service_record_confirm`` would.
"""

from __future__ import annotations

from collections import Counter

from django.db import transaction

from organizations.models import Community, Street

from ..models import (
    Activity,
    CommunityCheckIn,
    PointsEntry,
    PostClaim,
    Redemption,
    ResponsibilityPost,
    Reward,
    ServiceOrder,
    ServiceRecord,
    Signup,
    Volunteer,
    VolunteerTeam,
)
from .activities import upcoming_top_up
from .points import _rewards
from .teams import _building_teams, _community

SEEDED = (
    VolunteerTeam,
    Volunteer,
    Activity,
    Signup,
    ServiceRecord,
    PointsEntry,
    Redemption,
    ResponsibilityPost,
    PostClaim,
    CommunityCheckIn,
    ServiceOrder,
    Reward,
)


def demo_volunteers_seed(*, street_name: str = "桂城街道") -> dict:
    """Demo volunteer work in every community of the street that has none yet."""
    created: Counter = Counter()
    street = Street.objects.get(name=street_name)
    with transaction.atomic():
        rewards = _rewards(street, created)
        _building_teams(street, created)
    last = (
        Volunteer.objects.filter(number__startswith="GC").order_by("-number").values_list("number", flat=True).first()
    )
    next_number = int(last[2:]) + 1 if last and last[2:].isdigit() else 1
    for community in Community.objects.filter(street=street).select_related("street").order_by("name"):
        if Volunteer.objects.filter(community=community, is_demo=True).exists():
            with transaction.atomic():
                upcoming_top_up(community, created)
            continue
        with transaction.atomic():
            next_number = _community(community, rewards, next_number, created)
    return {model: created[model] for model in SEEDED}
