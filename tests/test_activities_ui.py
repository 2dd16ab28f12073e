"""Activity pages: the account's Activities tab, logging, the activity page, editing, cancelling and turning
next steps into tasks; access answers 404/403; the tab's queries do not grow with its rows."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from kamdesk.activities.models import Activity, ActivityStatus, Task
from tests.activities_factories import make_activity, make_task
from tests.factories import grant, make_contact

pytestmark = pytest.mark.django_db


def tab_url(account):
    return reverse("activities:account", args=[account.pk])


def local(dt):
    return timezone.localtime(dt).strftime("%Y-%m-%dT%H:%M")


def test_the_account_page_has_an_activities_tab_with_subsidiaries_activities_and_open_tasks(world, login):
    client = login(world.kam_a)
    make_activity(world.global_account, subject="Group review")
    make_activity(world.subsidiary, subject="Local visit", kind="visit")
    make_task(world.subsidiary, world.kam_a, title="Open follow-up")
    done = make_task(world.subsidiary, world.kam_a, title="Finished one")
    done.status, done.completed_at = "done", timezone.now()
    done.save()
    detail = client.get(reverse("accounts:detail", args=[world.global_account.pk]))
    assert tab_url(world.global_account).encode() in detail.content
    response = client.get(tab_url(world.global_account))
    body = response.content.decode()
    assert response.status_code == 200
    assert "Group review" in body and "Local visit" in body and "Open follow-up" in body
    assert "Finished one" not in body
    assert "Log activity" in body and "New task" in body


def test_readers_see_the_tab_without_write_actions_and_outsiders_get_404(world, login):
    grant(world.global_account, world.kam_b, access="read")
    body = login(world.kam_b).get(tab_url(world.global_account)).content.decode()
    assert "Log activity" not in body
    assert login(world.outsider).get(tab_url(world.global_account)).status_code == 404


def test_log_an_activity_through_the_form(world, login):
    client = login(world.kam_a)
    buyer = make_contact(world.subsidiary, last_name="Buyer")
    url = reverse("activities:create", args=[world.global_account.pk])
    page = client.get(url).content.decode()
    assert "Buyer" in page
    start = timezone.now() - timedelta(hours=2)
    response = client.post(
        url,
        {
            "kind": "meeting",
            "status": "done",
            "subject": "Annual review",
            "starts_at": local(start),
            "ends_at": local(start + timedelta(hours=1)),
            "our_participants": [world.kam_a.pk],
            "their_participants": [buyer.pk],
            "notes": "We agreed **three** things",
            "next_steps": "- Send offer\n- Book visit",
        },
    )
    activity = Activity.objects.get(subject="Annual review")
    assert response.status_code == 302 and response["Location"] == reverse("activities:detail", args=[activity.pk])
    buyer.refresh_from_db()
    assert buyer.last_contacted_at is not None
    detail = client.get(response["Location"]).content.decode()
    assert "<strong>three</strong>" in detail and "Turn next steps into tasks" in detail


def test_the_form_shows_the_services_refusal(world, login):
    client = login(world.kam_a)
    start = timezone.now() - timedelta(hours=2)
    response = client.post(
        reverse("activities:create", args=[world.global_account.pk]),
        {
            "kind": "call",
            "status": "done",
            "subject": "Call",
            "starts_at": local(start),
            "ends_at": local(start - timedelta(hours=1)),
        },
    )
    assert response.status_code == 200
    assert "Must not be before the start." in response.content.decode()
    assert not Activity.objects.exists()


def test_log_and_edit_need_edit_access(world, login):
    grant(world.global_account, world.kam_b, access="read")
    activity = make_activity(world.global_account)
    client = login(world.kam_b)
    assert client.get(reverse("activities:create", args=[world.global_account.pk])).status_code == 403
    assert client.get(reverse("activities:edit", args=[activity.pk])).status_code == 403
    assert client.get(reverse("activities:detail", args=[activity.pk])).status_code == 200
    client = login(world.outsider)
    for name in ("activities:detail", "activities:edit"):
        assert client.get(reverse(name, args=[activity.pk])).status_code == 404
    assert client.post(reverse("activities:cancel", args=[activity.pk])).status_code == 404


def test_edit_and_cancel(world, login):
    client = login(world.kam_a)
    activity = make_activity(world.global_account, status="planned", starts_at=timezone.now() + timedelta(days=1))
    page = client.get(reverse("activities:edit", args=[activity.pk]))
    assert page.status_code == 200
    response = client.post(
        reverse("activities:edit", args=[activity.pk]),
        {"kind": "call", "status": "planned", "subject": "Renamed", "starts_at": local(activity.starts_at)},
    )
    assert response.status_code == 302
    activity.refresh_from_db()
    assert (activity.subject, activity.kind) == ("Renamed", "call")
    client.post(reverse("activities:cancel", args=[activity.pk]))
    activity.refresh_from_db()
    assert activity.status == ActivityStatus.CANCELLED


def test_turn_next_steps_into_tasks(world, login):
    client = login(world.kam_a)
    activity = make_activity(world.global_account, next_steps="- Send offer\n- Book visit")
    url = reverse("activities:next_steps", args=[activity.pk])
    response = client.post(url, {"steps": activity.next_steps, "owner": world.lead.pk, "priority": "high"})
    assert response.status_code == 302
    assert sorted(Task.objects.filter(activity=activity, owner=world.lead).values_list("title", flat=True)) == [
        "Book visit",
        "Send offer",
    ]
    refused = client.post(url, {"steps": "One more", "owner": world.outsider.pk, "priority": "normal"})
    assert refused.status_code == 422 and "has no access to this account" in refused.content.decode()


def _tab_queries(client, account) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(tab_url(account)).status_code == 200
    return len(queries)


def test_the_tab_costs_the_same_queries_for_few_and_many_rows(world, login):
    client = login(world.kam_a)
    people = [make_contact(world.subsidiary, last_name=f"P{n}") for n in range(3)]

    def add(n):
        for i in range(n):
            make_activity(world.subsidiary, subject=f"A{i}", our_participants=[world.kam_a], their_participants=people)
            make_task(world.subsidiary, world.kam_a, title=f"T{i}")

    add(2)
    few = _tab_queries(client, world.global_account)
    add(12)
    many = _tab_queries(client, world.global_account)
    assert many == few


def test_the_activity_and_task_pages_cost_the_same_queries_for_few_and_many_rows(world, login):
    from kamdesk.activities.services import task_comment_add

    client = login(world.kam_a)
    activity = make_activity(world.subsidiary)
    task = make_task(world.subsidiary, world.kam_a, activity=activity)

    def add(n):
        people = [make_contact(world.subsidiary) for _ in range(n)]
        activity.their_participants.add(*people)
        for i in range(n):
            make_task(world.subsidiary, world.lead, title=f"T{i}", activity=activity)
            task_comment_add(actor=world.lead, task_id=task.pk, text=f"Comment {i}")

    def count(url):
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        return len(queries)

    pages = [reverse("activities:detail", args=[activity.pk]), reverse("activities:task_detail", args=[task.pk])]
    add(2)
    few = [count(url) for url in pages]
    add(10)
    assert [count(url) for url in pages] == few
