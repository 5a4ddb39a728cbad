"""The import template of a resource: an xlsx whose header row is exactly the export's (so a
round trip changes nothing), one example row, and a second sheet “说明” with each column's
meaning, whether it is required and its format.

Everything is read from the resource's fields and widgets and the model fields' verbose_name,
help_text and choices: a new resource gets its template without writing one.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

import openpyxl
from django.core.exceptions import FieldDoesNotExist
from import_export import widgets
from openpyxl.styles import Alignment, Font

from core.spreadsheet import neutralise_formula

from .widgets import (
    ChineseDateWidget,
    ChoiceLabelWidget,
    LevelWidget,
    NamedForeignKeyWidget,
    NumberWidget,
    StrictManyToManyWidget,
    TextWidget,
    YesNoWidget,
)

NOTES_SHEET = "说明"
NOTES_HEADERS = ["列名", "含义", "是否必填", "格式"]
READ_ONLY = "仅导出，导入时忽略"


@dataclass(frozen=True)
class ColumnNote:
    column: str
    meaning: str
    required: str
    format: str
    example: object


def _model_field(model, attribute: str | None):
    """The model field an attribute (“volunteer__name”) ends at, or None."""
    if not attribute:
        return None
    field = None
    for part in attribute.split("__"):
        try:
            field = model._meta.get_field(part)
        except FieldDoesNotExist:
            return None
        if field.is_relation and field.related_model is not None:
            model = field.related_model
    return field


def _format_and_example(widget, model_field) -> tuple[str, object]:
    if isinstance(widget, YesNoWidget):
        return "填“是”或“否”", "否"
    if isinstance(widget, ChineseDateWidget):
        return "日期，如 2023-02-17（也可写 2023/2/17、2023.2.17、2023年2月17日）", "2023-02-17"
    if isinstance(widget, ChoiceLabelWidget):
        labels = list(widget.by_label)
        return f"从以下选一个：{'、'.join(labels)}", labels[0] if labels else ""
    if isinstance(widget, LevelWidget):
        return "1、2 或 3（1 = 社区，2 = 居民小组/物业小区/商圈楼宇，3 = 责任区）", 2
    if isinstance(widget, NumberWidget):
        return ("数字，如 12.5", 12.5) if widget.decimal else ("整数，如 10", 10)
    if isinstance(widget, NamedForeignKeyWidget):
        parents = "、".join(widget.parents.values())
        where = f"（与同一行的{parents}一起确定）" if parents else ""
        return f"系统中已有的{widget.label}名称{where}", f"（已有的{widget.label}）"
    if isinstance(widget, StrictManyToManyWidget):
        return f"系统中已有的{widget.label}名称，多个用“、”分隔", f"（已有的{widget.label}）"
    if getattr(model_field, "choices", None):
        labels = [str(label) for _, label in model_field.choices]
        return f"从以下选一个：{'、'.join(labels)}", labels[0]
    if isinstance(widget, TextWidget) and not widget.strip:
        return "文字，可多行", "（示例文字）"
    if widget.__class__.__name__ == "DateTimeWidget":
        return "日期和时刻，如 2023-05-01 09:00（北京时间）", "2023-05-01 09:00"
    max_length = getattr(model_field, "max_length", None)
    return ("文字" + (f"，不超过 {max_length} 字" if max_length else "")), "（示例）"


def column_notes(resource) -> list[ColumnNote]:
    """One note per export column, in the export's order."""
    model = resource._meta.model
    key_columns = set(getattr(resource, "key_columns", ()))
    examples = dict(getattr(resource, "template_example", {}) or {})
    # Columns read to find another column's record (the street of a community's name).
    parents: dict[str, list[str]] = {}
    for field in resource.get_export_fields():
        for column in getattr(field.widget, "parents", {}).values():
            parents.setdefault(column, []).append(field.column_name)
    notes = []
    for field in resource.get_export_fields():
        model_field = _model_field(model, field.attribute)
        # A name read through a relation (“community__street__name”) means its column.
        through = "__" in (field.attribute or "")
        meaning = field.column_name if through else str(getattr(model_field, "verbose_name", "") or field.column_name)
        help_text = "" if through else str(getattr(model_field, "help_text", "") or "")
        if help_text:
            meaning = f"{meaning}：{help_text}"
        widget = field.widget
        format_, example = _format_and_example(widget, model_field)
        if field.column_name in key_columns:
            required = "必填（用于识别记录）"
        elif field.column_name in parents:
            required = f"与{'、'.join(parents[field.column_name])}一起填写，用于确定是哪一个"
        elif field.readonly:
            required = READ_ONLY
        elif (
            model_field is not None
            and not getattr(model_field, "blank", True)
            and not getattr(model_field, "has_default", lambda: False)()
            and not isinstance(widget, (YesNoWidget, widgets.ManyToManyWidget))
        ):
            required = "必填"
        else:
            required = "选填"
        if field.column_name in examples:
            example = examples[field.column_name]
        notes.append(ColumnNote(field.column_name, meaning, required, format_, example))
    return notes


def import_template(resource) -> bytes:
    """The xlsx template of ``resource``: the export's header row, one example row, and the
    “说明” sheet."""
    notes = column_notes(resource)
    headers = list(resource.get_export_headers())
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "导入模板"
    sheet.append(headers)
    by_column = {note.column: note for note in notes}
    sheet.append([neutralise_formula(by_column[h].example) if h in by_column else "" for h in headers])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for index, header in enumerate(headers, start=1):
        sheet.column_dimensions[openpyxl.utils.get_column_letter(index)].width = max(12, len(header) * 2 + 4)
    explained = book.create_sheet(NOTES_SHEET)
    explained.append(NOTES_HEADERS)
    for note in notes:
        explained.append([note.column, note.meaning, note.required, note.format])
    explained.append([])
    explained.append(["第一行为列名，列名须与模板一致；第二行是示例，请改成实际数据或删除。"])
    explained.append(["标题行、空行可以留在列名上方；多出的列（如“备注”）导入时忽略。"])
    explained.append(["任何一行有错误，整个文件都不会写入；预览会列出每个错误所在的行、列和原因。"])
    for cell in explained[1]:
        cell.font = Font(bold=True)
    for letter, width in zip("ABCD", (16, 40, 22, 50), strict=True):
        explained.column_dimensions[letter].width = width
    for row in explained.iter_rows(min_row=2):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
