import pytest
from django.test import Client

from tests.factories import PASSWORD, make_account, make_team, make_user


@pytest.fixture
def admin_user(db):
    return make_user("admin", email="admin@example.com")


@pytest.fixture
def world(db):
    """A small organisation: a team lead with two KAMs, an outsider KAM, a viewer and an admin;
    a global account with a subsidiary owned by kam_a, an account owned by kam_b, one by the outsider."""
    lead = make_user("team_lead", email="lead@example.com")
    team = make_team("North", lead=lead)
    lead.team = team
    lead.save()
    kam_a = make_user("kam", email="kam.a@example.com", manager=lead, team=team)
    kam_b = make_user("kam", email="kam.b@example.com", team=team)
    outsider = make_user("kam", email="outsider@example.com")
    viewer = make_user("viewer", email="viewer@example.com")
    admin = make_user("admin", email="admin@example.com")
    global_account = make_account(owner=kam_a, code="G-001", name="Globex Holding")
    subsidiary = make_account(owner=kam_a, parent=global_account, code="G-001-DE", name="Globex Deutschland")
    account_b = make_account(owner=kam_b, code="B-001", name="Brightmart")
    hidden = make_account(owner=outsider, code="X-001", name="Hidden Industries")

    class World:
        pass

    w = World()
    w.__dict__.update(locals())
    return w


@pytest.fixture
def login(client):
    """Log a user in on the test client and return the client."""

    def _login(user) -> Client:
        client.force_login(user)
        return client

    return _login


@pytest.fixture
def password():
    return PASSWORD
