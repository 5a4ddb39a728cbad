"""Builds the POST data of an admin change form from the page the admin rendered, so tests
submit exactly what a browser would (plus their own changes)."""

from __future__ import annotations

from datetime import date, datetime, time


def _value(bound_field):
    value = bound_field.value()
    if value is None:
        return ""
    if isinstance(value, bool):
        return "on" if value else ""
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return [str(v) for v in value]
    return value


def _form_data(form) -> dict:
    data = {}
    for name in form.fields:
        if form.fields[name].disabled:
            continue
        value = _value(form[name])
        if value == "" and form[name].widget_type == "checkbox":
            continue
        data[form.add_prefix(name)] = value
    return data


def form_data(response) -> dict:
    """The data the rendered change/add page would post, inlines included."""
    data = _form_data(response.context["adminform"].form)
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        management = formset.management_form
        data |= {management.add_prefix(name): management[name].value() for name in management.fields}
        for form in formset.initial_forms:
            data |= _form_data(form)
            for hidden in ("id", formset.fk.name if hasattr(formset, "fk") else None):
                if hidden and hidden in form.fields:
                    data[form.add_prefix(hidden)] = _value(form[hidden])
    data["_save"] = "保存"
    return data


def inline_prefix(response, model) -> str:
    return next(i.formset.prefix for i in response.context["inline_admin_formsets"] if i.formset.model is model)


def add_inline_row(data: dict, prefix: str, values: dict) -> dict:
    """Appends one new row to an inline formset."""
    index = int(data[f"{prefix}-TOTAL_FORMS"])
    data[f"{prefix}-TOTAL_FORMS"] = str(index + 1)
    data |= {f"{prefix}-{index}-{name}": value for name, value in values.items()}
    return data
