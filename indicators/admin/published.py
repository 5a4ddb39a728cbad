"""Admin of 数读 published figures and the 数读核对 page."""

from __future__ import annotations

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse

from core import registry
from organizations.admin_base import (
    ScopedAdmin,
)
from organizations.models import Street
from organizations.scope import acts_on_whole_street, scope_of

from .. import selectors
from ..models import (
    PublishedFigure,
)


@admin.register(PublishedFigure)
class PublishedFigureAdmin(ScopedAdmin):
    change_list_template = "admin/indicators/publishedfigure/change_list.html"
    list_display = ["label", "published", "comparison", "figure_name", "source", "article", "date"]
    list_select_related = ["street"]
    list_filter = ["source", "comparison"]
    search_fields = ["label", "article"]
    autocomplete_fields = ["street"]

    @admin.display(description="公布数值", ordering="value")
    def published(self, obj):
        return f"{obj.value.normalize():f}{obj.unit}"

    @admin.display(description="报道日期", ordering="published_on")
    def date(self, obj):
        return obj.published_on or obj.date_note or "—"

    def get_urls(self):
        return [
            path("check/", self.admin_site.admin_view(self.check_view), name="indicators_publishedfigure_check"),
            *super().get_urls(),
        ]

    def _street_for(self, request) -> tuple[Street, list[Street]]:
        """The street the page shows: street staff their own; a superuser picks one."""
        scope = scope_of(request.user)
        if scope.street_id is not None:
            return get_object_or_404(Street, pk=scope.street_id), []
        streets = list(Street.objects.order_by("name"))
        if not streets:
            raise PermissionDenied
        chosen = request.GET.get("street") or request.POST.get("street")
        by_pk = {str(street.pk): street for street in streets}
        if chosen and chosen not in by_pk:
            raise PermissionDenied
        default = next((s for s in streets if s.name == "桂城街道"), streets[0])
        return by_pk.get(chosen, default), streets

    def check_view(self, request):
        """数读核对: each published figure beside the figure computed from the records."""
        if not (acts_on_whole_street(request.user) and self.has_view_permission(request)):
            raise PermissionDenied
        street, streets = self._street_for(request)
        if request.method == "POST":
            registry.refresh(street)
            messages.success(request, "已按当前记录重新计算。")
            url = reverse("admin:indicators_publishedfigure_check") + (f"?street={street.pk}" if streets else "")
            return HttpResponseRedirect(url)
        checks = selectors.published_vs_computed(street=street)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": f"数读核对：{street.name}",
            "street": street,
            "streets": streets,
            "checks": checks,
            "differing": sum(1 for check in checks if check.differs),
            "figures": registry.figures_for(street),
        }
        return TemplateResponse(request, "admin/indicators/figure_check.html", context)

    def changelist_view(self, request, extra_context=None):
        extra_context = extra_context or {}
        if acts_on_whole_street(request.user):
            extra_context["figure_check_url"] = reverse("admin:indicators_publishedfigure_check")
        return super().changelist_view(request, extra_context)
