"""Logging planned activities from a calendar invitation (.ics): one planned meeting per VEVENT.

The whole file is read and checked before anything is written; then every event is logged in one
transaction, through the activity services, so a file either logs all its events or none.

Calendars key an event by its UID, and so does kamdesk: an activity keeps the UID of the invitation it was
logged from (``Activity.calendar_uid``, at most one activity per UID and account). An event whose UID is
already logged on the account — or is kamdesk's own ``activity-<id>@<host>`` of an activity of the account —
updates that activity instead of adding a copy; a cancelled one cancels it. Only the chosen account is
searched, so a UID logged on an account the user may not see is simply new here and reveals nothing.

People: the ORGANIZER and ATTENDEE addresses are matched to active colleagues (our participants) and to
the contacts of the account's customer group the user may see (their participants). Every other address —
strangers, contacts of other customers and contacts the user may not see — is left out and listed in the
result, all alike, so the list tells nothing about records the user may not see.
"""

import hashlib
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from enum import StrEnum

import icalendar
from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.db.models.functions import Lower
from django.template.defaultfilters import filesizeformat
from django.urls import reverse

from kamdesk.accounts.models import Account
from kamdesk.accounts.selectors import account_group_ids
from kamdesk.activities.calendar import KIND_DURATIONS, event_end, event_uid
from kamdesk.activities.models import Activity, ActivityKind, ActivityStatus
from kamdesk.activities.selectors import visible_activities
from kamdesk.activities.services import activity_cancel, activity_create, activity_update
from kamdesk.core.errors import ServiceError
from kamdesk.people.models import Contact
from kamdesk.people.services import visible_contacts
from kamdesk.users.models import User
from kamdesk.users.zones import user_zone

MAX_BYTES = 1024 * 1024  # an invitation is a few kilobytes; a bigger file is not an invitation
MAX_EVENTS = 50
SUBJECT_MAX = 200
LOCATION_MAX = 200
AGENDA_MAX = 20_000
FILE_FIELD = "file"
UID_MAX = 255  # Activity.calendar_uid; a longer UID is kept as its SHA-256, which matches just as well
DEFAULT_SUBJECT = "Meeting from invitation"
CANCEL_REASON = "Cancelled in the calendar invitation."
OWN_UID = re.compile(r"activity-(\d{1,18})@.+")


@dataclass
class Invitation:
    """One VEVENT, read and checked."""

    number: int
    subject: str
    starts_at: datetime | None  # None only for a cancellation without a start: it is never created
    ends_at: datetime | None
    location: str
    agenda: str
    emails: list[str]  # organizer and attendees, lower case
    recurring: bool = False
    uid: str = ""  # empty when the event has none: then it is always created
    attendees: list[str] = field(default_factory=list)  # without the organizer (unless also an attendee)
    titled: bool = True  # False when SUMMARY is missing and the subject is the default
    cancelled: bool = False  # METHOD:CANCEL on the file or STATUS:CANCELLED on the event
    occurrence: bool = False  # RECURRENCE-ID: a change to one date of a repeating event

    @property
    def label(self) -> str:
        return f"Event {self.number} (“{self.subject[:60]}”)"


class Outcome(StrEnum):
    CREATED = "created"
    UPDATED = "updated"
    UNCHANGED = "unchanged"  # logged before, nothing to change
    CANCELLED = "cancelled"
    NOT_LOGGED = "not logged"  # a cancellation of an unknown event, or a UID met earlier in the file


@dataclass
class EventResult:
    number: int
    subject: str
    outcome: Outcome
    activity: Activity | None = None
    changed: list[str] = field(default_factory=list)  # the fields an update changed


@dataclass
class InvitationResult:
    events: list[EventResult] = field(default_factory=list)  # one per VEVENT, in file order
    left_out: list[str] = field(default_factory=list)  # addresses matched to nobody the user may add
    warnings: list[str] = field(default_factory=list)

    @property
    def activities(self) -> list[Activity]:
        """Every activity the file created, updated, cancelled or found already logged."""
        return list({event.activity.pk: event.activity for event in self.events if event.activity}.values())

    def count(self, outcome: Outcome) -> int:
        return sum(1 for event in self.events if event.outcome == outcome)


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
    cancel_all = str(calendar.get("method", "")).strip().upper() == "CANCEL"
    return [_read_event(number, event, zone, cancel_all) for number, event in enumerate(events, start=1)]


def _label(number: int, event) -> str:
    summary = str(event.get("summary", "")).strip()
    return f"Event {number}" + (f" (“{summary[:60]}”)" if summary else "")


def _read_event(number: int, event, zone, cancel_all: bool) -> Invitation:
    label = _label(number, event)
    cancelled = cancel_all or str(event.get("status", "")).strip().upper() == "CANCELLED"
    bad = {name for name, _message in getattr(event, "errors", [])}
    if cancelled and event.get("dtstart") is None and "DTSTART" not in bad:
        starts_at = ends_at = None  # a cancellation needs only the UID
    else:
        starts_at, ends_at = _times(label, event, bad, zone)
    organizers = event.get("organizer")
    organizer = _address(organizers[0] if isinstance(organizers, list) and organizers else organizers)
    values = event.get("attendee") or []
    addresses = (_address(value) for value in (values if isinstance(values, list) else [values]))
    attendees = [address for address in addresses if address]
    summary = str(event.get("summary", "")).strip()
    return Invitation(
        number=number,
        subject=(summary or DEFAULT_SUBJECT)[:SUBJECT_MAX],
        starts_at=starts_at,
        ends_at=ends_at,
        location=str(event.get("location", "")).strip()[:LOCATION_MAX],
        agenda=str(event.get("description", "")).strip()[:AGENDA_MAX],
        emails=list(dict.fromkeys([organizer, *attendees] if organizer else attendees)),
        recurring=event.get("rrule") is not None,
        uid=_uid(event),
        attendees=list(dict.fromkeys(attendees)),
        titled=bool(summary),
        cancelled=cancelled,
        occurrence=event.get("recurrence-id") is not None,
    )


def _times(label: str, event, bad: set[str], zone) -> tuple[datetime, datetime]:
    if "DTSTART" in bad or event.get("dtstart") is None:
        raise _refuse(f"{label} has no valid start (DTSTART).")
    if "DTEND" in bad or "DURATION" in bad:
        raise _refuse(f"{label} has an end (DTEND or DURATION) that cannot be read.")
    starts_at = _moment(event.decoded("dtstart"), zone)
    ends_at = _end(event, starts_at, zone)
    if ends_at < starts_at:
        raise _refuse(f"{label} ends before it starts ({ends_at:%Y-%m-%d %H:%M} is before {starts_at:%Y-%m-%d %H:%M}).")
    return starts_at, ends_at


def _address(value) -> str:
    """An ORGANIZER/ATTENDEE value as a lower-case e-mail address; "" when it holds none."""
    address = str(value or "").strip()
    if address.lower().startswith("mailto:"):
        address = address[7:]
    return address.strip().lower() if "@" in address else ""


def _uid(event) -> str:
    uid = str(event.get("uid", "")).strip()
    if len(uid) > UID_MAX:
        return "sha256:" + hashlib.sha256(uid.encode()).hexdigest()
    return uid


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
    """Log each event of the .ics file ``data`` on ``account``: create a planned meeting, or update, cancel
    or leave as it is the activity already logged for its UID; all or nothing.

    The caller has checked that the actor may see the account; the activity services check edit access."""
    invitations = read_invitations(data, zone=user_zone(actor))
    all_emails = {email for invitation in invitations for email in invitation.emails}
    users, contacts = _match_people(actor, account, all_emails)
    result = InvitationResult()
    result.left_out = sorted(all_emails - users.keys() - contacts.keys())
    if any(invitation.recurring for invitation in invitations):
        result.warnings.append("Repeating events were logged once, at their first date.")
    try:
        with transaction.atomic():
            known = _known_activities(actor, account, {invitation.uid for invitation in invitations} - {""})
            _log_events(actor, account, invitations, known, (users, contacts), result)
    except IntegrityError as exc:
        if "calendar_uid" not in str(exc).lower():
            raise
        # Someone else logged the same invitation on this account between our look-up and our write.
        raise _refuse(
            "This invitation was being logged on this account by someone else at the same moment; nothing was "
            "stored. Upload the file again to bring the activity up to date."
        ) from None
    return result


def _log_events(actor, account, invitations, known, people, result: InvitationResult) -> None:
    # A repeating event's changed dates share its UID; the event itself is logged once, at its first date.
    series = {invitation.uid for invitation in invitations if invitation.uid and not invitation.occurrence}
    handled: set[str] = set()
    skipped_dates = 0
    for invitation in invitations:
        uid = invitation.uid
        if uid and invitation.occurrence and (uid in series or uid in known):
            skipped_dates += 1
            result.events.append(_event_result(invitation, Outcome.NOT_LOGGED))
            continue
        if uid and uid in handled:
            result.warnings.append(f"{invitation.label} repeats the UID of an earlier event and was not logged.")
            result.events.append(_event_result(invitation, Outcome.NOT_LOGGED))
            continue
        with _labelled(invitation):
            event = _log_event(actor, account, invitation, known.get(uid) if uid else None, people, result)
        result.events.append(event)
        if uid:
            handled.add(uid)
            if event.activity is not None:
                known.setdefault(uid, event.activity)
    if skipped_dates:
        result.warnings.append(
            f"Changes to single dates of a repeating event were not applied ({skipped_dates}): the event is "
            "logged once, at its first date."
        )


@contextmanager
def _labelled(invitation: Invitation) -> Iterator[None]:
    """A refusal names the event it is about; access refusals keep their kind (403/404)."""
    try:
        yield
    except ServiceError as exc:
        if exc.__class__ is not ServiceError:
            raise
        raise _refuse(f"{invitation.label}: {exc.message}") from exc


def _event_result(invitation: Invitation, outcome: Outcome, activity: Activity | None = None, changed=()):
    return EventResult(invitation.number, invitation.subject, outcome, activity, list(changed))


def _log_event(actor, account, invitation: Invitation, activity: Activity | None, people, result) -> EventResult:
    if activity is None and invitation.cancelled:
        result.warnings.append(f"{invitation.label} is cancelled and was never logged; it was not logged now.")
        return _event_result(invitation, Outcome.NOT_LOGGED)
    if activity is None:
        return _event_result(invitation, Outcome.CREATED, _create(actor, account, invitation, people))
    if invitation.cancelled:
        return _cancel(actor, invitation, activity, result)
    return _update(actor, invitation, activity, people, result)


def _create(actor, account, invitation: Invitation, people) -> Activity:
    users, contacts = people
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
    if invitation.uid:
        # Inside the transaction that created it; the unique constraint refuses a second activity per UID.
        Activity.objects.filter(pk=activity.pk).update(calendar_uid=invitation.uid)
        activity.calendar_uid = invitation.uid
    return activity


def _cancel(actor, invitation: Invitation, activity: Activity, result) -> EventResult:
    if activity.status == ActivityStatus.PLANNED:
        activity = activity_cancel(actor=actor, activity_id=activity.pk, reason=CANCEL_REASON)
        return _event_result(invitation, Outcome.CANCELLED, activity, ["status"])
    if activity.status == ActivityStatus.DONE:
        result.warnings.append(f"{invitation.label} is cancelled, but the activity is already done; it was kept.")
    return _event_result(invitation, Outcome.UNCHANGED, activity)


def _update(actor, invitation: Invitation, activity: Activity, people, result) -> EventResult:
    """Subject, times, location and agenda follow the invitation; newly matched people are added, nobody is
    removed. Nothing changed: nothing is written."""
    fields = _changed_fields(invitation, activity)
    participants = _added_participants(actor, invitation, activity, people, result)
    if not fields and not participants:
        return _event_result(invitation, Outcome.UNCHANGED, activity)
    activity = activity_update(actor=actor, activity_id=activity.pk, **fields, **participants)
    return _event_result(invitation, Outcome.UPDATED, activity, [*fields, *participants])


def _changed_fields(invitation: Invitation, activity: Activity) -> dict:
    fields = {}
    if invitation.titled and invitation.subject != activity.subject:
        fields["subject"] = invitation.subject
    if invitation.starts_at is not None:
        if not _same_moment(invitation.starts_at, activity.starts_at):
            fields["starts_at"] = invitation.starts_at
        # An activity without an end is exported with its kind's usual length; that end is no change.
        if not _same_moment(invitation.ends_at, activity.ends_at or event_end(activity)):
            fields["ends_at"] = invitation.ends_at
    if invitation.location != activity.location.strip():
        fields["location"] = invitation.location
    agenda = _without_link(invitation.agenda, activity)
    if agenda != activity.agenda.strip():
        fields["agenda"] = agenda
    return fields


def _same_moment(first: datetime | None, second: datetime | None) -> bool:
    """Calendar files hold whole seconds."""
    if first is None or second is None:
        return first is second
    return first.replace(microsecond=0) == second.replace(microsecond=0)


def _without_link(agenda: str, activity: Activity) -> str:
    """kamdesk's own export ends the description with the link back to the activity; that is no agenda."""
    link = settings.SITE_URL + reverse("activities:detail", args=[activity.pk])
    if agenda == link:
        return ""
    if agenda.endswith("\n\n" + link):
        return agenda[: -len(link)].rstrip()
    return agenda


def _added_participants(actor, invitation: Invitation, activity: Activity, people, result) -> dict:
    """``our_participants`` / ``their_participants`` for ``activity_update`` when the invitation names people
    not yet taking part: the present ones plus the new ones (present contacts the actor may not see are kept
    by the service)."""
    users, contacts = people
    # kamdesk's own export names who logged the activity as organizer, whether or not they took part.
    emails = invitation.attendees if _own_activity_id(invitation.uid) == activity.pk else invitation.emails
    changes = {}
    ours = list(activity.our_participants.all())
    new_users = [users[e] for e in emails if e in users and users[e] not in ours]
    if new_users:
        if all(user.is_active for user in ours):
            changes["our_participants"] = [*ours, *new_users]
        else:  # the service refuses inactive participants; keeping them matters more than adding
            result.warnings.append(f"{invitation.label}: new colleagues were not added, as an inactive one takes part.")
    theirs = list(activity.their_participants.filter(id__in=visible_contacts(actor).values("id")))
    present = set(activity.their_participants.values_list("id", flat=True))
    new_contacts = [contacts[e] for e in emails if e in contacts and contacts[e].pk not in present]
    if new_contacts:
        changes["their_participants"] = [*theirs, *new_contacts]
    return changes


def _own_activity_id(uid: str) -> int | None:
    """The id in kamdesk's own UID ``activity-<id>@<host>`` (as ``event_uid`` writes it); None otherwise."""
    match = OWN_UID.fullmatch(uid)
    if match and event_uid(int(match.group(1))) == uid:
        return int(match.group(1))
    return None


def _known_activities(actor: User, account: Account, uids: set[str]) -> dict[str, Activity]:
    """The activities of ``account`` these UIDs belong to: logged from the invitation, or exported by kamdesk."""
    if not uids:
        return {}
    on_account = visible_activities(actor).filter(account_id=account.pk).prefetch_related("our_participants")
    known = {
        activity.calendar_uid: activity
        for activity in on_account.exclude(calendar_uid="").filter(calendar_uid__in=uids)
    }
    own = {_own_activity_id(uid): uid for uid in uids - known.keys()}
    own.pop(None, None)
    for activity in on_account.filter(pk__in=own):
        known[own[activity.pk]] = activity
    return known


SUMMARY_PARTS = [
    (Outcome.CREATED, "logged"),
    (Outcome.UPDATED, "updated"),
    (Outcome.UNCHANGED, "already logged"),
    (Outcome.CANCELLED, "cancelled"),
    (Outcome.NOT_LOGGED, "not logged"),
]


def invitation_summary(result: InvitationResult) -> str:
    """What happened to the file's events, e.g. "1 meeting logged, 1 updated, 1 already logged."."""
    parts = []
    for outcome, words in SUMMARY_PARTS:
        count = result.count(outcome)
        if count:
            noun = "" if parts else (" meeting" if count == 1 else " meetings")
            parts.append(f"{count}{noun} {words}")
    return ", ".join(parts) + "."
