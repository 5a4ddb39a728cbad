"""Admin of scores and star ratings."""

from __future__ import annotations

from django.contrib import admin
from django.utils.html import format_html, format_html_join

from organizations.admin_base import (
    ScopedAdmin,
    ScopedImportExportAdmin,
)

from .. import resources, selectors, services
from ..models import (
    Period,
    Rating,
    Score,
)
from ..stars import stars_display


@admin.register(Score)
class ScoreAdmin(ScopedImportExportAdmin):
    resource_classes = [resources.ScoreResource]
    list_display = ["subject", "community", "period", "dimension", "value", "is_demo"]
    list_select_related = ["subject__community", "period", "dimension"]
    list_filter = [("period", admin.RelatedOnlyFieldListFilter), "dimension__name", "is_demo"]
    search_fields = ["subject__name", "subject__community__name"]
    autocomplete_fields = ["subject", "period", "dimension"]
    fields = ["period", "subject", "dimension", "value", "evidence", "is_demo"]

    @admin.display(description="社区", ordering="subject__community__name")
    def community(self, obj):
        return obj.subject.community

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and (obj is None or obj.period.is_open)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and (obj is None or obj.period.is_open)

    def save_model(self, request, obj, form, change):
        services.score_save(score=obj, user=request.user)

    def delete_model(self, request, obj):
        services.score_delete(score=obj, user=request.user)

    def delete_queryset(self, request, queryset):
        for score in queryset.filter(period__status=Period.Status.OPEN):
            services.score_delete(score=score, user=request.user)


def explanation_table(explained) -> str:
    if not explained.rows:
        return "—"
    rows = format_html_join(
        "",
        "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
        (
            (
                row.name,
                row.weight.normalize(),
                "—" if row.value is None else row.value.normalize(),
                "—" if row.street_average is None else row.street_average,
                "—" if row.previous_value is None else row.previous_value.normalize(),
            )
            for row in explained.rows
        ),
    )
    return format_html(
        "<table><thead><tr><th>维度</th><th>权重</th><th>本期得分</th><th>街道平均</th><th>上期得分</th></tr>"
        "</thead><tbody>{}</tbody></table>",
        rows,
    )


@admin.register(Rating)
class RatingAdmin(ScopedAdmin):
    """Written by the close only: read here, with each rating explained."""

    list_display = ["subject", "community", "period", "total", "star_column", "previous", "movement", "rank"]
    list_select_related = ["subject__community", "period"]
    list_filter = [("period", admin.RelatedOnlyFieldListFilter), "stars", "movement"]
    search_fields = ["subject__name", "subject__community__name"]
    fields = ["period", "subject", "total", "stars", "previous_stars", "movement", "rank", "created_at", "explanation"]
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.display(description="社区", ordering="subject__community__name")
    def community(self, obj):
        return obj.subject.community

    @admin.display(description="星级", ordering="stars")
    def star_column(self, obj):
        return stars_display(obj.stars)

    @admin.display(description="上期", ordering="previous_stars")
    def previous(self, obj):
        return stars_display(obj.previous_stars)

    @admin.display(description="各维度得分（与街道平均、上期比较）")
    def explanation(self, obj):
        return explanation_table(selectors.rating_explanation(rating=obj))
