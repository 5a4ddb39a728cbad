"""Demo data: Guicheng filled out to its published size, and the whole of Foshan for benchmarks.

Used by ``manage.py seed_demo`` (and so by ``bootstrap`` / ``make run`` and ``make bench``).
Three promises the callers rely on:

* deterministic — every choice comes from a ``random.Random`` seeded with ``SEED`` and the names
  of the places it is for. Nothing reads the clock or the global random state and nothing
  iterates over a set, so any two runs, in any process, plan the same rows;
* idempotent — rows are matched on the keys their unique constraints hold (a grid on its parent
  and name, a member on the ID number …) and only missing ones are created; a second run
  creates nothing. Because the plan never depends on demo rows already present, a half-finished
  run is completed by the next one;
* bulk — rows are written with ``bulk_create`` in chunks of ``CHUNK_SIZE``. ``save()`` and
  ``clean()`` never run, so what they would fill in (``Grid.path``, a position's community) is
  set here, and the database constraints are the only check.

Names of people are a common Cantonese surname and two given characters from fixed pools that
share no character with the given name of anyone named in the source articles, so a demo member
can never carry the name of a real person from the reports. ID numbers use the region code
440699, which has never been issued, so they cannot be anybody's real number either.
"""

from __future__ import annotations

from collections import Counter

from django.db import connection, models, transaction

from ..models import (
    CoBuildingAgreement,
    Community,
    District,
    EconomicSociety,
    Grid,
    JointMeeting,
    Need,
    PartyMember,
    PartyOrganization,
    Position,
    Resource,
    ServiceCenter,
    Street,
)
from ..services import guicheng_load
from .base import _Street
from .centers import _write_center_contacts
from .joint_work import _write_joint_work
from .members import _write_members
from .party_organizations import _write_organizations, _write_society_points
from .people import _People
from .places import _write_grids, _write_places
from .scales import (
    FOSHAN_COMMUNITIES,
    FOSHAN_LEVEL2,
    FOSHAN_LEVEL3,
    FOSHAN_MEMBERS,
    FOSHAN_STREETS,
    FOSHAN_URBAN,
    _foshan_plan,
    _guicheng_plan,
)


def _write_street(plan: _Street, people: _People, *, history: bool, created: Counter) -> None:
    street, community_ids = _write_places(plan, created=created)
    grids = _write_grids(plan, community_ids, history=history, created=created)
    org_ids = _write_organizations(plan, street, community_ids, grids, history=history, created=created)
    _write_members(plan, people, community_ids, org_ids, history=history, created=created)
    _write_joint_work(plan, community_ids, org_ids, history=history, created=created)
    _write_society_points(plan, street, history=history, created=created)
    _write_center_contacts(plan, street, history=history)


SEEDED_MODELS: tuple[type[models.Model], ...] = (
    District,
    Street,
    Community,
    Grid,
    EconomicSociety,
    PartyOrganization,
    PartyMember,
    Position,
    JointMeeting,
    CoBuildingAgreement,
    Resource,
    Need,
    ServiceCenter,
)


def demo_guicheng_seed() -> dict[type[models.Model], int]:
    """Fill Guicheng out to its published size with demo data. Loads the reference data first.
    Returns how many rows of each model this run created (all zero on a second run)."""
    created: Counter = Counter()
    with transaction.atomic():
        plan = _guicheng_plan(guicheng_load())
        _write_street(plan, _People(), history=True, created=created)
    _analyze()
    return {model: created[model] for model in SEEDED_MODELS}


def demo_foshan_seed(
    *,
    streets: int = FOSHAN_STREETS,
    communities: int = FOSHAN_COMMUNITIES,
    urban: int = FOSHAN_URBAN,
    level2: int = FOSHAN_LEVEL2,
    level3: int = FOSHAN_LEVEL3,
    members: int = FOSHAN_MEMBERS,
    history: bool = True,
) -> dict[type[models.Model], int]:
    """Guicheng as ``demo_guicheng_seed`` makes it, plus demo streets that bring the city to
    the given totals (Guicheng included): streets, communities (``urban`` of them urban),
    level-2 and level-3 grids (level 1 is one per community) and party members. Raises
    ``ValueError``, before writing anything, when the totals cannot be reached.

    Each demo street is written in a transaction of its own, so an interrupted run keeps what
    it finished and the next run completes the rest. ``history=False`` skips the history rows
    of the demo streets (Guicheng always gets them)."""
    created: Counter = Counter()
    people = _People()
    with transaction.atomic():
        guicheng = _guicheng_plan(guicheng_load())
        plans = _foshan_plan(
            guicheng,
            streets=streets,
            communities=communities,
            urban=urban,
            level2=level2,
            level3=level3,
            members=members,
        )
        _write_street(guicheng, people, history=True, created=created)
    for plan in plans:
        with transaction.atomic():
            _write_street(plan, people, history=history, created=created)
    _analyze()
    return {model: created[model] for model in SEEDED_MODELS}


def _analyze() -> None:
    """Refresh the planner's statistics after a bulk load: with the empty-table estimates
    PostgreSQL picks nested loops that scan every row (seconds instead of milliseconds)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
