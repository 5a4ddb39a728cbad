"""Admin of rewards and redemptions."""

from __future__ import annotations

from django.contrib import admin

from organizations.admin_base import (
    SavesThroughService,
)

from .. import services
from ..models import (
    Redemption,
    Reward,
)
from .base import ServiceWritesAdmin


@admin.register(Reward)
class RewardAdmin(ServiceWritesAdmin):
    list_display = ["name", "points_cost", "stock", "community", "is_active", "is_demo"]
    list_select_related = ["community"]
    list_filter = ["is_active", "is_demo"]
    search_fields = ["name"]
    autocomplete_fields = ["street", "community"]


@admin.register(Redemption)
class RedemptionAdmin(SavesThroughService, ServiceWritesAdmin):
    list_display = ["created_at", "volunteer", "reward", "points", "status", "closed_at"]
    list_select_related = ["volunteer", "reward"]
    list_filter = ["status"]
    search_fields = ["volunteer__name", "=volunteer__number", "reward__name"]
    autocomplete_fields = ["volunteer", "reward"]
    actions = ["hand_over", "cancel"]

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["volunteer", "reward"]
        return ["volunteer", "reward", "points", "status", "created_at", "created_by", "closed_at", "closed_by"]

    def get_readonly_fields(self, request, obj=None):
        return [] if obj is None else self.get_fields(request, obj)

    create_service = "reward_redeem"
    create_fields = ("volunteer", "reward")

    @admin.action(description="登记已领取", permissions=["change"])
    def hand_over(self, request, queryset):
        self.run_each(
            request, queryset, lambda r: services.redemption_hand_over(redemption=r, user=request.user), "已登记"
        )

    @admin.action(description="取消兑换（退回积分和库存）", permissions=["change"])
    def cancel(self, request, queryset):
        self.run_each(
            request, queryset, lambda r: services.redemption_cancel(redemption=r, user=request.user), "已取消"
        )
