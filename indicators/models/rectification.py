"""The 软弱涣散 rectification: cases with their 一村一策 plan, and follow-up visits."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from simple_history.models import HistoricalRecords

from core.once import once_token_field
from organizations.models import PartyOrganization, manager_for
from organizations.scope import ScopedQuerySet

from .helpers import Instructor, Mentor
from .periods import Period


class RectificationCaseQuerySet(ScopedQuerySet):
    def open(self):
        return self.filter(status=RectificationCase.Status.OPEN)

    def overdue(self, today):
        """Open cases whose plan's deadline (完成时限) is before ``today``."""
        return self.open().filter(deadline__lt=today)

    def public_open(self):
        """The cases the public sees under rectification: opened by a published period and not
        closed by a published one. A close opens and closes cases at once, but until the period
        is published its ratings are the street office's alone, so a public figure counting
        ``open()`` would tell everyone which branches were just rated weak (issue 16)."""
        published = Period.objects.filter(status=Period.Status.PUBLISHED).values("pk")
        return self.filter(opened_in__in=published).exclude(closed_in__in=published)


class RectificationCase(models.Model):
    """A weak subject's 软弱涣散 rectification: opened by the close of the period that rated it
    at or below the scheme's level, closed by the close of a later period that rates it above.
    Its 一村一策 plan (analysis, measures, owner, deadline), the paired 指导员, the 导师团
    members advising it and the dated follow-up visits are kept by people."""

    class Status(models.TextChoices):
        OPEN = "open", "整顿中"
        CLOSED = "closed", "已销号"

    subject = models.ForeignKey(
        PartyOrganization, models.PROTECT, related_name="rectification_cases", verbose_name="整顿对象"
    )
    opened_in = models.ForeignKey(
        Period, models.PROTECT, related_name="opened_cases", verbose_name="纳入整顿的评定期", editable=False
    )
    closed_in = models.ForeignKey(
        Period,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="closed_cases",
        verbose_name="销号的评定期",
        editable=False,
    )
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.OPEN, editable=False)
    analysis = models.TextField("问题分析", blank=True, help_text="结合战斗力指数各维度得分分析薄弱原因。")
    measures = models.TextField("提升措施（一村一策）", blank=True)
    owner = models.CharField("责任人", max_length=60, blank=True, help_text="可填职务，如“经济社党支部书记”。")
    deadline = models.DateField("完成时限", null=True, blank=True)
    instructor = models.ForeignKey(
        Instructor,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="cases",
        verbose_name="挂钩指导员",
    )
    mentors = models.ManyToManyField(Mentor, blank=True, related_name="cases", verbose_name="指导导师")
    created_at = models.DateTimeField("纳入时间", default=timezone.now, editable=False)
    updated_at = models.DateTimeField("更新时间", default=timezone.now, editable=False)
    is_demo = models.BooleanField("演示数据", default=False, editable=False)

    scope_path = "subject__community"
    street_path = "subject__street"

    objects = manager_for(RectificationCaseQuerySet)
    history = HistoricalRecords(m2m_fields=[mentors])

    class Meta:
        verbose_name = "整顿提升"
        verbose_name_plural = "软弱涣散整顿提升"
        ordering = ["status", "-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["subject"],
                condition=Q(status="open"),
                name="rectificationcase_one_open_per_subject",
                violation_error_message="这个对象已有一个整顿中的案例。",
            ),
            models.CheckConstraint(
                condition=Q(status="open", closed_in__isnull=True) | Q(status="closed", closed_in__isnull=False),
                name="rectificationcase_closed_iff_closed_in",
                violation_error_message="已销号的案例须有销号的评定期；整顿中的案例不填。",
            ),
        ]
        indexes = [
            # The close finds a subject's open case; the list shows a street's open cases.
            models.Index(fields=["subject", "status"], name="rectcase_subject_status_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.subject}（{self.opened_in}纳入）"


class FollowUpVisit(models.Model):
    """A dated visit of the instructor (or a mentor) to a subject under rectification."""

    case = models.ForeignKey(RectificationCase, models.CASCADE, related_name="visits", verbose_name="整顿案例")
    visited_on = models.DateField("走访日期")
    notes = models.TextField("跟踪情况", help_text="“两委”班子工作落实情况、发现的问题。")
    next_steps = models.TextField("下一步", blank=True)
    visitor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="记录人",
        editable=False,
    )
    created_at = models.DateTimeField("记录时间", auto_now_add=True)
    is_demo = models.BooleanField("演示数据", default=False, editable=False)
    once_token = once_token_field()

    scope_path = "case__subject__community"
    street_path = "case__subject__street"

    objects = manager_for(ScopedQuerySet)
    history = HistoricalRecords()

    class Meta:
        verbose_name = "跟踪走访"
        verbose_name_plural = "跟踪走访"
        ordering = ["-visited_on", "-pk"]
        indexes = [
            models.Index(fields=["case", "visited_on"], name="visit_case_date_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.visited_on:%Y-%m-%d} 走访"
