"""Property-based run against the API's own OpenAPI document: every operation, with generated valid and
invalid input, must answer without a server error, with a status code the document declares and a body
that matches the declared schema.

The WSGI application is called in-process, on the test database, authenticated as an admin with a
personal API token, over a small seeded portfolio (so that ids hit real records too).
"""

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error, response_schema_conformance, status_code_conformance

from kamdesk.users.models import ApiToken
from kamdesk.users.services import token_create
from tests.factories import grant, make_account, make_contact

CHECKS = [not_a_server_error, response_schema_conformance, status_code_conformance]

# Bounded and repeatable: a fixed seed, no example database, a few dozen cases per operation.
RUN_CONFIG = {
    "seed": 20260101,
    "generation": {"max-examples": 25, "deterministic": True, "database": "none"},
    "phases": {"stateful": {"enabled": False}},
}


@pytest.fixture
def admin_token(world):
    token, secret = token_create(actor=world.admin, user=world.admin, name="conformance run")
    return token, secret


@pytest.fixture
def portfolio(world):
    """A small portfolio with ids in the low range the generator favours, so that cases hit real records."""
    for n in range(6):
        account = make_account(owner=world.kam_b, parent=world.global_account if n % 2 else None, tier="key")
        make_contact(account, influence=3)
    grant(world.global_account, world.kam_b, access="edit")
    make_contact(world.subsidiary, other_accounts=[world.account_b])
    return world


@pytest.fixture
def keep_test_transaction():
    """Called as a real WSGI application, Django would close the database connection at the end of each
    request and so lose the test's transaction; its own test client switches that off the same way."""
    signals = (request_started, request_finished)
    for signal in signals:
        signal.disconnect(close_old_connections)
    yield
    for signal in signals:
        signal.connect(close_old_connections)


# Reading the document needs no database: it is generated from the code.
schema = schemathesis.openapi.from_wsgi(
    "/api/v1/openapi.json", get_wsgi_application(), config=schemathesis.Config.from_dict(RUN_CONFIG)
)


@pytest.mark.slow
@schema.parametrize()
# The database is shared by the cases of one operation on purpose: they act on the same seeded records.
@settings(suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow], deadline=None)
def test_every_operation_conforms_to_the_document(case, keep_test_transaction, portfolio, admin_token):
    token, secret = admin_token
    case.call_and_validate(headers={"Authorization": f"Bearer {secret}"}, checks=CHECKS)
    # A generated DELETE /tokens/{id} may revoke the run's own token; keep it usable for the next case.
    ApiToken.objects.filter(pk=token.pk).update(revoked_at=None)
