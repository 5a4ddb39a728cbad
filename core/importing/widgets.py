"""Widgets: how a cell becomes a value and back (names, choices, levels, numbers, yes/no, Chinese dates)."""

from __future__ import annotations

import unicodedata
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from django.db import models
from import_export import widgets

from .cells import cell_text, is_blank


def parse_day(text: str) -> date | None:
    """A date typed as text, in the forms ``ChineseDateWidget`` reads; None when it is not one."""
    text = unicodedata.normalize("NFKC", text).strip()
    if " " in text:  # “2023-02-17 00:00:00” from a spreadsheet saved as csv
        date_part, _, clock = text.partition(" ")
        if clock.strip() in ("00:00:00", "00:00", "0:00:00", "0:00"):
            text = date_part
    text = "".join(text.split()).replace("号", "日").rstrip("日").replace("年", "-").replace("月", "-")
    for input_format in ("%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y%m%d"):
        try:
            return datetime.strptime(text, input_format).date()  # noqa: DTZ007 — a date, no time zone
        except ValueError:
            continue
    return None


class TextWidget(widgets.Widget):
    """Text: numbers from Excel become text, surrounding spaces go (except in long texts)."""

    def __init__(self, strip: bool = True, upper: bool = False, **kwargs):
        super().__init__(**kwargs)
        self.strip = strip
        self.upper = upper

    def clean(self, value, row=None, **kwargs):
        text = cell_text(value, strip=self.strip)
        return text.upper() if self.upper else text

    def render(self, value, obj=None, **kwargs):
        return "" if value is None else str(value)


class NamedForeignKeyWidget(widgets.ForeignKeyWidget):
    """Finds a related record by its name plus the names of its parents in the same row.

    ``parents`` maps a lookup (``"street__name"``) to the column holding its value; a missing
    record is a ``ValueError`` with a sentence a street clerk can act on. Records found are kept
    for the rest of the import, so a 2,000-member file looks each organisation up once.
    """

    def __init__(self, model, field="name", parents=None, label=None, hint="", **kwargs):
        super().__init__(model, field=field, **kwargs)
        self.parents = dict(parents or {})
        self.label = label or model._meta.verbose_name
        self.hint = hint
        self.found: dict[tuple, models.Model] = {}

    def reset(self) -> None:
        self.found = {}

    def forget(self, instance) -> None:
        """Drop a record saved during the import, so later rows see its new values."""
        if isinstance(instance, self.model):
            self.found = {key: obj for key, obj in self.found.items() if obj.pk != instance.pk}

    def get_queryset(self, value, row, *args, **kwargs):
        # The parents named in the lookup are read again for the preview and the checks.
        related = sorted({lookup.rsplit("__", 1)[0] for lookup in self.parents if "__" in lookup})
        return self.model._default_manager.select_related(*related)

    def get_lookup_kwargs(self, value, row, **kwargs):
        lookup = {self.field: value}
        for lookup_name, column in self.parents.items():
            lookup[lookup_name] = cell_text((row or {}).get(column))
        return lookup

    def clean(self, value, row=None, **kwargs):
        value = cell_text(value)
        if not value:
            return None
        lookup = self.get_lookup_kwargs(value, row)
        key = tuple(sorted(lookup.items()))
        if key in self.found:
            return self.found[key]
        empty = [column for name, column in self.parents.items() if not lookup[name]]
        if empty:
            raise ValueError(f"填写了{self.label}“{value}”，但没有填写{'、'.join(empty)}，无法确定是哪一个。")
        try:
            obj = self.get_queryset(value, row).get(**lookup)
        except self.model.DoesNotExist:
            where = "，".join(f"{column}：{lookup[name]}" for name, column in self.parents.items())
            raise ValueError(
                f"找不到{self.label}“{value}”" + (f"（{where}）" if where else "") + "，请核对名称。" + self.hint
            ) from None
        except self.model.MultipleObjectsReturned:
            raise ValueError(f"{self.label}“{value}”有重名，请补充上级名称。") from None
        self.found[key] = obj
        return obj

    def render(self, value, obj=None, **kwargs):
        return "" if value is None else getattr(value, self.field)


class StrictManyToManyWidget(widgets.ManyToManyWidget):
    """Names separated by “、”. An unknown name is an error, not silently dropped (the library's
    widget drops it). ``parents`` limits the choice by columns of the same row, as above."""

    def __init__(self, model, field="name", separator="、", parents=None, label=None, **kwargs):
        super().__init__(model, separator=separator, field=field, **kwargs)
        self.parents = dict(parents or {})
        self.label = label or model._meta.verbose_name
        self.choices: dict[tuple, dict[str, models.Model]] = {}

    def reset(self) -> None:
        self.choices = {}

    def _choices(self, row) -> dict[str, models.Model]:
        lookup = {name: cell_text((row or {}).get(column)) for name, column in self.parents.items()}
        key = tuple(sorted(lookup.items()))
        if key not in self.choices:
            queryset = self.model._default_manager.filter(**lookup)
            self.choices[key] = {str(getattr(obj, self.field)): obj for obj in queryset}
        return self.choices[key]

    def clean(self, value, row=None, **kwargs):
        text = cell_text(value)
        if not text:
            return []
        # A clerk may separate with “、”, a comma or a Chinese comma.
        for separator in (",", "，", ";", "；"):
            text = text.replace(separator, self.separator)
        names = list(dict.fromkeys(name.strip() for name in text.split(self.separator) if name.strip()))
        choices = self._choices(row)
        missing = [name for name in names if name not in choices]
        if missing:
            known = "、".join(list(choices)[:30])
            raise ValueError(f"没有这样的{self.label}：{'、'.join(missing)}。可选：{known}")
        return [choices[name] for name in names]

    def render(self, value, obj=None, **kwargs):
        if value is None:
            return ""
        return self.separator.join(str(getattr(item, self.field)) for item in value.all())


class ChoiceLabelWidget(widgets.Widget):
    """Shows and reads a choice by its Chinese label (“城市社区”); the stored code is accepted too."""

    def __init__(self, choices, label="", **kwargs):
        super().__init__(**kwargs)
        self.by_label = {str(text): value for value, text in choices}
        self.by_value = {value: str(text) for value, text in choices}
        self.label = label

    def clean(self, value, row=None, **kwargs):
        text = cell_text(value)
        if not text:
            return ""
        if text in self.by_label:
            return self.by_label[text]
        if text in self.by_value:
            return text
        raise ValueError(f"“{text}”不是可选的{self.label}，可选：{'、'.join(self.by_label)}。")

    def render(self, value, obj=None, **kwargs):
        return self.by_value.get(value, value or "")


class LevelWidget(widgets.Widget):
    """A grid level: 1, 2 or 3 (an xlsx cell may hold 2.0), or the level's full label."""

    def __init__(self, choices, **kwargs):
        super().__init__(**kwargs)
        self.by_label = {str(text): value for value, text in choices}
        self.values = {value for value, _ in choices}

    def clean(self, value, row=None, **kwargs):
        text = cell_text(value)
        if not text:
            return None
        if text in self.by_label:
            return self.by_label[text]
        if text.isdigit() and int(text) in self.values:
            return int(text)
        raise ValueError(
            f"层级“{text}”不正确，应填 1、2 或 3（1 = 社区，2 = 居民小组/物业小区/商圈楼宇，3 = 责任区）。"
        )

    def render(self, value, obj=None, **kwargs):
        if value is None:
            return ""
        return value if kwargs.get("force_native_type") else str(value)


class NumberWidget(widgets.Widget):
    """Integers or decimals; the csv shows them plainly (no thousands separator)."""

    def __init__(self, decimal: bool = False, **kwargs):
        super().__init__(**kwargs)
        self.decimal = decimal

    def clean(self, value, row=None, **kwargs):
        if is_blank(value):
            return None
        if isinstance(value, bool):
            raise ValueError(f"“{cell_text(value)}”不是数字。")
        text = cell_text(value).replace(",", "").replace("，", "")
        if isinstance(value, float) and self.decimal:
            text = repr(value)
        try:
            number = Decimal(text)
        except InvalidOperation:
            raise ValueError(f"“{text}”不是数字。") from None
        if not number.is_finite():
            raise ValueError(f"“{text}”不是数字。")
        if self.decimal:
            return number
        if number != number.to_integral_value():
            raise ValueError(f"“{text}”应为整数。")
        if abs(number) >= 10**15:
            raise ValueError(f"“{text}”太大了。")
        return int(number)

    def render(self, value, obj=None, **kwargs):
        if value is None:
            return ""
        return value if kwargs.get("force_native_type") else str(value)


class YesNoWidget(widgets.Widget):
    TRUE_VALUES = {"是", "1", "true", "yes", "y", "√"}
    FALSE_VALUES = {"否", "0", "false", "no", "n", "×", ""}

    def render(self, value, obj=None, **kwargs):
        return "是" if value else "否"

    def clean(self, value, row=None, **kwargs):
        if isinstance(value, bool):
            return value
        text = cell_text(value).lower()
        if text in self.TRUE_VALUES:
            return True
        if text in self.FALSE_VALUES:
            return False
        raise ValueError(f"“{cell_text(value)}”应为“是”或“否”。")


class ChineseDateWidget(widgets.Widget):
    """A date as 2023-02-17; 2023/2/17, 2023.2.17, 2023年2月17日 (or 号), 20230217 and Excel date
    cells also read, typed with full-width digits or spaces as well (“２０２３年 1 月 9 日”)."""

    INPUT_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y年%m月%d日", "%Y%m%d")

    def clean(self, value, row=None, **kwargs):
        if isinstance(value, datetime):
            return value.date()
        if isinstance(value, date):
            return value
        text = cell_text(value)
        if not text:
            return None
        day = parse_day(text)
        if day is None:
            raise ValueError(f"日期“{text}”无法识别，请写成 2023-02-17 的形式。")
        return day

    def render(self, value, obj=None, **kwargs):
        if not isinstance(value, date):
            return ""
        return value if kwargs.get("force_native_type") else value.strftime("%Y-%m-%d")


# --- Field helpers ----------------------------------------------------------------------------
