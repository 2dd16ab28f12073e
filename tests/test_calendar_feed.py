"""The private calendar feed: one live token per user (hash stored), the settings page, the feed without a
session, access re-checked on every read, 404 for unknown/revoked tokens and deactivated users, and a
query count that does not grow with the number of events."""

import re
from datetime import UTC, datetime, timedelta

import icalendar
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from kamdesk.accounts.services import account_handover
from kamdesk.activities.calendar import event_uid
from kamdesk.users.models import CalendarFeedToken
from kamdesk.users.services import calendar_feed_create, calendar_feed_revoke
from tests.activities_factories import make_activity
from tests.factories import grant, make_contact

pytestmark = pytest.mark.django_db


def feed_path(secret: str) -> str:
    return reverse("activities:feed", args=[secret])


def events(response) -> dict[str, icalendar.Event]:
    assert response.status_code == 200
    return {str(e["summary"]): e for e in icalendar.Calendar.from_ical(response.content).walk("VEVENT")}


def soon(days: int = 3):
    return timezone.now() + timedelta(days=days)


def test_settings_page_shows_the_url_once_and_stores_only_a_hash(world, login):
    client = login(world.kam_a)
    assert client.get(reverse("activities:feed_settings")).status_code == 200
    response = client.post(reverse("activities:feed_settings"), {"action": "create"})
    body = response.content.decode()
    assert "no-store" in response["Cache-Control"] or "no-cache" in response["Cache-Control"]
    url = re.search(r'value="(http://testserver/calendar/feed/(kdcal_[\w-]+)\.ics)"', body)
    assert url, body
    secret = url[2]
    token = CalendarFeedToken.objects.get(user=world.kam_a)
    assert token.digest == CalendarFeedToken.digest_of(secret) and secret not in (token.digest, token.hint)
    assert "webcal://testserver/calendar/feed/" in body
    assert secret not in client.get(reverse("activities:feed_settings")).content.decode()  # shown only once
    client.logout()
    assert client.get(feed_path(secret)).status_code == 200  # no session needed


def test_creating_revokes_the_old_token_and_revoke_ends_the_feed(world, login, client):
    _first, old = calendar_feed_create(actor=world.kam_a, user=world.kam_a)
    _second, new = calendar_feed_create(actor=world.kam_a, user=world.kam_a)
    assert CalendarFeedToken.objects.filter(user=world.kam_a, revoked_at=None).count() == 1
    assert client.get(feed_path(old)).status_code == 404
    assert client.get(feed_path(new)).status_code == 200
    login(world.kam_a).post(reverse("activities:feed_settings"), {"action": "revoke"})
    client.logout()
    assert client.get(feed_path(new)).status_code == 404


def test_unknown_token_and_deactivated_user_answer_404_without_hint(world, client):
    _token, secret = calendar_feed_create(actor=world.kam_a, user=world.kam_a)
    for bogus in ("nope", "kdcal_" + "x" * 43, secret + "x"):
        response = client.get(feed_path(bogus))
        assert response.status_code == 404 and b"revoked" not in response.content
    world.kam_a.is_active = False
    world.kam_a.save()
    assert client.get(feed_path(secret)).status_code == 404


def test_feed_holds_my_participations_and_owned_accounts_in_the_window(world, client):
    grant(world.account_b, world.kam_a)  # read access: kam_a takes part in Brightmart's meetings
    make_activity(world.global_account, subject="Owned planned", status="planned", starts_at=soon())
    make_activity(
        world.account_b, subject="I take part", status="planned", starts_at=soon(), our_participants=[world.kam_a]
    )
    make_activity(world.account_b, subject="Not mine", status="planned", starts_at=soon())
    make_activity(world.global_account, subject="Too old", starts_at=timezone.now() - timedelta(days=120))
    make_activity(world.global_account, subject="Too far", status="planned", starts_at=soon(400))
    make_activity(
        world.hidden, subject="Hidden summit", status="planned", starts_at=soon(), our_participants=[world.kam_a]
    )
    _token, secret = calendar_feed_create(actor=None, user=world.kam_a)
    response = client.get(feed_path(secret))
    assert set(events(response)) == {"Owned planned", "I take part"}
    assert b"Hidden" not in response.content
    assert "private" in response["Cache-Control"] and "public" not in response["Cache-Control"]


def test_access_is_checked_again_on_every_read(world, client):
    make_activity(world.account_b, subject="Brightmart visit", status="planned", starts_at=soon())
    _token, secret = calendar_feed_create(actor=None, user=world.kam_b)
    assert "Brightmart visit" in events(client.get(feed_path(secret)))
    account_handover(actor=None, account_id=world.account_b.pk, new_owner=world.outsider, reason="Reorganisation")
    assert events(client.get(feed_path(secret))) == {}


def test_times_are_in_the_users_zone(world, client):
    world.kam_a.time_zone = "America/New_York"
    world.kam_a.save()
    starts = (timezone.now() + timedelta(days=10)).astimezone(UTC).replace(hour=14, minute=0, second=0, microsecond=0)
    activity = make_activity(world.global_account, subject="NY call", status="planned", starts_at=starts)
    _token, secret = calendar_feed_create(actor=None, user=world.kam_a)
    event = events(client.get(feed_path(secret)))["NY call"]
    start = event.decoded("dtstart")
    assert str(start.tzinfo) == "America/New_York" and start == starts
    assert start.hour == 14 + int(start.utcoffset().total_seconds() // 3600)
    assert str(event["uid"]) == event_uid(activity.pk)


def test_token_last_use_is_stamped(world, client):
    token, secret = calendar_feed_create(actor=None, user=world.kam_a)
    client.get(feed_path(secret))
    token.refresh_from_db()
    assert token.last_used_at is not None


def test_query_count_does_not_grow_with_events(world, client):
    _token, secret = calendar_feed_create(actor=None, user=world.kam_a)

    def count():
        with CaptureQueriesContext(connection) as queries:
            assert client.get(feed_path(secret)).status_code == 200
        return len(queries)

    contact = make_contact(world.global_account, email="buyer@globex.example")
    make_activity(world.global_account, status="planned", starts_at=soon(), their_participants=[contact])
    client.get(feed_path(secret))  # the first read stamps the token's last use
    few = count()
    for n in range(15):
        make_activity(
            world.subsidiary if n % 2 else world.global_account,
            subject=f"Meeting {n}",
            status="planned",
            starts_at=soon(n + 1),
            our_participants=[world.kam_a, world.lead],
            their_participants=[contact],
        )
    assert count() == few


def test_service_refuses_someone_elses_feed(world):
    from kamdesk.core.errors import PermissionDenied

    with pytest.raises(PermissionDenied):
        calendar_feed_create(actor=world.kam_b, user=world.kam_a)
    with pytest.raises(PermissionDenied):
        calendar_feed_revoke(actor=world.kam_b, user=world.kam_a)


def test_settings_page_needs_sign_in(client):
    response = client.get(reverse("activities:feed_settings"))
    assert response.status_code == 302 and response["Location"].startswith("/login/")


def test_a_feed_with_no_events_is_still_a_calendar(world, client):
    _token, secret = calendar_feed_create(actor=None, user=world.viewer)
    assert events(client.get(feed_path(secret))) == {}


def test_fixed_time_for_reference():
    # 14:00Z on a winter day is 09:00 in New York (UTC-5).
    from zoneinfo import ZoneInfo

    moment = datetime(2030, 1, 15, 14, 0, tzinfo=UTC).astimezone(ZoneInfo("America/New_York"))
    assert (moment.hour, moment.utcoffset()) == (9, timedelta(hours=-5))
