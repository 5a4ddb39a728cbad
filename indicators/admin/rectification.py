"""Admin of rectification cases and follow-up visits."""

from __future__ import annotations

from django.contrib import admin
from django.utils.html import format_html_join

from organizations.admin_base import (
    SavesThroughService,
    ScopedAdmin,
    ScopedInline,
    save_with_history,
)
from organizations.scope import acts_on_whole_street

from .. import selectors, services
from ..models import (
    FollowUpVisit,
    RectificationCase,
)
from ..stars import stars_display
from .base import OverdueFilter, PublicFilter, StreetFilter
from .ratings import explanation_table


class FollowUpVisitInline(ScopedInline):
    model = FollowUpVisit
    fields = ["visited_on", "notes", "next_steps", "visitor"]
    readonly_fields = ["visitor"]
    verbose_name_plural = "跟踪走访（按日期记录）"

    def has_change_permission(self, request, obj=None):
        return False  # a visit is recorded once; add a new one

    def has_delete_permission(self, request, obj=None):
        return acts_on_whole_street(request.user) and super().has_delete_permission(request, obj)


@admin.register(RectificationCase)
class RectificationCaseAdmin(ScopedAdmin):
    list_display = [
        "subject",
        "community",
        "opened_in",
        "status",
        "instructor",
        "deadline",
        "visit_count",
        "last_visit_on",
        "closed_in",
    ]
    list_filter = [
        "status",
        OverdueFilter,
        PublicFilter,
        ("opened_in", admin.RelatedOnlyFieldListFilter),
        "is_demo",
        StreetFilter,
    ]
    search_fields = ["subject__name", "subject__community__name", "measures"]
    autocomplete_fields = ["instructor", "mentors"]
    readonly_fields = ["subject", "opened_in", "closed_in", "status", "created_at", "updated_at", "is_demo", "ratings"]
    fieldsets = [
        (None, {"fields": ["subject", "opened_in", "status", "closed_in", "ratings"]}),
        ("一村一策提升计划", {"fields": ["analysis", "measures", "owner", "deadline"]}),
        ("指导员与导师团", {"fields": ["instructor", "mentors"]}),
        ("记录", {"fields": ["created_at", "updated_at", "is_demo"]}),
    ]
    inlines = [FollowUpVisitInline]

    def get_queryset(self, request):
        return selectors.rectification_list(queryset=super().get_queryset(request), open_only=False)

    def has_add_permission(self, request):
        return False  # opened by the close of a period

    @admin.display(description="社区", ordering="subject__community__name")
    def community(self, obj):
        return obj.subject.community

    @admin.display(description="走访次数", ordering="visit_count")
    def visit_count(self, obj):
        return obj.visit_count

    @admin.display(description="最近走访", ordering="last_visit_on")
    def last_visit_on(self, obj):
        return obj.last_visit_on or "—"

    @admin.display(description="星级记录（各维度与街道平均、上期比较）")
    def ratings(self, obj):
        history = selectors.rating_history(subject=obj.subject_id, published_only=False)
        if not history:
            return "—"
        return format_html_join(
            "",
            "<p><strong>{}：{}（{} 分，{}）</strong></p>{}",
            (
                (
                    e.rating.period,
                    stars_display(e.rating.stars),
                    e.rating.total,
                    e.rating.get_movement_display(),
                    explanation_table(e),
                )
                for e in history
            ),
        )

    def save_model(self, request, obj, form, change):
        services.case_save(case=obj, user=request.user)

    def save_formset(self, request, form, formset, change):
        if formset.model is not FollowUpVisit:
            return super().save_formset(request, form, formset, change)
        formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
        for visit_form in formset.forms:
            data = getattr(visit_form, "cleaned_data", {})
            if visit_form.instance.pk is None and visit_form.has_changed() and data.get("visited_on"):
                formset.new_objects.append(
                    services.visit_add(
                        case=form.instance,
                        user=request.user,
                        visited_on=data["visited_on"],
                        notes=data["notes"],
                        next_steps=data.get("next_steps", ""),
                    )
                )
        for deleted in formset.deleted_forms:
            if deleted.instance.pk:
                deleted.instance._history_user = request.user
                deleted.instance.delete()
                formset.deleted_objects.append(deleted.instance)


@admin.register(FollowUpVisit)
class FollowUpVisitAdmin(SavesThroughService, ScopedAdmin):
    list_display = ["visited_on", "case", "community", "visitor", "created_at"]
    list_select_related = ["case__subject__community", "case__opened_in", "visitor"]
    date_hierarchy = "visited_on"
    search_fields = ["case__subject__name", "case__subject__community__name", "notes"]
    autocomplete_fields = ["case"]
    readonly_fields = ["visitor", "created_at"]
    fields = ["case", "visited_on", "notes", "next_steps", "visitor", "created_at"]

    @admin.display(description="社区")
    def community(self, obj):
        return obj.case.subject.community

    services = services
    create_service = "visit_add"
    create_fields = ("case", "visited_on", "notes", "next_steps")
    copied_back = ("visitor_id", "created_at")

    def save_change(self, request, obj, form):
        save_with_history(request, obj, full_clean=False)
