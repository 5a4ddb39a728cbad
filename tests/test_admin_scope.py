"""A community secretary reaches nothing of another community through any admin URL.

For every model registered in ``django.contrib.admin.site`` whose default manager has
``scoped_for``, the case in ``tests/scope_cases.py`` makes one record inside 桂花社区 and one
inside 同心社区 (another street for a district or a street). The 桂花 secretary — given every
permission on every registered model on top of their role, so the scope is proved to hold on its
own and not because a permission happens to be missing — must then

- see their own record (list, change, delete confirmation, history, one historical version,
  export, autocomplete, foreign-key choice), so no check below can pass on an empty page, and
- reach nothing of the other one: not in the changelist (also searched and filtered for by id),
  not through the change, delete or history pages, a historical version, a bulk delete, a
  change or delete POST, the export file, any autocomplete answer, or a foreign key or
  many-to-many choice in any admin form or inline (a form error, and nothing written).

A scoped model registered in the admin without a case fails here: add the case to
``tests/scope_cases.py`` (its docstring shows how).
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

import pytest
from django import forms
from django.contrib import admin
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.test import RequestFactory
from django.urls import reverse

from organizations.tests.factories import CommunityFactory, DistrictFactory, StreetFactory

from .scope_cases import CASES

pytestmark = pytest.mark.django_db

site = admin.site


def _label(model) -> str:
    return model._meta.label


SCOPED_MODELS = sorted(
    (model for model in site._registry if hasattr(model._default_manager.all(), "scoped_for")), key=_label
)


@pytest.fixture
def guicheng(guicheng_module, db):
    return guicheng_module


@pytest.fixture(autouse=True)
def _fast_password_hasher(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def far_community():
    """A community of another street in another district."""
    street = StreetFactory(name="西樵镇", district=DistrictFactory(name="三水区"))
    return CommunityFactory(street=street, name="西樵社区")


@pytest.fixture
def secretary(guihua_secretary, client):
    registered = ContentType.objects.get_for_models(*site._registry).values()
    guihua_secretary.user_permissions.add(*Permission.objects.filter(content_type__in=registered))
    client.force_login(guihua_secretary)
    return guihua_secretary


def _url(model, view: str, *args) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


def _request(user):
    request = RequestFactory().get("/admin/")
    request.user = user
    return request


def _latest_history_id(obj) -> int:
    return type(obj).history.filter(id=obj.pk).latest("history_date").history_id


def _snapshot(obj) -> tuple:
    """What proves a record untouched: it exists, its history did not grow, and its fields hold."""
    model = type(obj)
    fresh = model._default_manager.filter(pk=obj.pk).values().first()
    return fresh, model.history.filter(id=obj.pk).count()


def _refused(response) -> bool:
    """The admin's three ways of saying no: 403, 404, or "doesn't exist" back to the index."""
    if response.status_code == 302:
        return response["Location"] == reverse("admin:index")
    return response.status_code in (403, 404)


def test_every_scoped_model_in_the_admin_has_a_case():
    missing = [_label(model) for model in SCOPED_MODELS if model not in CASES]

    assert not missing, f"add a case to tests/scope_cases.py for {missing}"


@pytest.fixture
def records(request, secretary, community, far_community):
    model = request.param
    case = CASES.get(model)
    if case is None:
        pytest.fail(f"{_label(model)} is scoped and registered in the admin but has no case in tests/scope_cases.py")
    own = case.make(community("桂花社区"))
    other = case.make(far_community if case.other_street else community("同心社区"))
    assert own.pk != other.pk
    return own, other


def _parametrize_models():
    return pytest.mark.parametrize("records", SCOPED_MODELS, ids=_label, indirect=True)


# --- changelist, object pages, history, bulk actions ---------------------------------------------


@_parametrize_models()
def test_changelist_lists_own_record_only(client, records):
    own, other = records
    url = _url(type(own), "changelist")

    for query in ({}, {"q": str(other)}, {"id": other.pk}, {"id__exact": other.pk}):
        response = client.get(url, query)

        assert response.status_code == 200, query
        listed = set(response.context["cl"].queryset.values_list("pk", flat=True))
        assert other.pk not in listed, query
    listed = set(client.get(url).context["cl"].queryset.values_list("pk", flat=True))
    assert own.pk in listed


@_parametrize_models()
def test_object_pages_refuse_the_other_record(client, records):
    own, other = records
    model = type(own)
    before = _snapshot(other)

    # the own record opens: the refusals below are about scope, not about a broken page
    assert client.get(_url(model, "change", own.pk)).status_code == 200
    assert client.get(_url(model, "delete", own.pk)).status_code == 200

    assert _refused(client.get(_url(model, "change", other.pk)))
    assert _refused(client.get(_url(model, "delete", other.pk)))
    assert _refused(client.post(_url(model, "change", other.pk), {"_save": "1"}))
    assert _refused(client.post(_url(model, "delete", other.pk), {"post": "yes"}))
    assert _snapshot(other) == before


@_parametrize_models()
def test_history_refuses_the_other_record(client, records):
    own, other = records
    model = type(own)
    own_version, other_version = _latest_history_id(own), _latest_history_id(other)
    before = _snapshot(other)

    assert client.get(_url(model, "history", own.pk)).status_code == 200
    assert client.get(_url(model, "simple_history", own.pk, own_version)).status_code == 200

    assert client.get(_url(model, "history", other.pk)).status_code == 404
    assert client.get(_url(model, "simple_history", other.pk, other_version)).status_code == 404
    # the own record's id with the other record's version
    assert client.get(_url(model, "simple_history", own.pk, other_version)).status_code == 404
    assert client.post(_url(model, "simple_history", other.pk, other_version), {}).status_code == 404
    assert _snapshot(other) == before


@_parametrize_models()
def test_bulk_delete_skips_the_other_record(client, records):
    own, other = records
    model = type(own)
    before = _snapshot(other)

    client.post(
        _url(model, "changelist"),
        {"action": "delete_selected", "_selected_action": [other.pk], "post": "yes"},
    )

    assert _snapshot(other) == before


# --- export -------------------------------------------------------------------------------------


def _csv_rows(content: bytes | str) -> list[tuple[str, ...]]:
    text = content.decode("utf-8-sig") if isinstance(content, bytes) else content
    return [tuple(row) for row in csv.reader(io.StringIO(text))][1:]


EXPORTABLE = [model for model in SCOPED_MODELS if hasattr(site._registry[model], "export_action")]


@pytest.mark.parametrize("records", EXPORTABLE, ids=_label, indirect=True)
def test_export_holds_own_rows_only(client, records, secretary, community):
    # given every column of the first resource, as CSV
    own, other = records
    model = type(own)
    model_admin = site._registry[model]
    request = _request(secretary)
    formats = model_admin.get_export_formats()
    resource_classes = model_admin.get_export_resource_classes(request)
    form = model_admin.get_export_form_class()(formats, resource_classes)
    data = {"format": next(i for i, f in enumerate(formats) if f().get_title() == "csv"), "resource": 0}
    data |= {name: "on" for name, field in form.fields.items() if getattr(field, "is_selectable_field", False)}

    # when
    response = client.post(_url(model, "export"), data)

    # then
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    rows = _csv_rows(response.content)
    resource = resource_classes[0](**model_admin.get_export_resource_kwargs(request))

    def row_of(obj):
        return _csv_rows(resource.export(queryset=model._default_manager.filter(pk=obj.pk)).csv)

    assert row_of(own)[0] in rows
    assert row_of(other)[0] not in rows
    in_guihua = model._default_manager.filter(**{model.scope_path: community("桂花社区").pk}).distinct()
    assert len(rows) == in_guihua.count()


# --- autocomplete and foreign-key choices ---------------------------------------------------------


@dataclass(frozen=True)
class Choice:
    """A form field of an admin (or of one of its inlines) that picks records of a model."""

    admin: admin.ModelAdmin
    field: str
    inline: admin.options.InlineModelAdmin | None = None

    @property
    def source(self) -> type[models.Model]:
        return (self.inline or self.admin).model

    def __str__(self) -> str:
        return f"{_label(self.source)}.{self.field}"


def _choices_of(model, request) -> list[Choice]:
    """Every form field in the admin whose choices are records of ``model``."""
    found = []
    for model_admin in site._registry.values():
        if not model_admin.has_add_permission(request):
            continue
        holders = [(None, model_admin.get_form(request))]
        holders += [(inline, inline.get_formset(request).form) for inline in model_admin.get_inline_instances(request)]
        for inline, form in holders:
            for name, field in form.base_fields.items():
                if isinstance(field, forms.ModelChoiceField) and field.queryset.model is model:
                    found.append(Choice(model_admin, name, inline))
    return found


def _autocomplete_sources(model) -> list[tuple[type[models.Model], str]]:
    """Every foreign key or many-to-many of a registered model that points at ``model``: the
    autocomplete view answers for any of them, listed in ``autocomplete_fields`` or not."""
    return [
        (source, field.name)
        for source in site._registry
        for field in source._meta.get_fields()
        if (field.many_to_one or field.many_to_many) and field.concrete and field.related_model is model
    ]


def _autocomplete_pks(client, source, field_name) -> set:
    pks, page = set(), 1
    while True:
        response = client.get(
            reverse("admin:autocomplete"),
            {
                "app_label": source._meta.app_label,
                "model_name": source._meta.model_name,
                "field_name": field_name,
                "term": "",
                "page": page,
            },
        )
        assert response.status_code == 200, (source, field_name)
        body = response.json()
        pks |= {int(result["id"]) for result in body["results"]}
        if not body["pagination"]["more"]:
            return pks
        page += 1


@_parametrize_models()
def test_autocomplete_offers_own_records_only(client, records):
    own, other = records
    sources = _autocomplete_sources(type(own))
    if not sources or not site._registry[type(own)].search_fields:
        pytest.skip(f"nothing autocompletes {_label(type(own))}")

    for source, field_name in sources:
        offered = _autocomplete_pks(client, source, field_name)

        assert own.pk in offered, (source, field_name)
        assert other.pk not in offered, (source, field_name)


def _post_add_form(client, choice: Choice, value):
    """POST the add form of ``choice.admin`` with only ``value`` in the chosen field."""
    model = choice.admin.model
    page = client.get(_url(model, "add"))
    assert page.status_code == 200
    data = {}
    for inline_formset in page.context["inline_admin_formsets"]:
        prefix = inline_formset.formset.prefix
        data |= {f"{prefix}-TOTAL_FORMS": 0, f"{prefix}-INITIAL_FORMS": 0}
    if choice.inline is None:
        data[choice.field] = value
    else:
        prefix = next(
            f.formset.prefix for f in page.context["inline_admin_formsets"] if f.opts.__class__ is type(choice.inline)
        )
        data |= {f"{prefix}-TOTAL_FORMS": 1, f"{prefix}-0-{choice.field}": value}
    return client.post(_url(model, "add"), data)


def _invalid_choice(response, choice: Choice) -> bool:
    if response.status_code == 302:  # saved: the choice was accepted
        return False
    assert response.status_code == 200, choice
    if choice.inline is None:
        form = response.context["adminform"].form
    else:
        form = next(
            f.formset.forms[0]
            for f in response.context["inline_admin_formsets"]
            if f.opts.__class__ is type(choice.inline)
        )
    return any(error.code == "invalid_choice" for error in form.errors.as_data().get(choice.field, []))


@_parametrize_models()
def test_foreign_keys_cannot_pick_the_other_record(client, records, secretary):
    own, other = records
    choices = _choices_of(type(own), _request(secretary))
    if not choices:
        pytest.skip(f"no admin form picks {_label(type(own))}")

    for choice in choices:
        written = (choice.admin.model._default_manager.count(), choice.source._default_manager.count())

        assert _invalid_choice(_post_add_form(client, choice, other.pk), choice), choice
        assert (choice.admin.model._default_manager.count(), choice.source._default_manager.count()) == written
        assert not _invalid_choice(_post_add_form(client, choice, own.pk), choice), choice
