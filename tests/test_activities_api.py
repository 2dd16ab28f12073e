"""/api/v1/activities and /api/v1/tasks: lists with filters, create, read, change, comments; hidden = 404,
viewers and read-only access = 403; list queries do not grow with the rows."""

import json
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from kamdesk.activities.models import Activity, Task, TaskComment
from tests.activities_factories import make_activity, make_task
from tests.factories import grant, make_contact

pytestmark = pytest.mark.django_db
API = "/api/v1"


def send(client, method, path, body=None):
    return getattr(client, method)(API + path, data=json.dumps(body or {}), content_type="application/json")


def iso(dt):
    return dt.isoformat()


def test_create_and_read_an_activity(world, login):
    client = login(world.kam_a)
    buyer = make_contact(world.subsidiary, last_name="Buyer")
    start = timezone.now() - timedelta(hours=3)
    response = send(
        client,
        "post",
        "/activities",
        {
            "account_id": world.global_account.pk,
            "kind": "executive_meeting",
            "status": "done",
            "starts_at": iso(start),
            "ends_at": iso(start + timedelta(hours=1)),
            "subject": "Top-to-top",
            "our_participant_ids": [world.kam_a.pk, world.lead.pk],
            "their_participant_ids": [buyer.pk],
        },
    )
    assert response.status_code == 201, response.content
    data = response.json()
    assert data["account_code"] == "G-001" and data["kind"] == "executive_meeting"
    assert data["our_participant_ids"] == sorted([world.kam_a.pk, world.lead.pk])
    assert data["their_participant_ids"] == [buyer.pk]
    buyer.refresh_from_db()
    assert buyer.last_contacted_at is not None
    assert client.get(f"{API}/activities/{data['id']}").json()["subject"] == "Top-to-top"


def test_activity_errors_name_the_api_fields(world, login):
    client = login(world.kam_a)
    start = timezone.now() - timedelta(hours=3)
    hidden_person = make_contact(world.hidden, last_name="Secret")
    body = {"account_id": world.global_account.pk, "starts_at": iso(start), "subject": "x"}
    response = send(client, "post", "/activities", {**body, "their_participant_ids": [hidden_person.pk]})
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "their_participant_ids"
    assert "Secret" not in response.content.decode()
    response = send(client, "post", "/activities", {**body, "ends_at": iso(start - timedelta(hours=1))})
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "ends_at"
    response = send(client, "post", "/activities", {**body, "account_id": world.hidden.pk})
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "account_id"
    assert not Activity.objects.exists()


def test_activity_access_hidden_404_viewer_and_reader_403(world, login):
    activity = make_activity(world.global_account)
    assert login(world.outsider).get(f"{API}/activities/{activity.pk}").status_code == 404
    assert send(login(world.outsider), "patch", f"/activities/{activity.pk}", {"subject": "x"}).status_code == 404
    grant(world.global_account, world.kam_b, access="read")
    reader = login(world.kam_b)
    assert reader.get(f"{API}/activities/{activity.pk}").status_code == 200
    assert send(reader, "patch", f"/activities/{activity.pk}", {"subject": "x"}).status_code == 403
    body = {"account_id": world.global_account.pk, "starts_at": iso(timezone.now()), "subject": "x"}
    assert send(reader, "post", "/activities", body).status_code == 403
    grant(world.global_account, world.viewer, access="edit")
    viewer = login(world.viewer)
    assert send(viewer, "post", "/activities", body).status_code == 403
    assert send(viewer, "patch", f"/activities/{activity.pk}", {"subject": "x"}).status_code == 403
    activity.refresh_from_db()
    assert activity.subject == "Quarterly review"


def test_patch_an_activity(world, login):
    client = login(world.kam_a)
    activity = make_activity(world.global_account, status="planned", starts_at=timezone.now() - timedelta(hours=1))
    person = make_contact(world.global_account, last_name="Met")
    response = send(
        client, "patch", f"/activities/{activity.pk}", {"status": "done", "their_participant_ids": [person.pk]}
    )
    assert response.status_code == 200 and response.json()["status"] == "done"
    person.refresh_from_db()
    assert person.last_contacted_at == activity.starts_at


def test_activity_list_filters(world, login):
    now = timezone.now()
    make_activity(world.global_account, subject="Old call", kind="call", starts_at=now - timedelta(days=40))
    make_activity(world.subsidiary, subject="Recent visit", kind="visit", starts_at=now - timedelta(days=2))
    make_activity(world.hidden, subject="Hidden meeting")
    client = login(world.kam_a)

    def subjects(**params):
        response = client.get(f"{API}/activities", params)
        assert response.status_code == 200, response.content
        return [item["subject"] for item in response.json()["items"]]

    assert subjects() == ["Recent visit", "Old call"]
    assert subjects(kind="call") == ["Old call"]
    assert subjects(account=world.global_account.pk) == ["Old call"]
    assert subjects(account=world.global_account.pk, include_subsidiaries="true") == ["Recent visit", "Old call"]
    since = (timezone.localdate() - timedelta(days=10)).isoformat()
    assert subjects(**{"from": since}) == ["Recent visit"]
    assert subjects(to=since) == ["Old call"]
    assert client.get(f"{API}/activities", {"kind": "party"}).status_code == 422


def test_create_read_and_list_tasks(world, login):
    client = login(world.kam_a)
    activity = make_activity(world.global_account)
    due = (timezone.localdate() + timedelta(days=5)).isoformat()
    body = {"account_id": world.global_account.pk, "title": "Send offer", "due_date": due, "activity_id": activity.pk}
    response = send(client, "post", "/tasks", body)
    assert response.status_code == 201, response.content
    task = response.json()
    assert (task["owner_id"], task["activity_id"], task["status"]) == (world.kam_a.pk, activity.pk, "open")
    make_task(world.global_account, world.lead, title="Lead's")
    make_task(world.hidden, world.outsider, title="Hidden")

    def titles(**params):
        response = client.get(f"{API}/tasks", params)
        assert response.status_code == 200, response.content
        return sorted(item["title"] for item in response.json()["items"])

    assert titles() == ["Lead's", "Send offer"]
    assert titles(owner=world.lead.pk) == ["Lead's"]
    assert titles(scope="mine") == ["Send offer"]
    assert titles(due_before=due) == ["Send offer"]
    assert titles(status="done") == []
    refused = send(client, "post", "/tasks", {**body, "owner_id": world.outsider.pk})
    assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == "owner_id"


def test_patch_a_task_complete_reopen_reassign_cancel(world, login):
    client = login(world.kam_a)
    task = make_task(world.global_account, world.kam_a)
    path = f"/tasks/{task.pk}"
    assert send(client, "patch", path, {"status": "done"}).json()["completed_at"] is not None
    assert send(client, "patch", path, {"status": "open"}).json()["completed_at"] is None
    data = send(client, "patch", path, {"owner_id": world.lead.pk, "priority": "high"}).json()
    assert (data["owner_id"], data["priority"]) == (world.lead.pk, "high")
    assert send(client, "patch", path, {"status": "cancelled"}).json()["status"] == "cancelled"
    assert send(client, "patch", path, {"owner_id": world.outsider.pk}).status_code == 422


def test_task_access_and_comments(world, login):
    grant(world.global_account, world.kam_b, access="read")
    task = make_task(world.global_account, world.kam_b)
    owner = login(world.kam_b)
    # The owner with read access completes it and comments, but cannot change it otherwise.
    assert send(owner, "patch", f"/tasks/{task.pk}", {"status": "done"}).status_code == 200
    assert send(owner, "patch", f"/tasks/{task.pk}", {"title": "Mine"}).status_code == 403
    response = send(owner, "post", f"/tasks/{task.pk}/comments", {"text": "Done it"})
    assert response.status_code == 201 and response.json()["author_id"] == world.kam_b.pk
    assert [c["text"] for c in owner.get(f"{API}/tasks/{task.pk}/comments").json()] == ["Done it"]
    outsider = login(world.outsider)
    assert outsider.get(f"{API}/tasks/{task.pk}").status_code == 404
    assert send(outsider, "post", f"/tasks/{task.pk}/comments", {"text": "x"}).status_code == 404
    grant(world.global_account, world.viewer, access="edit")
    viewer = login(world.viewer)
    assert viewer.get(f"{API}/tasks/{task.pk}").status_code == 200
    assert send(viewer, "post", f"/tasks/{task.pk}/comments", {"text": "x"}).status_code == 403
    assert send(viewer, "patch", f"/tasks/{task.pk}", {"status": "open"}).status_code == 403
    body = {"account_id": world.global_account.pk, "title": "x"}
    assert send(viewer, "post", "/tasks", body).status_code == 403
    assert TaskComment.objects.count() == 1 and Task.objects.count() == 1


@pytest.mark.parametrize("path", ["/activities", "/tasks"])
def test_list_queries_do_not_grow_with_rows(world, login, path):
    client = login(world.lead)
    people = [make_contact(world.subsidiary, last_name=f"P{n}") for n in range(2)]

    def add(n):
        for i in range(n):
            activity = make_activity(
                world.subsidiary, subject=f"A{i}", our_participants=[world.kam_a], their_participants=people
            )
            make_task(world.subsidiary, world.kam_a, title=f"T{i}", activity=activity)

    def count():
        with CaptureQueriesContext(connection) as queries:
            assert client.get(API + path).status_code == 200
        return len(queries)

    add(2)
    few = count()
    add(12)
    assert count() == few
