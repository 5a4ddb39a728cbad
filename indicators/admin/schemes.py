"""Admin of scoring schemes and their dimensions."""

from __future__ import annotations

from django.contrib import admin

from organizations.admin_base import (
    ScopedAdmin,
    ScopedInline,
)

from ..models import (
    Dimension,
    Scheme,
    SubIndicator,
)


class DimensionInline(ScopedInline):
    model = Dimension
    fields = ["number", "name", "weight", "max_points", "description"]
    show_change_link = True
    verbose_name_plural = "评分维度（权重之和应为 100；细项指标在维度页面填写）"


@admin.register(Scheme)
class SchemeAdmin(ScopedAdmin):
    list_display = ["year", "name", "subject_kind", "version", "street", "thresholds", "rectification_level"]
    list_select_related = ["street"]
    list_filter = ["year", "subject_kind"]
    search_fields = ["name"]
    autocomplete_fields = ["street"]
    inlines = [DimensionInline]
    fieldsets = [
        (None, {"fields": ["street", "name", "subject_kind", "year", "version", "description"]}),
        (
            "星级与整顿",
            {
                "fields": [
                    "star5_min",
                    "star4_min",
                    "star3_min",
                    "star2_min",
                    "rectification_level",
                    "honour_level",
                ],
                "description": "修改方案不影响已评定的评定期：评定时的分数线和权重已保存在评定期中。",
            },
        ),
        ("其他", {"fields": ["is_demo"]}),
    ]

    @admin.display(description="分数线（五/四/三/二星）")
    def thresholds(self, obj):
        return " / ".join(f"{t.normalize():f}" for t in obj.thresholds)


class SubIndicatorInline(ScopedInline):
    model = SubIndicator
    fields = ["number", "name", "max_points", "description"]


@admin.register(Dimension)
class DimensionAdmin(ScopedAdmin):
    list_display = ["name", "scheme", "number", "weight", "max_points"]
    list_select_related = ["scheme"]
    list_filter = ["scheme__year"]
    search_fields = ["name", "scheme__name"]
    autocomplete_fields = ["scheme"]
    inlines = [SubIndicatorInline]
