"""Admin of activities and sign-ups."""

from __future__ import annotations

from django.contrib import admin

from organizations.admin_base import (
    SavesThroughService,
    ScopedInline,
)

from .. import services
from ..models import (
    Activity,
    Signup,
)
from .base import ServiceWritesAdmin


class SignupInline(ScopedInline):
    model = Signup
    fields = ["volunteer", "status", "created_at", "promoted_at", "cancelled_at"]
    readonly_fields = fields
    can_delete = False
    ordering = ["created_at", "pk"]
    verbose_name_plural = "报名名单（报名、取消在“活动报名”中办理）"

    def has_add_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("volunteer")


@admin.register(Activity)
class ActivityAdmin(ServiceWritesAdmin):
    list_display = [
        "title",
        "category",
        "starts_at",
        "community",
        "team",
        "center",
        "capacity",
        "taken",
        "is_public",
        "is_cancelled",
    ]
    list_select_related = ["community", "team", "center"]
    list_filter = ["category", "is_public", "is_cancelled", "is_demo"]
    date_hierarchy = "starts_at"
    search_fields = ["title", "team__name", "center__name", "place"]
    autocomplete_fields = ["street", "community", "team", "center"]
    inlines = [SignupInline]

    def get_queryset(self, request):
        return super().get_queryset(request).with_taken()

    @admin.display(description="已报名", ordering="taken")
    def taken(self, obj):
        return obj.taken

    def save_model(self, request, obj, form, change):
        services.activity_save(activity=obj, user=request.user)


@admin.register(Signup)
class SignupAdmin(SavesThroughService, ServiceWritesAdmin):
    list_display = ["volunteer", "activity", "status", "created_at", "promoted_at", "cancelled_at"]
    list_select_related = ["volunteer", "activity"]
    list_filter = ["status"]
    search_fields = ["volunteer__name", "volunteer__number", "activity__title"]
    autocomplete_fields = ["activity", "volunteer"]
    actions = ["cancel", "mark_attended", "mark_no_show"]

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["activity", "volunteer"]
        return ["activity", "volunteer", "status", "created_at", "promoted_at", "cancelled_at", "changed_by"]

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return []
        return self.get_fields(request, obj)  # changed through the actions, which follow the rules

    create_service = "signup_register"
    create_fields = ("activity", "volunteer")
    copied_back = ("status",)

    def delete_model(self, request, obj):
        services.signup_delete(signup=obj, user=request.user)

    def delete_queryset(self, request, queryset):
        for signup in queryset:
            services.signup_delete(signup=signup, user=request.user)

    @admin.action(description="取消所选报名（名额顺延给候补）", permissions=["change"])
    def cancel(self, request, queryset):
        self.run_each(request, queryset, lambda s: services.signup_cancel(signup=s, user=request.user), "已取消")

    @admin.action(description="标记为已参加", permissions=["change"])
    def mark_attended(self, request, queryset):
        self.run_each(
            request, queryset, lambda s: services.signup_mark(signup=s, attended=True, user=request.user), "已标记"
        )

    @admin.action(description="标记为未到", permissions=["change"])
    def mark_no_show(self, request, queryset):
        self.run_each(
            request, queryset, lambda s: services.signup_mark(signup=s, attended=False, user=request.user), "已标记"
        )
