"""Scores through Excel, on the project's import framework.

One row per subject, period and dimension: 街道, 社区, 党组织, 评定期, 维度, 得分, 佐证说明. An
import with any bad row writes nothing and names every bad row with its column: an unknown
organisation, period or dimension, a score above the dimension's maximum or below zero, a
subject the scheme does not rate, a period already closed (the checks are ``Score.clean``'s).
Re-importing an unchanged export changes nothing.
"""

from __future__ import annotations

from import_export import fields

from core.importing import NamedForeignKeyWidget, related, text
from core.importing import number as number_field
from organizations.importing import ScopedResource
from organizations.models import PartyOrganization

from .models import Dimension, Period, Score


class DimensionWidget(NamedForeignKeyWidget):
    """A dimension by name within the scheme of the row's period (found through the period's
    name, a reverse relation the framework's widget would try to join eagerly)."""

    def get_queryset(self, value, row, *args, **kwargs):
        return Dimension.objects.select_related("scheme")


class ScoreResource(ScopedResource):
    street = text("subject__street__name", "街道", readonly=True)
    community = text("subject__community__name", "社区", readonly=True)
    subject = related(
        "subject",
        "党组织",
        PartyOrganization,
        parents={"street__name": "街道"},
        label="党组织",
        hint="经济社党支部请写全称，如“夏东社区二洲经济社党支部”。",
    )
    period = related("period", "评定期", Period, parents={"street__name": "街道"}, label="评定期")
    dimension = fields.Field(
        attribute="dimension",
        column_name="维度",
        widget=DimensionWidget(
            Dimension, parents={"scheme__periods__name": "评定期", "scheme__street__name": "街道"}, label="维度"
        ),
    )
    value = number_field("value", "得分", decimal=True)
    evidence = text("evidence", "佐证说明", long=True)

    key_columns = ("街道", "党组织", "评定期", "维度")
    select_related = ("subject__street", "subject__community", "period", "dimension")

    class Meta(ScopedResource.Meta):
        model = Score
        name = "战斗力指数评分（每行一个维度）"
        fields = ("street", "community", "subject", "period", "dimension", "value", "evidence")
        import_id_fields = ("subject", "period", "dimension")
