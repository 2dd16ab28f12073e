"""Logging planned activities from an invitation (.ics) on the account's Activities tab: people matched by
e-mail within what the user may see, bad files refused with a clear message and nothing stored."""

from datetime import UTC, datetime, timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from kamdesk.activities.calendar_import import MAX_BYTES, log_invitation
from kamdesk.activities.models import Activity
from kamdesk.core.errors import ServiceError
from tests.activities_factories import ics, make_activity
from tests.factories import grant, make_contact

pytestmark = pytest.mark.django_db


EVENT = """UID:abc-1@mail.example
DTSTAMP:20300101T000000Z
DTSTART:20300305T140000Z
DTEND:20300305T150000Z
SUMMARY:Joint business plan
LOCATION:Globex HQ
DESCRIPTION:Agenda:\\n- targets
ORGANIZER;CN=Ada Buyer:mailto:ADA@globex.example
ATTENDEE;CN=Kam A:mailto:kam.a@example.com
ATTENDEE:mailto:zelda@hidden.example
ATTENDEE:mailto:stranger@nowhere.example"""


def upload(client, account, data: bytes, name: str = "invite.ics"):
    url = reverse("activities:from_invitation", args=[account.pk])
    return client.post(url, {"file": SimpleUploadedFile(name, data, content_type="text/calendar")})


def test_invitation_creates_planned_meeting_with_matched_people(world, login):
    ada = make_contact(world.global_account, first_name="Ada", last_name="Buyer", email="ada@globex.example")
    make_contact(world.hidden, last_name="Secret", email="zelda@hidden.example")
    client = login(world.kam_a)
    page = client.get(reverse("activities:account", args=[world.subsidiary.pk])).content.decode()
    assert reverse("activities:from_invitation", args=[world.subsidiary.pk]) in page
    response = upload(client, world.subsidiary, ics(EVENT))
    activity = Activity.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("activities:detail", args=[activity.pk])
    assert (activity.status, activity.kind, activity.account_id) == ("planned", "meeting", world.subsidiary.pk)
    assert activity.subject == "Joint business plan" and activity.location == "Globex HQ"
    assert activity.agenda == "Agenda:\n- targets"
    assert activity.starts_at == datetime(2030, 3, 5, 14, tzinfo=UTC)
    assert activity.ends_at - activity.starts_at == timedelta(hours=1)
    assert list(activity.our_participants.all()) == [world.kam_a]
    assert list(activity.their_participants.all()) == [ada]  # a contact of the customer group (the parent)
    messages = [str(m) for m in response.wsgi_request._messages]
    assert any("stranger@nowhere.example" in m and "zelda@hidden.example" in m for m in messages)


def test_several_events_and_floating_and_all_day_times(world):
    world.kam_a.time_zone = "Europe/Berlin"
    world.kam_a.save()
    data = ics(
        "UID:1\r\nDTSTART:20300601T090000\r\nDURATION:PT30M\r\nSUMMARY:Floating",
        "UID:2\r\nDTSTART;VALUE=DATE:20300602\r\nDTEND;VALUE=DATE:20300603\r\nSUMMARY:All day",
        "UID:3\r\nDTSTART;TZID=America/New_York:20300603T090000\r\nSUMMARY:Zoned\r\nRRULE:FREQ=WEEKLY",
    )
    result = log_invitation(actor=world.kam_a, account=world.global_account, data=data)
    got = {a.subject: a for a in result.activities}
    assert got["Floating"].starts_at == datetime(2030, 6, 1, 7, tzinfo=UTC)  # 09:00 in Berlin (summer)
    assert got["Floating"].ends_at - got["Floating"].starts_at == timedelta(minutes=30)
    assert got["All day"].ends_at - got["All day"].starts_at == timedelta(days=1)
    assert got["Zoned"].starts_at == datetime(2030, 6, 3, 13, tzinfo=UTC)
    assert result.warnings  # the repeating event is logged once


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "empty"),
        (b"this is not a calendar", "not a readable calendar"),
        (b"BEGIN:VCARD\r\nVERSION:3.0\r\nFN:x\r\nEND:VCARD\r\n", "not a calendar file"),
        (ics(), "no event"),
        (ics("UID:1\r\nSUMMARY:No start"), "no valid start"),
        (ics("UID:1\r\nDTSTART:notadate\r\nSUMMARY:Bad"), "no valid start"),
        (ics("UID:1\r\nDTSTART:20300305T140000Z\r\nDTEND:20300305T130000Z\r\nSUMMARY:Backwards"), "ends before"),
        (ics(*["UID:x\r\nDTSTART:20300305T140000Z"] * 51), "at most 50"),
    ],
)
def test_bad_files_are_refused_and_nothing_is_stored(world, login, data, message):
    response = upload(login(world.kam_a), world.global_account, data)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Activity.objects.exists()


def test_one_bad_event_stores_none_of_the_file(world):
    data = ics(EVENT, "UID:2\r\nDTSTART:20300305T140000Z\r\nDTEND:20300301T130000Z\r\nSUMMARY:Bad")
    with pytest.raises(ServiceError, match="Event 2"):
        log_invitation(actor=world.kam_a, account=world.global_account, data=data)
    assert not Activity.objects.exists()


def test_huge_file_is_refused(world):
    with pytest.raises(ServiceError, match="at most"):
        log_invitation(actor=world.kam_a, account=world.global_account, data=b"X" * (MAX_BYTES + 1))


def test_outsider_gets_404_and_viewer_403(world, login):
    make_activity(world.global_account)
    before = Activity.objects.count()
    assert upload(login(world.outsider), world.global_account, ics(EVENT)).status_code == 404
    grant(world.global_account, world.viewer)
    assert upload(login(world.viewer), world.global_account, ics(EVENT)).status_code == 403
    grant(world.global_account, world.kam_b)  # read-only team member
    assert upload(login(world.kam_b), world.global_account, ics(EVENT)).status_code == 403
    assert Activity.objects.count() == before


def test_the_form_page_renders(world, login):
    response = login(world.kam_a).get(reverse("activities:from_invitation", args=[world.global_account.pk]))
    assert response.status_code == 200 and b'type="file"' in response.content
