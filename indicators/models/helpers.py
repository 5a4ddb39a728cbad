"""People who help: 指导员 and 导师团."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from simple_history.models import HistoricalRecords

from organizations.models import Street, manager_for
from organizations.scope import ScopedQuerySet


class InstructorQuerySet(ScopedQuerySet):
    def active(self):
        return self.filter(is_active=True)


class Instructor(models.Model):
    """A 党建指导员 (seed 004: a 机关中层干部 paired with a weak subject): a staff login of the
    street, so the workspace can show them their cases."""

    street = models.ForeignKey(Street, models.PROTECT, related_name="instructors", verbose_name="街道")
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="instructor", verbose_name="登录账号"
    )
    name = models.CharField("姓名", max_length=30)
    unit = models.CharField("所在单位/科室", max_length=80, blank=True)
    is_active = models.BooleanField("在岗", default=True)
    is_demo = models.BooleanField("演示数据", default=False)

    scope_path = "street__communities"  # street-level, see STREET_LEVEL
    street_path = "street"
    scope_path_is_multi = True

    objects = manager_for(InstructorQuerySet)
    history = HistoricalRecords()

    class Meta:
        verbose_name = "党建指导员"
        verbose_name_plural = "党建指导员"
        ordering = ["street", "name"]

    def __str__(self) -> str:
        return f"{self.name}（{self.unit}）" if self.unit else self.name

    def clean(self) -> None:
        if not self.user_id or not self.street_id:
            return
        if not self.user.is_staff or not self.user.is_active:
            raise ValidationError({"user": "指导员须使用在用的工作人员账号。"})
        scope = getattr(self.user, "staff_scope", None)
        if scope is None or scope.street_id != self.street_id:
            raise ValidationError({"user": "指导员的账号须属于同一街道的工作范围。"})


class Mentor(models.Model):
    """A member of the 导师团: a party-building expert, scholar or leading secretary who advises
    the weak subjects on their 一村一策 plan (seed 004)."""

    street = models.ForeignKey(Street, models.PROTECT, related_name="mentors", verbose_name="街道")
    name = models.CharField("姓名", max_length=30)
    title = models.CharField("职务/职称", max_length=80, blank=True, help_text="如“党校教授”“先进社区党委书记”。")
    is_demo = models.BooleanField("演示数据", default=False)

    scope_path = "street__communities"  # street-level, see STREET_LEVEL
    street_path = "street"
    scope_path_is_multi = True

    objects = manager_for(ScopedQuerySet)
    history = HistoricalRecords()

    class Meta:
        verbose_name = "导师团成员"
        verbose_name_plural = "导师团成员"
        ordering = ["street", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["street", "name", "title"],
                name="mentor_unique_in_street",
                violation_error_message="这个街道的导师团已有这位导师。",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name}（{self.title}）" if self.title else self.name
