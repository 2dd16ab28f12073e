"""``kamdesk activity list|add|show|done|cancel|tasks|ics|invite``: activities from the shell, through the same
services as the pages and the API.

Without ``--as EMAIL`` the operator acts as the system (sees and changes everything); with it, exactly what
that user may see and do. Times are shown, and read when they carry no offset, in the acting user's time zone
(the installation's ``TIME_ZONE`` without ``--as``).
"""

from datetime import datetime, timedelta
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.template.defaultfilters import filesizeformat
from django.utils import timezone

from kamdesk.access.scope import can_edit_account, can_see_account
from kamdesk.accounts.management.commands.account import account_by_code
from kamdesk.accounts.models import Account
from kamdesk.activities import calendar
from kamdesk.activities.calendar_import import MAX_BYTES, InvitationResult, invitation_summary, log_invitation
from kamdesk.activities.management.cli import (
    add_as_option,
    add_task_options,
    as_json,
    contacts_by_email,
    labelled,
    moment,
    record_id,
    refusals,
    table,
    task_settings,
    task_table,
    users_by_email,
    visible_activity,
)
from kamdesk.activities.models import Activity, ActivityKind, ActivityStatus
from kamdesk.activities.selectors import account_activities
from kamdesk.activities.services import (
    activity_cancel,
    activity_create,
    activity_next_steps_to_tasks,
    activity_update,
    next_step_lines,
)
from kamdesk.imports.management.actor import acting_user
from kamdesk.users.management.cli_support import choice
from kamdesk.users.models import User
from kamdesk.users.zones import user_zone

LIST_LIMIT = 500
MAX_MINUTES = 7 * 24 * 60
NEW_STATUSES = (ActivityStatus.PLANNED.value, ActivityStatus.DONE.value)
TEXT_OPTIONS = {"agenda": "--agenda", "notes": "--notes", "outcome": "--outcome", "next_steps": "--next-steps"}


def activity_dict(activity: Activity, zone=None) -> dict:
    """One activity as ``list --format json`` prints it (times with their offset, in ``zone``)."""
    return {
        "id": activity.pk,
        "account_code": activity.account.code,
        "kind": activity.kind,
        "status": activity.status,
        "starts_at": timezone.localtime(activity.starts_at, zone).isoformat(),
        "ends_at": timezone.localtime(activity.ends_at, zone).isoformat() if activity.ends_at else None,
        "subject": activity.subject,
        "location": activity.location,
        "our_participants": [user.email for user in activity.our_participants.all()],
        "their_participants": [contact.full_name for contact in activity.visible_their_participants],
    }


def activity_detail_dict(activity: Activity, zone) -> dict:
    """What ``show --format json`` prints: the list's fields plus the texts and the tasks made from it."""
    return {
        **activity_dict(activity, zone),
        "their_participant_emails": [c.email for c in activity.visible_their_participants if c.email],
        "agenda": activity.agenda,
        "notes": activity.notes,
        "outcome": activity.outcome,
        "next_steps": activity.next_steps,
        "created_by": activity.created_by.email if activity.created_by else None,
        "task_ids": list(activity.tasks.order_by("id").values_list("id", flat=True)),
    }


def local(moment_at: datetime | None, zone) -> str:
    return f"{timezone.localtime(moment_at, zone):%Y-%m-%d %H:%M}" if moment_at else ""


def invitation_dict(account: Account, result: InvitationResult) -> dict:
    return {
        "account_code": account.code,
        "summary": invitation_summary(result),
        "events": [
            {
                "number": event.number,
                "subject": event.subject,
                "outcome": str(event.outcome),
                "activity_id": event.activity.pk if event.activity else None,
                "changed": event.changed,
            }
            for event in result.events
        ],
        "left_out": result.left_out,
        "warnings": result.warnings,
    }


class Command(BaseCommand):
    help = "List, log, show, complete and cancel activities; their next steps as tasks; .ics files in and out."

    def add_arguments(self, parser):
        actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
        self._add_list(actions)
        self._add_add(actions)

        show = actions.add_parser("show", help="One activity: people, agenda, notes, outcome, next steps, tasks.")
        show.add_argument("activity_id", metavar="ID", type=record_id)
        show.add_argument("--format", choices=("text", "json"), default="text")
        add_as_option(show)

        done = actions.add_parser("done", help="Mark an activity done, with its outcome and notes.")
        done.add_argument("activity_id", metavar="ID", type=record_id)
        done.add_argument("--outcome", help="What came of it (replaces the outcome).")
        done.add_argument("--notes", help="Notes, Markdown (replace the notes).")
        add_as_option(done)

        cancel = actions.add_parser("cancel", help="Cancel a planned activity.")
        cancel.add_argument("activity_id", metavar="ID", type=record_id)
        cancel.add_argument("--reason", default="", help="Kept in the activity's history.")
        add_as_option(cancel)

        tasks = actions.add_parser("tasks", help="Turn the activity's next steps into tasks (one per line).")
        tasks.add_argument("activity_id", metavar="ID", type=record_id)
        add_task_options(tasks)
        add_as_option(tasks)

        ics = actions.add_parser("ics", help="The activity as a calendar file (.ics), on stdout or in a file.")
        ics.add_argument("activity_id", metavar="ID", type=record_id)
        ics.add_argument("--output", "-o", metavar="FILE", help="Write to FILE instead of stdout.")
        add_as_option(ics)

        invite = actions.add_parser("invite", help="Log the events of a calendar invitation (.ics) on an account.")
        invite.add_argument("file", metavar="FILE")
        invite.add_argument("--account", required=True, metavar="CODE")
        invite.add_argument("--format", choices=("text", "json"), default="text")
        invite.add_argument("--as", dest="as_email", metavar="EMAIL", help="The user whose invitation it is.")

    def _add_list(self, actions) -> None:
        listing = actions.add_parser("list", help="Activities of an account and its subsidiaries, newest first.")
        listing.add_argument("--account", required=True, metavar="CODE")
        listing.add_argument("--format", choices=("table", "json"), default="table")
        add_as_option(listing)

    def _add_add(self, actions) -> None:
        add = actions.add_parser("add", help="Log an activity on an account; prints its id.")
        add.add_argument("--account", required=True, metavar="CODE")
        add.add_argument("--kind", required=True, help=f"One of: {', '.join(ActivityKind.values)}.")
        add.add_argument("--subject", required=True)
        add.add_argument("--starts", required=True, metavar="ISO-DATETIME", help="E.g. 2026-03-05T14:30.")
        length = add.add_mutually_exclusive_group()
        length.add_argument("--ends", metavar="ISO-DATETIME")
        length.add_argument("--minutes", type=int, metavar="N", help="How long it lasts.")
        add.add_argument("--status", help="planned or done (default: done when it has started, else planned).")
        add.add_argument("--location", default="")
        add.add_argument("--our", nargs="+", action="extend", default=[], metavar="EMAIL", help="Colleagues.")
        add.add_argument("--their", nargs="+", action="extend", default=[], metavar="EMAIL", help="Stakeholders.")
        for option in TEXT_OPTIONS.values():
            add.add_argument(option, default="")
        add.add_argument("--format", choices=("text", "json"), default="text")
        add_as_option(add)

    def handle(self, *args, action: str, **options):
        actor = acting_user(options.get("as_email"))
        activity_id = options.get("activity_id")
        with refusals(f"Activity {activity_id}" if activity_id else ""):
            getattr(self, f"run_{action}")(actor, options)

    # --- reading ----------------------------------------------------------------------------------------------

    def run_list(self, actor: User | None, options) -> None:
        account = visible_account(actor, options["account"])
        activities = list(account_activities(actor, account)[:LIST_LIMIT])
        zone = user_zone(actor)
        if options["format"] == "json":
            self.stdout.write(as_json([activity_dict(a, zone) for a in activities]), ending="")
            return
        if not activities:
            self.stdout.write(f"No activities for {account.code}.")
            return
        rows = [
            [str(a.pk), local(a.starts_at, zone), a.get_kind_display(), a.status, a.account.code, a.subject]
            for a in activities
        ]
        self.stdout.write(table(["ID", "Starts", "Kind", "Status", "Account", "Subject"], rows), ending="")

    def run_show(self, actor: User | None, options) -> None:
        activity = visible_activity(actor, options["activity_id"])
        zone = user_zone(actor)
        if options["format"] == "json":
            self.stdout.write(as_json(activity_detail_dict(activity, zone)), ending="")
            return
        theirs = [f"{c.full_name} <{c.email}>" if c.email else c.full_name for c in activity.visible_their_participants]
        tasks = [f"{t.pk} {t.title} ({t.status}, {t.owner.email})" for t in activity.tasks.select_related("owner")]
        pairs = [
            ("Activity", f"{activity.pk} · {activity.get_kind_display()} · {activity.status}"),
            ("Account", f"{activity.account.code} {activity.account.name}"),
            ("Subject", activity.subject),
            ("Starts", f"{local(activity.starts_at, zone)} ({zone.key})"),
            ("Ends", local(activity.ends_at, zone)),
            ("Location", activity.location),
            ("Our people", ", ".join(user.email for user in activity.our_participants.all())),
            ("Their people", ", ".join(theirs)),
            ("Agenda", activity.agenda),
            ("Notes", activity.notes),
            ("Outcome", activity.outcome),
            ("Next steps", activity.next_steps),
            ("Tasks", "\n".join(tasks)),
        ]
        self.stdout.write(labelled(pairs), ending="")

    def run_ics(self, actor: User | None, options) -> None:
        activity = visible_activity(actor, options["activity_id"])
        body = calendar.calendar_bytes([activity], user=actor)
        output = options.get("output")
        if not output:
            self.stdout.write(body.decode("utf-8"), ending="")
            return
        try:
            Path(output).write_bytes(body)
        except OSError as exc:
            raise CommandError(f"Cannot write {output}: {exc.strerror or exc}.") from exc
        self.stderr.write(f"Wrote {output}.")

    # --- writing ----------------------------------------------------------------------------------------------

    def run_add(self, actor: User | None, options) -> None:
        account = visible_account(actor, options["account"])
        kind = choice(options["kind"], ActivityKind.values, "kind")
        zone = user_zone(actor)
        starts_at = moment(options["starts"], "--starts", zone)
        activity = activity_create(
            actor=actor,
            account=account,
            kind=kind,
            status=new_status(options.get("status"), starts_at),
            subject=options["subject"],
            starts_at=starts_at,
            ends_at=ends_at(options, starts_at, zone),
            location=options["location"],
            our_participants=users_by_email(options["our"]),
            their_participants=contacts_by_email(actor, options["their"]),
            **{field: options[field] for field in TEXT_OPTIONS},
        )
        if options["format"] == "json":
            self.stdout.write(as_json(activity_dict(visible_activity(actor, activity.pk), zone)), ending="")
            return
        self.stdout.write(str(activity.pk))
        what = f"{activity.get_status_display().lower()} {activity.get_kind_display().lower()}"
        self.stderr.write(f"Logged {what} {activity.pk} on {account.code}: {activity.subject}")

    def run_done(self, actor: User | None, options) -> None:
        activity = visible_activity(actor, options["activity_id"])
        texts = {field: options[field] for field in ("outcome", "notes") if options.get(field) is not None}
        if activity.status == ActivityStatus.DONE and not texts:
            self.stdout.write(f"Activity {activity.pk} was already done: {activity.subject}")
            return
        activity = activity_update(actor=actor, activity_id=activity.pk, status=ActivityStatus.DONE, **texts)
        self.stdout.write(f"Activity {activity.pk} is done: {activity.subject}")

    def run_cancel(self, actor: User | None, options) -> None:
        activity = activity_cancel(actor=actor, activity_id=options["activity_id"], reason=options["reason"])
        self.stdout.write(f"Activity {activity.pk} is cancelled: {activity.subject}")

    def run_tasks(self, actor: User | None, options) -> None:
        activity = visible_activity(actor, options["activity_id"])
        made = set(activity.tasks.values_list("title", flat=True))
        steps = [step for step in next_step_lines(activity.next_steps) if step not in made]
        if not steps:
            reason = "are tasks already" if activity.next_steps.strip() else "are empty"
            self.stdout.write(f"Nothing to do: the next steps of activity {activity.pk} {reason}.")
            return
        owner, due, priority = task_settings(actor, options, whose="tasks'")
        tasks = activity_next_steps_to_tasks(
            actor=actor, activity_id=activity.pk, steps=steps, owner=owner, due_date=due, priority=priority
        )
        self.stdout.write(task_table(tasks), ending="")

    def run_invite(self, actor: User | None, options) -> None:
        if actor is None:
            raise CommandError(
                "Give --as EMAIL: the invitation is read in that user's time zone and names the people they may see."
            )
        account = visible_account(actor, options["account"])
        if not can_edit_account(actor, account.pk):
            raise CommandError(f"{actor.email} has read-only access to {account.code}; nothing was logged.")
        result = log_invitation(actor=actor, account=account, data=read_calendar_file(options["file"]))
        if options["format"] == "json":
            self.stdout.write(as_json(invitation_dict(account, result)), ending="")
            return
        for event in result.events:
            changed = f" ({', '.join(event.changed)})" if event.changed else ""
            activity = f" → activity {event.activity.pk}" if event.activity else ""
            self.stdout.write(f"Event {event.number} “{event.subject}”: {event.outcome}{changed}{activity}")
        self.stdout.write(invitation_summary(result))
        if result.left_out:
            people = ", ".join(result.left_out)
            self.stdout.write(f"Left out (not a colleague, nor a contact of this customer you can see): {people}")
        for warning in result.warnings:
            self.stdout.write(f"Warning: {warning}")


def visible_account(actor: User | None, code: str) -> Account:
    """The account by its code; one the actor may not see answers like a missing one."""
    account = account_by_code(code)
    if actor is not None and not can_see_account(actor, account.pk):
        raise CommandError(f"No account with the code {code!r}.")
    return account


def new_status(status: str | None, starts_at: datetime) -> str:
    if status is None:
        return ActivityStatus.DONE if starts_at <= timezone.now() else ActivityStatus.PLANNED
    return choice(status, NEW_STATUSES, "status")


def ends_at(options, starts_at: datetime, zone) -> datetime | None:
    if options.get("ends"):
        return moment(options["ends"], "--ends", zone)
    minutes = options.get("minutes")
    if minutes is None:
        return None
    if not 0 < minutes <= MAX_MINUTES:
        raise CommandError(f"--minutes must be between 1 and {MAX_MINUTES} (a week), not {minutes}.")
    return starts_at + timedelta(minutes=minutes)


def read_calendar_file(name: str) -> bytes:
    path = Path(name)
    try:
        if path.stat().st_size > MAX_BYTES:
            raise CommandError(
                f"{name} is {filesizeformat(path.stat().st_size)}; a calendar invitation is at most "
                f"{filesizeformat(MAX_BYTES)}. Nothing was logged."
            )
        return path.read_bytes()
    except FileNotFoundError:
        raise CommandError(f"No file {name!r}; give the path of the invitation (.ics).") from None
    except OSError as exc:
        raise CommandError(f"Cannot read {name}: {exc.strerror or exc}.") from None
