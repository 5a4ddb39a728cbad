"""The import framework's scoped part: who may import, which records an import touches, and
the street and community columns. The framework itself is ``core.importing``."""

from __future__ import annotations

from django.core.exceptions import ValidationError

from core.importing import ImportFileError, PortalResource, cell_text, related

from .models import Community, Street
from .scope import scope_of


def street_field(column="街道"):
    return related("street", column, Street, label="街道")


def community_field(attribute="community", column="社区", street_column="街道"):
    return related(attribute, column, Community, parents={"street__name": street_column}, label="社区")


class ScopedResource(PortalResource):
    """The base of every app's resources: only street staff import, and the staff of one street
    find, update and import only their own street's records (the model's ``street_path``)."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self._only_street: str | None = None

    def check_importer(self, user) -> None:
        self._only_street = None
        if user is not None:
            scope = scope_of(user)
            if not scope.whole_street:
                raise ImportFileError("只有街道工作人员可以导入数据。")
            if not scope.everything:
                self._only_street = Street.objects.get(pk=scope.street_id).name

    def scope_queryset(self, queryset):
        if self._only_street is not None:
            # Street staff find (and so update) only their own street's records.
            queryset = queryset.filter(**{f"{self._meta.model.street_path}__name": self._only_street})
        return queryset

    def check_row_scope(self, row) -> None:
        if self._only_street is not None and "街道" in row:
            street = cell_text(row["街道"])
            if street != self._only_street:
                raise ValidationError({"街道": f"你只能导入{self._only_street}的数据，这一行是“{street}”。"})
