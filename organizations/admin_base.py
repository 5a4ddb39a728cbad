"""The admin base classes every app registers its models with.

Subclassing ``ScopedAdmin`` (or ``ScopedImportExportAdmin``) is all a new admin needs to obey the
scope: its changelist, change/delete/history pages, foreign-key and many-to-many choices,
autocomplete answers and exports all go through ``scoped_for(request.user)``.
"""

from __future__ import annotations

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.db import models
from django.http import Http404
from import_export.admin import ImportExportMixin
from simple_history.admin import SimpleHistoryAdmin

from .scope import acts_on_whole_street, scope_of


def _scoped(queryset, request):
    if hasattr(queryset, "scoped_for"):
        return queryset.scoped_for(request.user)
    return queryset


class ScopedFieldsMixin:
    """Foreign-key and many-to-many choices limited to the user's scope (admins and inlines)."""

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


class ScopedAdmin(ScopedFieldsMixin, SimpleHistoryAdmin):
    """Base admin: scoped querysets, choices and object permissions, with a change history."""

    list_per_page = 50
    show_full_result_count = False  # one COUNT(*) fewer on every changelist page

    def get_queryset(self, request):
        return _scoped(super().get_queryset(request), request)

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
        return super().history_form_view(request, object_id, version_id, extra_context)


class ScopedImportExportAdmin(ImportExportMixin, ScopedAdmin):
    """Scoped admin with Excel/CSV import and export. Import is for street staff only: a file
    may name any community, and only the whole-street scope may write to all of them."""

    def has_import_permission(self, request):
        return acts_on_whole_street(request.user) and super().has_import_permission(request)

    def import_action(self, request, **kwargs):
        if not self.has_import_permission(request):
            raise PermissionDenied
        return super().import_action(request, **kwargs)

    def get_export_queryset(self, request):
        # The changelist queryset is already scoped; say it again so no subclass can forget.
        return _scoped(super().get_export_queryset(request), request)
