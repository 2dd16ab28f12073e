"""An activity as an .ics download (page and API): parsed back with icalendar, in the reader's time zone;
hidden activities answer 404."""

from datetime import UTC, datetime, timedelta

import icalendar
import pytest
from django.urls import reverse

from kamdesk.activities.calendar import event_uid
from kamdesk.activities.services import activity_cancel, activity_update
from kamdesk.users.services import token_create
from tests.activities_factories import make_activity
from tests.factories import make_contact

pytestmark = pytest.mark.django_db

STARTS = datetime(2030, 3, 5, 14, 0, tzinfo=UTC)


def parse(response) -> icalendar.Event:
    assert response.status_code == 200, response.content[:300]
    assert response["Content-Type"].startswith("text/calendar")
    calendar = icalendar.Calendar.from_ical(response.content)
    (event,) = calendar.walk("VEVENT")
    return event


@pytest.fixture
def meeting(world):
    contact = make_contact(world.global_account, first_name="Ada", last_name="Buyer", email="ada@globex.example")
    return make_activity(
        world.global_account,
        actor=world.kam_a,
        subject="Range review",
        status="planned",
        starts_at=STARTS,
        ends_at=STARTS + timedelta(minutes=90),
        location="Globex HQ, Room 4",
        agenda="- Listing fees\n- Promo plan",
        notes="Internal: they are unhappy about pricing",
        our_participants=[world.kam_a],
        their_participants=[contact],
    )


def test_download_has_the_fields_in_the_users_time_zone(world, login, meeting):
    world.kam_a.time_zone = "America/New_York"
    world.kam_a.save()
    response = login(world.kam_a).get(reverse("activities:ics", args=[meeting.pk]))
    assert 'filename="range-review-' in response["Content-Disposition"]
    event = parse(response)
    start, end = event.decoded("dtstart"), event.decoded("dtend")
    assert (start.hour, start.minute, str(start.tzinfo)) == (9, 0, "America/New_York")  # 14:00Z is 09:00-05:00
    assert start.utcoffset() == timedelta(hours=-5)
    assert end - start == timedelta(minutes=90)
    assert b"TZID=America/New_York" in response.content and b"BEGIN:VTIMEZONE" in response.content
    assert str(event["uid"]) == event_uid(meeting.pk) == f"activity-{meeting.pk}@127.0.0.1"
    assert str(event["summary"]) == "Range review"
    assert str(event["location"]) == "Globex HQ, Room 4"
    assert "- Listing fees" in str(event["description"])
    assert "unhappy" not in response.content.decode()  # notes stay internal
    assert str(event["status"]) == "CONFIRMED"
    assert int(event["sequence"]) == 0
    assert str(event["url"]).endswith(reverse("activities:detail", args=[meeting.pk]))
    assert str(event["organizer"]) == "mailto:kam.a@example.com"
    attendees = {str(a) for a in event.get("attendee")}
    assert attendees == {"mailto:kam.a@example.com", "mailto:ada@globex.example"}
    assert event.get("dtstamp") is not None


def test_changes_raise_the_sequence_and_cancelling_marks_it_cancelled(world, login, meeting):
    activity_update(actor=world.kam_a, activity_id=meeting.pk, subject="Range review (moved)")
    activity_cancel(actor=world.kam_a, activity_id=meeting.pk)
    event = parse(login(world.kam_a).get(reverse("activities:ics", args=[meeting.pk])))
    assert str(event["status"]) == "CANCELLED"
    assert int(event["sequence"]) == 2
    assert str(event["uid"]) == event_uid(meeting.pk)  # the same event, updated


def test_an_activity_without_end_lasts_its_kinds_default(world, login):
    call = make_activity(world.account_b, kind="call", starts_at=STARTS, status="planned")
    visit = make_activity(world.account_b, kind="meeting", starts_at=STARTS, status="planned")
    client = login(world.kam_b)
    for activity, minutes in ((call, 30), (visit, 60)):
        event = parse(client.get(reverse("activities:ics", args=[activity.pk])))
        assert event.decoded("dtend") - event.decoded("dtstart") == timedelta(minutes=minutes)


def test_unknown_time_zone_falls_back_and_still_gives_a_file(world, login, meeting):
    world.kam_a.time_zone = "Mars/Olympus"
    world.kam_a.save()
    event = parse(login(world.kam_a).get(reverse("activities:ics", args=[meeting.pk])))
    assert event.decoded("dtstart") == STARTS


def test_hidden_activity_answers_404_page_and_api(world, login, meeting, client):
    assert login(world.outsider).get(reverse("activities:ics", args=[meeting.pk])).status_code == 404
    _token, secret = token_create(actor=None, user=world.outsider, name="t")
    url = f"/api/v1/activities/{meeting.pk}/ics"
    assert client.get(url, HTTP_AUTHORIZATION=f"Bearer {secret}").status_code == 404
    client.logout()
    assert client.get(reverse("activities:ics", args=[meeting.pk])).status_code == 302


def test_api_ics_for_owner_and_viewer_reads(world, client, meeting):
    from tests.factories import grant

    grant(world.global_account, world.viewer)
    for user in (world.kam_a, world.viewer):
        _token, secret = token_create(actor=None, user=user, name="t")
        response = client.get(f"/api/v1/activities/{meeting.pk}/ics", HTTP_AUTHORIZATION=f"Bearer {secret}")
        assert str(parse(response)["uid"]) == event_uid(meeting.pk)
        assert (
            client.post(f"/api/v1/activities/{meeting.pk}/ics", HTTP_AUTHORIZATION=f"Bearer {secret}").status_code
            == 405
        )


def test_detail_page_links_the_download(world, login, meeting):
    body = login(world.kam_a).get(reverse("activities:detail", args=[meeting.pk])).content.decode()
    assert reverse("activities:ics", args=[meeting.pk]) in body
