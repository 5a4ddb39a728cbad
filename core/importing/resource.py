"""``PortalResource``: the base of every app's resource — all-or-nothing imports with row, column and reason."""

from __future__ import annotations

import functools
import logging

import tablib
from django.core.exceptions import NON_FIELD_ERRORS, FieldDoesNotExist, ValidationError
from django.db import IntegrityError
from import_export import resources, widgets
from import_export.results import RowResult

from core.spreadsheet import neutralise_formula, restore_formula

from .cells import (
    REQUIRED_CODES,
    REQUIRED_MESSAGE,
    WHOLE_ROW,
    ClerkError,
    ImportFileError,
    ImportResult,
    cell_text,
    header_text,
    is_blank,
    same_text,
)
from .rules import database_rules
from .widgets import NamedForeignKeyWidget, NumberWidget, TextWidget

logger = logging.getLogger(__name__)

# The header row is looked for among this many rows at the top of a file.
HEADER_SEARCH_ROWS = 10


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
        self._header_line = 1
        self._ignored_columns: list[str] = []

    def get_result_class(self):
        return functools.partial(ImportResult, header_line=self._header_line)

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
        result = super().import_data_inner(
            dataset, dry_run, raise_errors, using_transactions, collect_failed_rows, **kwargs
        )
        if self._ignored_columns:
            result.warnings.append(f"已忽略未识别的列：{'、'.join(self._ignored_columns)}。")
        return result

    def _find_header(self, dataset) -> int:
        """Index (0 = the dataset's own header) of the row among the first
        ``HEADER_SEARCH_ROWS`` that names the most known columns: offices put a title row (often
        merged across the columns) and a blank line above the header."""
        known = {header_text(field.column_name) for field in self.get_import_fields()}
        candidates = [dataset.headers or [], *dataset[: HEADER_SEARCH_ROWS - 1]]
        scores = [len({header_text(cell) for cell in row} & known) for row in candidates]
        best = max(scores, default=0)
        return scores.index(best) if best else 0

    def _tidy(self, dataset):
        """Finds the header row (title rows above it are skipped, and line numbers stay those
        Excel shows), trims header cells, drops columns with neither a header nor a value (xlsx
        files often carry formatted but empty columns) and columns the resource does not know
        (a 备注 column an office added), noting these for the preview."""
        found = self._find_header(dataset)
        self._header_line = found + 1
        rows = [list(row) for row in dataset]
        headers = [header_text(h) for h in ((dataset.headers or []) if found == 0 else rows[found - 1])]
        rows = rows[found:]
        by_name = {header_text(field.column_name): field.column_name for field in self.get_import_fields()}
        headers = [by_name.get(h, h) for h in headers]
        self._ignored_columns = []
        keep = []
        for i, header in enumerate(headers):
            filled = any(i < len(row) and not is_blank(row[i]) for row in rows)
            if header in by_name.values():
                keep.append(i)
            elif header or filled:
                self._ignored_columns.append(header or f"第{i + 1}列（无列名）")
        tidy = tablib.Dataset(headers=[headers[i] for i in keep])
        for row in rows:
            tidy.append([row[i] if i < len(row) else None for i in keep])
        return tidy

    def _check_file(self, dataset, user) -> None:
        headers = list(dataset.headers or [])
        known = [field.column_name for field in self.get_import_fields()]
        repeated = sorted({h for h in headers if headers.count(h) > 1})
        missing = [column for column in self.key_columns if column not in headers]
        problems = []
        if missing:
            problems.append(f"缺少必需的列：{'、'.join(missing)}")
        if repeated:
            problems.append(f"列名重复：{'、'.join(repeated)}")
        if problems:
            if self._ignored_columns:
                problems.append(f"无法识别的列：{'、'.join(self._ignored_columns)}")
            raise ImportFileError(
                "文件的列不对：" + "；".join(problems) + f"。列名所在的一行应包含：{'、'.join(known)}。"
                "最好先下载导入模板或导出一份，在上面修改。"
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
        line = row_number + self._header_line
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
