"""Cache invalidation for the 数读 figures (the one use of signals the house style allows): a
change to any model a registered figure depends on makes every street's cached figures stale."""

from __future__ import annotations

from django.db.models.signals import post_delete, post_save

from core import registry


def _stale(sender, **kwargs) -> None:
    registry.invalidate()


def _watch(figure: registry.Figure) -> None:
    for label in figure.depends_on:
        for signal in (post_save, post_delete):
            # A string sender is resolved once the model's app is loaded.
            signal.connect(_stale, sender=label, dispatch_uid=f"indicators.figures.{signal}.{label}")


def connect() -> None:
    registry.on_register(_watch)
