"""Staff scopes: which street or communities a staff login may act on."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from simple_history.models import HistoricalRecords

from ..scope import ScopedQuerySet
from .base import manager_for
from .geography import Community, Street


class StaffScope(models.Model):
    """Which part of a street a staff user acts on: all of it (street staff), or the listed
    communities of it (a community secretary). Every scope names its street, so street staff
    see their secretaries' scopes too."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, models.CASCADE, related_name="staff_scope", verbose_name="用户"
    )
    street = models.ForeignKey(Street, models.CASCADE, related_name="staff_scopes", verbose_name="街道")
    whole_street = models.BooleanField(
        "整个街道", default=False, help_text="街道工作人员勾选；社区书记不勾选，并在下面选择所管社区。"
    )
    communities = models.ManyToManyField(Community, blank=True, related_name="staff_scopes", verbose_name="社区")

    scope_path = "communities"
    street_path = "street"
    scope_path_is_multi = True

    objects = manager_for(ScopedQuerySet)
    history = HistoricalRecords(m2m_fields=[communities])

    class Meta:
        verbose_name = "工作范围"
        verbose_name_plural = "工作范围"

    def __str__(self) -> str:
        return f"{self.user} 的工作范围"


class PasswordChangeDue(models.Model):
    """A login given a one-time password (an imported secretary account): until it changes the
    password it is sent to the password change page. The row goes when the password changes."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, models.CASCADE, related_name="password_change_due", verbose_name="用户"
    )
    since = models.DateTimeField("发放时间", auto_now_add=True)

    scope_path = None  # read only by the login and the middleware, never listed

    class Meta:
        verbose_name = "待修改的一次性密码"
        verbose_name_plural = "待修改的一次性密码"

    def __str__(self) -> str:
        return f"{self.user} 须修改密码"
