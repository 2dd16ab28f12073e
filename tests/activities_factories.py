"""Activities and tasks built through their services, so access checks and audit events stay consistent."""

from datetime import timedelta

from django.utils import timezone

from kamdesk.accounts.models import Account
from kamdesk.activities.models import Activity, Task
from kamdesk.activities.services import activity_create, task_create


def make_activity(account: Account, *, actor=None, **fields) -> Activity:
    fields.setdefault("subject", "Quarterly review")
    fields.setdefault("starts_at", timezone.now() - timedelta(days=1))
    fields.setdefault("status", "done")
    return activity_create(actor=actor, account=account, **fields)


def make_task(account: Account, owner, *, actor=None, **fields) -> Task:
    fields.setdefault("title", "Send the price list")
    return task_create(actor=actor, account=account, owner=owner, **fields)


def ics(*events: str, method: str = "", tz: str = "") -> bytes:
    """A calendar file holding ``events`` (each the lines of one VEVENT), optionally with a METHOD and a
    VTIMEZONE block ``tz``."""
    body = "".join(f"BEGIN:VEVENT\r\n{event.strip()}\r\nEND:VEVENT\r\n" for event in events)
    head = f"METHOD:{method}\r\n" if method else ""
    return f"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Test//EN\r\n{head}{tz}{body}END:VCALENDAR\r\n".encode()
