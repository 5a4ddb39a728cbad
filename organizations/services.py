"""Writes of the organizations app."""

from __future__ import annotations

import json
import secrets
from datetime import date, time
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.db import transaction
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from core.importing import upsert
from core.public_cache import public_content_changed

from .models import (
    AreaCluster,
    Community,
    District,
    EconomicSociety,
    Grid,
    OpeningInterval,
    PartyOrganization,
    Position,
    ServiceCenter,
    ServiceType,
    StaffScope,
    Street,
)
from .scope import SECRETARY_GROUP, STREET_STAFF_GROUP, require

GUICHENG_FIXTURE = Path(settings.BASE_DIR) / "fixtures" / "guicheng.json"

# What a community secretary may do, per model (app_label.model → actions). Street-level
# vocabularies are view-only; everything inside a community is theirs to keep.
SECRETARY_PERMISSIONS: dict[str, tuple[str, ...]] = {
    "organizations.district": ("view",),
    "organizations.street": ("view",),
    "organizations.areacluster": ("view",),
    "organizations.community": ("view", "change"),
    "organizations.grid": ("view", "add", "change", "delete"),
    "organizations.economicsociety": ("view", "add", "change"),
    "organizations.partyorganization": ("view", "add", "change"),
    "organizations.partymember": ("view", "add", "change"),
    "organizations.position": ("view", "add", "change", "delete"),
    "organizations.servicetype": ("view",),
    "organizations.servicecenter": ("view", "change"),
    "organizations.openinginterval": ("view", "add", "change", "delete"),
    "organizations.openingexception": ("view", "add", "change", "delete"),
    "organizations.jointmeeting": ("view", "add", "change", "delete"),
    "organizations.cobuildingagreement": ("view", "add", "change", "delete"),
    "organizations.resource": ("view", "add", "change", "delete"),
    "organizations.need": ("view", "add", "change", "delete"),
}
# Other apps add their entries here as they arrive (see ``register_role_permissions``).
_EXTRA_SECRETARY: dict[str, tuple[str, ...]] = {}
# Street staff get every permission of these apps.
STREET_STAFF_APPS = {"organizations", "projects", "volunteers", "indicators"}
# ...except these, which stay with superusers (who may act on other staff).
STREET_STAFF_EXCLUDED = {"organizations.staffscope"}


def register_role_permissions(secretary: dict[str, tuple[str, ...]]) -> None:
    """Called by other apps' ``AppConfig.ready()`` to add what secretaries may do there."""
    _EXTRA_SECRETARY.update(secretary)


def _permissions(model_actions: dict[str, tuple[str, ...]]):
    wanted = []
    for label, actions in model_actions.items():
        app_label, model = label.split(".")
        wanted += [(app_label, f"{action}_{model}") for action in actions]
    perms = Permission.objects.filter(content_type__app_label__in={a for a, _ in wanted}).select_related("content_type")
    index = {(p.content_type.app_label, p.codename): p for p in perms}
    missing = [w for w in wanted if w not in index]
    if missing:
        raise ValueError(f"unknown permissions: {missing}")
    return [index[w] for w in wanted]


@transaction.atomic
def roles_sync() -> tuple[Group, Group]:
    """Create or refresh the two staff groups. Safe to run any number of times."""
    street_staff, _ = Group.objects.get_or_create(name=STREET_STAFF_GROUP)
    perms = Permission.objects.filter(content_type__app_label__in=STREET_STAFF_APPS).select_related("content_type")
    street_staff.permissions.set(
        [p for p in perms if f"{p.content_type.app_label}.{p.content_type.model}" not in STREET_STAFF_EXCLUDED]
    )
    secretary, _ = Group.objects.get_or_create(name=SECRETARY_GROUP)
    secretary.permissions.set(_permissions({**SECRETARY_PERMISSIONS, **_EXTRA_SECRETARY}))
    return street_staff, secretary


@transaction.atomic
def staff_user_create(
    *,
    username: str,
    password: str | None,
    street: Street | None = None,
    communities: list[Community] | tuple[Community, ...] = (),
    email: str = "",
):
    """A staff login for street staff (``street``) or a community secretary (``communities``)."""
    if bool(street) == bool(communities):
        raise ValueError("give either a street (street staff) or communities (a secretary)")
    streets = {community.street_id for community in communities}
    if len(streets) > 1:
        raise ValueError("a secretary's communities must lie in one street")
    street_staff, secretary = roles_sync()
    User = get_user_model()
    user = User(username=username, email=email, is_staff=True)
    if password:
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.full_clean(exclude=["password"])
    user.save()
    user.groups.add(street_staff if street else secretary)
    scope = StaffScope.objects.create(
        user=user, street=street or communities[0].street, whole_street=street is not None
    )
    if communities:
        scope.communities.set(communities)
    return user


# --- Writes that reach other rows ----------------------------------------------------------------


@transaction.atomic
def grid_save(*, grid: Grid, user) -> Grid:
    """Create or change a grid. A renamed or moved grid carries the paths of every grid below it
    (their natural keys) along, each change in that grid's history with the user."""
    action = "add" if grid.pk is None else "change"
    require(user, f"organizations.{action}_grid", grid, message="这个网格不在你的工作范围内。")
    before = Grid.objects.filter(pk=grid.pk).values("path", "community_id").first() if grid.pk else None
    grid.full_clean()
    grid._history_user = user
    grid.save()
    if before and before["path"] != grid.path:
        below = list(Grid.objects.filter(community_id=before["community_id"], path__startswith=before["path"] + "/"))
        for descendant in below:
            descendant.path = grid.path + descendant.path[len(before["path"]) :]
            descendant.community_id = grid.community_id
        bulk_update_with_history(
            below, Grid, ["path", "community"], default_user=user, default_change_reason="上级网格改名或调整"
        )
        public_content_changed()  # a bulk update sends no post_save
    return grid


def positions_follow_organization(*, organization: PartyOrganization, user) -> int:
    """Positions carry their organisation's community, so the scope reaches them: move those
    that lag behind, with a history row each. Returns how many moved."""
    moved = list(Position.objects.filter(organization=organization).exclude(community_id=organization.community_id))
    for position in moved:
        position.community_id = organization.community_id
    bulk_update_with_history(
        moved, Position, ["community"], default_user=user, default_change_reason="随所在党组织调整社区"
    )
    if moved:
        public_content_changed()  # a bulk update sends no post_save
    return len(moved)


@transaction.atomic
def party_organization_save(*, organization: PartyOrganization, user) -> PartyOrganization:
    """Create or change a party organisation; its positions follow it to its community."""
    action = "add" if organization.pk is None else "change"
    require(user, f"organizations.{action}_partyorganization", organization, message="这个党组织不在你的工作范围内。")
    organization.full_clean()
    organization._history_user = user
    organization.save()
    positions_follow_organization(organization=organization, user=user)
    return organization


def _time(text: str) -> time:
    hours, minutes = text.split(":")
    return time(int(hours), int(minutes))


@transaction.atomic
def guicheng_load(*, path: Path = GUICHENG_FIXTURE) -> Street:
    """Load the Guicheng reference data. Idempotent: records are matched on their natural keys
    and updated, so running it again changes nothing and duplicates nothing."""
    data = json.loads(Path(path).read_text(encoding="utf-8"))

    district, _ = upsert(
        District,
        name=data["district"]["name"],
        defaults={"city": data["district"]["city"], "province": data["district"]["province"]},
    )
    street, _ = upsert(
        Street,
        name=data["street"]["name"],
        defaults={
            "district": district,
            "party_org_name": data["street"]["party_org_name"],
            "party_brand": data["street"]["party_brand"],
        },
    )
    clusters = {}
    for item in data["area_clusters"]:
        clusters[item["name"]], _ = upsert(
            AreaCluster,
            street=street,
            name=item["name"],
            defaults={"population": item["population"], "notes": item["notes"]},
        )
    communities = {}
    for item in data["communities"]:
        community, _ = upsert(
            Community,
            street=street,
            name=item["name"],
            defaults={
                "kind": item["kind"],
                "notes": item["notes"],
                "is_demo": item["is_demo"],
                "area_cluster": clusters.get(item.get("area_cluster")),
            },
        )
        communities[item["name"]] = community
        for society in item.get("economic_societies", []):
            upsert(EconomicSociety, community=community, name=society, defaults={})

    orgs: dict[str, PartyOrganization] = {}
    for item in data["party_organizations"]:
        community = communities.get(item.get("community"))
        society = None
        if item.get("economic_society"):
            society = EconomicSociety.objects.get(community=community, name=item["economic_society"])
        org, _ = upsert(
            PartyOrganization,
            street=street,
            name=item["name"],
            defaults={
                "kind": item["kind"],
                "field": item["field"],
                "parent": orgs.get(item.get("parent")),
                "community": community,
                "economic_society": society,
                "founded_on": date.fromisoformat(item["founded_on"]) if item.get("founded_on") else None,
                "notes": item.get("notes", "") or item.get("full_name", ""),
                "is_demo": item["is_demo"],
            },
        )
        if item.get("spanned_communities"):
            org.spanned_communities.set([communities[name] for name in item["spanned_communities"]])
        orgs[item["name"]] = org

    service_types = {}
    for order, name in enumerate(data["service_types"]):
        service_types[name], _ = upsert(ServiceType, name=name, defaults={"sort_order": order})

    week = data["default_opening_hours"]
    for item in data["service_centers"]:
        center, created = upsert(
            ServiceCenter,
            street=street,
            name=item["name"],
            defaults={
                "level": item["level"],
                "community": communities.get(item.get("community")),
                "area_cluster": clusters.get(item.get("area_cluster")),
                "description": item.get("description", ""),
                "is_published": item["is_published"],
                "is_demo": item["is_demo"],
            },
        )
        center.services.set([service_types[name] for name in item["services"]])
        # The reports give no opening hours: only the generated (demo) centres get a default week.
        if created and item["is_demo"]:
            intervals = [
                OpeningInterval(center=center, weekday=day, opens_at=_time(a), closes_at=_time(b))
                for day in range(5)
                for a, b in week["weekdays"]
            ] + [
                OpeningInterval(center=center, weekday=5, opens_at=_time(a), closes_at=_time(b))
                for a, b in week["saturday"]
            ]
            bulk_create_with_history(intervals, OpeningInterval)
            public_content_changed()  # a bulk create sends no post_save
    return street


def generate_password() -> str:
    return secrets.token_urlsafe(12)
