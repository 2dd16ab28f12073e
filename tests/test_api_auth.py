"""How callers prove who they are: the browser's session (with CSRF on every change) and personal API
tokens; and the locally served API documentation."""

import json
import re
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from kamdesk.accounts.models import Account
from kamdesk.users.models import ApiToken
from kamdesk.users.services import token_create, token_revoke
from tests.factories import make_user

API = "/api/v1"


def post_json(client, url, body, **extra):
    return client.post(url, data=json.dumps(body), content_type="application/json", **extra)


def bearer(secret: str) -> dict:
    return {"HTTP_AUTHORIZATION": f"Bearer {secret}"}


@pytest.fixture
def csrf_client(world):
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.kam_a)
    return client


@pytest.fixture
def kam_token(world):
    token, secret = token_create(actor=world.kam_a, user=world.kam_a, name="script")
    return token, secret


# --- session + CSRF -----------------------------------------------------------------------------------------


def test_session_reads_without_csrf_token(csrf_client):
    assert csrf_client.get(f"{API}/accounts").status_code == 200


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("post", "/accounts", {"code": "CSRF-1", "name": "Forged"}),
        ("patch", "/accounts/{account}", {"name": "Forged"}),
        ("delete", "/accounts/{account}", None),
        ("post", "/tokens", {"name": "forged"}),
    ],
)
def test_session_changes_without_csrf_token_are_403(csrf_client, world, method, path, body):
    url = API + path.format(account=world.subsidiary.pk)
    extra = {"data": json.dumps(body), "content_type": "application/json"} if body else {}
    response = getattr(csrf_client, method)(url, **extra)
    assert response.status_code == 403
    assert "CSRF" in response.json()["detail"]
    assert Account.objects.get(pk=world.subsidiary.pk).name == "Globex Deutschland"
    assert not Account.objects.filter(code="CSRF-1").exists()


def test_session_change_with_csrf_token_from_the_docs_page_works(csrf_client):
    page = csrf_client.get(f"{API}/docs")
    token = csrf_client.cookies["csrftoken"].value
    assert page.status_code == 200
    response = post_json(csrf_client, f"{API}/accounts", {"code": "CSRF-2", "name": "Genuine"}, HTTP_X_CSRFTOKEN=token)
    assert response.status_code == 201, response.content
    assert Account.objects.filter(code="CSRF-2").exists()


def test_wrong_csrf_token_is_403(csrf_client):
    csrf_client.get(f"{API}/docs")
    response = post_json(csrf_client, f"{API}/accounts", {"code": "C", "name": "C"}, HTTP_X_CSRFTOKEN="x" * 32)
    assert response.status_code == 403


def test_anonymous_is_401_with_a_challenge(client):
    for response in (client.get(f"{API}/accounts"), post_json(client, f"{API}/accounts", {"code": "A", "name": "A"})):
        assert response.status_code == 401
        assert response["WWW-Authenticate"].startswith("Bearer")
        assert response.json()["detail"]


def test_deactivated_user_session_is_401(client, world):
    client.force_login(world.kam_a)
    world.kam_a.is_active = False
    world.kam_a.save()
    assert client.get(f"{API}/users/me").status_code == 401


# --- bearer tokens ----------------------------------------------------------------------------------------------


def test_bearer_token_authenticates_and_stamps_last_use(client, world, kam_token):
    token, secret = kam_token
    assert token.last_used_at is None
    response = client.get(f"{API}/users/me", **bearer(secret))
    assert response.status_code == 200
    assert response.json()["email"] == "kam.a@example.com"
    token.refresh_from_db()
    assert token.last_used_at is not None
    assert timezone.now() - token.last_used_at < timedelta(minutes=1)


def test_bearer_token_needs_no_csrf_token(world, kam_token):
    _token, secret = kam_token
    client = Client(enforce_csrf_checks=True)
    response = post_json(client, f"{API}/accounts", {"code": "BEARER-1", "name": "Scripted"}, **bearer(secret))
    assert response.status_code == 201, response.content
    assert Account.objects.get(code="BEARER-1").owner == world.kam_a


def test_bearer_token_sees_only_what_its_user_sees(client, world, kam_token):
    _token, secret = kam_token
    codes = {a["code"] for a in client.get(f"{API}/accounts", **bearer(secret)).json()["items"]}
    assert codes == {"G-001", "G-001-DE"}
    assert client.get(f"{API}/accounts/{world.hidden.pk}", **bearer(secret)).status_code == 404


def test_revoked_token_is_401(client, world, kam_token):
    token, secret = kam_token
    token_revoke(actor=world.kam_a, token_id=token.pk)
    assert client.get(f"{API}/accounts", **bearer(secret)).status_code == 401


@pytest.mark.parametrize(
    "header",
    ["Bearer", "Bearer ", "Bearer kd_not-a-real-token", "Bearer not-even-a-prefix", "Basic a2FtOnB3", "kd_raw"],
)
def test_unknown_or_malformed_credentials_are_401(client, world, header):
    assert client.get(f"{API}/accounts", HTTP_AUTHORIZATION=header).status_code == 401


def test_token_of_a_deactivated_user_is_401(client, world, kam_token):
    _token, secret = kam_token
    world.kam_a.is_active = False
    world.kam_a.save()
    assert client.get(f"{API}/accounts", **bearer(secret)).status_code == 401


def test_viewer_token_reads_but_cannot_write(client, world):
    _token, secret = token_create(actor=world.viewer, user=world.viewer, name="report")
    assert client.get(f"{API}/accounts", **bearer(secret)).status_code == 200
    response = post_json(client, f"{API}/accounts", {"code": "V-1", "name": "Viewer's"}, **bearer(secret))
    assert response.status_code == 403


# --- own tokens through the API -----------------------------------------------------------------------------------


def test_token_lifecycle_through_the_api(client, world):
    client.force_login(world.kam_b)
    created = post_json(client, f"{API}/tokens", {"name": "  nightly export  "})
    assert created.status_code == 201
    body = created.json()
    secret = body["secret"]
    assert body["name"] == "nightly export"
    assert secret.startswith("kd_") and body["hint"] == secret[:8]
    stored = ApiToken.objects.get(pk=body["id"])
    assert stored.digest == ApiToken.digest_of(secret) and secret not in stored.digest

    listed = client.get(f"{API}/tokens").json()
    assert listed["count"] == 1
    assert "secret" not in listed["items"][0]
    assert secret not in json.dumps(listed)

    script = Client()
    assert script.get(f"{API}/users/me", **bearer(secret)).json()["id"] == world.kam_b.pk
    assert client.delete(f"{API}/tokens/{body['id']}").status_code == 204
    assert script.get(f"{API}/users/me", **bearer(secret)).status_code == 401
    listed = client.get(f"{API}/tokens").json()["items"][0]
    assert listed["is_active"] is False and listed["revoked_at"]


def test_a_token_cannot_mint_tokens(client, kam_token):
    _token, secret = kam_token
    response = post_json(client, f"{API}/tokens", {"name": "another"}, **bearer(secret))
    assert response.status_code == 403
    assert ApiToken.objects.count() == 1


def test_a_token_can_revoke_itself(client, kam_token):
    token, secret = kam_token
    assert client.delete(f"{API}/tokens/{token.pk}", **bearer(secret)).status_code == 204
    assert client.get(f"{API}/users/me", **bearer(secret)).status_code == 401


def test_someone_elses_token_is_404_even_for_admins(client, world, kam_token):
    token, _secret = kam_token
    for user in (world.kam_b, world.admin):
        client.force_login(user)
        assert client.delete(f"{API}/tokens/{token.pk}").status_code == 404
        assert client.get(f"{API}/tokens").json()["count"] == 0
    token.refresh_from_db()
    assert token.revoked_at is None


def test_token_name_is_required(client, world):
    client.force_login(world.kam_a)
    response = post_json(client, f"{API}/tokens", {"name": "   "})
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "name"


# --- users ----------------------------------------------------------------------------------------------------


def test_inactive_users_are_listed_for_admins_only(client, world):
    gone = make_user("kam", email="gone@example.com", is_active=False)
    client.force_login(world.kam_a)
    assert client.get(f"{API}/users/{gone.pk}").status_code == 404
    assert "gone@example.com" not in json.dumps(client.get(f"{API}/users", {"limit": 500}).json())
    client.force_login(world.admin)
    assert client.get(f"{API}/users/{gone.pk}").json()["is_active"] is False
    assert client.get(f"{API}/users", {"active": "false"}).json()["count"] == 1


def test_users_and_teams_read(client, world):
    client.force_login(world.kam_b)
    me = client.get(f"{API}/users/me").json()
    assert me["team_name"] == "North" and me["role"] == "kam"
    kam_a = client.get(f"{API}/users/{world.kam_a.pk}").json()
    assert kam_a["manager_id"] == world.lead.pk and kam_a["manager_name"] == str(world.lead)
    leads = client.get(f"{API}/users", {"role": "team_lead"}).json()
    assert [u["email"] for u in leads["items"]] == ["lead@example.com"]
    north = client.get(f"{API}/users", {"team": world.team.pk}).json()
    assert north["count"] == 3
    teams = client.get(f"{API}/teams").json()
    assert teams == {
        "items": [
            {
                "id": world.team.pk,
                "name": "North",
                "lead_id": world.lead.pk,
                "lead_name": str(world.lead),
                "member_count": 3,
            }
        ],
        "count": 1,
    }


# --- OpenAPI document and docs page --------------------------------------------------------------------------------


def test_openapi_document(client):
    schema = client.get(f"{API}/openapi.json").json()
    assert schema["openapi"].startswith("3.")
    schemes = schema["components"]["securitySchemes"]
    assert schemes["BearerTokenAuth"] == {"type": "http", "scheme": "bearer"}
    assert schemes["SessionCookieAuth"]["in"] == "cookie"
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            codes = set(operation["responses"])
            assert "401" in codes, (method, path)
            if method != "get":
                assert {"400", "403", "404", "422"} <= codes, (method, path)
            if "{" in path:
                assert {"404", "422"} <= codes, (method, path)


def test_docs_page_is_served_locally(client):
    page = client.get(f"{API}/docs")
    assert page.status_code == 200
    html = page.content.decode()
    assert "http://" not in html and "https://" not in html and "//cdn" not in html
    assets = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert any(a.endswith("swagger-ui-bundle.js") for a in assets)
    for asset in assets:
        assert asset.startswith("/static/"), asset
        assert client.get(asset).status_code == 200, asset
    assert '"validatorUrl": null' in html
    assert "/api/v1/openapi.json" in html
