"""Activities as iCalendar (RFC 5545): one activity as a download, or a user's private feed.

Every event carries a stable UID (``activity-<id>@<host of SITE_URL>``), so a calendar client that has an
event already updates it instead of adding a copy; SEQUENCE counts the activity's recorded changes.
Times are written in the reader's own time zone (``User.time_zone``) with a VTIMEZONE for it, the form
Outlook, Google Calendar and Apple Calendar all accept.

What an event shows: subject, location, the agenda (its Markdown source, which reads well as plain text),
status, organizer and attendees with e-mail addresses, and a link back to the activity. Notes, outcome and
next steps are internal and never leave kamdesk in a calendar file.
"""

from collections.abc import Iterable
from datetime import date, datetime, timedelta
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import icalendar
from django.conf import settings
from django.db.models import Count, QuerySet
from django.urls import reverse
from django.utils import timezone

from kamdesk.activities.models import Activity, ActivityKind, ActivityStatus
from kamdesk.audit.models import AuditEvent
from kamdesk.users.models import User
from kamdesk.users.zones import user_zone

PRODID = "-//kamdesk//kamdesk activities//EN"
CONTENT_TYPE = "text/calendar; charset=utf-8"
# An activity without an end lasts as long as its kind usually does (one hour when not listed).
DEFAULT_DURATION = timedelta(hours=1)
KIND_DURATIONS = {
    ActivityKind.CALL: timedelta(minutes=30),
    ActivityKind.EMAIL: timedelta(minutes=15),
    ActivityKind.VISIT: timedelta(hours=2),
    ActivityKind.SITE_VISIT: timedelta(hours=3),
    ActivityKind.BUSINESS_REVIEW: timedelta(hours=2),
}
STATUSES = {
    ActivityStatus.PLANNED: "CONFIRMED",
    ActivityStatus.DONE: "CONFIRMED",
    ActivityStatus.CANCELLED: "CANCELLED",
}


def event_end(activity: Activity) -> datetime:
    return activity.ends_at or activity.starts_at + KIND_DURATIONS.get(activity.kind, DEFAULT_DURATION)


def event_uid(activity_id: int) -> str:
    host = urlsplit(settings.SITE_URL).hostname or "kamdesk"
    return f"activity-{activity_id}@{host}"


def sequences(activity_ids: Iterable[int]) -> dict[int, int]:
    """How many times each activity was changed after it was logged (one query for any number of them)."""
    rows = (
        AuditEvent.objects.filter(object_type="activity", object_id__in=list(activity_ids))
        .exclude(action="create")
        .values("object_id")
        .annotate(changes=Count("id"))
    )
    return {row["object_id"]: row["changes"] for row in rows}


def _mailto(email: str) -> str:
    return f"mailto:{email}"


def _person(email: str, name: str, role: str | None = None) -> icalendar.vCalAddress:
    address = icalendar.vCalAddress(_mailto(email))
    if name:
        address.params["CN"] = name
    if role:
        address.params["ROLE"] = role
        address.params["CUTYPE"] = "INDIVIDUAL"
    return address


def _organizer(activity: Activity):
    """Who logged the activity, else the first of our participants; None when nobody has an address."""
    ours = list(activity.our_participants.all())
    candidates = [activity.created_by] if activity.created_by_id else []
    candidates += ours
    return next((user for user in candidates if user is not None and user.email), None)


def _attendees(activity: Activity) -> list[icalendar.vCalAddress]:
    """Our participants and those of theirs the reader may see (``with_participants``), with an address."""
    people = [(user.email, str(user)) for user in activity.our_participants.all()]
    theirs = getattr(activity, "visible_their_participants", None)
    if theirs is None:
        theirs = activity.their_participants.all()
    people += [(contact.email, contact.full_name) for contact in theirs if contact.email]
    seen, attendees = set(), []
    for email, name in people:
        if email and email.lower() not in seen:
            seen.add(email.lower())
            attendees.append(_person(email, name, "REQ-PARTICIPANT"))
    return attendees


def _description(activity: Activity, link: str) -> str:
    agenda = activity.agenda.strip()
    return f"{agenda}\n\n{link}" if agenda else link


def activity_event(activity: Activity, *, zone: ZoneInfo, sequence: int, stamp: datetime) -> icalendar.Event:
    link = settings.SITE_URL + reverse("activities:detail", args=[activity.pk])
    event = icalendar.Event()
    event.add("uid", event_uid(activity.pk))
    event.add("dtstamp", stamp)
    event.add("dtstart", activity.starts_at.astimezone(zone))
    event.add("dtend", event_end(activity).astimezone(zone))
    event.add("summary", activity.subject)
    if activity.location:
        event.add("location", activity.location)
    event.add("description", _description(activity, link))
    event.add("status", STATUSES.get(activity.status, "CONFIRMED"))
    event.add("sequence", sequence)
    event.add("url", link)
    event.add("categories", [activity.get_kind_display()])
    event.add("created", activity.created_at)
    event.add("last-modified", activity.updated_at)
    organizer = _organizer(activity)
    if organizer is not None:
        event.add("organizer", _person(organizer.email, str(organizer)))
    for attendee in _attendees(activity):
        event.add("attendee", attendee, encode=False)
    return event


def calendar_bytes(activities: Iterable[Activity], *, user: User | None, name: str = "") -> bytes:
    """A VCALENDAR of the given activities (their participants prefetched), in the user's time zone."""
    activities = list(activities)
    zone = user_zone(user)
    changes = sequences(activity.pk for activity in activities)
    stamp = timezone.now().replace(microsecond=0)
    cal = icalendar.Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    if name:
        cal.add("x-wr-calname", name)
        cal.add("x-wr-timezone", zone.key)
    for activity in activities:
        cal.add_component(activity_event(activity, zone=zone, sequence=changes.get(activity.pk, 0), stamp=stamp))
    if activities:
        # Transitions only for the years the events span: a whole 1970-2038 table would swell every file.
        first = min(activity.starts_at for activity in activities).astimezone(zone)
        last = max(event_end(activity) for activity in activities).astimezone(zone)
        cal.add_missing_timezones(date(first.year - 1, 1, 1), date(last.year + 2, 1, 1))
    return cal.to_ical()


# --- the private feed -------------------------------------------------------------------------------------

FEED_DAYS_BACK = 90
FEED_DAYS_AHEAD = 365
FEED_MAX_EVENTS = 5000  # a safety stop; a KAM's year of activities stays far below it


def feed_activities(user: User) -> QuerySet:
    """What a user's feed shows: the activities they take part in and those of the accounts they own, from
    90 days back to 365 days ahead, among the accounts they may see right now. Cancelled ones stay in, marked
    CANCELLED, so a subscribed calendar removes them rather than keeping a stale copy."""
    from django.db.models import Q

    from kamdesk.activities.selectors import visible_activities, with_participants

    now = timezone.now()
    mine = Q(our_participants=user) | Q(account__owner=user)
    ids = (
        visible_activities(user)
        .filter(mine, starts_at__gte=now - timedelta(days=FEED_DAYS_BACK))
        .filter(starts_at__lte=now + timedelta(days=FEED_DAYS_AHEAD))
        .values("id")
    )
    queryset = Activity.objects.filter(id__in=ids).select_related("created_by").order_by("starts_at", "id")
    return with_participants(queryset, user)[:FEED_MAX_EVENTS]
