"""Progress timelines (updates with photos) and the reminders for stale projects."""

from __future__ import annotations

import posixpath

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

from core.once import once_token_field
from core.uploads import fitted, resized
from organizations.models import Street, manager_for
from organizations.scope import ScopedQuerySet

from .. import closing
from ..validators import validate_photo
from .base import PERCENT_VALIDATORS
from .plan730 import WorkItem
from .secretary import SecretaryProject


class ProgressUpdateQuerySet(ScopedQuerySet):
    def public(self):
        """Updates of public projects and of public plans' items."""
        return self.filter(Q(project__is_public=True) | Q(item__theme__plan__is_public=True))

    def for_projects(self):
        return self.filter(project__isnull=False)

    def for_items(self):
        return self.filter(item__isnull=False)


class ProgressUpdate(models.Model):
    """One entry of a timeline: a 书记工程's or a 730 item's progress on a date.

    Append-only: anyone allowed may add; only the author may correct it, and only within
    ``settings.PROJECTS_UPDATE_EDIT_WINDOW_MINUTES`` of posting; only street staff may delete,
    and the deletion stays in the change history with who did it (see ``services``).
    """

    project = models.ForeignKey(
        SecretaryProject,
        models.CASCADE,
        null=True,
        blank=True,
        related_name="updates",
        verbose_name="书记工程",
    )
    item = models.ForeignKey(
        WorkItem, models.CASCADE, null=True, blank=True, related_name="updates", verbose_name="730要点"
    )
    # Copied from the subject so one lookup scopes both kinds of update for street staff.
    street = models.ForeignKey(
        Street, models.PROTECT, related_name="progress_updates", verbose_name="街道", editable=False
    )
    date = models.DateField("进展日期")
    text = models.TextField("进展情况")
    percent = models.PositiveSmallIntegerField(
        "完成百分比", validators=PERCENT_VALIDATORS, help_text="截至该日期，整体完成了百分之多少（0–100）。"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="progress_updates",
        verbose_name="填报人",
        editable=False,
    )
    is_demo = models.BooleanField("演示数据", default=False, editable=False)
    once_token = once_token_field()
    created_at = models.DateTimeField("填报时间", auto_now_add=True)
    updated_at = models.DateTimeField("修改时间", auto_now=True)

    scope_path = "project__community"
    street_path = "street"

    objects = manager_for(ProgressUpdateQuerySet)
    history = HistoricalRecords()

    class Meta:
        verbose_name = "进展"
        verbose_name_plural = "进展"
        ordering = ["-date", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(project__isnull=False, item__isnull=True) | Q(project__isnull=True, item__isnull=False),
                name="progressupdate_exactly_one_subject",
                violation_error_message="一条进展必须且只能属于一个书记工程或一个730要点。",
            ),
            models.CheckConstraint(
                condition=Q(percent__gte=0, percent__lte=100),
                name="progressupdate_percent_0_to_100",
                violation_error_message="完成百分比应在 0–100 之间。",
            ),
        ]
        indexes = [
            # A project's timeline, newest first, and its latest update for the roll-up.
            models.Index(fields=["project", "-date", "-id"], name="progressupd_project_date_idx"),
            # The same for a 730 item.
            models.Index(fields=["item", "-date", "-id"], name="progressupd_item_date_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.date:%Y-%m-%d} {self.percent}%"

    @property
    def subject(self):
        return self.project if self.project_id else self.item

    def _subject_street_and_year(self) -> tuple[int, int] | None:
        if self.project_id and not self.item_id:
            return self.project.community.street_id, self.project.year
        if self.item_id and not self.project_id:
            plan = self.item.theme.plan
            return plan.street_id, plan.year
        return None

    def clean_fields(self, exclude=None) -> None:
        # The street is copied from the subject before the fields are checked.
        found = self._subject_street_and_year()
        if found is not None:
            self.street_id = found[0]
        super().clean_fields(exclude=exclude)

    def clean(self) -> None:
        from ..lagging import today_in_beijing

        found = self._subject_street_and_year()
        if found is None:
            raise ValidationError("一条进展必须且只能属于一个书记工程或一个730要点。")
        self.street_id, year = found
        if self.pk is None and not closing.accepts_updates(year):
            raise ValidationError(
                closing.closed_refusal(year, "书记工程" if self.project_id else "730要点"), code="closed"
            )
        if self.date and self.date.year < year:
            raise ValidationError({"date": f"进展日期不能早于 {year} 年：这是 {year} 年度的项目。"})
        if self.date and self.date > today_in_beijing():
            raise ValidationError({"date": "进展日期不能晚于今天。"})


# The sizes a progress photo is kept in besides its original (width × height it must fit in): one
# to look at on any screen, and the timeline's thumbnail, 480 px wide so that a 9rem image on a
# phone of three device pixels per CSS pixel (432 px) is sharp from it alone.
PHOTO_DISPLAY_BOX = (1280, 1280)
PHOTO_THUMB_BOX = (480, 960)


def _beside_the_original(photo: UpdatePhoto, filename: str) -> str:
    """The smaller copies are stored in the original's folder."""
    return posixpath.join(posixpath.dirname(photo.image.name), filename)


class UpdatePhoto(models.Model):
    """A photo of a progress update, kept as uploaded (without its EXIF) and in two smaller
    copies for the web, made when it is saved (``sizes_make``); ``manage.py photo_sizes`` makes
    them for photos stored before the copies existed."""

    update = models.ForeignKey(ProgressUpdate, models.CASCADE, related_name="photos", verbose_name="进展")
    image = models.ImageField(
        "照片",
        upload_to="projects/updates/%Y/%m/",
        validators=[validate_photo],
        help_text="JPEG、PNG 或 WebP 格式。",
    )
    caption = models.CharField("说明", max_length=100, blank=True)
    # The original's size, upright, as read when the copies were made: the copies' sizes and the
    # pages' width/height attributes follow from it without opening a file.
    width = models.PositiveIntegerField("宽（像素）", null=True, blank=True, editable=False)
    height = models.PositiveIntegerField("高（像素）", null=True, blank=True, editable=False)
    display = models.ImageField("展示图", upload_to=_beside_the_original, blank=True, editable=False)
    thumb = models.ImageField("缩略图", upload_to=_beside_the_original, blank=True, editable=False)
    created_at = models.DateTimeField("上传时间", auto_now_add=True)

    scope_path = "update__project__community"
    street_path = "update__street"

    objects = manager_for(ScopedQuerySet)
    history = HistoricalRecords()

    class Meta:
        verbose_name = "进展照片"
        verbose_name_plural = "进展照片"
        ordering = ["update", "pk"]

    def __str__(self) -> str:
        return self.caption or self.image.name.rsplit("/", 1)[-1]

    def save(self, *args, **kwargs):
        # A new upload gets its copies with the row, whoever saves it (services, a demo, a shell).
        if self.image and not self.image._committed and not self.thumb:
            self.sizes_make()
        super().save(*args, **kwargs)

    def sizes_make(self) -> None:
        """Store the display copy and the thumbnail of the original (replacing any made before)
        and note its size; the row itself is saved by the caller."""
        if not self.image._committed:
            self.image.save(self.image.name, self.image.file, save=False)  # the copies go beside it
        stem = posixpath.splitext(posixpath.basename(self.image.name))[0]
        with self.image.open("rb") as source:
            made = resized(source, {"display": PHOTO_DISPLAY_BOX, "thumb": PHOTO_THUMB_BOX}, name=stem)
        self.width, self.height = made.width, made.height
        for field in ("display", "thumb"):
            old = getattr(self, field)
            if old:
                old.delete(save=False)
            getattr(self, field).save(made.files[field].name, made.files[field], save=False)

    @property
    def has_sizes(self) -> bool:
        return bool(self.thumb and self.display and self.width and self.height)

    @property
    def display_size(self) -> tuple[int, int]:
        return fitted(self.width, self.height, PHOTO_DISPLAY_BOX)

    @property
    def thumb_size(self) -> tuple[int, int]:
        return fitted(self.width, self.height, PHOTO_THUMB_BOX)


# --- Reminders --------------------------------------------------------------------------------


class StaleReminder(models.Model):
    """The record that a project's 滞后 reminder went out for a quarter: the database lets one
    exist per (project, year, quarter), so a second run of the task sends nothing."""

    project = models.ForeignKey(
        SecretaryProject, models.CASCADE, related_name="stale_reminders", verbose_name="书记工程"
    )
    year = models.PositiveSmallIntegerField("年度")
    quarter = models.PositiveSmallIntegerField("季度")
    sent_at = models.DateTimeField("发送时间", auto_now_add=True)
    recipients = models.TextField("收件人", help_text="发送时的收件地址，以逗号分隔。")
    reasons = models.TextField("滞后原因", blank=True)

    scope_path = "project__community"
    street_path = "project__community__street"

    objects = manager_for(ScopedQuerySet)
    history = HistoricalRecords()

    class Meta:
        verbose_name = "滞后提醒"
        verbose_name_plural = "滞后提醒"
        ordering = ["-sent_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["project", "year", "quarter"],
                name="stalereminder_once_per_quarter",
                violation_error_message="这个书记工程本季度的提醒已经发送过。",
            ),
            models.CheckConstraint(
                condition=Q(quarter__gte=1, quarter__lte=4),
                name="stalereminder_quarter_1_to_4",
                violation_error_message="季度应为 1–4。",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.project} {self.year}年第{self.quarter}季度提醒"
