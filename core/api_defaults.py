"""What ``settings.REST_FRAMEWORK`` names by string: pagination, throttles, the exception handler,
the token authentication (tokens that expire).

DRF imports these lazily, the first time ``api_settings.<NAME>`` is read, and that can happen in
the middle of importing ``rest_framework.views`` (``APIView``'s class body reads
``DEFAULT_THROTTLE_CLASSES``). A module named here must therefore import no DRF view, nor
anything that does: otherwise it is half-imported when DRF asks for its classes, and every
``manage.py`` command fails, depending only on the order Django happens to run its checks in.
``tests/test_settings_imports.py`` imports each of them first thing in a fresh interpreter.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils import timezone
from rest_framework import exceptions, pagination, status
from rest_framework.authentication import TokenAuthentication
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


class TokenLoginThrottle(AnonThrottle):
    """The token login (``auth/token/``), per client IP whether or not the caller is logged in
    already: DRF's ``ObtainAuthToken`` sets no throttle at all. django-axes locks a username
    after ``AXES_FAILURE_LIMIT`` failures; this bounds how many guesses one address makes."""

    scope = "token"

    def get_rate(self):
        return settings.API_THROTTLE_RATES["token"]

    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


def token_expired(token) -> bool:
    """A token lives ``API_TOKEN_LIFETIME_DAYS`` from when it was issued."""
    return token.created + timedelta(days=settings.API_TOKEN_LIFETIME_DAYS) <= timezone.now()


class ExpiringTokenAuthentication(TokenAuthentication):
    """DRF's token, with a lifetime: an expired token is deleted and the call is a 401; the
    app asks ``auth/token/`` for a new one with the password."""

    def authenticate_credentials(self, key):
        user, token = super().authenticate_credentials(key)
        if token_expired(token):
            token.delete()
            raise exceptions.AuthenticationFailed("Token 已过期，请用用户名和密码重新获取。")
        return user, token


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
