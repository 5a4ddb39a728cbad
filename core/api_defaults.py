"""What ``settings.REST_FRAMEWORK`` names by string: pagination, throttles, the exception handler.

DRF imports these lazily, the first time ``api_settings.<NAME>`` is read, and that can happen in
the middle of importing ``rest_framework.views`` (``APIView``'s class body reads
``DEFAULT_THROTTLE_CLASSES``). A module named here must therefore import no DRF view, nor
anything that does: otherwise it is half-imported when DRF asks for its classes, and every
``manage.py`` command fails, depending only on the order Django happens to run its checks in.
``tests/test_settings_imports.py`` imports each of them first thing in a fresh interpreter.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import exceptions, pagination, status
from rest_framework.response import Response
from rest_framework.throttling import AnonRateThrottle, UserRateThrottle

from .client_address import client_ip


class NotModified(exceptions.APIException):
    """Raised by a conditional GET whose validators match: the handler answers 304."""

    status_code = status.HTTP_304_NOT_MODIFIED
    default_detail = ""

    def __init__(self, headers: dict | None = None):
        super().__init__()
        self.headers = headers or {}


def _field_errors(exc: DjangoValidationError) -> dict[str, list[str]]:
    if hasattr(exc, "error_dict"):
        return {
            ("non_field_errors" if field == "__all__" else field): messages
            for field, messages in exc.message_dict.items()
        }
    return {"non_field_errors": exc.messages}


def exception_handler(exc, context):
    """DRF's handler, plus: a service's ``ValidationError`` is a 400 with its messages per field
    (in Chinese, as the services write them), never a 500; ``NotModified`` is a bare 304."""
    # Imported here, not at the top: rest_framework.views reads these settings as it loads.
    from rest_framework.views import exception_handler as drf_exception_handler

    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(_field_errors(exc))
    if isinstance(exc, NotModified):
        response = Response(status=status.HTTP_304_NOT_MODIFIED)
        for name, value in exc.headers.items():
            response[name] = value
        return response
    return drf_exception_handler(exc, context)


class AnonThrottle(AnonRateThrottle):
    def get_rate(self):
        return settings.API_THROTTLE_RATES["anon"]

    def get_ident(self, request):
        # DRF's own reading trusts a client-sent X-Forwarded-For unless NUM_PROXIES is set: a
        # scraper sending a new one per call was never limited. One reading for every limit.
        return client_ip(request)


class UserThrottle(UserRateThrottle):
    """Per user; anonymous callers are keyed by their address here too (DRF's rule)."""

    def get_rate(self):
        return settings.API_THROTTLE_RATES["user"]

    def get_ident(self, request):
        return client_ip(request)


class Pagination(pagination.PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200
    page_query_description = "页码"
    page_size_query_description = "每页条数（最多 200）"

    def get_paginated_response_schema(self, schema):
        answer = super().get_paginated_response_schema(schema)
        descriptions = {"count": "总条数", "next": "下一页地址", "previous": "上一页地址", "results": "本页记录"}
        for name, text in descriptions.items():
            answer["properties"][name]["description"] = text
        return answer
