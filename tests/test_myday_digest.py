"""The daily digest, received on a real SMTP server (aiosmtpd on 127.0.0.1): who gets it, when, what it says,
never twice a day, nothing when empty or opted out, and the ``kamdesk digest send`` command."""

import email
import email.policy
import io
import json
import socket
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from aiosmtpd.controller import Controller
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from kamdesk.myday import digest
from kamdesk.myday.digest import send_due_digests
from kamdesk.myday.models import DigestDelivery
from kamdesk.myday.services import digest_preference_set
from kamdesk.people.models import Contact, Level
from kamdesk.people.services_coverage import cadence_rule_set
from tests.activities_factories import make_activity, make_task
from tests.factories import make_account, make_contact, make_user

pytestmark = pytest.mark.django_db

UTC = ZoneInfo("UTC")
# 08:00 in Berlin, 02:00 in New York: Berlin's 07:00 digests are due, New York's are not.
NOW = datetime(2026, 11, 24, 7, 0, tzinfo=UTC)


class Inbox:
    """An aiosmtpd handler keeping every message it receives."""

    def __init__(self):
        self.messages: list[tuple[list[str], email.message.EmailMessage]] = []

    async def handle_DATA(self, server, session, envelope):
        parsed = email.message_from_bytes(envelope.original_content, policy=email.policy.default)
        self.messages.append((list(envelope.rcpt_tos), parsed))
        return "250 Message accepted for delivery"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def smtp(settings):
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", controller.port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.SITE_URL = "https://kam.example.com"
    yield inbox
    controller.stop()


def berlin_kam(email_address: str, *, opted_in: bool = True, hour: int = 7):
    user = make_user("kam", email=email_address, time_zone="Europe/Berlin", first_name="Berta")
    if opted_in:
        digest_preference_set(actor=user, user=user, enabled=True, send_hour=hour)
    return user


def busy_day(user, *, name: str = "Kaufhof"):
    account = make_account(owner=user, name=name)
    today = NOW.astimezone(ZoneInfo(user.time_zone)).date()
    make_task(account, user, title="Send the price list", due_date=today)
    make_task(account, user, title="Chase the listing fee", due_date=today - timedelta(days=3))
    starts = datetime.combine(today, datetime.min.time(), tzinfo=ZoneInfo(user.time_zone)) + timedelta(hours=14)
    make_activity(account, subject="Category review", status="planned", starts_at=starts, our_participants=[user])
    make_contact(account, first_name="Nora", last_name="Never", cadence_days=30)
    return account


def body(message, subtype: str) -> str:
    return message.get_body(preferencelist=(subtype,)).get_content()


def test_the_digest_arrives_once_with_text_and_html(smtp):
    kam = berlin_kam("berta@example.com")
    busy_day(kam)
    run = send_due_digests(NOW)
    assert run.sent == ["berta@example.com"]
    assert len(smtp.messages) == 1
    recipients, message = smtp.messages[0]
    assert recipients == ["berta@example.com"]
    assert message["To"] == "berta@example.com"
    assert message["Subject"] == "Your day, Tue 24 Nov: 2 tasks, 1 meeting, 1 contact"
    text, html = body(message, "plain"), body(message, "html")
    for content in (text, html):
        assert "Send the price list" in content and "Chase the listing fee" in content
        assert "Category review" in content and "14:00" in content  # Berlin time
        assert "Nora Never" in content and "never contacted" in content
        assert "https://kam.example.com/my-day/" in content
    assert "<a href=" in html and "<a href=" not in text
    delivery = DigestDelivery.objects.get(user=kam)
    assert (delivery.date.isoformat(), delivery.tasks, delivery.meetings, delivery.contacts) == ("2026-11-24", 2, 1, 1)
    assert delivery.sent_at == NOW

    second = send_due_digests(NOW + timedelta(minutes=15))
    assert second.sent == [] and len(smtp.messages) == 1


def test_opted_out_users_and_users_before_their_hour_get_nothing(smtp):
    busy_day(berlin_kam("never-asked@example.com", opted_in=False))
    quitter = berlin_kam("quitter@example.com")
    digest_preference_set(actor=quitter, user=quitter, enabled=False, send_hour=7)
    busy_day(quitter)
    busy_day(berlin_kam("late-riser@example.com", hour=9))
    new_yorker = make_user("kam", email="ny@example.com", time_zone="America/New_York")
    digest_preference_set(actor=new_yorker, user=new_yorker, enabled=True, send_hour=7)
    busy_day(new_yorker)
    inactive = berlin_kam("gone@example.com")
    busy_day(inactive)
    inactive.is_active = False
    inactive.save()
    assert send_due_digests(NOW).sent == []
    assert smtp.messages == []
    # At 09:00 Berlin time the late riser's hour has come; New York is still asleep (03:00).
    assert send_due_digests(NOW + timedelta(hours=1)).sent == ["late-riser@example.com"]
    # Next day in New York at 07:00 (12:00 UTC): their digest, for their date.
    assert send_due_digests(NOW + timedelta(hours=5)).sent == ["ny@example.com"]
    assert DigestDelivery.objects.get(user=new_yorker).date.isoformat() == "2026-11-24"


def test_a_day_with_nothing_to_act_on_sends_nothing_and_is_settled(smtp):
    kam = berlin_kam("quiet@example.com")
    run = send_due_digests(NOW)
    assert run.sent == [] and run.empty == ["quiet@example.com"] and smtp.messages == []
    delivery = DigestDelivery.objects.get(user=kam)
    assert delivery.sent_at is None
    busy_day(kam)  # work arrives later that day: no late digest
    assert send_due_digests(NOW + timedelta(hours=3)).sent == []
    assert send_due_digests(NOW + timedelta(days=1)).sent == ["quiet@example.com"]  # the next morning


def test_a_digest_claimed_by_another_run_is_not_sent_again(smtp, monkeypatch):
    kam = berlin_kam("raced@example.com")
    busy_day(kam)
    real_due_users = digest.due_users

    def due_then_claimed(now, user=None):
        """Another worker claims the day between our read of due users and our send."""
        waiting = real_due_users(now, user)
        DigestDelivery.objects.create(user=kam, date=waiting[0][1], sent_at=now)
        return waiting

    monkeypatch.setattr(digest, "due_users", due_then_claimed)
    assert send_due_digests(NOW).sent == []
    assert smtp.messages == [] and DigestDelivery.objects.filter(user=kam).count() == 1


def test_a_message_the_server_refuses_is_retried_on_the_next_run(smtp, settings):
    kam = berlin_kam("bounce@example.com")
    busy_day(kam)

    async def refuse(server, session, envelope, address, rcpt_options):
        return "550 No such user here"

    smtp.handle_RCPT = refuse
    run = send_due_digests(NOW)
    assert run.failed == ["bounce@example.com"] and not DigestDelivery.objects.filter(user=kam).exists()
    del smtp.handle_RCPT
    assert send_due_digests(NOW + timedelta(minutes=15)).sent == ["bounce@example.com"]
    assert len(smtp.messages) == 1


def test_digests_for_many_users_go_over_one_connection_in_a_bounded_number_of_queries(smtp):
    for i in range(3):
        busy_day(berlin_kam(f"kam{i}@example.com"), name=f"Shop {i}")
    with CaptureQueriesContext(connection) as few:
        assert len(send_due_digests(NOW).sent) == 3
    for i in range(3, 12):
        busy_day(berlin_kam(f"kam{i}@example.com"), name=f"Shop {i}")
    with CaptureQueriesContext(connection) as many:
        assert len(send_due_digests(NOW).sent) == 9
    # Sections are read once per batch; each user costs their access check and their delivery record.
    per_user = (len(many) - len(few)) / 6
    assert per_user <= 6
    assert len(smtp.messages) == 12
    assert {m["To"] for _, m in smtp.messages} == {f"kam{i}@example.com" for i in range(12)}


def test_only_the_users_own_records_within_their_access(smtp, world):
    digest_preference_set(actor=world.lead, user=world.lead, enabled=True, send_hour=0)
    digest_preference_set(actor=world.kam_a, user=world.kam_a, enabled=True, send_hour=0)
    today = NOW.date()
    make_task(world.subsidiary, world.kam_a, title="Team member's task", due_date=today)
    make_task(world.hidden, world.outsider, title="Secret errand", due_date=today)
    run = send_due_digests(NOW)
    assert run.sent == ["kam.a@example.com"] and run.empty == ["lead@example.com"]
    text = body(smtp.messages[0][1], "plain")
    assert "Team member's task" in text and "Secret errand" not in text and "Hidden Industries" not in text


def test_the_digest_follows_the_communication_plan(smtp):
    kam = berlin_kam("plan@example.com")
    account = make_account(owner=kam, name="Planned shop")
    buyer = make_contact(account, first_name="Bea", last_name="Buyer", level=Level.BUYER)
    own = make_contact(account, first_name="Otto", last_name="Own", level=Level.BUYER, cadence_days=91)
    Contact.objects.filter(pk__in=[buyer.pk, own.pk]).update(last_contacted_at=NOW - timedelta(days=10))
    cadence_rule_set(actor=kam, account_id=account.pk, level=Level.BUYER, cadence_days=7)
    run = send_due_digests(NOW)
    assert run.sent == ["plan@example.com"]
    text = body(smtp.messages[0][1], "plain")
    assert "Bea Buyer (Planned shop): 3 days late" in text and "Otto Own" not in text


# --- the command ----------------------------------------------------------------------------------------------------


def test_digest_send_command_dry_run_then_for_one_user(smtp):
    busy_day(berlin_kam("one@example.com"))
    busy_day(berlin_kam("two@example.com"), name="Other shop")
    out = io.StringIO()
    call_command("digest", "send", "--now", "2026-11-24T08:00+01:00", "--dry-run", "--format", "json", stdout=out)
    report = json.loads(out.getvalue())
    assert sorted(report["sent"]) == ["one@example.com", "two@example.com"] and report["dry_run"]
    assert smtp.messages == [] and not DigestDelivery.objects.exists()
    out = io.StringIO()
    call_command("digest", "send", "--now", "2026-11-24T08:00+01:00", "--user", "two@example.com", stdout=out)
    assert "Sent 1 digest(s)" in out.getvalue() and [m["To"] for _, m in smtp.messages] == ["two@example.com"]


def test_digest_send_command_refuses_bad_input(smtp):
    with pytest.raises(CommandError, match="ISO 8601"):
        call_command("digest", "send", "--now", "tomorrow morning")
    with pytest.raises(CommandError, match="No user with the e-mail address"):
        call_command("digest", "send", "--user", "nobody@example.com")
