"""No admin form offers a dropdown that grows with the data: every foreign key and
many-to-many field of every registered admin and inline is an autocomplete, read-only, or the
inline's own parent link."""

import pytest
from django.contrib import admin
from django.db import models
from django.forms.models import _get_foreign_key
from django.test import RequestFactory

from projects.models import WorkTheme

pytestmark = pytest.mark.django_db

OUR_APPS = {"organizations", "projects", "volunteers", "indicators"}
# Vocabularies a person picks from a short list, small by nature: 7 themes a year.
SMALL_VOCABULARIES: set[type[models.Model]] = {WorkTheme}


def _admins():
    for model, model_admin in admin.site._registry.items():
        yield model, model_admin, model_admin
        for inline_class in model_admin.inlines:
            yield inline_class.model, inline_class(model, admin.site), model_admin


def _offending(model, model_admin, request) -> list[str]:
    readonly = set(model_admin.get_readonly_fields(request))
    allowed = set(model_admin.autocomplete_fields) | set(model_admin.raw_id_fields) | readonly
    fk_name = getattr(model_admin, "fk_name", None)
    if isinstance(model_admin, admin.options.InlineModelAdmin):
        fk_name = _get_foreign_key(model_admin.parent_model, model, fk_name=fk_name).name
    fields = model_admin.get_fields(request)
    offending = []
    for field in model._meta.get_fields():
        if not (field.is_relation and field.concrete) or field.auto_created and not field.many_to_many:
            continue
        if not getattr(field, "editable", False) or field.name not in fields or field.name == fk_name:
            continue
        if field.related_model in SMALL_VOCABULARIES or field.name in allowed:
            continue
        offending.append(f"{model._meta.label}.{field.name}")
    return offending


def test_every_relation_field_is_an_autocomplete(admin_user):
    request = RequestFactory().get("/admin/")
    request.user = admin_user
    offending = []
    for model, model_admin, _parent in _admins():
        if model._meta.app_label not in OUR_APPS:
            continue
        is_inline = isinstance(model_admin, admin.options.InlineModelAdmin)
        can_add = (
            model_admin.has_add_permission(request, None) if is_inline else model_admin.has_add_permission(request)
        )
        if not (can_add or model_admin.has_change_permission(request)):
            continue  # a read-only page has no choices to make
        offending += _offending(model, model_admin, request)
    assert offending == [], offending
