"""Column helpers for the apps' resources: ``text``, ``choice``, ``number``, ``yes_no``, ``day``, ``related``."""

from __future__ import annotations

from import_export import fields

from .widgets import ChineseDateWidget, ChoiceLabelWidget, NamedForeignKeyWidget, NumberWidget, TextWidget, YesNoWidget


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
