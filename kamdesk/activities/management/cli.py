"""What the ``task`` and ``activity`` commands share: typed options with clear refusals, finding the records
an operator names (as the acting user may see them), turning a service's refusal into one line, and output
as aligned tables or JSON.

``actor=None`` is the system (no ``--as``): it sees everything, as the services allow it to change everything.
"""

import argparse
import json
import re
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import date, datetime
from zoneinfo import ZoneInfo

from django.core.management.base import CommandError

from kamdesk.activities import selectors
from kamdesk.activities.models import Activity, Task, TaskPriority
from kamdesk.core.errors import NotFound, ServiceError
from kamdesk.people.models import Contact
from kamdesk.people.services import visible_contacts
from kamdesk.users.management.cli_support import choice, command_error, user_by_email
from kamdesk.users.models import User

MAX_ID = 2**63 - 1  # the largest primary key the databases hold
DATETIME_EXAMPLE = "2026-03-05T14:30 or 2026-03-05T14:30+01:00"
_HAS_TIME = re.compile(r"\d[T ]\d", re.IGNORECASE)


# --- options ------------------------------------------------------------------------------------------------


def record_id(value: str) -> int:
    """An argparse type: a positive whole number that can be an id."""
    try:
        number = int(value)
    except ValueError:
        number = 0
    if not 0 < number <= MAX_ID:
        raise argparse.ArgumentTypeError(f"{value!r} is not an id (a positive whole number)")
    return number


def add_as_option(parser) -> None:
    parser.add_argument("--as", dest="as_email", metavar="EMAIL", help="Act as this user (default: the system).")


def moment(value: str, option: str, zone: ZoneInfo) -> datetime:
    """An ISO date and time; one without an offset is read in ``zone`` (the acting user's)."""
    text = value.strip()
    try:
        parsed = datetime.fromisoformat(text) if _HAS_TIME.search(text) else None
    except ValueError:
        parsed = None
    if parsed is None:
        raise CommandError(f"{option} must be a date and time such as {DATETIME_EXAMPLE}, not {value!r}.")
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=zone)


def day_or_none(value: str, option: str) -> date | None:
    """A YYYY-MM-DD date, or ``none`` to clear it."""
    if value.strip().lower() == "none":
        return None
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise CommandError(f"{option} must be a date as YYYY-MM-DD (or none), not {value!r}.") from None


def add_task_options(parser) -> None:
    """Who does a new task, by when and how urgent: shared by ``task add`` and ``activity tasks``."""
    parser.add_argument("--owner", metavar="EMAIL", help="Who does it (default: the --as user).")
    parser.add_argument("--due", metavar="YYYY-MM-DD")
    parser.add_argument("--priority", default=TaskPriority.NORMAL, help="low, normal (default) or high.")


def task_settings(actor: User | None, options, *, whose: str = "task's") -> tuple[User, date | None, str]:
    """The owner, due date and priority the options of ``add_task_options`` name."""
    owner = user_by_email(options["owner"]) if options.get("owner") else actor
    if owner is None:
        raise CommandError(f"Give the {whose} owner with --owner EMAIL (or act as them with --as EMAIL).")
    due = day_or_none(options["due"], "--due") if options.get("due") else None
    return owner, due, choice(options["priority"], TaskPriority.values, "priority")


# --- refusals -----------------------------------------------------------------------------------------------


@contextmanager
def refusals(label: str = "") -> Iterator[None]:
    """A service's refusal as a command error; NotFound names the record (``label``, e.g. "Activity 12")."""
    try:
        yield
    except NotFound as exc:
        raise CommandError(f"{label} not found." if label else exc.message) from exc
    except ServiceError as exc:
        raise command_error(exc) from exc


# --- records as the acting user may see them ----------------------------------------------------------------


def visible_activity(actor: User | None, activity_id: int) -> Activity:
    """The activity with its participants (only the contacts the actor may see); hidden or missing: an error."""
    try:
        if actor is None:
            everything = Activity.objects.select_related("account", "created_by")
            return selectors.with_participants(everything, None).get(pk=activity_id)
        return selectors.activity_detail(actor, activity_id)
    except Activity.DoesNotExist:
        raise CommandError(f"Activity {activity_id} not found.") from None


def visible_task(actor: User | None, task_id: int) -> Task:
    """The task with its comments; hidden or missing: an error."""
    try:
        if actor is None:
            return (
                Task.objects.select_related("account", "owner", "activity", "created_by")
                .prefetch_related("comments__author")
                .get(pk=task_id)
            )
        return selectors.task_detail(actor, task_id)
    except Task.DoesNotExist:
        raise CommandError(f"Task {task_id} not found.") from None


def users_by_email(emails: Iterable[str]) -> list[User]:
    return list({user.pk: user for user in (user_by_email(email) for email in emails)}.values())


def contacts_by_email(actor: User | None, emails: Iterable[str]) -> list[Contact]:
    """Contacts among those the actor may see; a hidden one is refused exactly like a missing one."""
    seen = visible_contacts(actor) if actor is not None else Contact.objects.all()
    contacts = {}
    for email in emails:
        contact = seen.filter(email__iexact=email.strip()).first()
        if contact is None:
            raise CommandError(f"No contact you can see has the e-mail address {email!r}.")
        contacts[contact.pk] = contact
    return list(contacts.values())


# --- output -------------------------------------------------------------------------------------------------


def table(header: list[str], rows: list[list[str]]) -> str:
    widths = [max(len(str(row[i])) for row in [header, *rows]) for i in range(len(header))]
    lines = [
        "  ".join(str(cell).ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
        for row in [header, *rows]
    ]
    return "\n".join(lines) + "\n"


def task_table(tasks: Iterable[Task]) -> str:
    rows = [
        [
            str(task.pk),
            task.due_date.isoformat() if task.due_date else "—",
            task.priority,
            task.status,
            task.account.code,
            task.owner.email,
            task.title,
        ]
        for task in tasks
    ]
    return table(["ID", "Due", "Priority", "Status", "Account", "Owner", "Title"], rows)


def as_json(items: list[dict] | dict) -> str:
    return json.dumps(items, ensure_ascii=False, indent=2, default=str) + "\n"


def labelled(pairs: list[tuple[str, str]]) -> str:
    """ "Label: value" lines; a multi-line value goes below its label, indented."""
    width = max(len(label) for label, _value in pairs) + 1
    lines = []
    for label, value in pairs:
        text = (value or "").strip()
        if "\n" in text:
            lines.append(f"{label}:")
            lines.extend(f"  {line}" for line in text.splitlines())
        else:
            lines.append(f"{label + ':':<{width}} {text or '—'}".rstrip())
    return "\n".join(lines) + "\n"
