"""The relationship map: its layout, the reporting-line service, the page, the SVG/PNG downloads and the API
route, as an owner, an outsider, a viewer and a read-only team member would use them."""

import json
import random
import xml.etree.ElementTree as ET
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from kamdesk.audit.models import AuditEvent
from kamdesk.core.errors import PermissionDenied, ServiceError
from kamdesk.people.models import Contact
from kamdesk.people.relationship_map import NODE_HEIGHT, Node, layout
from kamdesk.people.services import contact_set_reports_to
from tests.factories import grant, make_account, make_contact, make_user

SVG_NS = "{http://www.w3.org/2000/svg}"


def map_url(account, **params):
    query = "&".join(f"{key}={value}" for key, value in params.items())
    return reverse("people:relationship_map", args=[account.pk]) + (f"?{query}" if query else "")


def move_url(account):
    return reverse("people:relationship_reports_to", args=[account.pk])


def api_url(account, **params):
    query = "&".join(f"{key}={value}" for key, value in params.items())
    return f"/api/v1/accounts/{account.pk}/relationship-map" + (f"?{query}" if query else "")


# --- layout (no database) -----------------------------------------------------------------------------------


def bare_node(pk: int, manager: int | None, influence: int | None = None) -> Node:
    return Node(
        id=pk,
        name=f"Person {pk}",
        title="",
        account_id=1,
        account_name="A",
        buying_role=None,
        buying_role_label="",
        influence=influence,
        attitude=None,
        attitude_label="Unknown",
        attitude_colour="#9e9e9e",
        owner_id=None,
        owner_name=None,
        last_contacted_at=None,
        days_since_contact=None,
        has_left=False,
        editable=True,
        reports_to_id=manager,
    )


def overlapping(a: Node, b: Node) -> bool:
    return a.x < b.x + b.width and b.x < a.x + a.width and a.y < b.y + NODE_HEIGHT and b.y < a.y + NODE_HEIGHT


def check_layout(nodes, width, height) -> None:
    by_id = {node.id: node for node in nodes}
    for i, a in enumerate(nodes):
        assert a.x >= 0 and a.x + a.width <= width and a.y >= 0 and a.y + NODE_HEIGHT <= height
        for b in nodes[i + 1 :]:
            assert not overlapping(a, b), (a.id, a.x, a.y, b.id, b.x, b.y)
        if a.reports_to_id is not None:
            assert by_id[a.reports_to_id].y < a.y  # every manager above their reports


@pytest.mark.parametrize("seed", range(25))
def test_layout_of_random_forests_has_no_overlaps_and_managers_above_reports(seed):
    rng = random.Random(seed)
    size = rng.randint(1, 160)
    # Each person reports to an earlier one or to nobody, or to someone not on the map (id 10_000+).
    nodes = []
    for pk in range(1, size + 1):
        roll = rng.random()
        manager = None if pk == 1 or roll < 0.08 else (10_000 + pk if roll < 0.12 else rng.randint(1, pk - 1))
        nodes.append(bare_node(pk, manager, influence=rng.choice([None, 1, 2, 3, 4, 5])))
    rng.shuffle(nodes)
    placed, edges, width, height = layout(nodes)
    assert sorted(node.id for node in placed) == list(range(1, size + 1))
    check_layout(placed, width, height)
    assert len(edges) == sum(1 for node in placed if node.reports_to_id is not None)
    # A manager missing from the map is never named: the person becomes a root.
    assert all(node.reports_to_id is None or node.reports_to_id < 10_000 for node in placed)


def test_layout_stacks_leaf_reports_so_a_wide_team_stays_narrow():
    nodes = [bare_node(1, None)] + [bare_node(pk, 1) for pk in range(2, 42)]
    placed, _edges, width, height = layout(nodes)
    check_layout(placed, width, height)
    assert width < 800  # one column (the legend sets the least width), not forty
    assert all(node.stacked for node in placed if node.id != 1)


def test_layout_centres_a_manager_over_reports_and_keeps_several_roots():
    nodes = [bare_node(1, None), bare_node(2, 1), bare_node(3, 1), bare_node(4, None)]
    placed, edges, width, height = layout(nodes)
    check_layout(placed, width, height)
    by_id = {node.id: node for node in placed}
    assert by_id[1].x == (by_id[2].x + by_id[3].x) // 2
    assert {by_id[1].y, by_id[4].y} == {by_id[1].y}  # both roots on the top row
    assert {(edge.manager.id, edge.report.id) for edge in edges} == {(1, 2), (1, 3)}


def test_layout_cuts_open_a_loop_in_stored_data():
    nodes = [bare_node(1, 3), bare_node(2, 1), bare_node(3, 2), bare_node(4, None)]
    placed, edges, width, height = layout(nodes)
    assert len(placed) == 4
    check_layout(placed, width, height)
    assert sum(1 for node in placed if node.reports_to_id is None) == 2
    assert len(edges) == 2


def test_empty_layout():
    assert layout([])[:2] == ([], [])


# --- the service ----------------------------------------------------------------------------------------------


@pytest.fixture
def chart(world):
    """Globex: a CEO with two directors, a buyer under one of them; a subsidiary's manager under the CEO; a
    contact of the hidden account whom a Globex buyer reports to (set by the system, as an import would)."""
    g, sub = world.global_account, world.subsidiary
    ceo = make_contact(g, first_name="Carla", last_name="Chief", title="CEO", influence=5, attitude=2)
    cfo = make_contact(g, first_name="Frank", last_name="Finance", reports_to=ceo, influence=4, attitude=-2)
    coo = make_contact(g, first_name="Olga", last_name="Ops", reports_to=ceo, buying_role="decision_maker")
    buyer = make_contact(g, first_name="Bert", last_name="Buyer", reports_to=cfo, owner=world.kam_a)
    local = make_contact(sub, first_name="Dieter", last_name="Deutsch", reports_to=ceo, attitude=1)
    left = make_contact(g, first_name="Lena", last_name="Gone", reports_to=coo, has_left=True)
    secret = make_contact(world.hidden, first_name="Zelda", last_name="Secretworth", email="zelda@hidden.example")
    shadow = make_contact(g, first_name="Sam", last_name="Shadow")
    Contact.objects.filter(pk=shadow.pk).update(reports_to=secret)
    Contact.objects.filter(pk=buyer.pk).update(last_contacted_at=timezone.now() - timedelta(days=12))
    return {n: c for n, c in locals().items() if isinstance(c, Contact)}


@pytest.mark.django_db
def test_service_moves_a_person_and_audits_it(world, chart):
    contact_set_reports_to(actor=world.kam_a, contact_id=chart["buyer"].pk, reports_to_id=chart["coo"].pk)
    chart["buyer"].refresh_from_db()
    assert chart["buyer"].reports_to_id == chart["coo"].pk
    event = AuditEvent.objects.filter(object_type="contact", object_id=chart["buyer"].pk).latest("id")
    assert event.actor == world.kam_a and event.changes["reports_to"] == ["Frank Finance", "Olga Ops"]
    # Across the group: the subsidiary's manager may report to the holding's COO; and back to the top.
    contact_set_reports_to(actor=world.kam_a, contact_id=chart["local"].pk, reports_to_id=chart["coo"].pk)
    contact_set_reports_to(actor=world.kam_a, contact_id=chart["ceo"].pk, reports_to_id=None)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("who", "under", "message"),
    [
        ("ceo", "buyer", "reporting loop"),  # buyer -> cfo -> ceo: two levels deep
        ("ceo", "cfo", "reporting loop"),
        ("ceo", "ceo", "cannot report to themselves"),
    ],
)
def test_service_refuses_loops_and_changes_nothing(world, chart, who, under, message):
    before = list(Contact.objects.order_by("pk").values_list("pk", "reports_to_id"))
    events = AuditEvent.objects.count()
    with pytest.raises(ServiceError, match=message):
        contact_set_reports_to(actor=world.kam_a, contact_id=chart[who].pk, reports_to_id=chart[under].pk)
    assert list(Contact.objects.order_by("pk").values_list("pk", "reports_to_id")) == before
    assert AuditEvent.objects.count() == events


@pytest.mark.django_db
def test_service_refuses_another_group_a_hidden_manager_and_read_only_people(world, chart):
    other = make_contact(world.account_b, last_name="Elsewhere")
    grant(world.account_b, world.kam_a, access="edit")
    with pytest.raises(ServiceError, match="same customer group"):
        contact_set_reports_to(actor=world.kam_a, contact_id=chart["buyer"].pk, reports_to_id=other.pk)
    with pytest.raises(ServiceError, match="does not exist"):
        contact_set_reports_to(actor=world.kam_a, contact_id=chart["buyer"].pk, reports_to_id=chart["secret"].pk)
    reader = make_user("kam")
    grant(world.global_account, reader)  # read access only
    with pytest.raises(PermissionDenied):
        contact_set_reports_to(actor=reader, contact_id=chart["buyer"].pk, reports_to_id=chart["coo"].pk)
    with pytest.raises(PermissionDenied):
        contact_set_reports_to(actor=world.viewer, contact_id=chart["buyer"].pk, reports_to_id=None)
    assert Contact.objects.get(pk=chart["buyer"].pk).reports_to_id == chart["cfo"].pk


@pytest.mark.django_db
def test_contact_form_and_api_still_refuse_a_deep_loop(world, chart, login):
    """The contact services' loop check now reads the whole chain in one query; the rule is unchanged."""
    client = login(world.kam_a)
    response = client.patch(
        f"/api/v1/contacts/{chart['ceo'].pk}",
        data=json.dumps({"reports_to_id": chart["buyer"].pk}),
        content_type="application/json",
    )
    assert response.status_code == 422
    assert "loop" in response.json()["detail"]


# --- the page --------------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_owner_sees_the_chart_with_every_field_of_a_node(world, chart, login):
    response = login(world.kam_a).get(map_url(world.global_account))
    assert response.status_code == 200
    html = response.content.decode()
    rmap = response.context["map"]
    assert rmap.include_subsidiaries  # on by default for a global account
    names = {node.name for node in rmap.nodes}
    assert names == {"Carla Chief", "Frank Finance", "Olga Ops", "Bert Buyer", "Dieter Deutsch", "Sam Shadow"}
    buyer = next(node for node in rmap.nodes if node.name == "Bert Buyer")
    assert buyer.days_since_contact == 12 and "12 days ago" in html
    assert "Last contact: never" in html
    assert buyer.owner_name == world.kam_a.full_name
    # Attitude as colour and as text, buying role and influence in the node.
    assert "● Detractor" in html and "● Advocate" in html and "Decision maker" in html and "influence 5/5" in html
    assert f'href="/accounts/{world.global_account.pk}/relationships/"' in html  # the tab
    assert response.context["can_change"] and "Change a reporting line" in html


@pytest.mark.django_db
def test_a_hidden_manager_is_never_shown_and_the_person_is_a_root(world, chart, login):
    client = login(world.kam_a)
    for url in (map_url(world.global_account), reverse("people:relationship_map_svg", args=[world.global_account.pk])):
        body = client.get(url).content.decode()
        assert "Secretworth" not in body and "Zelda" not in body
    api = client.get(api_url(world.global_account)).json()
    shadow = next(node for node in api["nodes"] if node["name"] == "Sam Shadow")
    assert shadow["reports_to_id"] is None
    assert chart["secret"].pk not in {node["id"] for node in api["nodes"]}
    assert all(chart["secret"].pk not in (e["manager_id"], e["report_id"]) for e in api["edges"])


@pytest.mark.django_db
def test_subsidiaries_and_people_who_left_are_options(world, chart, login):
    client = login(world.kam_a)
    without = client.get(map_url(world.global_account, subsidiaries=0)).context["map"]
    assert "Dieter Deutsch" not in {node.name for node in without.nodes}
    with_left = client.get(map_url(world.global_account, left=1)).context["map"]
    lena = next(node for node in with_left.nodes if node.name == "Lena Gone")
    assert lena.has_left and lena.reports_to_id == chart["coo"].pk
    # The subsidiary's own map: no subsidiaries, so the option is off; its manager in the holding is not on it.
    local = client.get(map_url(world.subsidiary)).context["map"]
    assert not local.include_subsidiaries
    assert [(node.name, node.reports_to_id) for node in local.nodes] == [("Dieter Deutsch", None)]


@pytest.mark.django_db
@pytest.mark.parametrize("suffix", ["", ".svg", ".png", "api"])
def test_outsider_gets_404_everywhere(world, chart, login, suffix):
    client = login(world.outsider)
    account = world.global_account
    if suffix == "api":
        response = client.get(api_url(account))
    elif suffix:
        response = client.get(reverse(f"people:relationship_map_{suffix[1:]}", args=[account.pk]))
    else:
        response = client.get(map_url(account))
    assert response.status_code == 404
    response = client.post(move_url(account), {"contact": chart["buyer"].pk, "reports_to": chart["coo"].pk})
    assert response.status_code == 404
    assert Contact.objects.get(pk=chart["buyer"].pk).reports_to_id == chart["cfo"].pk


@pytest.mark.django_db
def test_viewer_and_read_only_member_see_but_cannot_change(world, chart, login):
    reader = make_user("kam")
    grant(world.global_account, reader)
    grant(world.global_account, world.viewer)
    for user in (world.viewer, reader):
        client = login(user)
        response = client.get(map_url(world.global_account))
        assert response.status_code == 200
        assert not response.context["can_change"] and "form" not in response.context
        assert "data-reports-to-url" not in response.content.decode()
        response = client.post(move_url(world.global_account), {"contact": chart["buyer"].pk, "reports_to": ""})
        assert response.status_code in (400, 403)
        assert Contact.objects.get(pk=chart["buyer"].pk).reports_to_id == chart["cfo"].pk
    assert login(world.viewer).post(move_url(world.global_account), {}).status_code == 403


@pytest.mark.django_db
def test_login_required(client, world):
    response = client.get(map_url(world.global_account))
    assert response.status_code == 302 and response["Location"].startswith("/login/")


@pytest.mark.django_db
def test_form_changes_a_reporting_line_and_returns_to_the_map(world, chart, login):
    client = login(world.kam_a)
    data = {"contact": chart["buyer"].pk, "reports_to": chart["coo"].pk, "subsidiaries": "1", "left": "0"}
    response = client.post(move_url(world.global_account), data)
    assert response.status_code == 302
    assert response["Location"] == map_url(world.global_account, subsidiaries=1, left=0)
    assert Contact.objects.get(pk=chart["buyer"].pk).reports_to_id == chart["coo"].pk
    page = client.get(response["Location"])
    assert "Bert Buyer now reports to Olga Ops." in page.content.decode()
    # The form link of a node preselects that person and their manager.
    form = client.get(map_url(world.global_account, contact=chart["buyer"].pk)).context["form"]
    assert form.initial["contact"] == str(chart["buyer"].pk) and form.initial["reports_to"] == chart["coo"].pk


@pytest.mark.django_db
def test_form_refusals_are_clear_and_store_nothing(world, chart, login):
    client = login(world.kam_a)
    events = AuditEvent.objects.count()
    loop = client.post(move_url(world.global_account), {"contact": chart["ceo"].pk, "reports_to": chart["buyer"].pk})
    assert loop.status_code == 400 and "already reports (indirectly)" in loop.content.decode()
    hidden = client.post(move_url(world.global_account), {"contact": chart["ceo"].pk, "reports_to": chart["secret"].pk})
    assert hidden.status_code == 400 and "Secretworth" not in hidden.content.decode()
    junk = client.post(move_url(world.global_account), {"contact": "x' OR 1=1", "reports_to": "9" * 30})
    assert junk.status_code == 400
    assert Contact.objects.get(pk=chart["ceo"].pk).reports_to_id is None
    assert AuditEvent.objects.count() == events


@pytest.mark.django_db
def test_json_answers_for_the_drag_script(world, chart, login):
    client = login(world.kam_a)
    headers = {"Accept": "application/json"}
    ok = client.post(
        move_url(world.global_account), {"contact": chart["local"].pk, "reports_to": chart["cfo"].pk}, headers=headers
    )
    assert ok.status_code == 200
    assert ok.json() == {
        "detail": "Dieter Deutsch now reports to Frank Finance.",
        "contact_id": chart["local"].pk,
        "reports_to_id": chart["cfo"].pk,
    }
    refused = client.post(
        move_url(world.global_account), {"contact": chart["cfo"].pk, "reports_to": chart["buyer"].pk}, headers=headers
    )
    assert refused.status_code == 400
    body = refused.json()
    assert body["detail"] == "This would make a reporting loop."
    assert body["errors"] == [
        {"field": "reports_to", "message": "Bert Buyer already reports (indirectly) to Frank Finance."}
    ]


@pytest.mark.django_db
def test_csrf_is_enforced(world, chart):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(world.kam_a)
    response = client.post(move_url(world.global_account), {"contact": chart["buyer"].pk, "reports_to": ""})
    assert response.status_code == 403
    assert Contact.objects.get(pk=chart["buyer"].pk).reports_to_id == chart["cfo"].pk


# --- downloads --------------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_svg_download_is_self_contained_xml_with_escaped_names(world, chart, login):
    Contact.objects.filter(pk=chart["coo"].pk).update(first_name='<script>alert("x")</script> & Co', title="R&D")
    response = login(world.kam_a).get(reverse("people:relationship_map_svg", args=[world.global_account.pk]))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("image/svg+xml")
    assert response["Content-Disposition"] == 'attachment; filename="relationships-g-001.svg"'
    root = ET.fromstring(response.content)
    assert root.tag == f"{SVG_NS}svg"
    texts = [el.text or "" for el in root.iter(f"{SVG_NS}text")]
    assert any(t.startswith('<script>alert("x")') for t in texts)  # the text itself, escaped in the markup
    assert not list(root.iter(f"{SVG_NS}script")) and not list(root.iter(f"{SVG_NS}style"))
    body = response.content.decode()
    assert "http://" not in body.replace("http://www.w3.org/2000/svg", "") and "https://" not in body
    assert "@import" not in body and "url(" not in body


@pytest.mark.django_db
def test_png_download(world, chart, login):
    account = make_account(owner=world.kam_a, code='A"b/\r\nc', name="Weird")
    make_contact(account, last_name="Solo")
    response = login(world.kam_a).get(reverse("people:relationship_map_png", args=[account.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "image/png"
    assert response.content.startswith(b"\x89PNG\r\n\x1a\n")
    assert response["Content-Disposition"] == 'attachment; filename="relationships-ab-c.png"'


# --- API ----------------------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_api_returns_nodes_and_edges(world, chart, login):
    client = login(world.kam_a)
    body = client.get(api_url(world.global_account)).json()
    assert body["include_subsidiaries"] is True and body["include_left"] is False
    by_name = {node["name"]: node for node in body["nodes"]}
    buyer = by_name["Bert Buyer"]
    assert buyer["reports_to_id"] == chart["cfo"].pk and buyer["days_since_contact"] == 12
    assert buyer["owner_id"] == world.kam_a.pk and buyer["editable"] is True
    assert by_name["Frank Finance"]["attitude_label"] == "Detractor"
    assert {"manager_id": chart["cfo"].pk, "report_id": buyer["id"]} in body["edges"]
    narrow = client.get(api_url(world.global_account, include_subsidiaries="false", include_left="true")).json()
    assert "Dieter Deutsch" not in {n["name"] for n in narrow["nodes"]} and "Lena Gone" in {
        n["name"] for n in narrow["nodes"]
    }
    assert client.get(api_url(world.hidden)).status_code == 404
    assert client.get("/api/v1/accounts/999999/relationship-map").status_code == 404


# --- speed --------------------------------------------------------------------------------------------------------


def build_group(owner, subsidiaries: int, people: int):
    """A global account with subsidiaries and ``people`` stakeholders spread over them, five levels deep."""
    top = make_account(owner=owner, name="Mega Group")
    accounts = [top] + [make_account(owner=owner, parent=top) for _ in range(subsidiaries)]
    made: list[Contact] = []
    for n in range(people):
        manager = made[(n - 1) // 4] if made else None
        owner_user = owner if n % 3 else None
        made.append(
            make_contact(accounts[n % len(accounts)], reports_to=manager, influence=n % 5 + 1, owner=owner_user)
        )
    return top


def count_queries(client, url) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured)


@pytest.mark.django_db
def test_query_count_does_not_grow_with_the_number_of_stakeholders(world, login, django_assert_max_num_queries):
    client = login(world.kam_a)
    small = build_group(world.kam_a, subsidiaries=2, people=10)
    large = build_group(world.kam_a, subsidiaries=6, people=150)
    for url in (map_url, lambda a: reverse("people:relationship_map_svg", args=[a.pk]), api_url):
        small_count = count_queries(client, url(small))
        large_count = count_queries(client, url(large))
        assert small_count == large_count, url(large)
        with django_assert_max_num_queries(16):
            client.get(url(large))
    rmap = client.get(map_url(large)).context["map"]
    assert len(rmap.nodes) == 150 and len(rmap.edges) == 149


def test_layout_puts_people_without_any_line_in_a_grid():
    nodes = [bare_node(1, None), bare_node(2, 1)] + [bare_node(pk, None) for pk in range(3, 33)]
    placed, _edges, width, height = layout(nodes)
    check_layout(placed, width, height)
    assert width < 7 * 210  # the tree's column and a grid five wide, not thirty-one columns


@pytest.mark.django_db
def test_a_person_linked_through_a_further_account_keeps_their_hidden_main_account_hidden(world, chart, login):
    consultant = make_contact(
        world.hidden, first_name="Cora", last_name="Consult", reports_to=chart["secret"], other_accounts=[]
    )
    consultant.other_accounts.add(world.global_account)
    client = login(world.kam_a)
    body = client.get(api_url(world.global_account)).json()
    cora = next(node for node in body["nodes"] if node["name"] == "Cora Consult")
    assert cora["account_id"] is None and cora["account_name"] is None and cora["reports_to_id"] is None
    assert cora["editable"] is False
    page = client.get(map_url(world.global_account)).content.decode()
    assert "Cora Consult" in page and "Hidden Industries" not in page and "Secretworth" not in page
