"""The daily e-mail digest: "My day" by e-mail, for the people who asked for it (opt-in).

``send_due_digests(now)`` sends to every active user who turned the digest on, whose send hour has come
today in their time zone and who has no delivery for that local date yet. Their days are gathered in one
batch (``selectors.days_for``: a fixed number of queries per section plus one access check per user) and
the messages go out over one SMTP connection.

Never twice a day: each digest is claimed by inserting its DigestDelivery row (unique per user and date)
before it is sent — a second scheduler or worker racing for the same user gets an IntegrityError and skips.
A message that cannot be sent gives its claim back, so the next run tries again. A day with nothing to act
on sends nothing but is recorded (``sent_at`` empty): a task added later that day does not trigger a late
digest.
"""

import logging
from dataclasses import dataclass, field
from datetime import date, datetime

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string

from kamdesk.myday.models import DigestDelivery, DigestPreference
from kamdesk.myday.selectors import Day, days_for, local_now
from kamdesk.users.models import User
from kamdesk.users.zones import user_zone

log = logging.getLogger(__name__)


@dataclass
class DigestRun:
    """What one run did: e-mail addresses sent to, settled without a message, and failed."""

    sent: list[str] = field(default_factory=list)
    empty: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    due: int = 0  # users whose digest was due (before claims)

    def as_dict(self) -> dict:
        return {"due": self.due, "sent": self.sent, "empty": self.empty, "failed": self.failed}


def due_users(now: datetime, user: User | None = None) -> list[tuple[User, date]]:
    """Opted-in active users whose send hour has come in their time zone and who have no delivery for their
    local date: two queries, whatever the number of users."""
    preferences = DigestPreference.objects.filter(enabled=True, user__is_active=True).select_related("user")
    if user is not None:
        preferences = preferences.filter(user=user)
    waiting = []
    for preference in preferences:
        local = local_now(preference.user, now)
        if local.hour >= preference.send_hour:
            waiting.append((preference.user, local.date()))
    if not waiting:
        return []
    settled = set(
        DigestDelivery.objects.filter(
            user_id__in=[u.pk for u, _ in waiting], date__in={d for _, d in waiting}
        ).values_list("user_id", "date")
    )
    return [(u, d) for u, d in waiting if (u.pk, d) not in settled]


def subject_of(day: Day) -> str:
    parts = []
    for count, word in (
        (day.task_count, "task"),
        (day.meeting_count, "meeting"),
        (day.overdue_contact_count, "contact"),
        (len(day.alerts), "alert"),
    ):
        if count:
            parts.append(f"{count} {word}{'s' if count != 1 else ''}")
    return f"Your day, {day.today:%a %d %b}: {', '.join(parts)}"


def build_message(day: Day, connection=None) -> EmailMultiAlternatives:
    """The digest of one day as plain text with an HTML alternative (Django templates)."""
    context = {"day": day, "zone": user_zone(day.user), "site_url": settings.SITE_URL}
    message = EmailMultiAlternatives(
        subject=subject_of(day),
        body=render_to_string("myday/email/digest.txt", context),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[day.user.email],
        connection=connection,
    )
    message.attach_alternative(render_to_string("myday/email/digest.html", context), "text/html")
    return message


def _claim(day: Day, now: datetime, *, empty: bool) -> DigestDelivery | None:
    """Record the day's digest; None when another run already did (the unique constraint decides)."""
    try:
        with transaction.atomic():
            return DigestDelivery.objects.create(
                user=day.user,
                date=day.today,
                sent_at=None if empty else now,
                tasks=day.task_count,
                meetings=day.meeting_count,
                contacts=day.overdue_contact_count,
                alerts=len(day.alerts),
            )
    except IntegrityError:
        return None


def send_due_digests(now: datetime, *, user: User | None = None, dry_run: bool = False) -> DigestRun:
    """Send every digest due at ``now`` (only ``user``'s when given). ``dry_run`` builds them and reports who
    would get one, sending and recording nothing."""
    run = DigestRun()
    waiting = due_users(now, user)
    run.due = len(waiting)
    if not waiting:
        return run
    days = days_for([u for u, _ in waiting], now)
    with_news = [day for day in days.values() if not day.is_empty]
    for day in days.values():
        if day.is_empty and (dry_run or _claim(day, now, empty=True)):
            run.empty.append(day.user.email)
    if dry_run:
        run.sent = [day.user.email for day in with_news]
        return run
    _send(with_news, now, run)
    return run


def _send(days: list[Day], now: datetime, run: DigestRun) -> None:
    """One SMTP connection for the batch; a message that fails gives its claim back for the next run."""
    if not days:
        return
    connection = get_connection()
    connection.open()
    try:
        for day in days:
            claim = _claim(day, now, empty=False)
            if claim is None:
                continue
            try:
                connection.send_messages([build_message(day, connection)])
            except Exception:  # any transport error: retry on the next run rather than lose the digest
                log.exception("Daily digest to %s could not be sent", day.user.email)
                claim.delete()
                run.failed.append(day.user.email)
            else:
                run.sent.append(day.user.email)
    finally:
        connection.close()
