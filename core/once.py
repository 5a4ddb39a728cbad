"""Writes that must happen once: a form sent twice (back and submit again, a double tap, a
phone resending after a lost answer) records one row.

Every form that creates a record carries a one-time token, made when the form is rendered
(``OnceField``); the API takes the same token as an ``Idempotency-Key`` header or an ``once``
field (``token_of``). The service stores it on the record (``once_token_field``, unique in the
database) and, handed a token it has already stored, returns the first record marked
``once_replayed`` instead of writing a second one (``first_of``) — also when the two copies
arrive at the same moment: the second INSERT meets the unique index (``insert_once``). A token
used for a different record (another subject, another author) is refused, never answered with
someone else's result.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable

from django import forms
from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction

FIELD = "once"
HEADER = "Idempotency-Key"
MAX_LENGTH = 64
REUSED = "这个提交编号已用于另一份内容，未记录。请刷新页面后重新填写。"


def new_token() -> str:
    return secrets.token_urlsafe(24)


def once_token_field() -> models.CharField:
    """The model field: NULL for records made without a token (imports, older rows)."""
    return models.CharField(
        "提交编号",
        max_length=MAX_LENGTH,
        null=True,
        blank=True,
        unique=True,
        editable=False,
        help_text="表单或接口提交时的一次性编号：同一编号再次提交不会重复记录。",
    )


class OnceField(forms.CharField):
    """A hidden one-time token, new each time the form is rendered. It never counts as a change,
    so an untouched extra inline row stays untouched."""

    widget = forms.HiddenInput

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault("max_length", MAX_LENGTH)
        kwargs.setdefault("initial", new_token)
        kwargs.setdefault("label", "")
        super().__init__(**kwargs)

    def has_changed(self, initial, data) -> bool:
        return False


def token_of(request, data=None) -> str:
    """The API's token: the ``Idempotency-Key`` header, else an ``once`` field."""
    token = request.headers.get(HEADER) or ((data or {}).get(FIELD) if hasattr(data, "get") else "")
    token = str(token or "").strip()
    if len(token) > MAX_LENGTH:
        raise ValidationError({FIELD: f"提交编号（{HEADER}）最多 {MAX_LENGTH} 个字符。"})
    return token


def first_of(model: type[models.Model], token: str, *, same: Callable[[models.Model], bool], refusal: str = REUSED):
    """The record already stored under ``token`` (marked ``once_replayed``), or None. ``same``
    says whether it answers this request; a token reused for something else is refused."""
    if not token:
        return None
    first = model._default_manager.filter(once_token=token).first()
    if first is None:
        return None
    if not same(first):
        raise ValidationError(refusal)
    first.once_replayed = True
    return first


def insert_once(
    obj: models.Model,
    token: str,
    save: Callable[[], object],
    *,
    same: Callable[[models.Model], bool],
    refusal: str = REUSED,
):
    """Runs ``save`` (which inserts ``obj``) in a savepoint; when a concurrent copy with the
    same token got in first, returns that one (marked ``once_replayed``) instead."""
    obj.once_token = token or None
    obj.once_replayed = False
    if not token:
        save()
        return obj
    try:
        with transaction.atomic():
            save()
    except (IntegrityError, ValidationError):
        # The copy that got in first is read after its commit (the unique index made us wait).
        first = first_of(type(obj), token, same=same, refusal=refusal)
        if first is None:
            raise
        return first
    return obj
