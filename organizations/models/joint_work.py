"""Joint work: 党群联席会议, 共建协议 and 三项清单 (resources and needs)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from simple_history.models import HistoricalRecords

from ..scope import ScopedQuerySet
from .base import manager_for
from .geography import Community
from .party import PartyOrganization


class JointMeeting(models.Model):
    community = models.ForeignKey(Community, models.CASCADE, related_name="joint_meetings", verbose_name="社区")
    held_on = models.DateField("召开日期")
    title = models.CharField("议题", max_length=120)
    participant_organizations = models.ManyToManyField(
        PartyOrganization, blank=True, related_name="joint_meetings", verbose_name="参会党组织"
    )
    enterprise_count = models.PositiveIntegerField("参会属地企业党组织数", default=0)
    representative_count = models.PositiveIntegerField("参会“两新”及群团代表数", default=0)
    minutes = models.TextField("会议纪要", blank=True)
    decisions = models.TextField("议定事项", blank=True)
    is_demo = models.BooleanField("演示数据", default=False)

    scope_path = "community"
    street_path = "community__street"

    objects = manager_for(ScopedQuerySet)
    history = HistoricalRecords(m2m_fields=[participant_organizations])

    class Meta:
        verbose_name = "党群联席会议"
        verbose_name_plural = "党群联席会议"
        ordering = ["-held_on"]
        constraints = [
            models.UniqueConstraint(
                fields=["community", "held_on", "title"],
                name="jointmeeting_unique_per_day",
                violation_error_message="同一社区同一天已有同一议题的联席会议。",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.held_on:%Y-%m-%d} {self.title}"


class CoBuildingAgreement(models.Model):
    community = models.ForeignKey(Community, models.CASCADE, related_name="co_building_agreements", verbose_name="社区")
    partner_name = models.CharField("共建单位", max_length=120)
    partner_organization = models.ForeignKey(
        PartyOrganization,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="co_building_agreements",
        verbose_name="共建党组织",
    )
    signed_on = models.DateField("签订日期")
    ends_on = models.DateField("到期日期", null=True, blank=True)
    content = models.TextField("共建内容")
    is_demo = models.BooleanField("演示数据", default=False)

    scope_path = "community"
    street_path = "community__street"

    objects = manager_for(ScopedQuerySet)
    history = HistoricalRecords()

    class Meta:
        verbose_name = "共建协议"
        verbose_name_plural = "共建协议"
        ordering = ["-signed_on"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__isnull=True) | Q(ends_on__gte=F("signed_on")),
                name="cobuildingagreement_ends_after_signing",
                violation_error_message="到期日期不能早于签订日期。",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.community} × {self.partner_name}"


class Resource(models.Model):
    """资源清单: what a co-building unit offers the community (a venue, volunteers, funds…)."""

    community = models.ForeignKey(Community, models.CASCADE, related_name="resources", verbose_name="社区")
    provider = models.CharField("提供单位", max_length=120)
    title = models.CharField("资源", max_length=120)
    description = models.TextField("说明", blank=True)
    listed_on = models.DateField("登记日期")
    is_demo = models.BooleanField("演示数据", default=False)

    scope_path = "community"
    street_path = "community__street"

    objects = manager_for(ScopedQuerySet)
    history = HistoricalRecords()

    class Meta:
        verbose_name = "资源清单"
        verbose_name_plural = "资源清单"
        ordering = ["-listed_on"]

    def __str__(self) -> str:
        return f"{self.provider}：{self.title}"


class Need(models.Model):
    """需求清单: what residents need, matched to a listed resource when one fits."""

    class Status(models.TextChoices):
        OPEN = "open", "待对接"
        MATCHED = "matched", "已对接"
        DONE = "done", "已办结"

    community = models.ForeignKey(Community, models.CASCADE, related_name="needs", verbose_name="社区")
    title = models.CharField("需求", max_length=120)
    description = models.TextField("说明", blank=True)
    raised_on = models.DateField("提出日期")
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.OPEN)
    matched_resource = models.ForeignKey(
        Resource, models.SET_NULL, null=True, blank=True, related_name="needs", verbose_name="对接资源"
    )
    is_demo = models.BooleanField("演示数据", default=False)

    scope_path = "community"
    street_path = "community__street"

    objects = manager_for(ScopedQuerySet)
    history = HistoricalRecords()

    class Meta:
        verbose_name = "需求清单"
        verbose_name_plural = "需求清单"
        ordering = ["-raised_on"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status="open") | Q(matched_resource__isnull=False),
                name="need_matched_has_resource",
                violation_error_message="已对接或已办结的需求须选择对接资源。",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def clean(self) -> None:
        if self.matched_resource_id and self.matched_resource.community_id != self.community_id:
            raise ValidationError({"matched_resource": "对接资源必须来自同一社区的资源清单。"})
