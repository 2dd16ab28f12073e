"""The account timeline (tab and API): what it merges and in which order, its filters, keyset pages that
neither skip nor repeat entries, what it hides, access (404 for outsiders) and a query count that does not
grow with the account's history."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from kamdesk.accounts.services import account_update
from kamdesk.activities.models import Activity, Task
from kamdesk.activities.services import task_comment_add, task_complete
from kamdesk.activities.timeline import Cursor, TimelineQuery, account_timeline
from kamdesk.audit.models import AuditEvent
from tests.activities_factories import make_activity, make_task
from tests.factories import grant, make_user

pytestmark = pytest.mark.django_db


def tab_url(account, **params):
    from urllib.parse import urlencode

    url = reverse("activities:timeline", args=[account.pk])
    return f"{url}?{urlencode(params, doseq=True)}" if params else url


def api_url(account):
    return f"/api/v1/accounts/{account.pk}/timeline"


def history(world):
    """One of everything on the global account, oldest first, one day apart."""
    now = timezone.now()
    visit = make_activity(world.global_account, actor=world.kam_a, subject="Store walk", kind="visit")
    review = make_activity(world.global_account, actor=world.kam_a, subject="Q3 review", kind="business_review")
    task = make_task(world.global_account, world.kam_a, actor=world.kam_a, title="Send planogram")
    task_comment_add(actor=world.kam_a, task_id=task.pk, text="Asked the category team.")
    task_complete(actor=world.kam_a, task_id=task.pk)
    account_update(actor=world.kam_a, account_id=world.global_account.pk, description="Now with a new CEO.")
    Activity.objects.filter(pk=visit.pk).update(starts_at=now - timedelta(days=6))
    Activity.objects.filter(pk=review.pk).update(starts_at=now - timedelta(days=5))
    Task.objects.filter(pk=task.pk).update(created_at=now - timedelta(days=4), completed_at=now - timedelta(days=2))
    task.comments.update(created_at=now - timedelta(days=3))
    return visit, review, task


def test_the_tab_merges_activities_reviews_tasks_and_changes_newest_first(world, login):
    history(world)
    client = login(world.kam_a)
    assert (
        tab_url(world.global_account).encode()
        in client.get(reverse("accounts:detail", args=[world.global_account.pk])).content
    )
    response = client.get(tab_url(world.global_account))
    assert response.status_code == 200
    body = response.content.decode()
    order = [
        "Account changed",
        "Task completed",
        "Comment on task",
        "Task created",
        "Business review · done",
        "Visit · done",
    ]
    positions = [body.index(label) for label in order]
    assert positions == sorted(positions)
    assert "Asked the category team." in body and "Now with a new CEO." in body
    # What the timeline shows as its own entries is not repeated as a change.
    assert "Activity added" not in body and "Task added" not in body and "Task completed" in body


def test_type_filters_keep_reviews_apart_from_other_activities(world, login):
    history(world)
    client = login(world.kam_a)
    reviews = client.get(tab_url(world.global_account, types="reviews")).content.decode()
    assert "Q3 review" in reviews and "Store walk" not in reviews and "Send planogram" not in reviews
    activities = client.get(tab_url(world.global_account, types="activities")).content.decode()
    assert "Store walk" in activities and "Q3 review" not in activities
    both = client.get(tab_url(world.global_account, types=["tasks", "changes"])).content.decode()
    assert "Send planogram" in both and "Now with a new CEO." in both and "Store walk" not in both


def test_subsidiaries_only_when_asked_and_a_date_range(world, login):
    history(world)
    make_activity(world.subsidiary, actor=world.kam_a, subject="Local visit", kind="visit")
    client = login(world.kam_a)
    assert "Local visit" not in client.get(tab_url(world.global_account)).content.decode()
    body = client.get(tab_url(world.global_account, subsidiaries="on")).content.decode()
    assert "Local visit" in body and world.subsidiary.name in body
    today = timezone.localdate()
    ranged = client.get(
        tab_url(world.global_account, since=today - timedelta(days=5), until=today - timedelta(days=3))
    ).content.decode()
    assert "Q3 review" in ranged and "Comment on task" in ranged
    assert "Store walk" not in ranged and "Task completed" not in ranged
    wrong = client.get(tab_url(world.global_account, since=today, until=today - timedelta(days=1)))
    assert wrong.status_code == 400 and "cannot be before its start" in wrong.content.decode()


def test_keyset_pages_neither_skip_nor_repeat_entries_even_at_the_same_instant(world, login):
    moment = timezone.now().replace(microsecond=0) - timedelta(days=1)
    Activity.objects.bulk_create(
        [Activity(account=world.global_account, subject=f"Call {i}", kind="call", starts_at=moment) for i in range(9)]
        + [
            Activity(account=world.global_account, subject=f"Review {i}", kind="business_review", starts_at=moment)
            for i in range(4)
        ]
    )
    tasks = [make_task(world.global_account, world.kam_a, title=f"Task {i}") for i in range(5)]
    Task.objects.filter(pk__in=[t.pk for t in tasks]).update(created_at=moment)
    client = login(world.kam_a)
    seen, before, pages = [], None, 0
    while True:
        params = {"limit": 4, "types": "activities,reviews,tasks", **({"before": before} if before else {})}
        answer = client.get(api_url(world.global_account), params)
        assert answer.status_code == 200, answer.content
        data = answer.json()
        seen += [(item["type"], item["title"]) for item in data["items"]]
        pages += 1
        before = data["next"]
        if before is None:
            break
    titles = [title for _, title in seen]
    assert len(titles) == len(set(titles)) == 18 and pages == 5
    changes = login(world.kam_a).get(api_url(world.global_account), {"types": "changes"}).json()["items"]
    assert [item["label"] for item in changes] == ["Account added"]  # tasks' own audit events are not repeated


def test_the_api_filters_and_refuses_bad_input_clearly(world, login):
    history(world)
    client = login(world.kam_a)
    data = client.get(api_url(world.global_account), {"types": "reviews,tasks"}).json()
    assert {item["type"] for item in data["items"]} == {"reviews", "tasks"} and data["next"] is None
    bad_type = client.get(api_url(world.global_account), {"types": "meetings"})
    assert bad_type.status_code == 422 and bad_type.json()["errors"][0]["field"] == "types"
    bad_cursor = client.get(api_url(world.global_account), {"before": "yesterday"})
    assert bad_cursor.status_code == 422 and bad_cursor.json()["errors"][0]["field"] == "before"
    assert client.get(api_url(world.global_account), {"limit": 1000}).status_code == 422
    reversed_range = client.get(api_url(world.global_account), {"from": "2026-05-02", "to": "2026-05-01"})
    assert reversed_range.status_code == 422 and reversed_range.json()["errors"][0]["field"] == "to"


def test_a_bad_older_link_on_the_page_says_so_and_shows_the_newest(world, login):
    history(world)
    response = login(world.kam_a).get(tab_url(world.global_account, before="1.2.x"))
    assert response.status_code == 400
    body = response.content.decode()
    assert "Not a timeline position" in body and "Store walk" in body


def test_access_outsiders_get_404_viewers_and_readers_may_look(world, login):
    history(world)
    assert login(world.outsider).get(tab_url(world.global_account)).status_code == 404
    assert login(world.outsider).get(api_url(world.global_account)).status_code == 404
    assert login(world.outsider).get("/api/v1/accounts/999999999/timeline").status_code == 404
    grant(world.global_account, world.viewer)
    assert login(world.viewer).get(tab_url(world.global_account)).status_code == 200
    assert login(world.viewer).get(api_url(world.global_account)).status_code == 200
    # The API route only reads: nothing to write, for a viewer or anyone.
    assert login(world.kam_a).post(api_url(world.global_account), {}).status_code == 405


def test_pricing_terms_and_margin_targets_are_hidden_from_roles_that_may_not_see_costs(world, login):
    member = make_user("team_member")
    grant(world.global_account, member)
    for object_type, changes in (
        ("priceagreement", {"discount_pct": [None, "12.50"]}),
        ("account", {"Gross margin target 2026-01": [None, "900.00"], "Net sales target 2026-01": [None, "5000.00"]}),
    ):
        AuditEvent.objects.create(
            actor=world.kam_a,
            action="create" if object_type == "priceagreement" else "update",
            object_type=object_type,
            object_id=1,
            object_repr="Agreement on Widgets" if object_type == "priceagreement" else world.global_account.name,
            account_id=world.global_account.pk,
            changes=changes,
        )
    hidden = login(member).get(tab_url(world.global_account)).content.decode()
    assert "Agreement on Widgets" not in hidden and "12.50" not in hidden and "900.00" not in hidden
    assert "5000.00" in hidden and "Margin figures hidden for your role." in hidden
    shown = login(world.kam_a).get(tab_url(world.global_account)).content.decode()
    assert "Agreement on Widgets" in shown and "900.00" in shown


def _grow(world, n):
    for i in range(n):
        activity = make_activity(world.global_account, actor=world.kam_a, subject=f"Meeting {i}")
        task = make_task(
            world.global_account, world.kam_a, actor=world.kam_a, title=f"Follow-up {i}", activity=activity
        )
        task_comment_add(actor=world.kam_a, task_id=task.pk, text=f"Note {i}")
        task_complete(actor=world.kam_a, task_id=task.pk)


@pytest.mark.parametrize("few,many", [(2, 30)])
def test_the_query_count_does_not_grow_with_the_history(world, login, few, many):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = login(world.kam_a)
    _grow(world, few)
    counts = []
    for n in (few, many):
        if n == many:
            _grow(world, many - few)
        with CaptureQueriesContext(connection) as page:
            assert client.get(tab_url(world.global_account, subsidiaries="on")).status_code == 200
        api = login(world.kam_a)
        with CaptureQueriesContext(connection) as listing:
            assert api.get(api_url(world.global_account), {"include_subsidiaries": True}).status_code == 200
        counts.append((len(page), len(listing)))
    assert counts[0] == counts[1]
    assert counts[1][0] <= 20 and counts[1][1] <= 12


def test_the_selector_pages_by_cursor_in_a_constant_number_of_queries(world, django_assert_max_num_queries):
    history(world)
    _grow(world, 3)
    with django_assert_max_num_queries(5):
        first = account_timeline(world.kam_a, world.global_account, TimelineQuery(limit=5))
    assert len(first.entries) == 5 and isinstance(first.next_cursor, Cursor)
    second = account_timeline(world.kam_a, world.global_account, TimelineQuery(limit=5, before=first.next_cursor))
    assert {e.sort_key for e in first.entries}.isdisjoint({e.sort_key for e in second.entries})
    assert max(e.sort_key for e in second.entries) < min(e.sort_key for e in first.entries)
    assert str(Cursor.parse(str(first.next_cursor))) == str(first.next_cursor)


def test_without_an_end_date_the_timeline_stops_at_the_present(world, login):
    history(world)
    make_activity(
        world.global_account,
        subject="Next week's visit",
        status="planned",
        starts_at=timezone.now() + timedelta(days=7),
    )
    client = login(world.kam_a)
    assert "Next week&#x27;s visit" not in client.get(tab_url(world.global_account)).content.decode()
    ahead = client.get(tab_url(world.global_account, until=timezone.localdate() + timedelta(days=10)))
    assert "Next week&#x27;s visit" in ahead.content.decode()
