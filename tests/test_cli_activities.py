"""``kamdesk activity add|show|done|cancel|tasks|ics|invite`` and ``kamdesk task show|reassign|comment|reopen|
cancel|edit``: the same services and access as the pages; bad input is one clear line and writes nothing."""

import io
import json
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import override_settings
from django.utils import timezone

from kamdesk.accounts.models import Access
from kamdesk.activities.models import Activity, Task, TaskComment
from kamdesk.audit.models import AuditEvent
from tests.activities_factories import ics, make_activity, make_task
from tests.factories import grant, make_contact

REPO = Path(__file__).resolve().parent.parent
KAMDESK = str(Path(sys.executable).parent / "kamdesk")
KAM_A = "kam.a@example.com"


def run(*args) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command(*args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def refused(*args, match: str) -> None:
    with pytest.raises(CommandError, match=match):
        run(*args)


def audit_count() -> int:
    return AuditEvent.objects.count()


INVITATION = """UID:jbp-7@mail.example
DTSTAMP:20300101T000000Z
DTSTART:20300305T140000Z
DTEND:20300305T150000Z
SUMMARY:Joint business plan
ORGANIZER:mailto:ada@globex.example
ATTENDEE:mailto:kam.a@example.com
ATTENDEE:mailto:stranger@nowhere.example"""


@pytest.fixture
def berlin_kam(world):
    world.kam_a.time_zone = "Europe/Berlin"
    world.kam_a.save()
    return world.kam_a


# --- activity add -------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_activity_add_logs_through_the_service_in_the_users_time_zone(world, berlin_kam):
    ada = make_contact(world.global_account, first_name="Ada", last_name="Buyer", email="ada@globex.example")
    out, err = run(
        "activity", "add", "--account", "G-001-DE", "--kind", "visit", "--subject", "Store walk",
        "--starts", "2025-01-15T10:00", "--minutes", "90", "--location", "Munich",
        "--our", "lead@example.com", "--our", "kam.a@example.com", "--their", "ADA@globex.example",
        "--notes", "Shelf gaps", "--next-steps", "- Send planogram", "--as", KAM_A,
    )  # fmt: skip
    activity = Activity.objects.get()
    assert out == f"{activity.pk}\n"
    assert "Logged done visit" in err and "G-001-DE" in err
    assert activity.starts_at == datetime(2025, 1, 15, 9, tzinfo=UTC)  # 10:00 in Berlin (winter)
    assert activity.ends_at - activity.starts_at == timedelta(minutes=90)
    assert (activity.status, activity.kind, activity.location) == ("done", "visit", "Munich")
    assert (activity.notes, activity.next_steps, activity.created_by) == ("Shelf gaps", "- Send planogram", berlin_kam)
    assert set(activity.our_participants.all()) == {world.lead, world.kam_a}
    assert list(activity.their_participants.all()) == [ada]
    ada.refresh_from_db()
    assert ada.last_contacted_at == activity.starts_at  # a done activity touches its stakeholders
    assert AuditEvent.objects.filter(object_type="activity", object_id=activity.pk, action="create").exists()


@pytest.mark.django_db
def test_activity_add_in_the_future_is_planned_and_json_matches_list(world):
    out, _ = run(
        "activity", "add", "--account", "G-001", "--kind", "call", "--subject", "Price talk",
        "--starts", "2031-06-01T09:00+02:00", "--ends", "2031-06-01T09:30+02:00", "--format", "json",
    )  # fmt: skip
    added = json.loads(out)
    activity = Activity.objects.get()
    assert added["id"] == activity.pk and added["status"] == "planned"
    assert added["starts_at"] == "2031-06-01T07:00:00+00:00" and added["ends_at"] == "2031-06-01T07:30:00+00:00"
    listed = json.loads(run("activity", "list", "--account", "G-001", "--format", "json")[0])
    assert listed == [added]


@pytest.mark.django_db
@override_settings(TIME_ZONE="America/New_York")
def test_activity_add_without_as_reads_times_in_the_installations_zone(world):
    run("activity", "add", "--account", "G-001", "--kind", "call", "--subject", "x", "--starts", "2025-07-01 09:00")
    assert Activity.objects.get().starts_at == datetime(2025, 7, 1, 13, tzinfo=UTC)


ADD = ["activity", "add", "--account", "G-001", "--subject", "Review", "--starts", "2025-01-15T10:00"]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--kind", "lunch"], r"Unknown kind 'lunch'\. Choose one of: meeting, call, email, visit"),
        (["--kind", "call", "--status", "cancelled"], r"Unknown status 'cancelled'\. Choose one of: planned, done\."),
        (["--kind", "call", "--starts", "next tuesday"], r"--starts must be a date and time such as 2026-03-05T14:30"),
        (["--kind", "call", "--starts", "2025-01-15"], r"--starts must be a date and time"),
        (["--kind", "call", "--ends", "2025-01-15T09:00"], r"cannot end before it starts"),
        (["--kind", "call", "--minutes", "0"], r"--minutes must be between 1 and"),
        (["--kind", "call", "--our", "nobody@example.com"], r"No user with the e-mail address 'nobody@example.com'"),
        (["--kind", "call", "--their", "nobody@nowhere.example"], r"No contact you can see has the e-mail address"),
        (["--kind", "call", "--their", "zelda@hidden.example"], r"Secret does not belong to Globex Holding's"),
        (["--kind", "call", "--their", "bob@bright.example"], r"not belong to Globex Holding's customer group"),
        (["--kind", "call", "--status", "done", "--starts", "2031-01-01T10:00"], r"has not started yet"),
        (["--kind", "call", "--subject", ""], r"subject: This field cannot be blank"),
    ],
)
def test_activity_add_refuses_bad_input_and_writes_nothing(world, args, message):
    make_contact(world.hidden, last_name="Secret", email="zelda@hidden.example")
    make_contact(world.account_b, last_name="Bright", email="bob@bright.example")
    events = audit_count()
    refused(*ADD, *args, match=message)
    assert not Activity.objects.exists() and audit_count() == events


@pytest.mark.django_db
def test_activity_add_follows_the_acting_users_access(world):
    make_contact(world.hidden, last_name="Secret", email="zelda@hidden.example")
    refused(*ADD, "--kind", "call", "--their", "zelda@hidden.example", "--as", KAM_A, match="No contact you can see")
    refused(*ADD, "--kind", "call", "--as", "outsider@example.com", match="No account with the code 'G-001'")
    grant(world.global_account, world.viewer)
    refused(*ADD, "--kind", "call", "--as", "viewer@example.com", match=r"Your role \(viewer\) has read-only access")
    grant(world.global_account, world.kam_b, access=Access.READ)
    refused(*ADD, "--kind", "call", "--as", "kam.b@example.com", match="read-only access")
    refused(*ADD, "--kind", "call", "--as", "ghost@example.com", match="No active user")
    assert not Activity.objects.exists()


# --- activity show, done, cancel ----------------------------------------------------------------------------


@pytest.mark.django_db
def test_activity_show_text_and_json_only_with_what_the_user_may_see(world, berlin_kam):
    ada = make_contact(world.global_account, first_name="Ada", last_name="Buyer", email="ada@globex.example")
    dieter = make_contact(world.subsidiary, first_name="Dieter", last_name="Lang", email="dieter@globex.example")
    grant(world.subsidiary, world.kam_b)  # sees the subsidiary, not its parent's people
    activity = make_activity(
        world.subsidiary,
        subject="Kick-off",
        starts_at=datetime(2025, 1, 15, 9, tzinfo=UTC),
        agenda="Line one\nLine two",
        our_participants=[world.kam_a],
        their_participants=[ada, dieter],
    )
    task = make_task(world.subsidiary, world.kam_a, title="Follow up", activity=activity)
    text, _ = run("activity", "show", str(activity.pk), "--as", KAM_A)
    assert "Kick-off" in text and "2025-01-15 10:00 (Europe/Berlin)" in text
    assert "Ada Buyer <ada@globex.example>" in text and "  Line two" in text and f"{task.pk} Follow up" in text
    shown = json.loads(run("activity", "show", str(activity.pk), "--format", "json", "--as", "kam.b@example.com")[0])
    assert shown["id"] == activity.pk and shown["account_code"] == "G-001-DE" and shown["task_ids"] == [task.pk]
    assert shown["starts_at"] == "2025-01-15T09:00:00+00:00" and shown["agenda"] == "Line one\nLine two"
    # kam.b cannot see the parent's contact; the operator sees everyone.
    assert shown["their_participants"] == ["Dieter Lang"]
    assert shown["their_participant_emails"] == ["dieter@globex.example"]
    everyone = json.loads(run("activity", "show", str(activity.pk), "--format", "json")[0])
    assert len(everyone["their_participants"]) == 2
    refused(
        "activity", "show", str(activity.pk), "--as", "outsider@example.com", match=f"Activity {activity.pk} not found"
    )
    refused("activity", "show", "999999", match="Activity 999999 not found")


@pytest.mark.django_db
def test_activity_done_records_outcome_and_touches_stakeholders(world):
    ada = make_contact(world.global_account, last_name="Buyer", email="ada@globex.example")
    started = timezone.now() - timedelta(hours=2)
    activity = make_activity(
        world.global_account, status="planned", starts_at=started, notes="prep", their_participants=[ada]
    )
    out, _ = run("activity", "done", str(activity.pk), "--outcome", "Listing agreed", "--as", KAM_A)
    activity.refresh_from_db()
    ada.refresh_from_db()
    assert "is done" in out and (activity.status, activity.outcome, activity.notes) == (
        "done",
        "Listing agreed",
        "prep",
    )
    assert ada.last_contacted_at == activity.starts_at
    assert AuditEvent.objects.filter(object_type="activity", object_id=activity.pk, action="update").exists()
    assert "already done" in run("activity", "done", str(activity.pk))[0]


@pytest.mark.django_db
def test_activity_done_and_cancel_refusals(world):
    future = make_activity(world.global_account, status="planned", starts_at=timezone.now() + timedelta(days=3))
    done = make_activity(world.global_account, subject="Held")
    hidden = make_activity(world.hidden, status="planned", starts_at=timezone.now() + timedelta(days=3))
    grant(world.global_account, world.viewer)
    events = audit_count()
    refused("activity", "done", str(future.pk), match="has not started yet")
    refused("activity", "cancel", str(done.pk), match="Only a planned activity can be cancelled; this one is done")
    refused("activity", "done", str(hidden.pk), "--as", KAM_A, match=f"Activity {hidden.pk} not found")
    refused("activity", "cancel", str(hidden.pk), "--as", KAM_A, match=f"Activity {hidden.pk} not found")
    refused("activity", "cancel", str(future.pk), "--as", "viewer@example.com", match="read-only")
    future.refresh_from_db()
    assert future.status == "planned" and audit_count() == events


@pytest.mark.django_db
def test_activity_cancel_keeps_the_reason(world):
    planned = make_activity(world.global_account, status="planned", starts_at=timezone.now() + timedelta(days=3))
    out, _ = run("activity", "cancel", str(planned.pk), "--reason", "Buyer ill", "--as", KAM_A)
    planned.refresh_from_db()
    assert planned.status == "cancelled" and "is cancelled" in out
    assert AuditEvent.objects.get(object_type="activity", object_id=planned.pk, action="cancel").note == "Buyer ill"


# --- activity tasks -----------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_activity_tasks_turns_next_steps_into_tasks_once(world):
    activity = make_activity(world.global_account, next_steps="- Send offer\n2. Call the buyer\n\n")
    out, _ = run("activity", "tasks", str(activity.pk), "--due", "2031-02-01", "--priority", "high", "--as", KAM_A)
    tasks = list(Task.objects.order_by("id"))
    assert [t.title for t in tasks] == ["Send offer", "Call the buyer"]
    assert {(t.owner, t.activity, str(t.due_date), t.priority) for t in tasks} == {
        (world.kam_a, activity, "2031-02-01", "high")
    }
    assert "Send offer" in out and "Call the buyer" in out and "kam.a@example.com" in out
    again, _ = run("activity", "tasks", str(activity.pk), "--as", KAM_A)
    assert "already" in again and Task.objects.count() == 2
    activity.next_steps += "\n- Book the review"
    activity.save()
    run("activity", "tasks", str(activity.pk), "--owner", "lead@example.com")
    assert Task.objects.get(title="Book the review").owner == world.lead and Task.objects.count() == 3


@pytest.mark.django_db
def test_activity_tasks_refusals(world):
    activity = make_activity(world.global_account, next_steps="- Send offer")
    hidden = make_activity(world.hidden, next_steps="- Secret step")
    refused("activity", "tasks", str(activity.pk), match="--owner EMAIL")
    refused("activity", "tasks", str(activity.pk), "--owner", "outsider@example.com", match="cannot see")
    refused("activity", "tasks", str(activity.pk), "--owner", KAM_A, "--priority", "urgent", match="low, normal, high")
    refused("activity", "tasks", str(activity.pk), "--owner", KAM_A, "--due", "soon", match="YYYY-MM-DD")
    refused("activity", "tasks", str(hidden.pk), "--as", KAM_A, match=f"Activity {hidden.pk} not found")
    assert not Task.objects.exists()
    empty = make_activity(world.global_account)
    assert "are empty" in run("activity", "tasks", str(empty.pk), "--as", KAM_A)[0]


# --- activity ics and invite --------------------------------------------------------------------------------


@pytest.mark.django_db
def test_activity_ics_to_stdout_and_to_a_file(world, berlin_kam, tmp_path):
    activity = make_activity(world.global_account, subject="Kick-off", starts_at=datetime(2025, 1, 15, 9, tzinfo=UTC))
    out, _ = run("activity", "ics", str(activity.pk), "--as", KAM_A)
    assert out.startswith("BEGIN:VCALENDAR") and f"UID:activity-{activity.pk}@" in out
    assert "DTSTART;TZID=Europe/Berlin:20250115T100000" in out and "SUMMARY:Kick-off" in out
    target = tmp_path / "kick-off.ics"
    _, err = run("activity", "ics", str(activity.pk), "--output", str(target))
    assert target.read_bytes().startswith(b"BEGIN:VCALENDAR") and "Wrote" in err
    refused("activity", "ics", str(activity.pk), "--output", str(tmp_path / "no" / "x.ics"), match="Cannot write")
    refused("activity", "ics", str(activity.pk), "--as", "outsider@example.com", match="not found")


@pytest.mark.django_db
def test_activity_invite_logs_then_recognises_the_invitation(world, tmp_path):
    make_contact(world.global_account, first_name="Ada", last_name="Buyer", email="ada@globex.example")
    invitation = tmp_path / "invite.ics"
    invitation.write_bytes(ics(INVITATION))
    out, _ = run("activity", "invite", str(invitation), "--account", "G-001", "--as", KAM_A)
    activity = Activity.objects.get()
    assert f"Event 1 “Joint business plan”: created → activity {activity.pk}" in out
    assert "1 meeting logged." in out and "stranger@nowhere.example" in out
    assert (activity.status, activity.calendar_uid) == ("planned", "jbp-7@mail.example")
    again = json.loads(
        run("activity", "invite", str(invitation), "--account", "G-001", "--format", "json", "--as", KAM_A)[0]
    )
    assert again["events"] == [
        {
            "number": 1,
            "subject": "Joint business plan",
            "outcome": "unchanged",
            "activity_id": activity.pk,
            "changed": [],
        }
    ]
    assert again["left_out"] == ["stranger@nowhere.example"] and again["summary"] == "1 meeting already logged."
    invitation.write_bytes(ics(INVITATION.replace("SUMMARY:Joint", "SUMMARY:Annual joint"), method="CANCEL"))
    cancelled = json.loads(
        run("activity", "invite", str(invitation), "--account", "G-001", "--format", "json", "--as", KAM_A)[0]
    )
    assert cancelled["events"][0]["outcome"] == "cancelled"
    assert Activity.objects.get().status == "cancelled" and Activity.objects.count() == 1


@pytest.mark.django_db
def test_activity_invite_refusals_write_nothing(world, tmp_path):
    good, bad, empty = tmp_path / "good.ics", tmp_path / "bad.ics", tmp_path / "empty.ics"
    good.write_bytes(ics(INVITATION))
    bad.write_bytes(b"BEGIN:VCALENDAR\r\nthis is no calendar\r\n")
    empty.write_bytes(ics())
    grant(world.global_account, world.viewer)
    grant(world.global_account, world.kam_b, access=Access.READ)
    events = audit_count()
    invite = ["activity", "invite"]
    refused(*invite, str(tmp_path / "missing.ics"), "--account", "G-001", "--as", KAM_A, match="No file")
    refused(*invite, str(bad), "--account", "G-001", "--as", KAM_A, match="not a readable calendar file")
    refused(*invite, str(empty), "--account", "G-001", "--as", KAM_A, match="holds no event")
    refused(*invite, str(good), "--account", "G-001", match="Give --as EMAIL")
    refused(*invite, str(good), "--account", "G-001", "--as", "outsider@example.com", match="No account with the code")
    refused(*invite, str(good), "--account", "G-001", "--as", "viewer@example.com", match="read-only access")
    refused(*invite, str(good), "--account", "G-001", "--as", "kam.b@example.com", match="read-only access")
    refused(*invite, str(good), "--account", "NOPE", "--as", KAM_A, match="No account with the code 'NOPE'")
    assert not Activity.objects.exists() and audit_count() == events


# --- task show, edit, reassign, comment, reopen, cancel -----------------------------------------------------


@pytest.mark.django_db
def test_task_show_comment_and_json(world):
    task = make_task(world.global_account, world.kam_a, title="Send offer", description="Net prices")
    out, _ = run("task", "comment", str(task.pk), "Sent to Ada", "--as", "lead@example.com")
    comment = TaskComment.objects.get()
    assert (comment.author, comment.text) == (world.lead, "Sent to Ada") and f"task {task.pk}" in out
    text, _ = run("task", "show", str(task.pk), "--as", KAM_A)
    assert "Send offer" in text and "Net prices" in text and "lead@example.com: Sent to Ada" in text
    shown = json.loads(run("task", "show", str(task.pk), "--format", "json", "--as", KAM_A)[0])
    assert shown["id"] == task.pk and shown["owner"] == KAM_A and shown["description"] == "Net prices"
    assert [(c["author"], c["text"]) for c in shown["comments"]] == [("lead@example.com", "Sent to Ada")]
    refused("task", "comment", str(task.pk), "   ", match="Write a comment first")
    refused("task", "show", str(task.pk), "--as", "outsider@example.com", match=f"Task {task.pk} not found")
    assert TaskComment.objects.count() == 1


@pytest.mark.django_db
def test_task_edit_changes_only_what_is_given(world):
    task = make_task(world.global_account, world.kam_a, title="Send offer", due_date="2031-01-31", priority="low")
    out, _ = run("task", "edit", str(task.pk), "--priority", "high", "--due", "none", "--as", KAM_A)
    task.refresh_from_db()
    assert (task.title, task.due_date, task.priority) == ("Send offer", None, "high") and "saved" in out
    run("task", "edit", str(task.pk), "--title", "Send the offer", "--due", "2031-03-01")
    task.refresh_from_db()
    assert (task.title, str(task.due_date)) == ("Send the offer", "2031-03-01")
    events = audit_count()
    refused("task", "edit", str(task.pk), "--priority", "urgent", match=r"Choose one of: low, normal, high\.")
    refused("task", "edit", str(task.pk), "--due", "31.03.2031", match=r"--due must be a date as YYYY-MM-DD")
    refused("task", "edit", str(task.pk), "--title", " ", match="title")
    refused("task", "edit", str(task.pk), match="Nothing to change")
    task.refresh_from_db()
    assert (task.title, task.priority) == ("Send the offer", "high") and audit_count() == events


@pytest.mark.django_db
def test_task_reassign_reopen_and_cancel(world):
    task = make_task(world.global_account, world.kam_a, title="Send offer")
    out, _ = run("task", "reassign", str(task.pk), "lead@example.com", "--note", "Holiday", "--as", KAM_A)
    task.refresh_from_db()
    assert task.owner == world.lead and "now belongs to lead@example.com" in out
    assert AuditEvent.objects.get(object_type="task", object_id=task.pk, action="reassign").note == "Holiday"
    refused("task", "reassign", str(task.pk), "outsider@example.com", match="cannot see")
    refused("task", "reassign", str(task.pk), "nobody@example.com", match="No user with the e-mail address")
    refused("task", "reopen", str(task.pk), match="already open")
    run("task", "done", str(task.pk))
    refused("task", "cancel", str(task.pk), match="Only an open task can be cancelled")
    assert "open again" in run("task", "reopen", str(task.pk), "--as", KAM_A)[0]
    assert "is cancelled" in run("task", "cancel", str(task.pk), "--as", KAM_A)[0]
    task.refresh_from_db()
    assert task.status == "cancelled"


@pytest.mark.django_db
@pytest.mark.parametrize(
    "action",
    [["show"], ["done"], ["reopen"], ["cancel"], ["edit", "--title", "x"], ["reassign", KAM_A], ["comment", "hi"]],
)
def test_task_commands_answer_not_found_for_a_hidden_task(world, action):
    hidden = make_task(world.hidden, world.outsider, title="Secret")
    events = audit_count()
    refused("task", action[0], str(hidden.pk), *action[1:], "--as", KAM_A, match=f"Task {hidden.pk} not found")
    hidden.refresh_from_db()
    assert (hidden.title, hidden.status, hidden.owner) == ("Secret", "open", world.outsider)
    assert audit_count() == events and not TaskComment.objects.exists()


@pytest.mark.django_db
def test_task_commands_refuse_read_only_users(world):
    task = make_task(world.global_account, world.kam_a, title="Send offer")
    grant(world.global_account, world.viewer)
    grant(world.global_account, world.kam_b, access=Access.READ)
    refused("task", "edit", str(task.pk), "--title", "x", "--as", "viewer@example.com", match=r"\(viewer\)")
    refused("task", "comment", str(task.pk), "hi", "--as", "viewer@example.com", match=r"\(viewer\)")
    refused("task", "cancel", str(task.pk), "--as", "kam.b@example.com", match="read-only access to this task")
    refused("task", "reassign", str(task.pk), "lead@example.com", "--as", "kam.b@example.com", match="read-only")
    task.refresh_from_db()
    assert (task.title, task.status, task.owner) == ("Send offer", "open", world.kam_a)
    assert "Send offer" in run("task", "show", str(task.pk), "--as", "viewer@example.com")[0]  # reading is fine


# --- the real command ---------------------------------------------------------------------------------------


def test_the_kamdesk_command_logs_shows_and_refuses_with_one_line(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in {"KAMDESK_TESTING", "DEBUG", "HTTPS"}}
    env["DATABASE_URL"] = f"sqlite:///{tmp_path / 'cli.sqlite3'}"

    def kamdesk(*args) -> subprocess.CompletedProcess:
        return subprocess.run([KAMDESK, *args], env=env, capture_output=True, text=True, cwd=REPO, timeout=300)

    accounts = tmp_path / "accounts.csv"
    accounts.write_text("code,name,owner_email\nK-1,Kestrel Foods,kam@example.com\n")
    for setup in (
        ["migrate", "--noinput", "-v", "0"],
        ["user", "create", "kam@example.com", "--role", "kam"],
        ["user", "create", "other@example.com", "--role", "kam"],
        ["import", "accounts", str(accounts)],
    ):
        assert kamdesk(*setup).returncode == 0, setup
    added = kamdesk(
        "activity", "add", "--account", "K-1", "--kind", "meeting", "--subject", "Annual talks",
        "--starts", "2025-03-01T10:00Z", "--minutes", "60", "--as", "kam@example.com",
    )  # fmt: skip
    assert added.returncode == 0, added.stderr
    activity_id = added.stdout.strip()
    assert activity_id.isdigit()
    shown = kamdesk("activity", "show", activity_id, "--format", "json", "--as", "kam@example.com")
    assert shown.returncode == 0, shown.stderr
    assert json.loads(shown.stdout)["subject"] == "Annual talks"

    hidden = kamdesk("activity", "show", activity_id, "--as", "other@example.com")
    assert hidden.returncode != 0 and hidden.stdout == ""
    assert hidden.stderr.strip().splitlines() == [f"CommandError: Activity {activity_id} not found."]
    bad_kind = kamdesk(
        "activity", "add", "--account", "K-1", "--kind", "lunch", "--subject", "x", "--starts", "2025-03-01T10:00"
    )
    assert bad_kind.returncode != 0 and len(bad_kind.stderr.strip().splitlines()) == 1
    assert "Unknown kind 'lunch'" in bad_kind.stderr
    missing = kamdesk("task", "show", "12345")
    assert missing.returncode != 0 and missing.stderr.strip() == "CommandError: Task 12345 not found."
