"""Admin of 自助点单 service orders."""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.utils import timezone

from organizations.admin_base import (
    SavesThroughService,
)

from .. import rules, services
from ..models import (
    ServiceOrder,
)
from .base import ServiceWritesAdmin


class StaleFilter(admin.SimpleListFilter):
    """``rules.stale_order_q``: open and untouched for the configured number of days."""

    title = "超时未处理"
    parameter_name = "stale"

    def lookups(self, request, model_admin):
        return [("yes", "超时未处理"), ("no", "正常")]

    def queryset(self, request, queryset):
        condition = rules.stale_order_q(timezone.now())
        if self.value() == "yes":
            return queryset.filter(condition)
        if self.value() == "no":
            return queryset.exclude(condition)
        return queryset


class ServiceOrderForm(forms.ModelForm):
    STEPS = [
        ("", "（不改变状态）"),
        ("accept", "受理"),
        ("answer", "派单：以所选活动或服务队响应"),
        ("done", "办结"),
        ("decline", "不予受理（须填写原因）"),
    ]
    step = forms.ChoiceField(label="办理", choices=STEPS, required=False)


@admin.register(ServiceOrder)
class ServiceOrderAdmin(SavesThroughService, ServiceWritesAdmin):
    form = ServiceOrderForm
    # Contact details stay on the change form only.
    list_display = ["code", "category", "center", "status", "submitted_at", "last_action_at", "stale", "rating"]
    list_select_related = ["center"]
    list_filter = ["status", "category", StaleFilter, "answered_at", "is_demo"]
    date_hierarchy = "submitted_at"
    search_fields = ["=code", "need", "center__name"]
    autocomplete_fields = ["center", "answer_activity", "answer_team"]

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["center", "category", "need", "wanted_when", "contact_name", "contact_phone", "address"]
        return [
            "code", "center", "category", "need", "wanted_when", "contact_name", "contact_phone", "address",
            "status", "submitted_at", "accepted_at", "accepted_by", "answered_at", "answered_by",
            "step", "answer_activity", "answer_team", "answer_note", "declined_reason",
            "done_at", "done_by", "rating", "rating_comment", "rated_at",
        ]  # fmt: skip

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return []
        editable = {"step", "answer_activity", "answer_team", "answer_note", "declined_reason"}
        return [name for name in self.get_fields(request, obj) if name not in editable]

    @admin.display(description="超时", boolean=True)
    def stale(self, obj):
        return rules.order_is_stale(status=obj.status, last_action_at=obj.last_action_at, now=timezone.now())

    def create(self, request, obj, form):
        return services.service_order_submit(
            user=request.user, **{name: form.cleaned_data[name] for name in self.get_fields(request)}
        )

    def save_change(self, request, obj, form):
        user = request.user
        data, step = form.cleaned_data, form.cleaned_data.get("step")
        if step == "accept":
            services.service_order_accept(order=obj, user=user)
        elif step == "answer":
            services.service_order_answer(
                order=obj,
                user=user,
                activity=data["answer_activity"],
                team=data["answer_team"],
                note=data["answer_note"],
            )
        elif step == "done":
            services.service_order_done(order=obj, user=user)
        elif step == "decline":
            services.service_order_decline(order=obj, user=user, reason=data["declined_reason"])
