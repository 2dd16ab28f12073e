"""/api/v1 coverage, cadence rules, touchpoints and overdue contacts; the contacts API's ``level`` and the
contact import's ``level`` column. Hidden = 404, viewers and read-only access = 403, lists in constant queries."""

import json
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from kamdesk.imports.importing import run_import
from kamdesk.people.models import CadenceRule, Contact, PlannedTouchpoint
from kamdesk.people.services_coverage import cadence_rule_set
from kamdesk.people.touchpoints import touchpoint_create
from tests.activities_factories import make_activity
from tests.factories import grant, make_contact, make_user

pytestmark = pytest.mark.django_db
API = "/api/v1"


def send(client, method, path, body=None):
    return getattr(client, method)(API + path, data=json.dumps(body or {}), content_type="application/json")


def plan(account, **fields):
    fields.setdefault("title", "Business review")
    fields.setdefault("planned_on", timezone.localdate() + timedelta(days=5))
    return touchpoint_create(actor=None, account=account, **fields)


# --- coverage -----------------------------------------------------------------------------------------------------


def test_coverage_answers_score_gaps_compliance_and_trend(world, login):
    from kamdesk.people.coverage import take_snapshots

    boss = make_contact(world.global_account, buying_role="decision_maker", influence=5, owner=world.kam_a)
    make_contact(world.subsidiary, buying_role="influencer", influence=5, attitude=-2)
    Contact.objects.filter(pk=boss.pk).update(last_contacted_at=timezone.now())
    take_snapshots(timezone.localdate())
    data = login(world.kam_a).get(f"{API}/accounts/{world.global_account.pk}/coverage").json()
    assert data["score"] == 50 and data["key_stakeholders"] == 2
    assert len(data["gaps"]["without_owner"]) == 1 and len(data["gaps"]["risky_detractors"]) == 1
    assert data["gaps"]["out_of_cadence"][0]["last_contact"] is None
    assert data["compliance"] == 50 and len(data["cadence"]) == 2
    assert data["trend"] == [{"date": timezone.localdate().isoformat(), "score": 50, "compliance": 50}]
    alone = login(world.kam_a).get(f"{API}/accounts/{world.global_account.pk}/coverage?include_subsidiaries=false")
    assert alone.json()["key_stakeholders"] == 1


def test_coverage_of_a_hidden_account_is_404(world, login):
    assert login(world.kam_a).get(f"{API}/accounts/{world.hidden.pk}/coverage").status_code == 404


# --- cadence rules ------------------------------------------------------------------------------------------------


def test_cadence_rule_crud(world, login):
    client = login(world.kam_a)
    base = f"/accounts/{world.global_account.pk}/cadence-rules"
    created = send(client, "post", base, {"level": "c_level", "cadence_days": 91})
    assert created.status_code == 201, created.content
    assert created.json() == {"account_id": world.global_account.pk, "level": "c_level", "cadence_days": 91}
    assert send(client, "put", base + "/buyer", {"cadence_days": 14}).status_code == 200
    assert [r["level"] for r in client.get(API + base).json()] == ["buyer", "c_level"]
    assert client.get(API + base + "/buyer").json()["cadence_days"] == 14
    assert send(client, "delete", base + "/buyer").status_code == 204
    assert client.get(API + base + "/buyer").status_code == 404
    assert client.get(API + base + "/king").status_code == 404


def test_cadence_rule_refusals(world, login):
    client = login(world.kam_a)
    base = f"/accounts/{world.global_account.pk}/cadence-rules"
    bad = send(client, "post", base, {"level": "c_level", "cadence_days": 10})
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "cadence_days"
    assert send(client, "post", base, {"level": "king", "cadence_days": 14}).status_code == 422
    hidden = f"/accounts/{world.hidden.pk}/cadence-rules"
    assert client.get(API + hidden).status_code == 404
    assert send(client, "post", hidden, {"level": "buyer", "cadence_days": 14}).status_code == 404
    assert send(client, "put", hidden + "/buyer", {"cadence_days": 14}).status_code == 404
    assert send(client, "delete", hidden + "/buyer").status_code == 404
    grant(world.account_b, world.viewer)
    viewer = login(world.viewer)
    path = f"/accounts/{world.account_b.pk}/cadence-rules"
    assert viewer.get(API + path).status_code == 200
    assert send(viewer, "post", path, {"level": "buyer", "cadence_days": 14}).status_code == 403
    assert not CadenceRule.objects.exists()


# --- touchpoints --------------------------------------------------------------------------------------------------


def test_touchpoint_crud_hold_and_cancel(world, login):
    client = login(world.kam_a)
    boss = make_contact(world.subsidiary, last_name="Boss")
    day = (timezone.localdate() - timedelta(days=1)).isoformat()
    created = send(
        client,
        "post",
        "/touchpoints",
        {
            "account_id": world.global_account.pk,
            "kind": "executive_meeting",
            "title": "Top to top",
            "planned_on": day,
            "our_people_ids": [world.kam_a.pk],
            "their_people_ids": [boss.pk],
        },
    )
    assert created.status_code == 201, created.content
    tp = created.json()
    assert tp["their_people_ids"] == [boss.pk] and tp["status"] == "planned"
    changed = send(client, "patch", f"/touchpoints/{tp['id']}", {"title": "Top-to-top", "their_people_ids": []})
    assert changed.status_code == 200 and changed.json()["their_people_ids"] == []
    activity = make_activity(world.global_account, subject="Met")
    held = send(client, "post", f"/touchpoints/{tp['id']}/held", {"activity_id": activity.pk})
    assert held.status_code == 200 and held.json()["status"] == "held" and held.json()["held_by_id"] == activity.pk
    listed = client.get(f"{API}/touchpoints?account={world.global_account.pk}&status=held").json()
    assert [item["id"] for item in listed["items"]] == [tp["id"]]
    other = plan(world.subsidiary)
    assert client.get(f"{API}/touchpoints?account={world.global_account.pk}").json()["count"] == 1
    everything = client.get(f"{API}/touchpoints?account={world.global_account.pk}&include_subsidiaries=true")
    assert everything.json()["count"] == 2
    cancelled = send(client, "post", f"/touchpoints/{other.pk}/cancel", {"reason": "postponed"})
    assert cancelled.json()["status"] == "cancelled"
    assert send(client, "delete", f"/touchpoints/{other.pk}").status_code == 204
    assert not PlannedTouchpoint.objects.filter(pk=other.pk).exists()


def test_touchpoint_refusals(world, login):
    client = login(world.kam_a)
    stranger = make_contact(world.account_b, last_name="Stranger")
    body = {"account_id": world.global_account.pk, "title": "Fair", "planned_on": "2026-12-01"}
    wrong_people = send(client, "post", "/touchpoints", {**body, "their_people_ids": [stranger.pk]})
    assert wrong_people.status_code == 422 and wrong_people.json()["errors"][0]["field"] == "their_people_ids"
    held_status = send(client, "post", "/touchpoints", {**body, "status": "held"})
    assert held_status.status_code == 422 and held_status.json()["errors"][0]["field"] == "status"
    assert send(client, "post", "/touchpoints", {**body, "planned_on": "1066-10-14"}).status_code == 422
    assert send(client, "post", "/touchpoints", {**body, "account_id": world.hidden.pk}).status_code == 422
    touchpoint = plan(world.global_account)
    foreign = make_activity(world.account_b)
    held = send(client, "post", f"/touchpoints/{touchpoint.pk}/held", {"activity_id": foreign.pk})
    assert held.status_code == 422 and held.json()["errors"][0]["field"] == "activity_id"
    future = (timezone.localdate() + timedelta(days=2)).isoformat()
    assert send(client, "post", f"/touchpoints/{touchpoint.pk}/held", {"held_on": future}).status_code == 422
    assert not PlannedTouchpoint.objects.exclude(pk=touchpoint.pk).exists()
    assert PlannedTouchpoint.objects.get(pk=touchpoint.pk).status == "planned"


def test_touchpoint_access(world, login):
    hidden = plan(world.hidden)
    client = login(world.kam_a)
    assert client.get(f"{API}/touchpoints/{hidden.pk}").status_code == 404
    for method, path in (
        ("patch", f"/touchpoints/{hidden.pk}"),
        ("post", f"/touchpoints/{hidden.pk}/held"),
        ("post", f"/touchpoints/{hidden.pk}/cancel"),
        ("delete", f"/touchpoints/{hidden.pk}"),
    ):
        assert send(client, method, path).status_code == 404, path
    assert client.get(f"{API}/touchpoints").json()["count"] == 0
    grant(world.account_b, world.viewer)
    mine = plan(world.account_b)
    viewer = login(world.viewer)
    assert viewer.get(f"{API}/touchpoints/{mine.pk}").status_code == 200
    assert send(viewer, "patch", f"/touchpoints/{mine.pk}", {"title": "x"}).status_code == 403
    assert send(viewer, "post", f"/touchpoints/{mine.pk}/cancel").status_code == 403
    body = {"account_id": world.account_b.pk, "title": "x", "planned_on": "2026-12-01"}
    assert send(viewer, "post", "/touchpoints", body).status_code == 403
    reader = make_user("kam")
    grant(world.account_b, reader, access="read")
    assert send(login(reader), "patch", f"/touchpoints/{mine.pk}", {"title": "x"}).status_code == 403
    assert PlannedTouchpoint.objects.get(pk=mine.pk).title == "Business review"


def test_touchpoint_list_reads_in_constant_queries(world, login):
    client = login(world.kam_a)

    def count(n: int) -> int:
        for _ in range(n):
            person = make_contact(world.global_account)
            plan(world.global_account, our_people=[world.kam_a, world.lead], their_people=[person])
        with CaptureQueriesContext(connection) as queries:
            assert client.get(f"{API}/touchpoints?limit=500").status_code == 200
        return len(queries)

    assert count(3) == count(30)


# --- overdue contacts ---------------------------------------------------------------------------------------------


def test_overdue_contacts_of_the_visible_portfolio(world, login):
    mine = make_contact(world.global_account, last_name="Mine", level="buyer", owner=world.kam_a)
    theirs = make_contact(world.global_account, last_name="Theirs", level="buyer")
    hidden = make_contact(world.hidden, last_name="Secretworth", level="buyer")
    fresh = make_contact(world.global_account, last_name="Fresh", level="buyer")
    Contact.objects.filter(pk__in=[mine.pk, theirs.pk, hidden.pk]).update(
        last_contacted_at=timezone.now() - timedelta(days=40)
    )
    Contact.objects.filter(pk=fresh.pk).update(last_contacted_at=timezone.now())
    client = login(world.kam_a)
    data = client.get(f"{API}/coverage/overdue-contacts").json()
    assert {item["contact"]["id"] for item in data["items"]} == {mine.pk, theirs.pk}
    assert data["items"][0]["days_overdue"] == 26 and data["items"][0]["account_name"] == "Globex Holding"
    only_mine = client.get(f"{API}/coverage/overdue-contacts?owner={world.kam_a.pk}").json()
    assert [item["contact"]["id"] for item in only_mine["items"]] == [mine.pk]
    assert client.get(f"{API}/coverage/overdue-contacts?account={world.hidden.pk}").json()["count"] == 0


# --- level on contacts ----------------------------------------------------------------------------------------------


def test_contacts_api_reads_and_writes_level(world, login):
    client = login(world.kam_a)
    body = {"account_id": world.global_account.pk, "last_name": "Levelled", "level": "c_level"}
    created = send(client, "post", "/contacts", body)
    assert created.status_code == 201 and created.json()["level"] == "c_level"
    contact_id = created.json()["id"]
    assert send(client, "patch", f"/contacts/{contact_id}", {"level": None}).json()["level"] is None
    assert Contact.objects.get(pk=contact_id).level == ""
    assert send(client, "patch", f"/contacts/{contact_id}", {"level": "king"}).status_code == 422


def test_contact_import_reads_the_level_column(world):
    cadence_rule_set(actor=None, account_id=world.global_account.pk, level="buyer", cadence_days=7)
    rows = [
        {"email": "lev.one@example.com", "last_name": "One", "account_code": "G-001", "level": "Buyer"},
        {"email": "lev.two@example.com", "last_name": "Two", "account_code": "G-001", "level": "c_level"},
        {"email": "lev.bad@example.com", "last_name": "Bad", "account_code": "G-001", "level": "emperor"},
    ]
    header = list(rows[0])
    csv_text = ",".join(header) + "\n" + "\n".join(",".join(row[c] for c in header) for row in rows) + "\n"
    report = run_import("contacts", csv_text.encode(), "contacts.csv", actor=world.kam_a)
    assert not report.written and report.rejected == 1  # one bad row: nothing is stored
    assert not Contact.objects.filter(email__startswith="lev.").exists()
    assert "Unknown level “emperor”" in str(report.errors)
    fixed = csv_text.replace("emperor", "")
    assert run_import("contacts", fixed.encode(), "contacts.csv", actor=world.kam_a).written
    levels = dict(Contact.objects.filter(email__startswith="lev.").values_list("email", "level"))
    assert levels == {"lev.one@example.com": "buyer", "lev.two@example.com": "c_level", "lev.bad@example.com": ""}
