"""Admin of rating periods: open, close, reopen."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join

from core.forms import PolishedFieldsMixin
from organizations.admin_base import (
    ScopedAdmin,
)
from organizations.scope import acts_on_whole_street

from .. import selectors, services
from ..models import (
    Period,
)
from ..stars import stars_display
from .base import _message_errors


class ReopenForm(PolishedFieldsMixin, forms.Form):
    reason = forms.CharField(
        label="重新打开的原因", widget=forms.Textarea(attrs={"rows": 3, "cols": 60}), max_length=500
    )


@admin.register(Period)
class PeriodAdmin(ScopedAdmin):
    list_display = ["name", "scheme", "kind", "status", "rated_count", "closed_at", "previous_period"]
    list_select_related = ["scheme", "previous_period"]
    list_filter = ["status", "kind", "year"]
    search_fields = ["name", "scheme__name"]
    autocomplete_fields = ["scheme"]
    actions = ["close_selected", "publish_selected"]
    readonly_fields = [
        "status",
        "closed_at",
        "closed_by",
        "ratings_computed_at",
        "published_at",
        "previous_period",
        "rules_in_force",
        "distribution",
        "reopen_link",
    ]
    fieldsets = [
        (None, {"fields": ["scheme", "kind", "year", "quarter", "name", "is_demo"]}),
        (
            "评定",
            {
                "fields": [
                    "status",
                    "closed_at",
                    "closed_by",
                    "ratings_computed_at",
                    "published_at",
                    "previous_period",
                    "rules_in_force",
                    "distribution",
                    "reopen_link",
                ]
            },
        ),
    ]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(_rated=Count("ratings", distinct=True))

    def get_readonly_fields(self, request, obj=None):
        readonly = list(super().get_readonly_fields(request, obj))
        if obj is not None and not obj.is_open:
            readonly += [f for f in ("scheme", "kind", "year", "quarter", "name", "is_demo") if f not in readonly]
        return readonly

    def has_delete_permission(self, request, obj=None):
        # A rated period is history: it can be reopened, not deleted.
        return super().has_delete_permission(request, obj) and (obj is None or obj.is_open)

    @admin.display(description="已评定对象", ordering="_rated")
    def rated_count(self, obj):
        return obj._rated

    @admin.display(description="评定时的规则")
    def rules_in_force(self, obj):
        rules = obj.rules or {}
        if not rules:
            return "评定时保存"
        dimensions = format_html_join(
            "、", "{}（权重 {}，满分 {}）", ((d["name"], d["weight"], d["max_points"]) for d in rules["dimensions"])
        )
        return format_html(
            "{}；分数线 五星≥{} 四星≥{} 三星≥{} 二星≥{}；{}星及以下纳入整顿；{}星及以上进入光荣榜。",
            dimensions,
            *rules["thresholds"],
            rules["rectification_level"],
            rules["honour_level"],
        )

    @admin.display(description="星级分布")
    def distribution(self, obj):
        if obj is None or obj.pk is None or obj.ratings_computed_at is None:
            return "—"
        counts = selectors.star_distribution(period=obj)
        return format_html_join("；", "{}：{} 个", ((stars_display(s), n) for s, n in counts.items()))

    @admin.display(description="重新打开")
    def reopen_link(self, obj):
        if obj is None or obj.pk is None or obj.status != Period.Status.CLOSED:
            return "—"
        url = reverse("admin:indicators_period_reopen", args=[obj.pk])
        return format_html('<a class="button" href="{}">重新打开评定期（须填写原因）</a>', url)

    @admin.action(description="评定所选评定期（计算星级，冻结评分）", permissions=["change"])
    def close_selected(self, request, queryset):
        self._each_period(request, queryset, services.period_close, "已评定 {} 个评定期，星级正在计算。")

    @admin.action(description="公布所选评定期（进入光荣榜）", permissions=["change"])
    def publish_selected(self, request, queryset):
        self._each_period(request, queryset, services.period_publish, "已公布 {} 个评定期。")

    def _each_period(self, request, queryset, service, done_message: str) -> None:
        """Run ``service`` on each selected period; a refusal is a message, the rest go on."""
        done = 0
        for period in queryset:
            try:
                service(period=period, user=request.user)
                done += 1
            except (ValidationError, PermissionDenied) as exc:
                _message_errors(request, exc)
        if done:
            messages.success(request, done_message.format(done))

    def get_urls(self):
        return [
            path(
                "<int:object_id>/reopen/",
                self.admin_site.admin_view(self.reopen_view),
                name="indicators_period_reopen",
            ),
            *super().get_urls(),
        ]

    def reopen_view(self, request, object_id):
        if not acts_on_whole_street(request.user):
            raise PermissionDenied
        period = get_object_or_404(self.get_queryset(request), pk=object_id)
        form = ReopenForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                services.period_reopen(period=period, user=request.user, reason=form.cleaned_data["reason"])
            except (ValidationError, PermissionDenied) as exc:
                _message_errors(request, exc)
            else:
                messages.success(request, f"“{period}”已重新打开，可以更正评分后再次评定。")
                return HttpResponseRedirect(reverse("admin:indicators_period_change", args=[period.pk]))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "period": period,
            "form": form,
            "title": f"重新打开：{period}",
        }
        return TemplateResponse(request, "admin/indicators/period_reopen.html", context)
