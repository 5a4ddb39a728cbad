"""List filters and message helpers shared by the 战斗力指数 admins."""

from __future__ import annotations

from django.contrib import admin, messages
from django.utils import timezone

from core.refusals import refusal_text


class StreetFilter(admin.SimpleListFilter):
    """``?street=<id>``: the records of one street, for the 数读 figures' links. It offers no
    choices (a scoped user has one street), so it costs no query."""

    title = "街道"
    parameter_name = "street"
    street_path = "subject__street"

    def lookups(self, request, model_admin):
        return []

    def queryset(self, request, queryset):
        value = self.value()
        if value and value.isdigit():
            return queryset.filter(**{f"{self.street_path}_id": int(value)})
        return queryset


class OverdueFilter(admin.SimpleListFilter):
    """``overdue(today)``: open cases past their plan's deadline (the work queue links here)."""

    title = "超过完成时限"
    parameter_name = "overdue"

    def lookups(self, request, model_admin):
        return [("yes", "已超期未销号")]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.overdue(timezone.localdate())
        return queryset


class PublicFilter(admin.SimpleListFilter):
    """``public_open()``: the cases the public 数读 figure counts (opened by a published period,
    not closed by one), so the figure's link lists as many cases as it says."""

    title = "公开口径"
    parameter_name = "public"

    def lookups(self, request, model_admin):
        return [("yes", "按已公布评定期整顿中")]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.public_open()
        return queryset


def _message_errors(request, exc: Exception) -> None:
    messages.error(request, refusal_text(exc))
