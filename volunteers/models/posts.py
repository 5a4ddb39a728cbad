"""责任岗位: responsibility posts and the members who claim them."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from simple_history.models import HistoricalRecords

from organizations.models import Community, Grid, PartyMember, manager_for
from organizations.scope import ScopedQuerySet

# --- 责任岗位 ---------------------------------------------------------------------------------


class ResponsibilityPostQuerySet(ScopedQuerySet):
    def open(self):
        return self.filter(is_open=True)


class ResponsibilityPost(models.Model):
    """A post a community publishes for members without a post (无职党员) to claim: a building
    head, an environment supervisor, a grid zone …"""

    community = models.ForeignKey(Community, models.CASCADE, related_name="responsibility_posts", verbose_name="社区")
    grid = models.ForeignKey(
        Grid,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="responsibility_posts",
        verbose_name="责任网格",
    )
    title = models.CharField("岗位", max_length=80)
    duties = models.TextField("岗位职责", blank=True)
    claim_limit = models.PositiveSmallIntegerField(
        "认领人数上限",
        null=True,
        blank=True,
        validators=[MinValueValidator(1)],
        help_text="留空则按系统默认上限（VOLUNTEERS_POST_CLAIM_LIMIT）。",
    )
    is_open = models.BooleanField("开放认领", default=True)
    published_on = models.DateField("发布日期", default=timezone.localdate)
    is_demo = models.BooleanField("演示数据", default=False)

    scope_path = "community"
    street_path = "community__street"

    objects = manager_for(ResponsibilityPostQuerySet)
    history = HistoricalRecords()

    class Meta:
        verbose_name = "党员责任岗位"
        verbose_name_plural = "党员责任岗位"
        ordering = ["community", "title"]
        constraints = [
            models.UniqueConstraint(
                fields=["community", "title"],
                name="responsibilitypost_unique_title",
                violation_error_message="同一社区已有同名责任岗位。",
            ),
            models.CheckConstraint(
                condition=Q(claim_limit__isnull=True) | Q(claim_limit__gte=1),
                name="responsibilitypost_limit_positive",
                violation_error_message="认领人数上限至少为 1。",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def effective_limit(self) -> int:
        return self.claim_limit or settings.VOLUNTEERS_POST_CLAIM_LIMIT

    def clean(self) -> None:
        if self.grid_id and self.community_id and self.grid.community_id != self.community_id:
            raise ValidationError({"grid": "责任网格必须属于同一社区。"})


class PostClaimQuerySet(ScopedQuerySet):
    def active(self):
        return self.filter(ended_on__isnull=True)


class PostClaim(models.Model):
    post = models.ForeignKey(ResponsibilityPost, models.CASCADE, related_name="claims", verbose_name="责任岗位")
    member = models.ForeignKey(PartyMember, models.PROTECT, related_name="post_claims", verbose_name="认领党员")
    claimed_on = models.DateField("认领日期", default=timezone.localdate)
    ended_on = models.DateField("结束日期", null=True, blank=True)
    claimed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+", verbose_name="登记人"
    )
    is_demo = models.BooleanField("演示数据", default=False)

    scope_path = "post__community"
    street_path = "post__community__street"

    objects = manager_for(PostClaimQuerySet)
    history = HistoricalRecords()

    class Meta:
        verbose_name = "岗位认领"
        verbose_name_plural = "岗位认领"
        ordering = ["-claimed_on", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["post", "member"],
                condition=Q(ended_on__isnull=True),
                name="postclaim_one_active_per_member",
                violation_error_message="这名党员已认领这个岗位。",
            ),
            models.CheckConstraint(
                condition=Q(ended_on__isnull=True) | Q(ended_on__gte=F("claimed_on")),
                name="postclaim_ends_after_start",
                violation_error_message="结束日期不能早于认领日期。",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.member} 认领 {self.post}"

    def clean(self) -> None:
        if self.member_id and self.member.status != PartyMember.Status.WITHOUT_POST:
            raise ValidationError({"member": "责任岗位由无职党员认领：这名党员的状态不是“无职”。"})
