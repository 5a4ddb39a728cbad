"""The one rule of who may see what.

A superuser acts on everything. Street staff (街道工作人员) act on their street and everything in
it, street-level records included. A community secretary (社区书记) acts on the communities
listed in their ``StaffScope`` and everything under them, and on nothing street-level. Everyone
else acts on nothing. Every staff-facing queryset — admin, workspace, API — goes through
``scoped_for(user)``, and ``communities_for(user)`` answers "which communities" for forms.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import models

STREET_STAFF_GROUP = "街道工作人员"
SECRETARY_GROUP = "社区书记"

_CACHE_ATTR = "_portal_scope"


@dataclass(frozen=True)
class Scope:
    everything: bool = False
    street_id: int | None = None
    community_ids: tuple[int, ...] = ()

    @property
    def whole_street(self) -> bool:
        return self.everything or self.street_id is not None


NOTHING = Scope()


def scope_of(user) -> Scope:
    """The scope of ``user``, read once per request and cached on the user object."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return NOTHING
    if user.is_superuser:
        return Scope(everything=True)
    cached = getattr(user, _CACHE_ATTR, None)
    if cached is not None:
        return cached
    from organizations.models import StaffScope

    record = StaffScope.objects.filter(user=user).first()
    if record is None:
        scope = NOTHING
    elif record.whole_street:
        scope = Scope(street_id=record.street_id)
    else:
        scope = Scope(community_ids=tuple(record.communities.values_list("pk", flat=True)))
    setattr(user, _CACHE_ATTR, scope)
    return scope


def communities_for(user) -> models.QuerySet | None:
    """The communities ``user`` may act on; ``None`` means every community."""
    from organizations.models import Community

    scope = scope_of(user)
    if scope.everything:
        return None
    if scope.street_id is not None:
        return Community.objects.filter(street_id=scope.street_id)
    return Community.objects.filter(pk__in=scope.community_ids)


def acts_on_whole_street(user) -> bool:
    """True for superusers and street staff: they import files and see street-level records."""
    return scope_of(user).whole_street


class ScopedQuerySet(models.QuerySet):
    """A QuerySet whose model says once how it reaches a community and a street.

    The model sets ``scope_path``, the lookup from it to a ``Community`` id
    (``"community"``, ``"grid__community"``, ``"pk"`` for Community itself, ``"communities"``
    above the community level), and ``street_path``, the lookup to a ``Street`` id. Set
    ``scope_path_is_multi`` when either crosses a to-many relation, so rows are not repeated.
    A record whose community path is NULL is street-level: only street staff see it.
    """

    def scoped_for(self, user) -> ScopedQuerySet:
        scope = scope_of(user)
        if scope.everything:
            return self
        if scope.street_id is not None:
            condition = {f"{self.model.street_path}": scope.street_id}
        else:
            condition = {f"{self.model.scope_path}__in": scope.community_ids}
        if getattr(self.model, "scope_path_is_multi", False):
            inner = self.model._default_manager.filter(**condition).values("pk")
            return self.filter(pk__in=inner)
        return self.filter(**condition)
