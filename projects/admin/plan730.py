"""Admin of 桂城党建730: plans, themes and items; and the stale-progress reminders."""

from __future__ import annotations

from django.contrib import admin

from organizations.admin_base import ScopedAdmin, ScopedImportExportAdmin, ScopedInline
from organizations.scope import acts_on_whole_street

from .. import resources, selectors
from ..models import (
    ProgressUpdate,
    StaleReminder,
    WorkItem,
    WorkPlan,
    WorkTheme,
)
from .base import ItemLaggingFilter, OpenYearsForUpdates, ProgressColumns
from .progress import ItemUpdateInline, save_update_forms


class WorkThemeInline(ScopedInline):
    """A theme's number, title and weight; its percent follows by itself (``signals``)."""

    model = WorkTheme
    fields = ["number", "title", "weight", "percent"]
    readonly_fields = ["percent"]


@admin.register(WorkPlan)
class WorkPlanAdmin(ProgressColumns, ScopedAdmin):
    list_display = ["year", "title", "short_title", "street", "published_on", "progress", "theme_count", "is_public"]
    list_select_related = ["street"]
    list_filter = ["is_public"]
    search_fields = ["title", "short_title"]
    autocomplete_fields = ["street"]
    readonly_fields = ["percent"]
    inlines = [WorkThemeInline]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("themes")

    @admin.display(description="主题数")
    def theme_count(self, obj):
        return len(obj.themes.all())


@admin.register(WorkItem)
class WorkItemAdmin(OpenYearsForUpdates, ProgressColumns, ScopedImportExportAdmin):
    year_path = selectors.ITEM_YEAR

    resource_classes = [resources.WorkPlanResource]
    list_display = [
        "code",
        "title",
        "theme",
        "lead_unit",
        "responsible_person",
        "weight",
        "deadline",
        "progress",
        "last_update_on",
        "lagging",
        "is_demo",
    ]
    list_display_links = ["title"]
    list_select_related = ["theme__plan"]
    # Related-only filters: their choices come from the scoped changelist queryset.
    list_filter = [
        ("theme__plan", admin.RelatedOnlyFieldListFilter),
        ("theme", admin.RelatedOnlyFieldListFilter),
        ItemLaggingFilter,
        "is_demo",
    ]
    search_fields = ["title", "lead_unit", "responsible_person", "theme__title"]
    readonly_fields = ["percent", "last_update_on"]
    inlines = [ItemUpdateInline]
    ordering = ["theme__plan__year", "theme__number", "number"]

    def get_queryset(self, request):
        return selectors.items_with_lagging(super().get_queryset(request))

    def get_inline_instances(self, request, obj=None):
        # Item timelines are the street's (a secretary reads the item, not its updates).
        if obj is None or not acts_on_whole_street(request.user):
            return []
        return super().get_inline_instances(request, obj)

    @admin.display(description="编号", ordering="theme__number")
    def code(self, obj):
        return obj.code

    def save_formset(self, request, form, formset, change):
        if formset.model is not ProgressUpdate:
            return super().save_formset(request, form, formset, change)
        new, changed = save_update_forms(request, form.instance, formset.forms, subject="item")
        formset.new_objects, formset.changed_objects, formset.deleted_objects = new, changed, []


# --- Reminders --------------------------------------------------------------------------------


@admin.register(StaleReminder)
class StaleReminderAdmin(ScopedAdmin):
    """What the reminder task sent; read-only. Deleting a record lets the task send again."""

    list_display = ["project", "year", "quarter", "sent_at", "recipients"]
    list_select_related = ["project__community"]
    list_filter = ["year", "quarter"]
    search_fields = ["project__title", "project__community__name", "recipients"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
