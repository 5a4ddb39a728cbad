"""Imports and exports of the centres' weekly opening hours (a row replaces a centre's week) and dated exceptions."""

from __future__ import annotations

import re
from datetime import time

from django.core.exceptions import ValidationError
from import_export import fields, widgets

from core.importing import (
    cell_text,
    day,
    is_blank,
    related,
    text,
    yes_no,
)

from ..importing import ScopedResource, street_field
from ..models import (
    OpeningException,
    OpeningInterval,
    ServiceCenter,
)
from ..opening import WEEKDAYS

DAY_CHARS = {"一": 0, "二": 1, "三": 2, "四": 3, "五": 4, "六": 5, "日": 6, "天": 6, "七": 6}
RANGE = r"\s*[-–—~～至到]\s*"
CLOCK = r"\d{1,2}[:：]\d{2}"
GROUP = re.compile(
    rf"^(?P<days>[^\d]+?)\s*(?P<times>{CLOCK}{RANGE}{CLOCK}(?:\s*[、,，]\s*{CLOCK}{RANGE}{CLOCK})*)"
    rf"(?:\s*[（(]?\s*午休\s*(?P<lunch>{CLOCK}{RANGE}{CLOCK})\s*[)）]?)?$"
)
NO_HOURS = ("无", "不开放", "无固定开放时间")
WEEK_EXAMPLE = "例：周一至周五 09:00-18:00（午休12:00-14:00）；周六 09:00-12:00"

Week = tuple[tuple[int, time, time], ...]


def _clock(text: str) -> time:
    hours, minutes = (int(part) for part in re.split("[:：]", text))
    if hours == 24 and minutes == 0:
        return time(23, 59)
    if hours > 23 or minutes > 59:
        raise ValueError(f"时间“{text}”不正确。")
    return time(hours, minutes)


def _span(text: str) -> tuple[time, time]:
    opens, closes = (_clock(part) for part in re.split(RANGE, text.strip(), maxsplit=1))
    if closes <= opens:
        raise ValueError(f"“{text.strip()}”的结束时间必须晚于开始时间。")
    return opens, closes


def _days(text: str) -> list[int]:
    """“周一至周五”, “周一、三、五”, “周六日”, “每天” as weekdays 0–6."""
    text = text.replace("星期", "").replace("礼拜", "").replace("周", "").strip()
    if text in ("每天", "每日", "全周", "一至日", "一至七"):
        return list(range(7))
    days: list[int] = []
    for token in re.split(r"[、,，/\s]+", text):
        if not token:
            continue
        ends = re.split(r"[-–—~～至到]", token)
        if len(ends) == 2 and all(end in DAY_CHARS for end in ends):
            first, last = DAY_CHARS[ends[0]], DAY_CHARS[ends[1]]
            if last < first:
                raise ValueError(f"“{token}”的起止顺序不对，应从周一往周日写。")
            days += range(first, last + 1)
        elif all(char in DAY_CHARS for char in token):
            days += [DAY_CHARS[char] for char in token]
        else:
            raise ValueError(f"无法识别星期“{token}”。")
    return days


def parse_week(value) -> Week:
    """A centre's week from one cell; groups are separated by “；”. Raises ``ValueError``."""
    text = cell_text(value)
    if text in NO_HOURS:
        return ()
    if not text:
        raise ValueError(f"必填。没有固定开放时间请填“无”。{WEEK_EXAMPLE}")
    week: dict[int, list[tuple[time, time]]] = {}
    for group in (g.strip() for g in re.split(r"[；;\n]", text)):
        if not group:
            continue
        match = GROUP.match(group)
        if match is None:
            raise ValueError(f"无法识别“{group}”。{WEEK_EXAMPLE}")
        days = _days(match["days"])
        spans = [_span(part) for part in re.split(r"\s*[、,，]\s*(?=\d)", match["times"])]
        if match["lunch"]:
            if len(spans) != 1:
                raise ValueError(f"“{group}”：写了午休时只能写一段开放时间。")
            (opens, closes), (rest, back) = spans[0], _span(match["lunch"])
            if not opens < rest < back < closes:
                raise ValueError(f"“{group}”：午休必须在开放时间之内。")
            spans = [(opens, rest), (back, closes)]
        for weekday in days:
            if weekday in week:
                raise ValueError(f"{WEEKDAYS[weekday]}写了两次，每一天只能出现在一组里。")
            ordered = sorted(spans)
            for (_, a_closes), (b_opens, _) in zip(ordered, ordered[1:], strict=False):
                if b_opens < a_closes:
                    raise ValueError(f"“{group}”的时段互相重叠。")
            week[weekday] = ordered
    return tuple((weekday, opens, closes) for weekday in sorted(week) for opens, closes in week[weekday])


def _days_text(days: list[int]) -> str:
    runs: list[list[int]] = []
    for weekday in days:
        if runs and runs[-1][-1] == weekday - 1:
            runs[-1].append(weekday)
        else:
            runs.append([weekday])
    parts = []
    for run in runs:
        if len(run) >= 3:
            parts.append(f"{WEEKDAYS[run[0]]}至{WEEKDAYS[run[-1]]}")
        else:
            parts += [WEEKDAYS[weekday] for weekday in run]
    return "、".join(parts)


def render_week(week: Week) -> str:
    """The cell ``parse_week`` reads back: days with the same hours are one group."""
    if not week:
        return "无"
    by_day: dict[int, tuple] = {}
    for weekday, opens, closes in week:
        by_day[weekday] = (*by_day.get(weekday, ()), (opens, closes))
    groups: dict[tuple, list[int]] = {}
    for weekday in sorted(by_day):
        groups.setdefault(by_day[weekday], []).append(weekday)
    texts = []
    for spans, days in groups.items():
        if len(spans) == 2:
            (opens, rest), (back, closes) = spans
            hours = f"{opens:%H:%M}-{closes:%H:%M}（午休{rest:%H:%M}-{back:%H:%M}）"
        else:
            hours = "、".join(f"{a:%H:%M}-{b:%H:%M}" for a, b in spans)
        texts.append(f"{_days_text(days)} {hours}")
    return "；".join(texts)


def week_of(center) -> Week:
    return tuple(
        sorted((interval.weekday, interval.opens_at, interval.closes_at) for interval in center.opening_intervals.all())
    )


class WeekWidget(widgets.Widget):
    def clean(self, value, row=None, **kwargs):
        return parse_week(value)

    def render(self, value, obj=None, **kwargs):
        return render_week(value or ())


class WeeklyHoursResource(ScopedResource):
    """A centre's regular week, one row per centre. Importing a row replaces the centre's whole
    week (all its weekly intervals, all or nothing); an unchanged week is skipped. Only existing
    centres are named: centres themselves are imported with ``ServiceCenterResource``."""

    street = street_field()
    name = text("name", "名称")
    week = fields.Field(attribute="new_week", column_name="每周开放时间（整周替换）", widget=WeekWidget())

    key_columns = ("街道", "名称")
    select_related = ("street",)
    prefetch_related = ("opening_intervals",)

    class Meta(ScopedResource.Meta):
        model = ServiceCenter
        name = "每周开放时间（导入即整周替换该中心原有时段）"
        fields = ("street", "name", "week")
        import_id_fields = ("street", "name")
        export_order = fields

    def dehydrate_week(self, center) -> str:
        new = getattr(center, "new_week", None)
        return render_week(week_of(center) if new is None else new)

    def get_or_init_instance(self, instance_loader, row):
        instance, new = super().get_or_init_instance(instance_loader, row)
        if new:
            raise ValidationError(
                {"名称": f"找不到服务中心“{cell_text(row.get('名称'))}”：开放时间只能导入给已有的中心，请核对名称。"}
            )
        return instance, new

    def skip_row(self, instance, original, row, import_validation_errors=None):
        if import_validation_errors:
            return False
        return instance.new_week == week_of(original)

    def validate_instance(self, instance, import_validation_errors=None, validate_unique=True):
        # Only the week is written: the centre itself is not checked or saved again.
        if import_validation_errors:
            raise ValidationError(import_validation_errors)

    def save_instance(self, instance, is_create, row, **kwargs):
        OpeningInterval.objects.filter(center=instance).delete()
        for weekday, opens, closes in instance.new_week:
            OpeningInterval.objects.create(center=instance, weekday=weekday, opens_at=opens, closes_at=closes)


class ClockWidget(widgets.Widget):
    """A time of day as 09:00 (an Excel time cell reads too)."""

    def clean(self, value, row=None, **kwargs):
        if isinstance(value, time):
            return value
        if hasattr(value, "time") and callable(value.time):
            return value.time()
        text = cell_text(value)
        if not text:
            return None
        if re.fullmatch(r"\d{1,2}[:：]\d{2}(:00)?", text):
            return _clock(text[:5] if text.count(":") == 2 else text)
        raise ValueError(f"时间“{text}”无法识别，请写成 09:00 的形式。")

    def render(self, value, obj=None, **kwargs):
        return "" if value is None else f"{value:%H:%M}"


class OpeningExceptionResource(ScopedResource):
    """Dated exceptions to a centre's week: closed all day, or open at special hours (one row
    per interval). Rows are found by centre, date and opening time."""

    street = text("center__street__name", "街道", readonly=True)
    center = related("center", "服务中心", ServiceCenter, parents={"street__name": "街道"}, label="服务中心")
    date = day("date", "日期")
    is_closed = yes_no("is_closed", "全天闭馆")
    opens_at = fields.Field(attribute="opens_at", column_name="开门", widget=ClockWidget())
    closes_at = fields.Field(attribute="closes_at", column_name="关门", widget=ClockWidget())
    note = text("note", "说明")

    key_columns = ("街道", "服务中心", "日期", "开门")
    select_related = ("center__street",)

    class Meta(ScopedResource.Meta):
        model = OpeningException
        name = "特殊开放安排（闭馆或特殊时段）"
        fields = ("street", "center", "date", "is_closed", "opens_at", "closes_at", "note")
        import_id_fields = ("center", "date", "opens_at")
        export_order = fields

    def normalise_row(self, row) -> None:
        if is_blank(row.get("全天闭馆")):
            # Blank means “not closed”: a row with hours is a special opening.
            row["全天闭馆"] = "否"
