"""Logging planned activities from a calendar invitation (.ics): one planned meeting per VEVENT.

The whole file is read and checked before anything is written; then every activity is created through
``activity_create`` in one transaction, so a file either logs all its events or none.

People: the ORGANIZER and ATTENDEE addresses are matched to active colleagues (our participants) and to
the contacts of the account's customer group the user may see (their participants). Every other address —
strangers, contacts of other customers and contacts the user may not see — is left out and listed in the
result, all alike, so the list tells nothing about records the user may not see.
"""

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

import icalendar
from django.db import transaction
from django.db.models import Q
from django.db.models.functions import Lower
from django.template.defaultfilters import filesizeformat

from kamdesk.accounts.models import Account
from kamdesk.accounts.selectors import account_group_ids
from kamdesk.activities.calendar import KIND_DURATIONS, user_zone
from kamdesk.activities.models import Activity, ActivityKind, ActivityStatus
from kamdesk.activities.services import activity_create
from kamdesk.core.errors import ServiceError
from kamdesk.people.models import Contact
from kamdesk.people.services import visible_contacts
from kamdesk.users.models import User

MAX_BYTES = 1024 * 1024  # an invitation is a few kilobytes; a bigger file is not an invitation
MAX_EVENTS = 50
SUBJECT_MAX = 200
LOCATION_MAX = 200
AGENDA_MAX = 20_000
FILE_FIELD = "file"


@dataclass
class Invitation:
    """One VEVENT, read and checked."""

    number: int
    subject: str
    starts_at: datetime
    ends_at: datetime
    location: str
    agenda: str
    emails: list[str]
    recurring: bool = False


@dataclass
class InvitationResult:
    activities: list[Activity] = field(default_factory=list)
    left_out: list[str] = field(default_factory=list)  # addresses matched to nobody the user may add
    warnings: list[str] = field(default_factory=list)


def _refuse(message: str) -> ServiceError:
    return ServiceError(message, {FILE_FIELD: [message]})


# --- reading ----------------------------------------------------------------------------------------------


def read_invitations(data: bytes, *, zone) -> list[Invitation]:
    """The events of an .ics file; ServiceError (on the field "file") saying what is wrong otherwise."""
    if len(data) > MAX_BYTES:
        raise _refuse(
            f"The file is {filesizeformat(len(data))}; a calendar invitation is at most {filesizeformat(MAX_BYTES)}."
        )
    if not data.strip():
        raise _refuse("The file is empty.")
    try:
        calendar = icalendar.Calendar.from_ical(data)
    except (ValueError, IndexError, KeyError) as exc:
        raise _refuse(
            f"This is not a readable calendar file (.ics): {exc}. Save the invitation from your e-mail or "
            "calendar program as an .ics file and upload that."
        ) from None
    if getattr(calendar, "name", "") != "VCALENDAR":
        raise _refuse("This is not a calendar file: it does not start with BEGIN:VCALENDAR.")
    events = calendar.walk("VEVENT")
    if not events:
        raise _refuse("The calendar file holds no event (VEVENT); there is nothing to log.")
    if len(events) > MAX_EVENTS:
        raise _refuse(f"The file holds {len(events)} events; at most {MAX_EVENTS} can be logged at once.")
    return [_read_event(number, event, zone) for number, event in enumerate(events, start=1)]


def _label(number: int, event) -> str:
    summary = str(event.get("summary", "")).strip()
    return f"Event {number}" + (f" (“{summary[:60]}”)" if summary else "")


def _read_event(number: int, event, zone) -> Invitation:
    label = _label(number, event)
    bad = {name for name, _message in getattr(event, "errors", [])}
    if "DTSTART" in bad or event.get("dtstart") is None:
        raise _refuse(f"{label} has no valid start (DTSTART).")
    if "DTEND" in bad or "DURATION" in bad:
        raise _refuse(f"{label} has an end (DTEND or DURATION) that cannot be read.")
    starts_at = _moment(event.decoded("dtstart"), zone)
    ends_at = _end(event, starts_at, zone)
    if ends_at < starts_at:
        raise _refuse(f"{label} ends before it starts ({ends_at:%Y-%m-%d %H:%M} is before {starts_at:%Y-%m-%d %H:%M}).")
    emails = []
    for name in ("organizer", "attendee"):
        values = event.get(name) or []
        for value in values if isinstance(values, list) else [values]:
            address = str(value).strip()
            if address.lower().startswith("mailto:"):
                address = address[7:]
            if "@" in address:
                emails.append(address.strip().lower())
    return Invitation(
        number=number,
        subject=(str(event.get("summary", "")).strip() or "Meeting from invitation")[:SUBJECT_MAX],
        starts_at=starts_at,
        ends_at=ends_at,
        location=str(event.get("location", "")).strip()[:LOCATION_MAX],
        agenda=str(event.get("description", "")).strip()[:AGENDA_MAX],
        emails=list(dict.fromkeys(emails)),
        recurring=event.get("rrule") is not None,
    )


def _moment(value, zone) -> datetime:
    """A DTSTART/DTEND value as an aware datetime: a whole day starts at midnight, a floating time (no zone)
    is read in the user's zone."""
    if isinstance(value, datetime):
        return value.replace(tzinfo=zone) if value.tzinfo is None else value
    if isinstance(value, date):
        return datetime.combine(value, time.min, tzinfo=zone)
    raise _refuse(f"“{value}” is not a date or a time.")


def _end(event, starts_at: datetime, zone) -> datetime:
    if event.get("dtend") is not None:
        return _moment(event.decoded("dtend"), zone)
    if event.get("duration") is not None:
        duration = event.decoded("duration")
        if isinstance(duration, timedelta):
            return starts_at + duration
    return starts_at + KIND_DURATIONS.get(ActivityKind.MEETING, timedelta(hours=1))


# --- matching people --------------------------------------------------------------------------------------


def _match_people(actor: User, account: Account, emails: set[str]) -> tuple[dict[str, User], dict[str, Contact]]:
    """Colleagues and the customer group's contacts visible to the actor, by lower-case address."""
    if not emails:
        return {}, {}
    users = {
        user.email.lower(): user
        for user in User.objects.annotate(address=Lower("email")).filter(address__in=emails, is_active=True)
    }
    group = account_group_ids(account.pk)
    in_group = Q(account_id__in=group) | Q(
        id__in=Contact.other_accounts.through.objects.filter(account_id__in=group).values("contact_id")
    )
    contacts = {
        contact.email.lower(): contact
        for contact in visible_contacts(actor)
        .filter(in_group)
        .annotate(address=Lower("email"))
        .filter(address__in=emails)
    }
    return users, contacts


# --- logging ----------------------------------------------------------------------------------------------


def log_invitation(*, actor: User, account: Account, data: bytes) -> InvitationResult:
    """Create one planned meeting per event of the .ics file ``data`` on ``account``; all or nothing.

    The caller has checked that the actor may see the account; ``activity_create`` checks edit access."""
    invitations = read_invitations(data, zone=user_zone(actor))
    all_emails = {email for invitation in invitations for email in invitation.emails}
    users, contacts = _match_people(actor, account, all_emails)
    result = InvitationResult()
    result.left_out = sorted(all_emails - users.keys() - contacts.keys())
    if any(invitation.recurring for invitation in invitations):
        result.warnings.append("Repeating events were logged once, at their first date.")
    with transaction.atomic():
        for invitation in invitations:
            try:
                activity = activity_create(
                    actor=actor,
                    account=account,
                    kind=ActivityKind.MEETING,
                    status=ActivityStatus.PLANNED,
                    subject=invitation.subject,
                    starts_at=invitation.starts_at,
                    ends_at=invitation.ends_at,
                    location=invitation.location,
                    agenda=invitation.agenda,
                    our_participants=[users[e] for e in invitation.emails if e in users],
                    their_participants=[contacts[e] for e in invitation.emails if e in contacts],
                )
            except ServiceError as exc:
                if exc.__class__ is not ServiceError:
                    raise  # access refusals keep their kind (403/404)
                label = f"Event {invitation.number} (“{invitation.subject[:60]}”)"
                raise _refuse(f"{label}: {exc.message}") from exc
            result.activities.append(activity)
    return result
