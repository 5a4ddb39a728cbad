"""Admin of scoring schemes and their dimensions."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse

from organizations.admin_base import (
    ScopedAdmin,
    ScopedInline,
)
from organizations.models import Street
from organizations.scope import acts_on_whole_street, scope_of

from .. import services
from ..models import (
    Dimension,
    Scheme,
    SubIndicator,
)
from .base import _message_errors


class SchemeCopyForm(forms.Form):
    """Any street's scheme may be copied: schemes are published rules, not personal data, and
    the source is only read. Street staff copy into their own street; a superuser chooses."""

    source = forms.ModelChoiceField(
        label="复制哪个方案",
        queryset=Scheme.objects.select_related("street").order_by("street__name", "-year", "subject_kind", "-version"),
        help_text="可选择任一街道的方案；原方案不会被改动。",
    )
    street = forms.ModelChoiceField(label="复制到街道", queryset=Street.objects.order_by("name"))
    year = forms.IntegerField(
        label="年度", min_value=2000, max_value=2100, required=False, help_text="留空则沿用原方案的年度。"
    )

    def __init__(self, *args, street_id=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["source"].label_from_instance = lambda scheme: f"{scheme.street.name}：{scheme}"
        if street_id is not None:
            self.fields["street"].queryset = Street.objects.filter(pk=street_id)
            self.fields["street"].initial = street_id
            self.fields["street"].widget = forms.HiddenInput()


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

    change_list_template = "admin/indicators/scheme/change_list.html"

    def get_urls(self):
        return [
            path("copy/", self.admin_site.admin_view(self.copy_view), name="indicators_scheme_copy"),
            *super().get_urls(),
        ]

    def changelist_view(self, request, extra_context=None):
        extra_context = {**(extra_context or {}), "can_copy": self._can_copy(request)}
        return super().changelist_view(request, extra_context)

    def _can_copy(self, request) -> bool:
        return acts_on_whole_street(request.user) and self.has_add_permission(request)

    def copy_view(self, request):
        if not self._can_copy(request):
            raise PermissionDenied
        scope = scope_of(request.user)
        form = SchemeCopyForm(request.POST or None, street_id=None if scope.everything else scope.street_id)
        if request.method == "POST" and form.is_valid():
            try:
                copy = services.scheme_copy(
                    source=form.cleaned_data["source"],
                    street=form.cleaned_data["street"],
                    year=form.cleaned_data["year"],
                    user=request.user,
                )
            except (ValidationError, PermissionDenied) as exc:
                _message_errors(request, exc)
            else:
                messages.success(request, f"已复制为“{copy}”，请核对维度、权重和分数线后再用于评定期。")
                return HttpResponseRedirect(reverse("admin:indicators_scheme_change", args=[copy.pk]))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "form": form,
            "title": "从其他街道复制评分方案",
        }
        status = 400 if form.errors else 200
        return TemplateResponse(request, "admin/indicators/scheme_copy.html", context, status=status)

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
