"""Shared machinery of the REST API under ``/api/v1/``: what every app's ``api.py`` builds on.

- ``PublicReadMixin``: anonymous reads answer ``ETag`` / ``Last-Modified`` from the public
  content version (``core.public_cache``), and a matching ``If-None-Match`` /
  ``If-Modified-Since`` gets a 304 before any query runs, so a big screen polling every
  minute costs one cache read.
- ``IdFilter`` / ``IdField`` / ``query_int``: numbers bounded to what the database holds.
- ``csv_response`` / ``CSVRenderer``: the open-data downloads.

The classes ``settings.REST_FRAMEWORK`` names by string (pagination, throttles, the exception
handler) live in ``core.api_defaults``, which imports no DRF view (see there why).

Views stay thin: they read through the apps' selectors and write through their services; the
scope is ``scoped_for(user)``, the same as the admin's.
"""

from __future__ import annotations

import csv
import hashlib
import io
import time
from datetime import UTC, datetime

from django import forms
from django.core.exceptions import FieldDoesNotExist
from django.http import HttpResponse
from django.utils.http import http_date, parse_http_date_safe, quote_etag
from django_filters import rest_framework as filters
from rest_framework import exceptions, serializers
from rest_framework.renderers import BaseRenderer

from core.api_defaults import NotModified
from core.public_cache import content_version
from core.spreadsheet import neutralise_formula

# The largest id a database column holds (bigint); a longer number in a URL or a filter is
# refused as bad input rather than overflowing the database driver.
MAX_ID = 2**63 - 1
ID_PATTERN = "[0-9]{1,18}"


# A model serializer whose fields describe themselves in the OpenAPI schema with what the model
# already says: the model field's ``help_text``, else its ``verbose_name`` (the primary key is
# “编号”). ``extra_kwargs`` or a declared field's own ``help_text`` still win, for a field the API
# describes differently. (A comment, not a docstring: drf-spectacular would print a base class's
# docstring as the description of every serializer built on it.)
class DescribedModelSerializer(serializers.ModelSerializer):
    def build_field(self, field_name, info, model_class, nested_depth):
        field_class, kwargs = super().build_field(field_name, info, model_class, nested_depth)
        if "help_text" not in kwargs:
            description = model_field_description(model_class, field_name)
            if description:
                kwargs["help_text"] = description
        return field_class, kwargs


def model_field_description(model_class, field_name: str) -> str:
    """The model field's ``help_text``, else its ``verbose_name``; "" for a name that is not a
    field (a property, an annotation)."""
    if field_name == "pk":
        field = model_class._meta.pk
    else:
        try:
            field = model_class._meta.get_field(field_name)
        except FieldDoesNotExist:
            return ""
    if getattr(field, "primary_key", False):
        return "编号"
    return str(getattr(field, "help_text", "") or getattr(field, "verbose_name", "") or "")


class IdFilter(filters.NumberFilter):
    """An integer filter bounded to what the database holds."""

    field_class = forms.IntegerField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("min_value", 0)
        kwargs.setdefault("max_value", MAX_ID)
        super().__init__(*args, **kwargs)


class IdField(serializers.PrimaryKeyRelatedField):
    """A related record by id; an id beyond what the database holds is “invalid”, not a 500."""

    def to_internal_value(self, data):
        if isinstance(data, bool) or (isinstance(data, int | str) and str(data).isdigit() and int(data) > MAX_ID):
            self.fail("does_not_exist", pk_value=data)
        return super().to_internal_value(data)


def query_int(request, name: str, message: str) -> int | None:
    """An optional integer query parameter; anything else is a 400 with ``message``."""
    value = request.query_params.get(name, "")
    if not value:
        return None
    if not value.isascii() or not value.isdigit() or int(value) > MAX_ID:
        raise exceptions.ValidationError({name: [message]})
    return int(value)


class CSVRenderer(BaseRenderer):
    """For the open-data downloads, whose views build the CSV themselves."""

    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        return data if isinstance(data, bytes | str) else str(data or "")


class PublicReadMixin:
    """Conditional GET for anonymous reads.

    The validator is the public content version, which changes whenever a record of the
    portal's apps changes, so a 304 is never stale. A view whose answer also moves with the
    clock (“开放中”, free places of activities starting soon) sets ``fresh_seconds``: the
    validator then changes at least that often. Logged-in callers get fresh answers (their
    scope may add private records), without validators.
    """

    fresh_seconds: int | None = None

    def _validators(self, request) -> tuple[str, datetime]:
        version, changed_at = content_version()
        parts = [version, request.get_full_path(), request.accepted_media_type or ""]
        if self.fresh_seconds:
            bucket = int(time.time()) // self.fresh_seconds * self.fresh_seconds
            parts.append(str(bucket))
            changed_at = max(changed_at, datetime.fromtimestamp(bucket, tz=UTC))
        etag = quote_etag(hashlib.sha256("|".join(parts).encode()).hexdigest()[:32])
        return etag, changed_at

    def _conditional(self, request) -> bool:
        return request.method in ("GET", "HEAD") and not request.user.is_authenticated

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)  # authentication and throttles first
        if not self._conditional(request):
            return
        etag, changed_at = self._validators(request)
        self._etag, self._last_modified = etag, changed_at
        headers = {"ETag": etag, "Last-Modified": http_date(changed_at.timestamp())}
        if_none_match = request.headers.get("If-None-Match")
        if if_none_match is not None:
            if etag in {tag.strip() for tag in if_none_match.split(",")} or if_none_match.strip() == "*":
                raise NotModified(headers)
            return
        since = parse_http_date_safe(request.headers.get("If-Modified-Since") or "")
        if since is not None and int(changed_at.timestamp()) <= since:
            raise NotModified(headers)

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        if response.status_code == 200 and getattr(self, "_etag", None) and self._conditional(request):
            response["ETag"] = self._etag
            response["Last-Modified"] = http_date(self._last_modified.timestamp())
            # Caches may keep it but must ask again (cheaply, with the ETag) before reuse.
            response["Cache-Control"] = "public, no-cache"
        return response


def csv_response(header: list[str], rows: list[list], filename: str) -> HttpResponse:
    """A UTF-8 CSV with a BOM, so Excel on a street office's PC shows the Chinese right. Cells
    hold staff text (titles, addresses) and anyone downloads the file: text a spreadsheet would
    run as a formula (``=HYPERLINK(…)``) is neutralised as in every file the portal writes."""
    buffer = io.StringIO()
    buffer.write("\ufeff")
    writer = csv.writer(buffer)
    writer.writerow([neutralise_formula(cell) for cell in header])
    writer.writerows([neutralise_formula(cell) for cell in row] for row in rows)
    response = HttpResponse(buffer.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
