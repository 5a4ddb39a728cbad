"""Nobody reaches another's records through any admin URL: a community secretary nothing of
another community, street staff nothing of another street.

For every model registered in ``django.contrib.admin.site`` whose default manager has
``scoped_for``, the case in ``tests/scope_cases.py`` makes one record the viewer may see and one
they may not, for two viewers:

- the 桂花社区 secretary: own record inside 桂花社区, the other inside 同心社区 (another street for
  a district or a street);
- the street staff of 西樵镇 (another street, another district): own record inside 西樵社区, the
  other inside Guicheng's 桂花社区.

The viewer — given every permission on every registered model on top of their role, so the
scope is proved to hold on its own and not because a permission happens to be missing — must then

- see their own record (list, change, delete confirmation, history, one historical version,
  export, autocomplete, foreign-key choice), so no check below can pass on an empty page, and
- reach nothing of the other one: not in the changelist (also searched and filtered for by id),
  not through the change, delete or history pages, a historical version, a bulk delete, a
  change or delete POST, the export file, any autocomplete answer, or a foreign key or
  many-to-many choice in any admin form or inline (a form error, and nothing written).

A scoped model registered in the admin without a case fails here: add the case to
``tests/scope_cases.py`` (its docstring shows how). So does any URL the admin serves that no
test here covers: ``test_every_admin_url_is_covered`` walks the admin's URL patterns, and a
custom view (a report, an export, a printable page) needs an entry in ``CUSTOM_URL_TESTS`` and a
test of its own that proves the same two refusals.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote

import pytest
from django import forms
from django.contrib import admin
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.test import RequestFactory
from django.urls import reverse

from organizations.models import Community
from organizations.scope import SECRETARY_GROUP, STREET_STAFF_GROUP, scope_of
from organizations.services import staff_user_create
from organizations.tests.factories import CommunityFactory, DistrictFactory, StreetFactory

from .scope_cases import CASES
from .url_names import url_names

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


def _grant_everything(user) -> None:
    registered = ContentType.objects.get_for_models(*site._registry).values()
    user.user_permissions.add(*Permission.objects.filter(content_type__in=registered))


@dataclass
class Viewer:
    user: object
    own_community: Community
    # The other record's community: for a model above the community level, one in another street.
    other_community: Callable[[bool], Community]

    @property
    def street_id(self) -> int | None:
        return scope_of(self.user).street_id

    def rows_in_scope(self, model) -> models.QuerySet:
        """The records the viewer may see, worked out from the paths, not through the scope."""
        if self.street_id is not None:
            return model._default_manager.filter(**{model.street_path: self.street_id}).distinct()
        return model._default_manager.filter(**{model.scope_path: self.own_community.pk}).distinct()


VIEWERS = ("secretary", "street_staff")


@pytest.fixture
def viewer(request, guihua_secretary, community, far_community, client) -> Viewer:
    kind = getattr(request, "param", "secretary")
    if kind == "secretary":
        user, own = guihua_secretary, community("桂花社区")

        def other(other_street: bool) -> Community:
            return far_community if other_street else community("同心社区")

    else:
        user = staff_user_create(username="xiqiao", password=None, street=far_community.street)
        own = far_community

        def other(other_street: bool) -> Community:
            return community("桂花社区")

    _grant_everything(user)
    client.force_login(user)
    return Viewer(user, own, other)


@pytest.fixture
def secretary(viewer):
    return viewer.user


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
def records(request, viewer):
    model = request.param
    case = CASES.get(model)
    if case is None:
        pytest.fail(f"{_label(model)} is scoped and registered in the admin but has no case in tests/scope_cases.py")
    own = case.make(viewer.own_community)
    other = case.make(viewer.other_community(case.other_street))
    assert own.pk != other.pk
    return own, other


def _parametrize_models(models_=None):
    """Every scoped model, for each viewer: ``records`` and ``viewer`` are made indirectly."""
    cases = [(model, kind) for model in (SCOPED_MODELS if models_ is None else models_) for kind in VIEWERS]
    return pytest.mark.parametrize(
        ("records", "viewer"), cases, ids=[f"{_label(m)}-{k}" for m, k in cases], indirect=True
    )


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


@_parametrize_models(EXPORTABLE)
def test_export_holds_own_rows_only(client, records, secretary, viewer):
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
    assert len(rows) == viewer.rows_in_scope(model).count()


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


# --- every URL the admin serves -----------------------------------------------------------------

# The views every ModelAdmin serves, and the tests above that cover them for every scoped model.
MODEL_VIEWS = {
    "changelist": "test_changelist_lists_own_record_only, test_bulk_delete_skips_the_other_record",
    "add": "test_foreign_keys_cannot_pick_the_other_record",
    "change": "test_object_pages_refuse_the_other_record",
    "delete": "test_object_pages_refuse_the_other_record",
    "history": "test_history_refuses_the_other_record",
    "simple_history": "test_history_refuses_the_other_record",
    "export": "test_export_holds_own_rows_only",
    # Imports are for street staff and write only their own street's rows.
    "import": "organizations/tests/test_import_export.py::test_street_staff_import_only_their_own_street",
    "process_import": "organizations/tests/test_import_export.py::test_street_staff_import_only_their_own_street",
    # An import's template holds no records (a header, an example row, notes); street staff only.
    "import_template": "organizations/tests/test_import_templates.py::test_a_template_is_for_street_staff_only",
    # Logins (auth.User) are not scoped: they are the superuser's alone.
    "password_change": "test_no_role_may_manage_logins",
}
# The site's own pages hold no records, or are covered above.
SITE_VIEWS = {
    "index": "test_site_pages_show_nothing_of_the_other_record",
    "app_list": "test_site_pages_show_nothing_of_the_other_record",
    "autocomplete": "test_autocomplete_offers_own_records_only",
    "view_on_site": "test_view_on_site_reveals_no_other_record",
    "login": "no records",
    "logout": "no records",
    "password_change": "the user's own password",
    "password_change_done": "no records",
    "jsi18n": "no records",
}
# Custom admin views (reports, printable pages, extra exports): each needs its own test here.
CUSTOM_URL_TESTS = {
    "projects_secretaryproject_quarterly_report": "test_quarterly_report_holds_the_viewers_street_only",
    "indicators_period_reopen": "indicators/tests/test_admin_scope_views.py::"
    "test_reopen_page_refuses_secretaries_and_another_street",
    "indicators_publishedfigure_check": "indicators/tests/test_admin_scope_views.py::"
    "test_check_page_refuses_secretaries_and_shows_another_street_only_its_own",
    "volunteers_volunteer_certificate": "test_pages_of_one_record_refuse_the_other_record",
    "volunteers_volunteer_points": "test_pages_of_one_record_refuse_the_other_record",
    "volunteers_communitycheckin_letter": "test_pages_of_one_record_refuse_the_other_record",
    "volunteers_servicerecord_summary": "test_hours_summary_holds_the_viewers_records_only",
    "volunteers_hoursimport_template": "volunteers/tests/test_import.py::test_the_hours_template_is_for_street_staff",
    "volunteers_hoursimport_confirm": "volunteers/tests/test_import.py::test_a_secretary_cannot_confirm_a_checked_file",
    # Any street's scheme may be read to copy it (schemes are rules, not personal data); the copy
    # goes only into the copier's street, and secretaries may not copy.
    "indicators_scheme_copy": "indicators/tests/test_scheme_copy.py::test_a_secretary_cannot_copy",
}


def test_every_admin_url_is_covered():
    model_prefixes = {f"{m._meta.app_label}_{m._meta.model_name}_": m for m in site._registry}
    uncovered = []
    for name in url_names(site.get_urls()):
        if name in SITE_VIEWS or name in CUSTOM_URL_TESTS:
            continue
        prefix = next((p for p in model_prefixes if name.startswith(p)), None)
        if prefix is not None and name[len(prefix) :] in MODEL_VIEWS:
            continue
        uncovered.append(name)

    assert not uncovered, f"admin URLs without a scope test (add them to CUSTOM_URL_TESTS): {uncovered}"
    # and every test named above exists
    root = Path(__file__).resolve().parents[1]
    for named in [*CUSTOM_URL_TESTS.values(), *SITE_VIEWS.values(), *MODEL_VIEWS.values()]:
        for test in named.split(", "):
            path, _, name = test.rpartition("::")
            if name.startswith("test_"):
                source = (root / path).read_text(encoding="utf-8") if path else Path(__file__).read_text("utf-8")
                assert f"def {name}(" in source, f"{test} is named but does not exist"


@_parametrize_models()
def test_site_pages_show_nothing_of_the_other_record(client, records):
    own, other = records
    urls = [reverse("admin:index"), reverse("admin:app_list", args=[own._meta.app_label])]

    for url in urls:
        response = client.get(url)

        assert response.status_code == 200
        assert f"/{other.pk}/change/" not in response.content.decode()


@_parametrize_models()
def test_view_on_site_reveals_no_other_record(client, records):
    own, other = records
    content_type = ContentType.objects.get_for_model(other)

    response = client.get(reverse("admin:view_on_site", args=[content_type.pk, other.pk]))

    if not hasattr(other, "get_absolute_url"):
        assert response.status_code == 404
    else:
        # The shortcut leads to the record's public page: anonymous visitors must be let in
        # there too, or the page is refused to everyone the same way.
        assert response.status_code == 302
        anonymous = type(client)().get(response["Location"])
        assert anonymous.status_code in (200, 404)


@pytest.mark.parametrize("viewer", VIEWERS, indirect=True)
def test_quarterly_report_holds_the_viewers_street_only(client, viewer, community):
    import openpyxl

    from projects.models import SecretaryProject
    from projects.tests.factories import SecretaryProjectFactory, WorkItemFactory

    # given a project and a 730 item in each street
    guihua = SecretaryProjectFactory(community=community("桂花社区"), year=2023, title="桂花的项目")
    WorkItemFactory(theme__plan__street=guihua.community.street, theme__plan__year=2023, title="桂城的要点")
    far = viewer.own_community if viewer.street_id else None
    if far is not None:
        SecretaryProjectFactory(community=far, year=2023, title="西樵的项目")
        WorkItemFactory(theme__plan__street=far.street, theme__plan__year=2023, title="西樵的要点")

    # when
    response = client.get(_url(SecretaryProject, "quarterly_report"), {"year": 2023})
    also_guicheng = client.get(
        _url(SecretaryProject, "quarterly_report"), {"year": 2023, "street": guihua.community.street_id}
    )

    # then a secretary gets no report at all; street staff get their own street's only
    if far is None:
        assert response.status_code == 403 and also_guicheng.status_code == 403
        return
    for answer in (response, also_guicheng):
        assert answer.status_code == 200
        assert "西樵镇" in unquote(answer["Content-Disposition"]) and "桂城" not in unquote(
            answer["Content-Disposition"]
        )
        book = openpyxl.load_workbook(io.BytesIO(answer.content))
        cells = {str(c.value) for sheet in book.worksheets for row in sheet.iter_rows() for c in row}
        assert "西樵的项目" in cells and "西樵的要点" in cells
        assert not {"桂花的项目", "桂城的要点", "桂花社区"} & cells


def test_a_superuser_picks_the_street_of_the_quarterly_report(admin_client, guicheng, far_community):
    from projects.models import SecretaryProject

    url = _url(SecretaryProject, "quarterly_report")

    choose = admin_client.get(url)
    report = admin_client.get(url, {"street": far_community.street_id, "year": 2023})

    assert choose.status_code == 200 and "西樵镇" in choose.content.decode() and "桂城街道" in choose.content.decode()
    assert report.status_code == 200 and "西樵镇" in unquote(report["Content-Disposition"])


def test_no_role_may_manage_logins(guicheng):
    from django.contrib.auth.models import Group

    roles = Group.objects.filter(name__in=[STREET_STAFF_GROUP, SECRETARY_GROUP])

    assert roles.count() == 2
    assert not Permission.objects.filter(group__in=roles, content_type__app_label="auth").exists()


# --- custom pages of one record, and the hours summary -------------------------------------------


def _one_record_pages():
    from volunteers.models import CommunityCheckIn, Volunteer

    return {
        "volunteers_volunteer_certificate": Volunteer,
        "volunteers_volunteer_points": Volunteer,
        "volunteers_communitycheckin_letter": CommunityCheckIn,
    }


@pytest.mark.parametrize("viewer", VIEWERS, indirect=True)
@pytest.mark.parametrize("name", sorted(_one_record_pages()))
def test_pages_of_one_record_refuse_the_other_record(client, viewer, name):
    model = _one_record_pages()[name]
    case = CASES[model]
    own, other = case.make(viewer.own_community), case.make(viewer.other_community(case.other_street))

    assert client.get(reverse(f"admin:{name}", args=[own.pk])).status_code == 200
    assert client.get(reverse(f"admin:{name}", args=[other.pk])).status_code in (403, 404)
    assert client.post(reverse(f"admin:{name}", args=[other.pk]), {"points": 5, "reason": "x"}).status_code in (
        403,
        404,
    )


@pytest.mark.parametrize("viewer", VIEWERS, indirect=True)
def test_hours_summary_holds_the_viewers_records_only(client, viewer):
    import openpyxl

    from volunteers import services as volunteer_services
    from volunteers.tests.factories import VolunteerFactory, at

    # given two hours confirmed in the viewer's community and in the one they may not see
    other = viewer.other_community(False)
    for number, community in enumerate((viewer.own_community, other)):
        clerk = staff_user_create(username=f"hours-clerk-{number}", password=None, street=community.street)
        record = volunteer_services.service_record_add(
            volunteer=VolunteerFactory(community=community),
            started_at=at(3, 9),
            ended_at=at(3, 11),
            description="值守",
            user=clerk,
        )
        volunteer_services.service_record_confirm(record=record, user=clerk)

    # when the viewer downloads the hours by community
    response = client.get(
        reverse("admin:volunteers_servicerecord_summary"),
        {"by": "community", "start": "2023-01-01", "end": "2023-12-31"},
    )

    # then only their community is in it
    rows = list(openpyxl.load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    assert {row[0] for row in rows[2:]} == {viewer.own_community.name}
    assert other.name not in {str(cell) for row in rows for cell in row}


# --- a view-only account (an auditor): reads its scope, writes nothing ----------------------------

# Admin actions that only read; any other action writes and must not be offered to a viewer.
READ_ONLY_ACTIONS: set[str] = set()


@pytest.fixture
def auditor(request, guihua_secretary, community, far_community, client) -> Viewer:
    """The two viewers above with only the view permission on every registered model."""
    if getattr(request, "param", "secretary") == "secretary":
        user, own = guihua_secretary, community("桂花社区")
    else:
        user, own = staff_user_create(username="xiqiao", password=None, street=far_community.street), far_community
    user.groups.clear()
    registered = ContentType.objects.get_for_models(*site._registry).values()
    user.user_permissions.set(Permission.objects.filter(content_type__in=registered, codename__startswith="view_"))
    client.force_login(user)
    return Viewer(user, own, lambda other_street: own)


@pytest.mark.parametrize("auditor", VIEWERS, indirect=True)
@pytest.mark.parametrize("model", SCOPED_MODELS, ids=_label)
def test_a_view_only_account_is_offered_no_write_and_writes_nothing(client, auditor, model):
    # given a record inside the auditor's own scope
    own = CASES[model].make(auditor.own_community)
    before = _snapshot(own)
    # when they open its pages
    changelist = client.get(_url(model, "changelist"))
    # then they read it, but no action that writes is offered …
    assert changelist.status_code == 200
    assert own.pk in set(changelist.context["cl"].queryset.values_list("pk", flat=True))
    action_form = changelist.context.get("action_form")
    offered = {name for name, _ in action_form.fields["action"].choices if name} if action_form else set()
    assert offered <= READ_ONLY_ACTIONS, f"{_label(model)} offers {offered - READ_ONLY_ACTIONS} to a viewer"
    assert client.get(_url(model, "change", own.pk)).status_code == 200
    # … and every write is refused, also when posted by hand
    assert client.get(_url(model, "add")).status_code == 403
    assert client.post(_url(model, "add"), {}).status_code == 403
    assert client.post(_url(model, "change", own.pk), {"_save": "1"}).status_code == 403
    assert client.post(_url(model, "delete", own.pk), {"post": "yes"}).status_code == 403
    for action in [*site._registry[model].actions, "delete_selected"]:
        name = action if isinstance(action, str) else action.__name__
        client.post(_url(model, "changelist"), {"action": name, "_selected_action": [own.pk], "post": "yes"})
    assert _snapshot(own) == before
