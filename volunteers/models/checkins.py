"""双报到: in-service party members reporting to the community they live in."""

from __future__ import annotations

from django.db import models
from django.db.models import F, Q
from simple_history.models import HistoricalRecords

from organizations.models import Community, PartyMember, PartyOrganization, manager_for
from organizations.scope import ScopedQuerySet

# --- 双报到 -----------------------------------------------------------------------------------


class CommunityCheckInQuerySet(ScopedQuerySet):
    def active(self):
        return self.filter(ended_on__isnull=True)


class CommunityCheckIn(models.Model):
    """双报到: an in-service member reports to the community they live in. The thank-you letter
    (感谢函) to the employer sums the hours they served there."""

    member = models.ForeignKey(PartyMember, models.PROTECT, related_name="check_ins", verbose_name="党员")
    community = models.ForeignKey(Community, models.PROTECT, related_name="check_ins", verbose_name="居住社区")
    employer = models.CharField("工作单位", max_length=120)
    employer_organization = models.ForeignKey(
        PartyOrganization,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="checked_in_members",
        verbose_name="单位党组织",
    )
    registered_on = models.DateField("报到日期")
    ended_on = models.DateField("结束日期", null=True, blank=True, help_text="迁出或不再报到时填写。")
    is_demo = models.BooleanField("演示数据", default=False)

    scope_path = "community"
    street_path = "community__street"

    objects = manager_for(CommunityCheckInQuerySet)
    history = HistoricalRecords()

    class Meta:
        verbose_name = "双报到"
        verbose_name_plural = "双报到"
        ordering = ["-registered_on", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["member"],
                condition=Q(ended_on__isnull=True),
                name="communitycheckin_one_active_per_member",
                violation_error_message="这名党员已在一个社区报到，请先填写原报到的结束日期。",
            ),
            models.CheckConstraint(
                condition=Q(ended_on__isnull=True) | Q(ended_on__gte=F("registered_on")),
                name="communitycheckin_ends_after_start",
                violation_error_message="结束日期不能早于报到日期。",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.member} → {self.community}"
