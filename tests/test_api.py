"""The REST API's contract: who may do what on every route, the list shape and filters, the error shape,
and what a user is never shown."""

import json
from dataclasses import dataclass
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from kamdesk.accounts.models import Account, AccountMembership, Channel
from kamdesk.people.models import Contact
from kamdesk.users.services import token_create
from tests.factories import grant, make_account, make_contact, make_user

API = "/api/v1"


# --- the scene every route is tried against ---------------------------------------------------------------


@pytest.fixture
def scene(world):
    """world, plus: a contact on the global account, a member to remove, a user to add, and access for a
    read-only team member (kam_b) and a viewer on the global account (and so on its subsidiary)."""
    world.contact = make_contact(world.global_account, last_name="Stakeholder", email="stake@customer.example")
    world.member = make_user("team_member", email="member@example.com")
    world.membership = grant(world.subsidiary, world.member, access="read")
    world.joiner = make_user("team_member", email="joiner@example.com")
    world.reader = world.kam_b
    grant(world.global_account, world.reader, access="read")
    grant(world.global_account, world.viewer, access="edit")  # a viewer stays read-only whatever the grant
    world.owner = world.kam_a
    world.anonymous = None
    return world


@dataclass(frozen=True)
class Route:
    name: str
    method: str
    path: str
    body: object = None  # a function of the scene, giving the JSON body

    def url(self, scene, user) -> str:
        token = _own_token(user) if "{token}" in self.path else None
        return API + self.path.format(
            account=scene.subsidiary.pk,
            contact=scene.contact.pk,
            membership=scene.membership.pk,
            user=scene.kam_a.pk,
            token=token.pk if token else 0,
        )


def _own_token(user):
    owner = user or make_user("kam")
    token, _secret = token_create(actor=owner, user=owner, name="script")
    return token


ROUTES = [
    Route("account_list", "get", "/accounts"),
    Route("account_create", "post", "/accounts", lambda s: {"code": "NEW-1", "name": "Newco"}),
    Route("account_get", "get", "/accounts/{account}"),
    Route("account_update", "patch", "/accounts/{account}", lambda s: {"name": "Globex DE"}),
    Route("account_delete", "delete", "/accounts/{account}"),
    Route("account_children", "get", "/accounts/{account}/children"),
    Route(
        "account_handover",
        "post",
        "/accounts/{account}/handover",
        lambda s: {"new_owner_id": s.kam_b.pk, "reason": "Territory change"},
    ),
    Route("team_list", "get", "/accounts/{account}/team"),
    Route("team_add", "post", "/accounts/{account}/team", lambda s: {"user_id": s.joiner.pk, "role": "sales"}),
    Route("team_remove", "delete", "/accounts/{account}/team/{membership}"),
    Route("contact_list", "get", "/contacts"),
    Route(
        "contact_create",
        "post",
        "/contacts",
        lambda s: {"last_name": "Newperson", "account_id": s.subsidiary.pk},
    ),
    Route("contact_get", "get", "/contacts/{contact}"),
    Route("contact_update", "patch", "/contacts/{contact}", lambda s: {"title": "CFO"}),
    Route("contact_delete", "delete", "/contacts/{contact}"),
    Route("contact_vcard", "get", "/contacts/{contact}/vcard"),
    Route("account_stakeholders_vcard", "get", "/accounts/{account}/stakeholders.vcf"),
    Route("user_list", "get", "/users"),
    Route("user_me", "get", "/users/me"),
    Route("user_get", "get", "/users/{user}"),
    Route("teams_list", "get", "/teams"),
    Route("token_list", "get", "/tokens"),
    Route("token_create", "post", "/tokens", lambda s: {"name": "nightly export"}),
    Route("token_revoke", "delete", "/tokens/{token}"),
]

ROLES = ["anonymous", "outsider", "viewer", "reader", "owner", "admin"]

# Expected status per route for: anonymous, an outsider (sees none of these accounts), a viewer and a
# read-only team member (both see them), the owner (a KAM) and an admin.
MATRIX = {
    "account_list": (401, 200, 200, 200, 200, 200),
    "account_create": (401, 201, 403, 201, 201, 201),
    "account_get": (401, 404, 200, 200, 200, 200),
    "account_update": (401, 404, 403, 403, 200, 200),
    "account_delete": (401, 404, 403, 403, 403, 204),  # only admins delete
    "account_children": (401, 404, 200, 200, 200, 200),
    "account_handover": (401, 404, 403, 403, 403, 200),  # a KAM cannot give accounts to others; leads do
    "team_list": (401, 404, 200, 200, 200, 200),
    "team_add": (401, 404, 403, 403, 201, 201),
    "team_remove": (401, 404, 403, 403, 204, 204),
    "contact_list": (401, 200, 200, 200, 200, 200),
    "contact_create": (401, 422, 403, 403, 201, 201),  # a hidden account in a body is unknown: 422
    "contact_get": (401, 404, 200, 200, 200, 200),
    "contact_update": (401, 404, 403, 403, 200, 200),
    "contact_delete": (401, 404, 403, 403, 204, 204),
    "contact_vcard": (401, 404, 200, 200, 200, 200),
    "account_stakeholders_vcard": (401, 404, 200, 200, 200, 200),
    "user_list": (401, 200, 200, 200, 200, 200),
    "user_me": (401, 200, 200, 200, 200, 200),
    "user_get": (401, 200, 200, 200, 200, 200),
    "teams_list": (401, 200, 200, 200, 200, 200),
    "token_list": (401, 200, 200, 200, 200, 200),
    "token_create": (401, 201, 201, 201, 201, 201),  # tokens are the caller's own, viewers included
    "token_revoke": (401, 204, 204, 204, 204, 204),
}


def call(client, method: str, url: str, body=None, **extra):
    if body is None:
        return getattr(client, method)(url, **extra)
    return getattr(client, method)(url, data=json.dumps(body), content_type="application/json", **extra)


CORE_TAGS = {"accounts", "contacts", "users", "teams", "tokens"}  # the commercial routes have matrices of their own


def test_matrix_covers_every_core_route_of_the_api(client):
    schema = client.get(f"{API}/openapi.json").json()
    documented = {
        (method, path)
        for path, item in schema["paths"].items()
        for method, operation in item.items()
        if CORE_TAGS & set(operation.get("tags", []))
    }
    tried = {(r.method, (API + r.path).replace("{account}", "{account_id}")) for r in ROUTES}
    tried = {(m, p.replace("{contact}", "{contact_id}").replace("{membership}", "{membership_id}")) for m, p in tried}
    tried = {(m, p.replace("{user}", "{user_id}").replace("{token}", "{token_id}")) for m, p in tried}
    assert documented == tried
    assert set(MATRIX) == {r.name for r in ROUTES}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("route", ROUTES, ids=lambda r: r.name)
def test_permission_matrix(client, scene, route, role):
    user = getattr(scene, role)
    url = route.url(scene, user)
    if user is not None:
        client.force_login(user)
    response = call(client, route.method, url, route.body(scene) if route.body else None)
    expected = MATRIX[route.name][ROLES.index(role)]
    assert response.status_code == expected, response.content
    if expected >= 400:
        assert "detail" in response.json()


def test_outsider_learns_nothing_from_a_hidden_account(client, scene):
    client.force_login(scene.outsider)
    hidden = client.get(f"{API}/accounts/{scene.subsidiary.pk}")
    missing = client.get(f"{API}/accounts/999999")
    assert hidden.status_code == missing.status_code == 404
    assert hidden.json() == missing.json()
    codes = [a["code"] for a in client.get(f"{API}/accounts").json()["items"]]
    assert codes == ["X-001"]
    assert client.get(f"{API}/contacts").json() == {"items": [], "count": 0}


def test_writes_that_fail_change_nothing(client, scene):
    client.force_login(scene.owner)
    response = call(
        client, "patch", f"{API}/accounts/{scene.subsidiary.pk}", {"name": "Renamed", "parent_id": scene.hidden.pk}
    )
    assert response.status_code == 422
    assert Account.objects.get(pk=scene.subsidiary.pk).name == "Globex Deutschland"


# --- accounts ---------------------------------------------------------------------------------------------------


def test_account_detail_shape(client, scene):
    client.force_login(scene.owner)
    body = client.get(f"{API}/accounts/{scene.subsidiary.pk}").json()
    assert body["code"] == "G-001-DE"
    assert body["parent_id"] == scene.global_account.pk
    assert body["parent_code"] == "G-001"
    assert body["owner_id"] == scene.kam_a.pk
    assert body["owner_name"] == str(scene.kam_a)
    assert body["depth"] == 1
    parent = client.get(f"{API}/accounts/{scene.global_account.pk}").json()
    assert parent["subsidiary_count"] == 1
    assert parent["parent_code"] is None


def test_parent_code_is_not_shown_to_a_subsidiary_only_team(client, scene):
    grant(scene.subsidiary, scene.outsider, access="read")
    client.force_login(scene.outsider)
    body = client.get(f"{API}/accounts/{scene.subsidiary.pk}").json()
    assert body["parent_code"] is None
    listed = client.get(f"{API}/accounts", {"code": "G-001-DE"}).json()["items"][0]
    assert listed["parent_code"] is None


def test_create_account_with_references(client, scene):
    client.force_login(scene.lead)
    response = call(
        client,
        "post",
        f"{API}/accounts",
        {
            "code": " NEW-2 ",
            "name": "Newco Retail",
            "parent_id": scene.global_account.pk,
            "owner_id": scene.kam_b.pk,
            "channel": "pharmacy",
            "credit_limit": "25000.50",
            "payment_terms_days": 30,
            "tags": ["retail", "priority"],
            "tier": "key",
        },
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["code"] == "NEW-2"
    assert body["parent_code"] == "G-001"
    assert body["owner_id"] == scene.kam_b.pk
    assert body["channel"] == "pharmacy"
    assert Decimal(body["credit_limit"]) == Decimal("25000.50")
    assert body["tags"] == ["priority", "retail"]
    assert body["tier_label"] == "Key"
    assert Account.objects.get(code="NEW-2").depth == 1


def test_kam_creating_an_account_owns_it(client, scene):
    client.force_login(scene.kam_b)
    body = call(client, "post", f"{API}/accounts", {"code": "MINE-1", "name": "Mine"}).json()
    assert body["owner_id"] == scene.kam_b.pk


def test_patch_changes_only_what_is_sent_and_can_move_to_top_level(client, scene):
    client.force_login(scene.owner)
    url = f"{API}/accounts/{scene.subsidiary.pk}"
    body = call(client, "patch", url, {"tier": "strategic"}).json()
    assert body["tier"] == "strategic"
    assert body["name"] == "Globex Deutschland"
    body = call(client, "patch", url, {"parent_id": None}).json()
    assert body["parent_id"] is None
    assert body["depth"] == 0


def test_patch_sending_back_a_hidden_parent_unchanged_is_accepted(client, scene):
    grant(scene.subsidiary, scene.outsider, access="edit")
    client.force_login(scene.outsider)
    url = f"{API}/accounts/{scene.subsidiary.pk}"
    read = client.get(url).json()
    response = call(client, "patch", url, {"name": "Globex DE", "parent_id": read["parent_id"]})
    assert response.status_code == 200, response.content
    assert Account.objects.get(pk=scene.subsidiary.pk).parent_id == scene.global_account.pk


def test_hierarchy_cycle_is_a_field_error(client, scene):
    client.force_login(scene.owner)
    response = call(client, "patch", f"{API}/accounts/{scene.global_account.pk}", {"parent_id": scene.subsidiary.pk})
    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == ["parent_id"]


def test_children_lists_direct_subsidiaries(client, scene):
    make_account(owner=scene.kam_a, parent=scene.subsidiary, code="G-001-DE-1")
    client.force_login(scene.owner)
    body = client.get(f"{API}/accounts/{scene.global_account.pk}/children").json()
    assert body["count"] == 1
    assert body["items"][0]["code"] == "G-001-DE"
    assert body["items"][0]["subsidiary_count"] == 1


def test_handover_by_team_lead(client, scene):
    client.force_login(scene.lead)
    response = call(
        client,
        "post",
        f"{API}/accounts/{scene.global_account.pk}/handover",
        {"new_owner_id": scene.kam_b.pk, "reason": "Rebalancing", "include_subsidiaries": True},
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["new_owner_id"] == scene.kam_b.pk
    assert {a["code"] for a in body["handed_over"]} == {"G-001", "G-001-DE"}
    assert Account.objects.get(pk=scene.subsidiary.pk).owner == scene.kam_b


def test_handover_needs_a_reason(client, scene):
    client.force_login(scene.lead)
    url = f"{API}/accounts/{scene.global_account.pk}/handover"
    response = call(client, "post", url, {"new_owner_id": scene.kam_b.pk, "reason": "  "})
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "reason"


def test_team_member_added_then_changed(client, scene):
    client.force_login(scene.owner)
    url = f"{API}/accounts/{scene.subsidiary.pk}/team"
    first = call(client, "post", url, {"user_id": scene.joiner.pk, "role": "finance"})
    assert first.status_code == 201
    assert first.json()["access"] == "read"
    again = call(client, "post", url, {"user_id": scene.joiner.pk, "role": "finance", "access": "edit"})
    assert again.status_code == 200
    assert again.json()["id"] == first.json()["id"]
    team = client.get(url).json()
    assert {m["user_email"] for m in team["items"]} == {"member@example.com", "joiner@example.com"}
    assert team["count"] == 2


def test_removing_a_membership_of_another_account_is_404(client, scene):
    client.force_login(scene.owner)
    other = grant(scene.global_account, scene.joiner)
    response = client.delete(f"{API}/accounts/{scene.subsidiary.pk}/team/{other.pk}")
    assert response.status_code == 404
    assert AccountMembership.objects.filter(pk=other.pk).exists()


def test_delete_account_with_stakeholders_is_refused(client, scene):
    client.force_login(scene.admin)
    response = client.delete(f"{API}/accounts/{scene.global_account.pk}")
    assert response.status_code == 422
    assert "deactivate" in response.json()["detail"]


# --- lists: shape, count, filters ---------------------------------------------------------------------------------


@pytest.fixture
def portfolio(world):
    """Seven more accounts of kam_a: three strategic, four growth."""
    for n in range(7):
        make_account(
            owner=world.kam_a, code=f"P-{n:03d}", name=f"Portfolio {n}", tier="strategic" if n < 3 else "growth"
        )
    return world


def test_list_shape_and_filtered_count(client, portfolio):
    client.force_login(portfolio.kam_a)
    body = client.get(f"{API}/accounts", {"tier": "strategic", "limit": 2}).json()
    assert set(body) == {"items", "count"}
    assert body["count"] == 3
    assert len(body["items"]) == 2
    rest = client.get(f"{API}/accounts", {"tier": "strategic", "limit": 2, "offset": 2}).json()
    assert len(rest["items"]) == 1
    assert {a["code"] for a in body["items"] + rest["items"]} == {"P-000", "P-001", "P-002"}


def test_default_page_is_fifty_and_limit_is_capped(client, portfolio):
    client.force_login(portfolio.admin)
    assert client.get(f"{API}/accounts").json()["count"] == 11
    response = client.get(f"{API}/accounts", {"limit": 501})
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "limit"


def test_code_filter_is_exact_and_case_insensitive(client, portfolio):
    client.force_login(portfolio.kam_a)
    body = client.get(f"{API}/accounts", {"code": "p-001"}).json()
    assert [a["code"] for a in body["items"]] == ["P-001"]
    assert body["count"] == 1
    assert client.get(f"{API}/accounts", {"code": "P-00"}).json()["count"] == 0


def test_code_filter_does_not_reach_hidden_accounts(client, portfolio):
    client.force_login(portfolio.kam_a)
    assert client.get(f"{API}/accounts", {"code": "X-001"}).json() == {"items": [], "count": 0}


def test_repeatable_and_combined_filters(client, portfolio):
    client.force_login(portfolio.kam_a)
    both = client.get(f"{API}/accounts?tier=strategic&tier=growth&sort=-code").json()
    assert both["count"] == 9
    assert both["items"][0]["code"] == "P-006"
    top = client.get(f"{API}/accounts", {"top_level": "true", "q": "globex"}).json()
    assert [a["code"] for a in top["items"]] == ["G-001"]
    tree = client.get(f"{API}/accounts", {"parent": portfolio.global_account.pk, "include_children": "true"}).json()
    assert [a["code"] for a in tree["items"]] == ["G-001-DE"]
    assert client.get(f"{API}/accounts", {"owner": portfolio.kam_a.pk}).json()["count"] == 9


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"tier": "bogus"}, "tier.0"),
        ({"sort": "colour"}, "sort"),
        ({"owner": "abc"}, "owner"),
        ({"owner": "999999"}, "owner"),
        ({"channel": "no-such-channel"}, "channel"),
        ({"team": "999999"}, "team"),
        ({"active": "perhaps"}, "active"),
        ({"offset": "-1"}, "offset"),
        ({"parent": str(10**30)}, "parent"),
    ],
)
def test_invalid_filters_are_422_with_the_field(client, portfolio, query, field):
    client.force_login(portfolio.kam_a)
    response = client.get(f"{API}/accounts", query)
    assert response.status_code == 422
    body = response.json()
    assert body["detail"]
    assert field in [e["field"] for e in body["errors"]]


def test_contact_filters(client, scene):
    make_contact(scene.subsidiary, last_name="Zeta", buying_role="champion", influence=5)
    client.force_login(scene.owner)
    assert client.get(f"{API}/contacts").json()["count"] == 2
    champions = client.get(f"{API}/contacts", {"buying_role": "champion"}).json()
    assert [c["last_name"] for c in champions["items"]] == ["Zeta"]
    tree = client.get(f"{API}/contacts", {"account": scene.global_account.pk, "include_subsidiaries": "true"}).json()
    assert tree["count"] == 2
    assert client.get(f"{API}/contacts", {"min_influence": 6}).status_code == 422


@pytest.mark.parametrize(
    ("path", "make"),
    [
        ("/accounts", lambda w, n: make_account(owner=w.kam_a, code=f"Q-{n:04d}")),
        ("/contacts", lambda w, n: make_contact(w.global_account, reports_to=None)),
        ("/users", lambda w, n: make_user("kam", manager=w.lead, team=w.team)),
        ("/accounts/{global_account}/children", lambda w, n: make_account(owner=w.kam_a, parent=w.global_account)),
        ("/accounts/{global_account}/team", lambda w, n: grant(w.global_account, make_user("team_member"))),
        ("/teams", lambda w, n: None),
    ],
)
def test_list_query_count_does_not_grow_with_rows(client, world, path, make):
    """The same number of SQL queries for 5 and for 40 rows."""
    client.force_login(world.lead)
    url = API + path.format(global_account=world.global_account.pk)
    counts = []
    made = 0
    for rows in (5, 40):
        while made < rows:
            make(world, made)
            made += 1
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url, {"limit": 100})
        assert response.status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1]


def test_contacts_list_query_count_with_tags_managers_and_further_accounts(client, world):
    client.force_login(world.lead)
    counts = []
    boss = make_contact(world.global_account, last_name="Boss")
    for rows in (5, 40):
        while Contact.objects.count() < rows:
            make_contact(world.global_account, reports_to=boss, other_accounts=[world.subsidiary, world.account_b])
        with CaptureQueriesContext(connection) as queries:
            assert client.get(f"{API}/contacts", {"limit": 100}).json()["count"] == rows
        counts.append(len(queries))
    assert counts[0] == counts[1]


# --- contacts ---------------------------------------------------------------------------------------------------


def test_contact_create_and_read_back(client, scene):
    client.force_login(scene.owner)
    response = call(
        client,
        "post",
        f"{API}/contacts",
        {
            "first_name": "Ada",
            "last_name": "Lovelace",
            "email": "ADA@Customer.Example",
            "account_id": scene.global_account.pk,
            "other_account_ids": [scene.subsidiary.pk],
            "reports_to_id": scene.contact.pk,
            "buying_role": "decision_maker",
            "influence": 5,
            "attitude": 2,
            "owner_id": scene.kam_a.pk,
            "cadence_days": 30,
        },
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["email"] == "ada@customer.example"
    assert body["account_code"] == "G-001"
    assert body["other_account_ids"] == [scene.subsidiary.pk]
    assert body["reports_to_id"] == scene.contact.pk
    assert body["reports_to_name"] == "Stakeholder"
    assert body["attitude_label"] == "Advocate"
    assert client.get(f"{API}/contacts/{body['id']}").json() == body


def test_contact_without_email_and_duplicate_email(client, scene):
    client.force_login(scene.owner)
    url = f"{API}/contacts"
    for _ in range(2):
        response = call(client, "post", url, {"last_name": "Anon", "email": "", "account_id": scene.subsidiary.pk})
        assert response.status_code == 201
        assert response.json()["email"] is None
    duplicate = call(
        client, "post", url, {"last_name": "Twin", "email": "stake@customer.example", "account_id": scene.subsidiary.pk}
    )
    assert duplicate.status_code == 422
    assert [e["field"] for e in duplicate.json()["errors"]] == ["email"]


def test_contact_seen_through_a_further_account_hides_the_rest(client, scene):
    """kam_b sees a contact of the hidden account only because it also belongs to kam_b's account."""
    boss = make_contact(scene.hidden, last_name="Hidden boss")
    contact = make_contact(scene.hidden, last_name="Shared", reports_to=boss, other_accounts=[scene.account_b])
    contact.other_accounts.add(scene.global_account)
    client.force_login(scene.kam_b)
    body = client.get(f"{API}/contacts/{contact.pk}").json()
    assert body["account_id"] is None
    assert body["account_code"] is None
    assert body["reports_to_id"] is None
    assert body["reports_to_name"] is None
    assert body["other_account_ids"] == sorted([scene.account_b.pk, scene.global_account.pk])
    listed = client.get(f"{API}/contacts", {"q": "Shared"}).json()["items"][0]
    assert listed == body
    assert "Hidden" not in json.dumps(body)


def test_contact_further_accounts_outside_access_are_not_dropped(client, scene):
    contact = make_contact(scene.global_account, other_accounts=[scene.hidden])
    client.force_login(scene.owner)
    url = f"{API}/contacts/{contact.pk}"
    response = call(client, "patch", url, {"other_account_ids": [scene.subsidiary.pk]})
    assert response.status_code == 422
    assert list(contact.other_accounts.values_list("id", flat=True)) == [scene.hidden.pk]
    assert call(client, "patch", url, {"title": "Head of buying"}).status_code == 200


def test_contact_on_a_hidden_account_or_manager_is_unknown(client, scene):
    hidden_contact = make_contact(scene.hidden)
    client.force_login(scene.owner)
    url = f"{API}/contacts/{scene.contact.pk}"
    response = call(client, "patch", url, {"reports_to_id": hidden_contact.pk})
    assert response.status_code == 422
    assert response.json()["errors"] == [{"field": "reports_to_id", "message": "Unknown contact."}]
    response = call(client, "patch", url, {"account_id": scene.hidden.pk})
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "account_id"


# --- the error shape for bad input --------------------------------------------------------------------------------


BAD_ACCOUNT_BODIES = [
    ({"name": "No code"}, "code"),
    ({"code": "", "name": "Empty code"}, "code"),
    ({"code": "X" * 41, "name": "Long"}, "code"),
    ({"code": "T-1", "name": 123}, "name"),
    ({"code": "T-1", "name": "Bad kind", "kind": "alien"}, "kind"),
    ({"code": "T-1", "name": "Rich", "credit_limit": "1" + "0" * 20}, "credit_limit"),
    ({"code": "T-1", "name": "Rich", "credit_limit": 1e300}, "credit_limit"),
    ({"code": "T-1", "name": "Cents", "credit_limit": "1.001"}, "credit_limit"),
    ({"code": "T-1", "name": "Negative", "credit_limit": -5}, "credit_limit"),
    ({"code": "T-1", "name": "NaN", "credit_limit": "NaN"}, "credit_limit"),
    ({"code": "T-1", "name": "Slow", "payment_terms_days": 10**20}, "payment_terms_days"),
    ({"code": "T-1", "name": "Orphan", "parent_id": 10**30}, "parent_id"),
    ({"code": "T-1", "name": "Orphan", "parent_id": 999999}, "parent_id"),
    ({"code": "T-1", "name": "Nobody", "owner_id": 999999}, "owner_id"),
    ({"code": "T-1", "name": "Nul\x00byte"}, "name"),
    ({"code": "T-1", "name": "Channel", "channel": "teleport"}, "channel"),
    ({"code": "T-1", "name": "Web", "website": "not a url"}, "website"),
    ({"code": "G-001", "name": "Duplicate"}, "code"),
    ({"code": "T-1", "name": "Tags", "tags": "not-a-list"}, "tags"),
]


@pytest.mark.parametrize(("body", "field"), BAD_ACCOUNT_BODIES)
def test_bad_account_bodies_are_422_with_the_field(client, scene, body, field):
    client.force_login(scene.lead)
    response = call(client, "post", f"{API}/accounts", body)
    assert response.status_code == 422, response.content
    payload = response.json()
    assert set(payload) == {"detail", "errors"}
    assert all(set(e) == {"field", "message"} and e["message"] for e in payload["errors"])
    assert field in [e["field"] for e in payload["errors"]]
    assert Account.objects.filter(code="T-1").count() == 0


def test_hidden_parent_answers_like_a_missing_one(client, scene):
    client.force_login(scene.kam_a)
    hidden = call(client, "post", f"{API}/accounts", {"code": "T-2", "name": "T", "parent_id": scene.hidden.pk})
    missing = call(client, "post", f"{API}/accounts", {"code": "T-2", "name": "T", "parent_id": 999999})
    assert hidden.status_code == missing.status_code == 422
    assert hidden.json() == missing.json()


@pytest.mark.parametrize(
    "raw",
    [b"{not json", b'{"code": "T-1", "name": ', b"\xff\xfe", b"[1, 2"],
)
def test_malformed_json_is_400_with_the_error_shape(client, scene, raw):
    client.force_login(scene.lead)
    response = client.post(f"{API}/accounts", data=raw, content_type="application/json")
    assert response.status_code == 400
    assert response.json()["errors"][0]["message"]


@pytest.mark.parametrize("raw", [b"[]", b'"a string"', b"null", b"42"])
def test_json_that_is_not_an_object_is_422(client, scene, raw):
    client.force_login(scene.lead)
    response = client.post(f"{API}/accounts", data=raw, content_type="application/json")
    assert response.status_code == 422
    assert response.json()["errors"]


def test_patch_refuses_null_for_required_fields(client, scene):
    client.force_login(scene.owner)
    response = call(client, "patch", f"{API}/accounts/{scene.subsidiary.pk}", {"name": None, "tier": None})
    assert response.status_code == 422
    assert {e["field"] for e in response.json()["errors"]} == {"name", "tier"}


@pytest.mark.parametrize("path", ["/accounts/0", "/accounts/-3", "/accounts/abc", f"/accounts/{10**30}"])
def test_ids_that_cannot_exist_are_422(client, scene, path):
    client.force_login(scene.owner)
    response = client.get(API + path)
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "account_id"


def test_bad_contact_bodies(client, scene):
    client.force_login(scene.owner)
    url = f"{API}/contacts"
    base = {"last_name": "Valid", "account_id": scene.subsidiary.pk}
    for extra, field in [
        ({"influence": 6}, "influence"),
        ({"attitude": -3}, "attitude"),
        ({"cadence_days": 5}, "cadence_days"),
        ({"buying_role": "boss"}, "buying_role"),
        ({"email": "not-an-email"}, "email"),
        ({"other_account_ids": [scene.hidden.pk]}, "other_account_ids"),
        ({"owner_id": 10**19}, "owner_id"),
        ({"last_name": ""}, "last_name"),
    ]:
        response = call(client, "post", url, {**base, **extra})
        assert response.status_code == 422, (extra, response.content)
        assert field in [e["field"] for e in response.json()["errors"]], (extra, response.json())
    assert not Contact.objects.filter(last_name="Valid").exists()


def test_unknown_body_fields_are_refused(client, scene):
    """A misspelt field (here the filter's name instead of the body's) must not be silently ignored."""
    client.force_login(scene.owner)
    response = call(client, "patch", f"{API}/accounts/{scene.subsidiary.pk}", {"owner": scene.kam_b.pk})
    assert response.status_code == 422
    assert response.json()["errors"] == [{"field": "owner", "message": "Extra inputs are not permitted"}]


def test_oversized_body_is_400_json(client, scene, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    client.force_login(scene.lead)
    response = call(client, "post", f"{API}/accounts", {"code": "BIG", "name": "Big", "description": "x" * 5000})
    assert response.status_code == 400
    assert "too large" in response.json()["detail"]
    assert not Account.objects.filter(code="BIG").exists()


def test_a_change_that_takes_the_account_out_of_reach_still_answers_what_was_saved(client, scene):
    """A KAM who leaves an account without owner no longer sees it; the answer is still the saved account."""
    client.force_login(scene.kam_b)
    response = call(client, "post", f"{API}/accounts", {"code": "ORPHAN-1", "name": "Orphan", "owner_id": None})
    assert response.status_code == 201
    assert response.json()["owner_id"] is None
    assert client.get(f"{API}/accounts/{response.json()['id']}").status_code == 404


def test_every_list_filter_of_the_web_list_works(client, world):
    special = make_account(
        owner=world.kam_b,
        code="F-001",
        name="Filtered",
        stage="key",
        kind="distributor",
        channel=Channel.objects.get(code="pharmacy"),
        country="AT",
        tags=["vip"],
    )
    make_account(owner=world.kam_b, code="F-002", name="Dormant", is_active=False)
    client.force_login(world.admin)
    for query in (
        {"stage": "key"},
        {"kind": "distributor"},
        {"channel": "pharmacy"},
        {"country": "at"},
        {"tag": "VIP"},
        {"stage": ["key", "developing"], "kind": "distributor", "team": world.team.pk, "active": "true"},
    ):
        body = client.get(f"{API}/accounts", query).json()
        assert [a["code"] for a in body["items"]] == [special.code], query
        assert body["count"] == 1
    inactive = client.get(f"{API}/accounts", {"active": "false"}).json()
    assert [a["code"] for a in inactive["items"]] == ["F-002"]
