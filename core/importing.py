"""The import framework: Excel/CSV import and export on top of django-import-export, for every
app's ``resources.py``.

Every file names records the way a person does — by names within their parent (street →
community → grid path, organisations by street and name, members by ID number), never by
database ids — and the export writes the same columns, so a file round-trips: importing an
unchanged export skips every row.

An import with any bad row writes nothing. Every bad row is reported with its line number (as
Excel shows it: the header is line 1), the column and a reason a clerk can act on. Whole-file
problems (a missing or unknown column, a secretary trying to import) are reported once. A
database rule a row breaks is explained by the rule's own ``violation_error_message``: the
models say what their constraints mean, once, for the admin and the imports alike.

Text cells an office suite would run as a formula are neutralised on export with a leading
apostrophe, and the apostrophe is taken off again on import.

Public API: ``PortalResource`` (the base), the widgets, the field helpers (``text``,
``choice``, ``number``, ``yes_no``, ``day``, ``related``), ``cell_text``, ``is_blank``,
``neutralise_formula`` / ``restore_formula`` and ``upsert``. Who may import, and which rows
they may touch, is the scope's rule: the apps' resources subclass
``organizations.importing.ScopedResource``, which fills in this base's three scope hooks
(``check_importer``, ``scope_queryset``, ``check_row_scope``) and names streets and communities.
"""

from __future__ import annotations

import logging
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from functools import cache
from typing import NamedTuple

import tablib
from django.apps import apps
from django.core.exceptions import NON_FIELD_ERRORS, FieldDoesNotExist, ValidationError
from django.db import IntegrityError, models
from django.db.models import Q
from django.db.models.constants import LOOKUP_SEP
from import_export import fields, resources, widgets
from import_export.results import Error, Result, RowResult

from core.spreadsheet import neutralise_formula, restore_formula

logger = logging.getLogger(__name__)


# Excel shows the header as line 1, so the first data row is line 2.
FIRST_LINE = 2

WHOLE_ROW = "整行"


class DatabaseRule(NamedTuple):
    """A constraint as a clerk meets it: its name, the field it is about, what it means."""

    name: str
    field: str
    message: str


def _rule_field(constraint) -> str:
    """The field a constraint is about: the first field named in its condition (so write the
    condition with the field you mean first: "one level-1 grid per community" is about the
    level), else a unique constraint's last field."""
    condition = getattr(constraint, "condition", None)
    if condition is None and isinstance(constraint, models.UniqueConstraint) and constraint.fields:
        return constraint.fields[-1]
    while isinstance(condition, Q) and condition.children:
        first = condition.children[0]
        if isinstance(first, tuple):
            return first[0].split(LOOKUP_SEP)[0]
        condition = first
    return NON_FIELD_ERRORS


@cache
def _all_rules() -> dict[type[models.Model], tuple[DatabaseRule, ...]]:
    rules = {}
    for model in apps.get_models():
        rules[model] = tuple(
            DatabaseRule(constraint.name, _rule_field(constraint), constraint.get_violation_error_message())
            for constraint in model._meta.constraints
        )
    return rules


def database_rules(model: type[models.Model] | None = None) -> tuple[DatabaseRule, ...]:
    """The constraints of ``model`` (of every model when None), each with the message its
    ``violation_error_message`` gives."""
    rules = _all_rules()
    if model is not None:
        return rules.get(model, ())
    return tuple(rule for model_rules in rules.values() for rule in model_rules)


def upsert(model: type[models.Model], defaults: dict, **lookup) -> tuple[models.Model, bool]:
    """``update_or_create`` that validates and saves only when something changed, so loading the
    same reference data twice writes no new history rows. Returns ``(record, created)``."""
    try:
        obj = model._default_manager.get(**lookup)
    except model.DoesNotExist:
        obj = model(**lookup, **defaults)
        obj.full_clean()
        obj.save()
        return obj, True
    changed = [name for name, value in defaults.items() if getattr(obj, name) != value]
    if changed:
        for name in changed:
            setattr(obj, name, defaults[name])
        obj.full_clean()
        obj.save()
    return obj, False


# Django's own words for an empty required value, replaced by one sentence.
REQUIRED_CODES = {"null", "blank", "required"}
REQUIRED_MESSAGE = "必填，不能为空。"


def same_text(a: str, b: str) -> bool:
    """Equal but for line endings (xlsx stores CR LF, as typed in the admin, as LF)."""
    return a.replace("\r\n", "\n").replace("\r", "\n") == b.replace("\r\n", "\n").replace("\r", "\n")


def is_blank(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def cell_text(value, *, strip: bool = True) -> str:
    """A cell as text: Excel hands over numbers (a phone typed as 13800138000) and dates."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, datetime) and value.time() == datetime.min.time():
        value = value.date()
    text = str(value)
    return text.strip() if strip else text


class ClerkError(Error):
    """A file-level error: shown by its message alone, never with a traceback."""

    @property
    def traceback(self):
        return ""


class ImportFileError(ValueError):
    """A problem with the whole file (its columns, or who is importing it)."""


class ImportResult(Result):
    """Reports rows by the line number Excel shows, so a clerk finds them in the file."""

    def append_invalid_row(self, number, row, validation_error):
        super().append_invalid_row(number + FIRST_LINE - 1, row, validation_error)

    def append_error_row(self, number, row, errors):
        super().append_error_row(number + FIRST_LINE - 1, row, errors)


# --- Widgets ----------------------------------------------------------------------------------


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
    """A date as 2023-02-17; 2023/2/17, 2023.2.17, 2023年2月17日 and Excel date cells also read."""

    INPUT_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y年%m月%d日", "%Y%m%d")

    def clean(self, value, row=None, **kwargs):
        if isinstance(value, datetime):
            return value.date()
        if isinstance(value, date):
            return value
        text = cell_text(value)
        if not text:
            return None
        if " " in text:  # “2023-02-17 00:00:00” from a spreadsheet saved as csv
            date_part, _, clock = text.partition(" ")
            if clock.strip() in ("00:00:00", "00:00", "0:00:00", "0:00"):
                text = date_part
        for input_format in self.INPUT_FORMATS:
            try:
                return datetime.strptime(text, input_format).date()  # noqa: DTZ007 — a date, no time zone
            except ValueError:
                continue
        raise ValueError(f"日期“{text}”无法识别，请写成 2023-02-17 的形式。")

    def render(self, value, obj=None, **kwargs):
        if not isinstance(value, date):
            return ""
        return value if kwargs.get("force_native_type") else value.strftime("%Y-%m-%d")


# --- Field helpers ----------------------------------------------------------------------------


def text(attribute, column, *, long=False, readonly=False, upper=False):
    return fields.Field(
        attribute=attribute,
        column_name=column,
        widget=TextWidget(strip=not long, upper=upper),
        readonly=readonly,
    )


def choice(model, field_name, column):
    model_field = model._meta.get_field(field_name)
    return fields.Field(
        attribute=field_name, column_name=column, widget=ChoiceLabelWidget(model_field.choices, label=column)
    )


def number(attribute, column, *, decimal=False):
    return fields.Field(attribute=attribute, column_name=column, widget=NumberWidget(decimal=decimal))


def yes_no(attribute, column):
    return fields.Field(attribute=attribute, column_name=column, widget=YesNoWidget())


def day(attribute, column):
    return fields.Field(attribute=attribute, column_name=column, widget=ChineseDateWidget())


def related(attribute, column, model, *, field="name", parents=None, label=None, hint=""):
    return fields.Field(
        attribute=attribute,
        column_name=column,
        widget=NamedForeignKeyWidget(model, field=field, parents=parents, label=label or column, hint=hint),
    )


# --- Base resource ----------------------------------------------------------------------------


# --- Base resource ----------------------------------------------------------------------------


class PortalResource(resources.ModelResource):
    """Base resource: validated rows, all-or-nothing imports, messages for clerks, formula-safe
    exports. Subclasses declare ``key_columns`` (the natural key, as column names)."""

    key_columns: tuple[str, ...] = ()
    select_related: tuple[str, ...] = ()
    prefetch_related: tuple[str, ...] = ()
    # Fields whose database constraints the resource checks for the whole file at once.
    checked_per_file: tuple[str, ...] = ()

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self._seen_keys: dict[tuple, int] = {}

    @classmethod
    def get_result_class(cls):
        return ImportResult

    @classmethod
    def get_error_result_class(cls):
        return ClerkError

    # -- querysets

    def _with_related(self, queryset):
        if self.select_related:
            queryset = queryset.select_related(*self.select_related)
        if self.prefetch_related:
            queryset = queryset.prefetch_related(*self.prefetch_related)
        return queryset

    def get_queryset(self):
        return self.scope_queryset(self._with_related(super().get_queryset()))

    def filter_export(self, queryset, **kwargs):
        # The admin hands over its changelist queryset; read the related names in the same query.
        return self._with_related(queryset)

    # -- export

    def export_field(self, field, instance, **kwargs):
        value = super().export_field(field, instance, **kwargs)
        if isinstance(field.widget, NumberWidget):
            return value  # “-3” is a number, not a formula
        return neutralise_formula(value)

    # -- import: the whole file

    def import_data(self, dataset, *args, **kwargs):
        # Any invalid row rolls the whole file back, in the admin and in scripts alike.
        kwargs["rollback_on_validation_errors"] = True
        kwargs.setdefault("use_transactions", True)
        return super().import_data(dataset, *args, **kwargs)

    def import_data_inner(self, dataset, dry_run, raise_errors, using_transactions, collect_failed_rows, **kwargs):
        dataset = self._tidy(dataset)
        try:
            self._check_file(dataset, kwargs.get("user"))
        except ImportFileError as exc:
            result = self.get_result_class()()
            result.diff_headers = self.get_diff_headers()
            result.total_rows = len(dataset)
            self.handle_import_error(result, exc, raise_errors)
            return result
        return super().import_data_inner(
            dataset, dry_run, raise_errors, using_transactions, collect_failed_rows, **kwargs
        )

    @staticmethod
    def _tidy(dataset):
        """Trims header cells and drops columns with neither a header nor a value (xlsx files
        often carry formatted but empty columns)."""
        headers = [cell_text(h) for h in (dataset.headers or [])]
        keep = [i for i, h in enumerate(headers) if h or any(not is_blank(row[i]) for row in dataset)]
        tidy = tablib.Dataset(headers=[headers[i] for i in keep])
        for row in dataset:
            tidy.append([row[i] for i in keep])
        return tidy

    def _check_file(self, dataset, user) -> None:
        headers = list(dataset.headers or [])
        known = [field.column_name for field in self.get_import_fields()]
        unknown = [h or "（空白列名）" for h in headers if h not in known]
        repeated = sorted({h for h in headers if headers.count(h) > 1})
        missing = [column for column in self.key_columns if column not in headers]
        problems = []
        if missing:
            problems.append(f"缺少必需的列：{'、'.join(missing)}")
        if unknown:
            problems.append(f"有无法识别的列：{'、'.join(unknown)}")
        if repeated:
            problems.append(f"列名重复：{'、'.join(repeated)}")
        if problems:
            raise ImportFileError(
                "文件的列不对：" + "；".join(problems) + f"。第一行应为列名，可用的列：{'、'.join(known)}。"
                "最好先导出一份，在导出的文件上修改。"
            )
        self.check_importer(user)

    # -- the scope hooks (see ``organizations.importing.ScopedResource``)

    def check_importer(self, user) -> None:
        """Raises ``ImportFileError`` when ``user`` (None for a script) may not import this
        file, and notes which records they may touch."""

    def scope_queryset(self, queryset):
        """The records an import may find, and so update."""
        return queryset

    def check_row_scope(self, row) -> None:
        """Raises ``ValidationError`` for a row outside what the importer may touch."""

    def before_import(self, dataset, **kwargs):
        # Widgets are copied per resource, but a resource may import twice (dry run, then
        # for real): start from empty caches each time.
        self._seen_keys = {}
        for field in self.fields.values():
            if hasattr(field.widget, "reset"):
                field.widget.reset()
        super().before_import(dataset, **kwargs)

    # -- import: one row

    def import_row(self, row, instance_loader, **kwargs):
        if all(is_blank(value) for value in row.values()):
            row_result = self.get_row_result_class()()
            row_result.import_type = RowResult.IMPORT_TYPE_SKIP
            return row_result
        row_result = super().import_row(row, instance_loader, **kwargs)
        if row_result.errors:
            # An unexpected failure: keep the details in the log, tell the clerk plainly.
            error = row_result.errors[0].error
            row_result.errors = []
            row_result.import_type = RowResult.IMPORT_TYPE_INVALID
            field_name, message = self._explain(error)
            row_result.validation_error = ValidationError({field_name: [message]})
        if row_result.validation_error is not None:
            row_result.validation_error = self._for_clerks(row_result.validation_error)
        return row_result

    def _explain(self, error: Exception) -> tuple[str, str]:
        """(field, sentence) for an error that escaped the checks."""
        if isinstance(error, IntegrityError):
            for rule in database_rules():
                if rule.name in str(error):
                    return rule.field, rule.message
            logger.warning("import: integrity error", exc_info=error)
            return NON_FIELD_ERRORS, "与已有数据冲突（可能重复），数据库拒绝写入这一行。"
        logger.error("import: unexpected error", exc_info=error)
        return NON_FIELD_ERRORS, "这一行无法导入（系统内部错误），请联系管理员。"

    def before_import_row(self, row, **kwargs):
        for column in list(row.keys()):
            row[column] = restore_formula(row[column])
        self.normalise_row(row)
        super().before_import_row(row, **kwargs)
        self.check_row_scope(row)
        self._check_duplicate(row, kwargs["row_number"])

    def normalise_row(self, row) -> None:
        """Per-resource clean-up of a row before anything reads it."""

    def _check_duplicate(self, row, row_number: int) -> None:
        key = tuple(cell_text(row.get(column)) for column in self.key_columns)
        if not any(key):
            return
        line = row_number + FIRST_LINE - 1
        first = self._seen_keys.setdefault(key, line)
        if first != line:
            described = "、".join(f"{column}“{value}”" for column, value in zip(self.key_columns, key, strict=True))
            raise ValidationError(
                {self.key_columns[-1]: f"与第{first}行重复（{described}）：同一条记录在文件中只能出现一次。"}
            )

    def get_instance(self, instance_loader, row):
        try:
            return super().get_instance(instance_loader, row)
        except ValueError:
            # A key cell names nothing (an unknown community…): import_instance reports it
            # against its column, together with the row's other problems.
            return None

    def import_field(self, field, instance, row, is_m2m=False, **kwargs):
        text_field = isinstance(field.widget, TextWidget) and not field.readonly and field.column_name in row
        before = field.get_value(instance) if text_field else None
        super().import_field(field, instance, row, is_m2m, **kwargs)
        if isinstance(before, str):
            after = field.get_value(instance)
            if isinstance(after, str) and after != before and same_text(after, before):
                setattr(instance, field.attribute, before)

    def import_instance(self, instance, row, **kwargs):
        errors = {}
        try:
            super().import_instance(instance, row, **kwargs)
        except ValidationError as exc:
            errors = exc.update_error_dict(errors)
        # The library reads many-to-many cells only after saving; read them now, so an unknown
        # name is reported with the row's other problems and stops the row.
        for field in self.get_import_fields():
            if isinstance(field.widget, widgets.ManyToManyWidget) and field.column_name in row:
                try:
                    field.clean(row)
                except ValueError as exc:
                    errors[field.attribute] = [ValidationError(str(exc), code="invalid")]
        if errors:
            raise ValidationError(errors)

    def validate_instance(self, instance, import_validation_errors=None, validate_unique=True):
        """``full_clean()``, minus one query per foreign key: the import just read those records
        from the database, so Django's existence check would look each one up again."""
        errors = dict(import_validation_errors or {})
        exclude = set(errors)
        trusted = {
            field.attribute
            for field in self.fields.values()
            if isinstance(field.widget, NamedForeignKeyWidget)
            and not field.readonly
            and getattr(instance, f"{field.attribute}_id", None) is not None
        }
        try:
            instance.clean_fields(exclude=exclude | trusted)
        except ValidationError as exc:
            errors = exc.update_error_dict(errors)
        if not import_validation_errors:
            # With a cell that could not be read, the model's own checks would reason about a
            # value that is not there (“parent must be one level up” for an unreadable level).
            try:
                instance.clean()
            except ValidationError as exc:
                errors = exc.update_error_dict(errors)
        exclude |= {name for name in errors if name != NON_FIELD_ERRORS}
        if validate_unique:
            try:
                instance.validate_unique(exclude=exclude)
            except ValidationError as exc:
                errors = exc.update_error_dict(errors)
        try:
            instance.validate_constraints(exclude=exclude | set(self.checked_per_file))
        except ValidationError as exc:
            errors = exc.update_error_dict(errors)
        if errors:
            raise ValidationError(errors)

    def do_instance_save(self, instance, is_create):
        try:
            super().do_instance_save(instance, is_create)
        except IntegrityError as exc:
            # Checked above already; only a concurrent write gets here. The row's savepoint
            # is rolled back by the library's per-row atomic block.
            field_name, message = self._explain(exc)
            raise ValidationError({field_name: [message]}) from exc

    def after_save_instance(self, instance, row, **kwargs):
        super().after_save_instance(instance, row, **kwargs)
        for field in self.fields.values():
            if hasattr(field.widget, "forget"):
                field.widget.forget(instance)

    # -- messages

    def _column_for(self, key: str) -> str:
        if key == NON_FIELD_ERRORS:
            return WHOLE_ROW
        for field in self.fields.values():
            if key in (field.attribute, field.column_name):
                return field.column_name
        try:
            return str(self._meta.model._meta.get_field(key).verbose_name)
        except FieldDoesNotExist:
            return key

    def _for_clerks(self, error: ValidationError) -> ValidationError:
        """Keys errors by column name and puts Django's and the database's wording into words
        a clerk can act on."""
        if not hasattr(error, "error_dict"):
            error = ValidationError({NON_FIELD_ERRORS: error.error_list})
        rules_by_message = {rule.message: rule for rule in database_rules(self._meta.model)}
        by_column: dict[str, list[str]] = {}
        for key, items in error.error_dict.items():
            for item in items:
                column = self._column_for(key)
                for message in item.messages:
                    if item.code in REQUIRED_CODES:
                        message = REQUIRED_MESSAGE
                    rule = rules_by_message.get(message)
                    if rule is not None and key == NON_FIELD_ERRORS and rule.field != NON_FIELD_ERRORS:
                        # The model's constraint said it; the rule knows which column it is about.
                        column = self._column_for(rule.field)
                    bucket = by_column.setdefault(column, [])
                    if message not in bucket:
                        bucket.append(message)
        return ValidationError(by_column)

    class Meta:
        clean_model_instances = True
        skip_unchanged = True
        report_skipped = True
