"""Schemathesis against /api/v1/schema/ with a station-staff login (HTTP basic auth): generated
requests, valid and invalid, on every operation of the API; none may answer a server error.
Bounded (a few examples per operation) to finish in a few minutes."""

import base64
import json

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.renderers import OpenApiJsonRenderer
from hypothesis import HealthCheck, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from tests.conftest import PASSWORD

RAW = json.loads(OpenApiJsonRenderer().render(SchemaGenerator().get_schema(request=None, public=True)))
schema = schemathesis.openapi.from_dict(RAW)
schema.app = get_wsgi_application()
AUTH = {
    "Authorization": "Basic " + base64.b64encode(f"station_a:{PASSWORD}".encode()).decode(),
    # the test transport does not inflate gzip (GZipMiddleware); real clients do
    "Accept-Encoding": "identity",
}


CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


@pytest.fixture
def station_staff(world, settings):
    settings.AXES_ENABLED = False  # thousands of logins in a row: throttling is tested elsewhere
    # the WSGI handler closes the database connection after each request; the test database
    # lives in this connection's transaction (Django's test client does the same)
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield world
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.mark.django_db
@schema.parametrize()
@settings(
    max_examples=3,
    deadline=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
    database=None,
)
def test_api_answers_no_server_error(case, station_staff):
    case.call_and_validate(headers=AUTH, checks=CHECKS)
