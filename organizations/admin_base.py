"""The admin base classes every app registers its models with.

Subclassing ``ScopedAdmin`` (or ``ScopedImportExportAdmin``) is all a new admin needs to obey the
scope: its changelist, change/delete/history pages, foreign-key and many-to-many choices,
autocomplete answers and exports all go through ``scoped_for(request.user)``.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.widgets import AutocompleteSelect, AutocompleteSelectMultiple
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from django.http import Http404, HttpResponse, HttpResponseBadRequest, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.http import content_disposition_header
from import_export.admin import ImportExportMixin
from simple_history.admin import SimpleHistoryAdmin

from core.forms import polish, polished
from core.importing import import_template

from .scope import acts_on_whole_street, scope_of

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _scoped(queryset, request):
    if hasattr(queryset, "scoped_for"):
        return queryset.scoped_for(request.user)
    return queryset


class _SkipMalformedIds:
    """Django's autocomplete widgets look the posted ids up to redisplay them, and a value that
    is not an id at all (a tampered post) raises ValueError there: a 500 instead of the form's
    own "请选择一个有效的选项" error. Malformed values are left out of the redisplay."""

    def optgroups(self, name, value, attr=None):
        target = self.field.target_field
        wellformed = []
        for item in value:
            try:
                target.to_python(item)
            except ValidationError:
                continue
            wellformed.append(item)
        return super().optgroups(name, wellformed, attr)


class SafeAutocompleteSelect(_SkipMalformedIds, AutocompleteSelect):
    pass


class SafeAutocompleteSelectMultiple(_SkipMalformedIds, AutocompleteSelectMultiple):
    pass


class ScopedFieldsMixin:
    """Foreign-key and many-to-many choices limited to the user's scope (admins and inlines);
    every field in the portal's Chinese (``core.forms.polish``): its own error messages,
    "请选择…" for Django's "---------", the phone keypad for a phone."""

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        field = super().formfield_for_dbfield(db_field, request, **kwargs)
        return field if field is None else polish(field, name=db_field.name)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name in self.get_autocomplete_fields(request) and "widget" not in kwargs:
            kwargs["widget"] = SafeAutocompleteSelect(db_field, self.admin_site, using=kwargs.get("using"))
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.name in self.get_autocomplete_fields(request) and "widget" not in kwargs:
            kwargs["widget"] = SafeAutocompleteSelectMultiple(db_field, self.admin_site, using=kwargs.get("using"))
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def get_field_queryset(self, db, db_field, request):
        queryset = super().get_field_queryset(db, db_field, request)
        if queryset is None:
            queryset = db_field.remote_field.model._default_manager.using(db).all()
        return _scoped(queryset, request)

    def get_readonly_fields(self, request, obj=None):
        """A foreign key whose current value lies outside the scope is shown but not editable,
        so a secretary can save their record without being able to pick that value."""
        readonly = list(super().get_readonly_fields(request, obj))
        if obj is None or scope_of(request.user).everything:
            return readonly
        for field in obj._meta.concrete_fields:
            if not isinstance(field, models.ForeignKey) or not field.editable or field.name in readonly:
                continue
            value = getattr(obj, field.attname)
            related = field.related_model._default_manager.all()
            if value is not None and hasattr(related, "scoped_for"):
                if not related.scoped_for(request.user).filter(pk=value).exists():
                    readonly.append(field.name)
        return readonly


class ScopedInline(ScopedFieldsMixin, admin.TabularInline):
    extra = 0

    def get_queryset(self, request):
        return _scoped(super().get_queryset(request), request)

    def get_formset(self, request, obj=None, **kwargs):
        # The fields the inline's form declares itself, polished like the rest.
        kwargs.setdefault("form", polished(self.form))
        return super().get_formset(request, obj, **kwargs)

    def get_readonly_fields(self, request, obj=None):
        # ``obj`` is the parent record here, not a row of the inline: the mixin would read the
        # parent's foreign keys and make same-named fields of the rows read-only.
        return admin.TabularInline.get_readonly_fields(self, request, obj)


def _community_id_of(instance, path: str):
    """The community an unsaved record reaches through ``path``; None for a street-level one."""
    *relations, last = path.split("__")
    target = instance
    for name in relations:
        target = getattr(target, name, None)
        if target is None:
            return None
    return target.pk if last == "pk" else getattr(target, target._meta.get_field(last).attname)


class _KeepInScopeForm(forms.ModelForm):
    """For a user who acts on listed communities only: what they save must stay in one of them
    (a blank community would make it a street-level record, out of their reach)."""

    scope_community_ids: tuple[int, ...] = ()

    def _post_clean(self):
        super()._post_clean()  # the model's clean() may fill the community in (Position)
        if _community_id_of(self.instance, self.instance.scope_path) not in self.scope_community_ids:
            self.add_error(None, "只能保存属于您所管社区的记录，请填写所在社区。")


class ScopedAdmin(ScopedFieldsMixin, SimpleHistoryAdmin):
    """Base admin: scoped querysets, choices and object permissions, with a change history."""

    list_per_page = 50
    show_full_result_count = False  # one COUNT(*) fewer on every changelist page

    def get_action_choices(self, request, default_choices=None):
        # The actions menu starts with "请选择操作…", not Django's "---------".
        return super().get_action_choices(request, default_choices=[("", "请选择操作…")])

    def get_queryset(self, request):
        return _scoped(super().get_queryset(request), request)

    def get_ordering(self, request):
        # Explicit, so an admin that annotates a count (GROUP BY drops Meta.ordering) still
        # pages its autocomplete answers in a stable order.
        return super().get_ordering(request) or self.model._meta.ordering

    def get_form(self, request, obj=None, change=False, **kwargs):
        # The fields the admin's form declares itself, polished like the rest.
        form = polished(super().get_form(request, obj, change=change, **kwargs))
        scope = scope_of(request.user)
        path = getattr(self.model, "scope_path", None)
        # Above the community level (scope_path_is_multi) secretaries only read, by permission.
        if scope.whole_street or not path or getattr(self.model, "scope_path_is_multi", False):
            return form
        return type(form.__name__, (_KeepInScopeForm, form), {"scope_community_ids": scope.community_ids})

    def _in_scope(self, request, obj) -> bool:
        if obj is None or scope_of(request.user).everything:
            return True
        cache = request.__dict__.setdefault("_scope_checked", {})
        key = (obj._meta.label, obj.pk)
        if key not in cache:
            cache[key] = self.get_queryset(request).filter(pk=obj.pk).exists()
        return cache[key]

    def has_view_permission(self, request, obj=None):
        return super().has_view_permission(request, obj) and self._in_scope(request, obj)

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and self._in_scope(request, obj)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and self._in_scope(request, obj)

    def _require_in_scope(self, request, object_id) -> None:
        if scope_of(request.user).everything:
            return
        if not self.get_queryset(request).filter(pk=object_id).exists():
            # The history of a record outside the scope is as invisible as the record.
            raise Http404

    def history_view(self, request, object_id, extra_context=None):
        self._require_in_scope(request, object_id)
        return super().history_view(request, object_id, extra_context)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        self._require_in_scope(request, object_id)
        if request.method == "POST" and self.revert_disabled(request):
            # simple_history saves whatever this form posts, checking only view permission:
            # a view-only user could otherwise rewrite a record through an old version's URL.
            raise PermissionDenied
        return super().history_form_view(request, object_id, version_id, extra_context)


class ScopedImportExportAdmin(ImportExportMixin, ScopedAdmin):
    """Scoped admin with Excel/CSV import and export. Import is for street staff only: a file
    may name any community, and only the whole-street scope may write to all of them."""

    # Excel reads a csv without a byte-order mark as GBK and shows the Chinese garbled.
    to_encoding = "utf-8-sig"
    # The library's page, plus the template download, the instructions and the file's warnings.
    import_template_name = "admin/import_export/portal_import.html"

    def get_urls(self):
        app_label, model_name = self.get_model_info()
        return [
            path(
                "import/template/",
                self.admin_site.admin_view(self.import_template_view),
                name=f"{app_label}_{model_name}_import_template",
            ),
            *super().get_urls(),
        ]

    def import_template_view(self, request):
        """The xlsx template of one of the admin's import resources (``?resource=<index>``)."""
        if not self.has_import_permission(request):
            raise PermissionDenied
        resource_classes = self.get_import_resource_classes(request)
        try:
            resource_class = resource_classes[int(request.GET.get("resource", 0))]
        except (ValueError, IndexError):
            return HttpResponseBadRequest("没有这个导入模板。")
        resource = resource_class(**self.get_import_resource_kwargs(request))
        response = HttpResponse(import_template(resource), content_type=XLSX_TYPE)
        filename = f"{self.opts.verbose_name}导入模板.xlsx"
        response["Content-Disposition"] = content_disposition_header(as_attachment=True, filename=filename)
        return response

    def has_import_permission(self, request):
        return acts_on_whole_street(request.user) and super().has_import_permission(request)

    def import_action(self, request, **kwargs):
        if not self.has_import_permission(request):
            raise PermissionDenied
        response = super().import_action(request, **kwargs)
        if isinstance(response, TemplateResponse):
            url = reverse(f"admin:{self.get_model_info()[0]}_{self.get_model_info()[1]}_import_template")
            response.context_data["import_templates"] = [
                {"url": f"{url}?resource={index}", "name": resource_class.get_display_name()}
                for index, resource_class in enumerate(self.get_import_resource_classes(request))
            ]
        return response

    def add_data_read_fail_error_to_form(self, form, e):
        # The library's message is English and names the Python exception.
        form.add_error(
            "import_file",
            "无法读取这个文件：请确认所选格式与文件一致（xlsx 或 csv）；csv 须为 UTF-8 编码"
            "（在 Excel 中“另存为 → CSV UTF-8”），或直接使用 xlsx。",
        )

    def process_result(self, result, request):
        """The confirmed import runs again; if the data changed since the preview and a row no
        longer passes, the whole file was rolled back: say so instead of "import finished"."""
        if not (result.has_errors() or result.has_validation_errors()):
            return super().process_result(result, request)
        problems = [str(error.error) for error in result.base_errors]
        for row in result.invalid_rows:
            for column, messages_ in row.error_dict.items():
                problems += [f"第{row.number}行 {column}：{message}" for message in messages_]
        messages.error(request, "导入未完成，没有写入任何数据。" + "；".join(problems))
        app_label, model_name = self.get_model_info()
        url = reverse(f"admin:{app_label}_{model_name}_import", current_app=self.admin_site.name)
        return HttpResponseRedirect(url)

    def get_export_queryset(self, request):
        # The changelist queryset is already scoped; say it again so no subclass can forget.
        return _scoped(super().get_export_queryset(request), request)


class SavesThroughService:
    """For an admin whose add (and maybe change) form saves through a service instead of
    ``obj.save()``: the service checks the scope and the rules and may write other rows with it.

    Django's admin goes on with the ``obj`` it built from the form (the log entry, the message,
    the redirect to the change page, the inline formsets), so what the service saved is copied
    back onto it: its ``pk`` and the names in ``copied_back``, and it is no longer "adding".

    ``create_service`` names the function in the admin's ``services`` module that creates the
    record; it is called with ``user=request.user`` and the form's fields named in
    ``create_fields``. An admin whose call has another shape overrides ``create`` instead.
    ``save_change`` saves a change; by default it saves nothing (the change form is read-only,
    changes go through the admin's actions). When it returns a record, that is copied back too.
    """

    create_service = ""  # a name in ``self.services``, the app's services module
    create_fields: tuple[str, ...] = ()
    copied_back: tuple[str, ...] = ()

    def create(self, request, obj, form):
        service = getattr(self.services, self.create_service)
        return service(user=request.user, **{name: getattr(obj, name) for name in self.create_fields})

    def save_change(self, request, obj, form):
        return None

    def save_model(self, request, obj, form, change):
        saved = self.save_change(request, obj, form) if change else self.create(request, obj, form)
        if saved is None:
            return
        for name in ("pk", *self.copied_back):
            setattr(obj, name, getattr(saved, name))
        obj._state.adding = False


def save_with_history(request, obj, *, full_clean: bool = True) -> None:
    """A plain save of a change, recorded in the history as made by the request's user."""
    obj._history_user = request.user
    if full_clean:
        obj.full_clean()
    obj.save()
