"""Admin of 双报到 check-ins, responsibility posts and their claims."""

from __future__ import annotations

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone

from organizations.admin_base import (
    SavesThroughService,
    save_with_history,
)

from .. import selectors, services
from ..models import (
    CommunityCheckIn,
    PostClaim,
    ResponsibilityPost,
)
from .base import ServiceWritesAdmin, count_of


@admin.register(CommunityCheckIn)
class CommunityCheckInAdmin(SavesThroughService, ServiceWritesAdmin):
    list_display = ["member", "community", "employer", "registered_on", "ended_on", "letter"]
    list_select_related = ["member", "community"]
    list_filter = ["ended_on", "is_demo"]
    search_fields = ["member__name", "employer", "community__name"]
    autocomplete_fields = ["member", "community", "employer_organization"]

    @admin.display(description="感谢函")
    def letter(self, obj):
        from django.utils.html import format_html

        url = reverse("admin:volunteers_communitycheckin_letter", args=[obj.pk])
        return format_html('<a href="{}" target="_blank">打印</a>', url)

    create_service = "community_check_in"
    create_fields = ("member", "community", "employer", "employer_organization", "registered_on")

    def save_change(self, request, obj, form):
        save_with_history(request, obj)

    def get_urls(self):
        return [
            path(
                "<int:pk>/letter/",
                self.admin_site.admin_view(self.letter_view),
                name="volunteers_communitycheckin_letter",
            ),
            *super().get_urls(),
        ]

    def letter_view(self, request, pk):
        """感谢函 to the employer, printable; ``?year=2023``, default this year."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        check_in = get_object_or_404(self.get_queryset(request).select_related("member", "community__street"), pk=pk)
        try:
            year = int(request.GET.get("year") or timezone.localdate().year)
        except ValueError:
            year = timezone.localdate().year
        context = {
            **self.admin_site.each_context(request),
            "letter": selectors.thank_you_letter(check_in=check_in, year=year),
            "title": "感谢函",
        }
        return TemplateResponse(request, "volunteers/thank_you_letter.html", context)


@admin.register(ResponsibilityPost)
class ResponsibilityPostAdmin(ServiceWritesAdmin):
    list_display = ["title", "community", "grid", "claims", "limit", "is_open", "published_on"]
    list_select_related = ["community", "grid"]
    list_filter = ["is_open", "is_demo"]
    search_fields = ["title", "community__name"]
    autocomplete_fields = ["community", "grid"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(_claims=count_of(PostClaim, "post", ended_on__isnull=True))

    @admin.display(description="在岗人数", ordering="_claims")
    def claims(self, obj):
        return obj._claims or 0

    @admin.display(description="上限")
    def limit(self, obj):
        return obj.effective_limit


@admin.register(PostClaim)
class PostClaimAdmin(SavesThroughService, ServiceWritesAdmin):
    list_display = ["member", "post", "claimed_on", "ended_on", "claimed_by"]
    list_select_related = ["member", "post__community", "claimed_by"]
    list_filter = ["ended_on", "is_demo"]
    search_fields = ["member__name", "post__title"]
    autocomplete_fields = ["post", "member"]
    actions = ["end"]

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["post", "member"]
        return ["post", "member", "claimed_on", "ended_on", "claimed_by"]

    def get_readonly_fields(self, request, obj=None):
        return [] if obj is None else ["post", "member", "claimed_on", "claimed_by"]

    create_service = "post_claim"
    create_fields = ("post", "member")

    def save_change(self, request, obj, form):
        save_with_history(request, obj)

    @admin.action(description="结束所选认领", permissions=["change"])
    def end(self, request, queryset):
        self.run_each(request, queryset, lambda c: services.post_claim_end(claim=c, user=request.user), "已结束")
