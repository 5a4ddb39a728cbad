"""Schemathesis calls every operation of the OpenAPI schema with generated input, in-process
through the WSGI application, on the Guicheng data: no answer may be a 5xx, and every answer
must match the schema (its status's body and content type).

Calls are made as street staff with a token, so the staff endpoints are exercised beyond their
401; a few examples per operation keep the run to well under a minute.
"""

from __future__ import annotations

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, given, settings
from rest_framework.authtoken.models import Token
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import content_type_conformance, response_schema_conformance

pytestmark = [pytest.mark.django_db, pytest.mark.schemathesis]

EXAMPLES = 6
CHECKS = [not_a_server_error, response_schema_conformance, content_type_conformance]


@pytest.fixture
def guicheng(guicheng_module, db):
    return guicheng_module


@pytest.fixture
def api_schema(guicheng, street_staff, settings):
    from portal.wsgi import application

    settings.API_THROTTLE_RATES = {"anon": "100000/min", "user": "100000/min", "token": "100000/min"}
    # The WSGI handler closes the connection when a request starts and ends; the test's
    # transaction must stay open between calls (Django's test client does the same).
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", application)
        token = Token.objects.create(user=street_staff).key
        yield schema, {"Authorization": f"Token {token}"}
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


def test_api_answers_match_the_schema(api_schema):
    # (Schemathesis's own pytest plugin does not run under pytest 9: each operation is driven
    # here with its Hypothesis strategy instead.)
    schema, headers = api_schema
    failures, operations = {}, 0
    for result in schema.get_all_operations():
        operation = result.ok()
        operations += 1

        @given(case=operation.as_strategy())
        @settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
        def call(case):
            case.call_and_validate(headers=headers, checks=CHECKS)

        try:
            call()
        except Exception as exc:  # noqa: BLE001 - every operation's failure is collected, then reported
            failures[operation.label] = str(exc)[:2000]
    assert operations > 30
    assert failures == {}
