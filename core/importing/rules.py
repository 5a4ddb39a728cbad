"""Database rules as a clerk meets them, and the one upsert every import writes through."""

from __future__ import annotations

from functools import cache
from typing import NamedTuple

from django.apps import apps
from django.core.exceptions import NON_FIELD_ERRORS
from django.db import models
from django.db.models import Q
from django.db.models.constants import LOOKUP_SEP


class DatabaseRule(NamedTuple):
    """A constraint as a clerk meets it: its name, the field it is about, what it means."""

    name: str
    field: str
    message: str


def _rule_field(constraint) -> str:
    """The field a constraint is about: the first field named in its condition (so write the
    condition with the field you mean first: "one level-1 grid per community" is about the
    level), else a unique constraint's last field."""
    condition = getattr(constraint, "condition", None)
    if condition is None and isinstance(constraint, models.UniqueConstraint) and constraint.fields:
        return constraint.fields[-1]
    while isinstance(condition, Q) and condition.children:
        first = condition.children[0]
        if isinstance(first, tuple):
            return first[0].split(LOOKUP_SEP)[0]
        condition = first
    return NON_FIELD_ERRORS


@cache
def _all_rules() -> dict[type[models.Model], tuple[DatabaseRule, ...]]:
    rules = {}
    for model in apps.get_models():
        rules[model] = tuple(
            DatabaseRule(constraint.name, _rule_field(constraint), constraint.get_violation_error_message())
            for constraint in model._meta.constraints
        )
    return rules


def database_rules(model: type[models.Model] | None = None) -> tuple[DatabaseRule, ...]:
    """The constraints of ``model`` (of every model when None), each with the message its
    ``violation_error_message`` gives."""
    rules = _all_rules()
    if model is not None:
        return rules.get(model, ())
    return tuple(rule for model_rules in rules.values() for rule in model_rules)


def upsert(model: type[models.Model], defaults: dict, **lookup) -> tuple[models.Model, bool]:
    """``update_or_create`` that validates and saves only when something changed, so loading the
    same reference data twice writes no new history rows. Returns ``(record, created)``."""
    try:
        obj = model._default_manager.get(**lookup)
    except model.DoesNotExist:
        obj = model(**lookup, **defaults)
        obj.full_clean()
        obj.save()
        return obj, True
    changed = [name for name, value in defaults.items() if getattr(obj, name) != value]
    if changed:
        for name in changed:
            setattr(obj, name, defaults[name])
        obj.full_clean()
        obj.save()
    return obj, False
