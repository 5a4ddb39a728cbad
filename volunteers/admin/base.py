"""What every volunteer admin shares: writes through services, counts by subquery."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, IntegerField, OuterRef, Subquery
from django.http import HttpResponseRedirect

from core.refusals import refusal_text
from organizations.admin_base import (
    ScopedAdmin,
)

from .. import services


def count_of(model, fk: str, **filters) -> Subquery:
    """A correlated COUNT for the rows shown (see ``organizations.admin.count_of``)."""
    counted = model._default_manager.filter(**{fk: OuterRef("pk")}, **filters).order_by().values(fk)
    return Subquery(counted.annotate(n=Count("pk")).values("n"), output_field=IntegerField())


class ServiceWritesAdmin(ScopedAdmin):
    """A refusal from a service (a full activity's race, a balance, a status) is shown as a
    message on the same page instead of a server error."""

    services = services  # what ``SavesThroughService.create_service`` names

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except ValidationError as error:  # a PermissionDenied stays a 403
            messages.error(request, refusal_text(error))
            return HttpResponseRedirect(request.get_full_path())

    def run_each(self, request, queryset, action, done: str) -> None:
        """Runs a service on each selected record; says how many went through and why not."""
        ok, failed = 0, []
        for obj in queryset:
            try:
                action(obj)
            except (ValidationError, PermissionDenied) as error:
                failed.append(f"{obj}：{refusal_text(error)}")
                continue
            ok += 1
        if ok:
            messages.success(request, f"{done} {ok} 条。")
        for line in failed[:20]:
            messages.error(request, line)
