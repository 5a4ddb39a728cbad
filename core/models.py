"""The stored 数读 snapshot: every surface that shows a key figure (the home page, 数读明细, the
lobby screen, the API) reads it, so one figure has one value and one 截至 time everywhere.

``core.registry`` is its one writer; see there for when it is recomputed."""

from __future__ import annotations

from django.db import models


class FigureSnapshot(models.Model):
    """One street's key figures as last computed from the records.

    ``values`` maps each figure's name to what was computed (value, whether demo records count
    towards it, its links); ``as_of`` is when these values were computed, kept as long as a
    recomputation finds the same values; ``generation`` is the records' version they were
    computed from (a change to any record replaces it, and the snapshot is then recomputed
    before it is read again); ``checked_at`` is when they were last found still right."""

    # A plain number, not a foreign key: ``core`` sits below ``organizations`` and never refers
    # to it. A street is never deleted while it has records (PROTECT), so no row goes stale.
    street_pk = models.PositiveBigIntegerField("街道编号", unique=True)
    values = models.JSONField("数值", default=dict)
    as_of = models.DateTimeField("截至")
    checked_at = models.DateTimeField("最近核对")
    generation = models.CharField("记录版本", max_length=64)

    class Meta:
        verbose_name = "数读快照"
        verbose_name_plural = "数读快照"

    def __str__(self) -> str:
        return f"街道 {self.street_pk} 的数读（截至 {self.as_of:%Y-%m-%d %H:%M}）"
