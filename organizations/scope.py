"""The one rule of who may see what.

A superuser acts on everything. Street staff (街道工作人员) act on their street and everything in
it, street-level records included. A community secretary (社区书记) acts on the communities
listed in their ``StaffScope`` and everything under them, and on nothing street-level. Everyone
else acts on nothing. Every staff-facing queryset — admin, workspace, API — goes through
``scoped_for(user)``, and ``communities_for(user)`` answers "which communities" for forms.
Only an active login with the staff flag has a scope: a demoted user keeps their ``StaffScope``
row (and perhaps an API token) but acts on nothing.

A write needs more than the scope: ``can(user, "app.change_model", obj)`` adds the model
permission the admin would ask for, so the workspace, the API and the services refuse a
view-only account (an auditor) as the admin does.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
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
    if not getattr(user, "is_authenticated", False) or not user.is_active or not user.is_staff:
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


def _id_at(instance, path: str):
    """The id ``path`` reaches from ``instance``, saved or not, following foreign keys only;
    None when a link is empty or the path crosses a to-many relation."""
    *relations, last = path.split("__")
    target = instance
    for name in relations:
        field = target._meta.get_field(name)
        if not (field.many_to_one or field.one_to_one) or not field.concrete:
            return None
        target = getattr(target, name, None)
        if target is None:
            return None
    if last == "pk":
        return target.pk
    field = target._meta.get_field(last)
    if not (field.many_to_one or field.one_to_one) or not field.concrete:
        return None
    return getattr(target, field.attname)


def in_scope(user, obj) -> bool:
    """``obj`` lies in the user's scope: the stored row (when it has one) and the values it is
    about to be saved with, so neither a change nor a creation can leave the scope."""
    scope = scope_of(user)
    if scope.everything:
        return True
    if scope == NOTHING:
        return False
    model = type(obj)
    queryset = model._default_manager.all()
    if not hasattr(queryset, "scoped_for"):
        return False  # not a scoped model: only the superuser's
    stored = obj.pk is not None and not obj._state.adding
    if stored and not queryset.scoped_for(user).filter(pk=obj.pk).exists():
        return False
    if scope.street_id is not None:
        return _id_at(obj, model.street_path) == scope.street_id
    if getattr(model, "scope_path_is_multi", False):
        return False  # above the community level: street staff only
    return _id_at(obj, model.scope_path) in scope.community_ids


def can(user, permission: str, obj=None) -> bool:
    """The one check before a write: the model permission the admin would ask for
    (``"volunteers.change_servicerecord"``) and the scope together. Without ``obj``, any scope
    at all will do (the caller checks the row, e.g. through ``scoped_for``); with it, ``obj``
    must lie in the scope, its stored row and its new values alike (``in_scope``)."""
    if scope_of(user) == NOTHING or not user.has_perm(permission):
        return False
    return obj is None or in_scope(user, obj)


def require(user, permission: str, obj=None, *, message: str = "你没有权限执行这个操作。") -> None:
    """``can`` or ``PermissionDenied(message)``: the refusal the services raise."""
    if not can(user, permission, obj):
        raise PermissionDenied(message)


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
