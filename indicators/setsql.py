"""Set-based writes for the close: ``INSERT … SELECT`` and history rows copied in one statement.

The close rates every subject of a period at once. Django's ``bulk_create`` sends one INSERT per
batch, and on SQLite a batch holds at most 999 parameters, so its query count grows with the
number of subjects. These helpers let the database read and write every row in one statement
each, however many subjects there are, on SQLite and PostgreSQL alike. The SELECTs are built
with the ORM (so quoting, casts and the star rule's ``CASE`` come from Django); only the
``INSERT … SELECT`` around them is written here.
"""

from __future__ import annotations

from datetime import datetime

from django.db import connection, models


def _qn(name: str) -> str:
    return connection.ops.quote_name(name)


def db_datetime(value: datetime):
    """A datetime as the backend stores it (SQLite keeps naive UTC text)."""
    return connection.ops.adapt_datetimefield_value(value)


def insert_select(model: type[models.Model], columns: list[str], select_sql: str, params: list) -> int:
    """``INSERT INTO <model> (<columns>) <select_sql>``; ``columns`` are field names, in the
    order the SELECT yields them. Returns the number of rows written."""
    table = _qn(model._meta.db_table)
    names = ", ".join(_qn(model._meta.get_field(name).column) for name in columns)
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {table} ({names}) {select_sql}", params)
        return cursor.rowcount


def copy_to_history(
    queryset: models.QuerySet,
    *,
    history_type: str,
    when: datetime,
    user_id: int | None,
    reason: str,
) -> int:
    """Write one django-simple-history row per record of ``queryset`` (``"+"`` created,
    ``"~"`` changed, ``"-"`` deleted), in one statement."""
    model = queryset.model
    history = model.history.model
    fields = [field for field in model._meta.concrete_fields]
    select_sql, params = queryset.order_by().values(*[field.attname for field in fields]).query.sql_with_params()
    names = [_qn(history._meta.get_field(field.attname).column) for field in fields]
    names += [_qn(name) for name in ("history_date", "history_change_reason", "history_type", "history_user_id")]
    table = _qn(history._meta.db_table)
    columns = ", ".join(names)
    # Names come from the models' _meta and the ORM; every value is a parameter.
    sql = f"INSERT INTO {table} ({columns}) SELECT copied.*, %s, %s, %s, %s FROM ({select_sql}) copied"  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(sql, [db_datetime(when), reason, history_type, user_id, *params])
        return cursor.rowcount
