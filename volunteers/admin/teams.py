"""Admin of teams and volunteers (with the points ledger read-only and adjustments)."""

from __future__ import annotations

from datetime import date

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse

from core.forms import PolishedFieldsMixin
from organizations.scope import acts_on_whole_street

from .. import selectors, services
from ..models import (
    Volunteer,
    VolunteerTeam,
)
from .base import ServiceWritesAdmin, count_of


@admin.register(VolunteerTeam)
class VolunteerTeamAdmin(ServiceWritesAdmin):
    list_display = ["name", "kind", "community", "center", "leader", "volunteer_count", "founded_on", "is_demo"]
    list_select_related = ["community", "center", "leader"]
    list_filter = ["kind", "dissolved_on", "is_public", "is_demo"]
    search_fields = ["name", "community__name"]
    autocomplete_fields = ["street", "community", "building", "center", "organization", "leader"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(_volunteers=count_of(Volunteer.teams.through, "volunteerteam"))

    @admin.display(description="队员数", ordering="_volunteers")
    def volunteer_count(self, obj):
        return obj._volunteers or 0

    def save_model(self, request, obj, form, change):
        services.team_save(team=obj, user=request.user)


class PointsAdjustmentForm(PolishedFieldsMixin, forms.Form):
    points = forms.IntegerField(label="调整积分", help_text="正数为增加，负数为扣减。")
    reason = forms.CharField(label="原因", max_length=200)


@admin.register(Volunteer)
class VolunteerAdmin(ServiceWritesAdmin):
    # Private fields (phone, ID number) stay on the change form only.
    list_display = ["number", "name", "kind", "community", "show_name_publicly", "is_active", "registered_on"]
    list_select_related = ["community"]
    list_filter = ["kind", "is_active", "show_name_publicly", "is_demo"]
    search_fields = ["number", "name", "=phone", "=id_number"]
    search_help_text = "按编号或姓名搜索；身份证号、手机需完整输入。"
    autocomplete_fields = ["community", "member", "teams"]
    readonly_fields = ["user", "links"]
    fieldsets = [
        (None, {"fields": ["number", "name", "kind", "community", "member", "teams"]}),
        ("隐私信息（不公开）", {"fields": ["phone", "id_number"]}),
        ("公开与状态", {"fields": ["show_name_publicly", "registered_on", "is_active", "user", "is_demo"]}),
        ("时长、积分与证明", {"fields": ["links"]}),
    ]

    def save_model(self, request, obj, form, change):
        services.volunteer_save(volunteer=obj, user=request.user)

    @admin.display(description="链接")
    def links(self, obj):
        from django.utils.html import format_html

        if not obj.pk:
            return "保存后可查看。"
        return format_html(
            '<a href="{}">积分明细与调整</a> · <a href="{}" target="_blank">打印志愿服务证明</a> · '
            '<a href="{}">服务记录</a>',
            reverse("admin:volunteers_volunteer_points", args=[obj.pk]),
            reverse("admin:volunteers_volunteer_certificate", args=[obj.pk]),
            reverse("admin:volunteers_servicerecord_changelist") + f"?volunteer__id__exact={obj.pk}",
        )

    def get_urls(self):
        return [
            path(
                "<int:pk>/certificate/",
                self.admin_site.admin_view(self.certificate_view),
                name="volunteers_volunteer_certificate",
            ),
            path("<int:pk>/points/", self.admin_site.admin_view(self.points_view), name="volunteers_volunteer_points"),
            *super().get_urls(),
        ]

    def _scoped_object(self, request, pk) -> Volunteer:
        if not self.has_view_permission(request):
            raise PermissionDenied
        return get_object_or_404(self.get_queryset(request), pk=pk)

    def certificate_view(self, request, pk):
        """志愿服务证明, printable; ``?start=2023-01-01&end=2023-12-31`` limits the period."""
        volunteer = self._scoped_object(request, pk)
        start, end = _day(request.GET.get("start")), _day(request.GET.get("end"))
        context = {
            **self.admin_site.each_context(request),
            "certificate": selectors.certificate(volunteer=volunteer, start=start, end=end),
            "title": "志愿服务证明",
        }
        return TemplateResponse(request, "volunteers/certificate.html", context)

    def points_view(self, request, pk):
        volunteer = self._scoped_object(request, pk)
        form = PointsAdjustmentForm(request.POST or None)
        can_adjust = acts_on_whole_street(request.user)
        if request.method == "POST":
            if not can_adjust:
                raise PermissionDenied
            if form.is_valid():
                try:
                    services.points_adjust(
                        volunteer=volunteer,
                        user=request.user,
                        **{k: form.cleaned_data[k] for k in ("points", "reason")},
                    )
                except ValidationError as error:
                    form.add_error(None, error)
                else:
                    messages.success(request, "已记入积分调整。")
                    return HttpResponseRedirect(request.path)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "volunteer": volunteer,
            "title": f"{volunteer.name}的积分明细",
            "balance": selectors.points_balance(volunteer=volunteer),
            "entries": selectors.points_ledger(volunteer=volunteer)[:500],
            "form": form if can_adjust else None,
        }
        return TemplateResponse(request, "admin/volunteers/points.html", context)


def _day(text: str | None) -> date | None:
    try:
        return date.fromisoformat(text) if text else None
    except ValueError:
        return None
