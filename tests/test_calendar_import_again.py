"""Logging an invitation again: calendars key events by UID, and so does kamdesk. The same invitation, its
update or its cancellation finds the activity already logged on the account (or kamdesk's own export finds
its activity) instead of adding a copy; UIDs on accounts the user may not see reveal nothing."""

from datetime import UTC, datetime

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse

from kamdesk.activities import calendar_import
from kamdesk.activities.calendar import calendar_bytes, event_uid
from kamdesk.activities.calendar_import import log_invitation
from kamdesk.activities.models import Activity
from kamdesk.activities.services import activity_update
from kamdesk.audit.models import AuditEvent
from kamdesk.core.errors import ServiceError
from tests.activities_factories import ics, make_activity
from tests.factories import make_contact
from tests.test_calendar_import import upload

pytestmark = pytest.mark.django_db

STARTS = datetime(2030, 3, 5, 14, tzinfo=UTC)
INVITE = """UID:jbp-2030@mail.example
SEQUENCE:0
DTSTAMP:20300101T000000Z
DTSTART:20300305T140000Z
DTEND:20300305T150000Z
SUMMARY:Joint business plan
LOCATION:Globex HQ
DESCRIPTION:Targets
ORGANIZER;CN=Ada Buyer:mailto:ada@globex.example
ATTENDEE:mailto:kam.a@example.com"""
MOVED = (
    INVITE.replace("SEQUENCE:0", "SEQUENCE:1")
    .replace("DTSTART:20300305T140000Z", "DTSTART:20300306T090000Z")
    .replace("DTEND:20300305T150000Z", "DTEND:20300306T103000Z")
)


def log(world, data: bytes, account=None, actor=None):
    return log_invitation(actor=actor or world.kam_a, account=account or world.global_account, data=data)


def outcomes(result) -> list[str]:
    return [event.outcome.value for event in result.events]


def history(activity: Activity) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(object_type="activity", object_id=activity.pk).order_by("id"))


def messages_of(response) -> list[str]:
    return [str(message) for message in response.wsgi_request._messages]


def test_the_same_invitation_twice_is_one_activity(world, login):
    client = login(world.kam_a)
    upload(client, world.global_account, ics(INVITE))
    activity = Activity.objects.get()
    assert activity.calendar_uid == "jbp-2030@mail.example"
    response = upload(client, world.global_account, ics(INVITE))
    assert Activity.objects.get() == activity
    assert response.status_code == 302 and response["Location"] == reverse("activities:detail", args=[activity.pk])
    assert "1 meeting already logged." in messages_of(response)
    assert [event.action for event in history(activity)] == ["create"]  # nothing changed, nothing written


def test_moved_invitation_moves_the_activity_and_records_the_change(world, login):
    ada = make_contact(world.global_account, first_name="Ada", last_name="Buyer", email="ada@globex.example")
    first = log(world, ics(INVITE)).activities[0]
    response = upload(login(world.kam_a), world.global_account, ics(MOVED))
    assert "1 meeting updated." in messages_of(response)
    activity = Activity.objects.get()
    assert activity.pk == first.pk
    assert activity.starts_at == datetime(2030, 3, 6, 9, tzinfo=UTC)
    assert activity.ends_at == datetime(2030, 3, 6, 10, 30, tzinfo=UTC)
    assert (activity.subject, activity.location, activity.status) == ("Joint business plan", "Globex HQ", "planned")
    assert list(activity.their_participants.all()) == [ada]
    create, update = history(activity)
    assert (create.action, update.action, update.actor) == ("create", "update", world.kam_a)
    assert set(update.changes) == {"starts_at", "ends_at"}
    assert update.changes["starts_at"][1].startswith("2030-03-06T09:00")


def test_the_message_tells_logged_updated_and_already_logged(world, login):
    log(world, ics(INVITE, INVITE.replace("jbp-2030", "other").replace("Joint", "Second")))
    new = INVITE.replace("jbp-2030", "third").replace("Joint business plan", "Third meeting")
    response = upload(
        login(world.kam_a),
        world.global_account,
        ics(new, MOVED, INVITE.replace("jbp-2030", "other").replace("Joint", "Second")),
    )
    assert "1 meeting logged, 1 updated, 1 already logged." in messages_of(response)
    assert response["Location"] == reverse("activities:account", args=[world.global_account.pk])
    assert Activity.objects.count() == 3


def test_subject_location_agenda_change_and_people_are_added_never_removed(world):
    activity = log(world, ics(INVITE)).activities[0]
    assert list(activity.our_participants.all()) == [world.kam_a]
    changed = (
        INVITE.replace("SUMMARY:Joint business plan", "SUMMARY:JBP 2030")
        .replace("LOCATION:Globex HQ", "LOCATION:Online")
        .replace("DESCRIPTION:Targets", "DESCRIPTION:Targets and promotions")
        .replace("ATTENDEE:mailto:kam.a@example.com", "ATTENDEE:mailto:kam.b@example.com")
    )
    result = log(world, ics(changed))
    assert outcomes(result) == ["updated"]
    assert set(result.events[0].changed) == {"subject", "location", "agenda", "our_participants"}
    activity.refresh_from_db()
    assert (activity.subject, activity.location, activity.agenda) == ("JBP 2030", "Online", "Targets and promotions")
    assert set(activity.our_participants.all()) == {world.kam_a, world.kam_b}  # kam_a stays although not listed
    assert outcomes(log(world, ics(changed))) == ["unchanged"]


def test_kamdesks_own_export_logged_back_is_no_copy(world, login):
    contact = make_contact(world.global_account, first_name="Ada", last_name="Buyer", email="ada@globex.example")
    activity = make_activity(
        world.global_account,
        actor=world.admin,  # who logged it takes no part: the export names them as organizer
        subject="Range review",
        status="planned",
        starts_at=STARTS,
        location="Globex HQ",
        agenda="- Listing fees\n- Promo plan",
        our_participants=[world.kam_a],
        their_participants=[contact],
    )
    assert activity.ends_at is None  # exported with the usual length of a meeting
    client = login(world.kam_a)
    exported = client.get(reverse("activities:ics", args=[activity.pk])).content
    assert event_uid(activity.pk).encode() in exported
    response = upload(client, world.global_account, exported)
    assert "1 meeting already logged." in messages_of(response)
    assert Activity.objects.count() == 1
    activity.refresh_from_db()
    assert activity.ends_at is None and activity.calendar_uid == ""
    assert list(activity.our_participants.all()) == [world.kam_a]  # the organizer (who logged it) is not added
    assert [event.action for event in history(activity)] == ["create"]
    # An export whose subject was changed elsewhere changes the activity.
    moved = calendar_bytes([activity], user=world.kam_a).replace(b"Range review", b"Range review 2030")
    assert outcomes(log(world, moved)) == ["updated"]
    activity.refresh_from_db()
    assert activity.subject == "Range review 2030"


def test_cancelled_invitation_cancels_the_activity(world, login):
    activity = log(world, ics(INVITE)).activities[0]
    cancel = "METHOD:CANCEL\r\n"
    data = ics("UID:jbp-2030@mail.example\r\nSEQUENCE:2\r\nDTSTAMP:20300102T000000Z").replace(
        b"PRODID:-//Test//EN\r\n", b"PRODID:-//Test//EN\r\n" + cancel.encode()
    )
    response = upload(login(world.kam_a), world.global_account, data)  # a cancellation needs no start
    assert "1 meeting cancelled." in messages_of(response)
    activity.refresh_from_db()
    assert activity.status == "cancelled"
    assert history(activity)[-1].action == "cancel"
    assert outcomes(log(world, data)) == ["unchanged"]
    assert Activity.objects.count() == 1


def test_status_cancelled_on_the_event_cancels_too_and_a_done_meeting_is_kept(world):
    activity = log(world, ics(INVITE)).activities[0]
    assert outcomes(log(world, ics(INVITE + "\r\nSTATUS:CANCELLED"))) == ["cancelled"]
    activity.refresh_from_db()
    assert activity.status == "cancelled"
    past = log(world, ics(INVITE.replace("jbp-2030", "past").replace("2030", "2020"))).activities[0]
    activity_update(actor=world.kam_a, activity_id=past.pk, status="done")
    result = log(world, ics(INVITE.replace("jbp-2030", "past").replace("2030", "2020") + "\r\nSTATUS:CANCELLED"))
    assert outcomes(result) == ["unchanged"] and "already done" in result.warnings[0]
    past.refresh_from_db()
    assert past.status == "done"


def test_unknown_cancelled_invitation_is_not_logged(world, login):
    response = upload(login(world.kam_a), world.global_account, ics(INVITE + "\r\nSTATUS:CANCELLED"))
    assert not Activity.objects.exists()
    texts = messages_of(response)
    assert "1 meeting not logged." in texts
    assert any("cancelled and was never logged" in text for text in texts)
    assert response["Location"] == reverse("activities:account", args=[world.global_account.pk])


def test_the_same_uid_on_another_account_is_a_separate_activity(world):
    on_parent = log(world, ics(INVITE)).activities[0]
    on_subsidiary = log(world, ics(INVITE), account=world.subsidiary).activities[0]
    assert on_parent.pk != on_subsidiary.pk
    assert on_subsidiary.account_id == world.subsidiary.pk
    assert Activity.objects.filter(calendar_uid="jbp-2030@mail.example").count() == 2
    assert outcomes(log(world, ics(MOVED), account=world.subsidiary)) == ["updated"]
    on_parent.refresh_from_db()
    assert on_parent.starts_at == STARTS  # the other account's activity is its own


def test_events_without_uid_are_logged_every_time(world):
    no_uid = INVITE.replace("UID:jbp-2030@mail.example\n", "")
    assert "UID" not in no_uid
    assert outcomes(log(world, ics(no_uid))) == ["created"]
    assert outcomes(log(world, ics(no_uid))) == ["created"]
    assert Activity.objects.filter(calendar_uid="").count() == 2


def test_uid_of_an_activity_the_user_cannot_see_reveals_nothing(world, login):
    theirs = log(world, ics(INVITE), account=world.hidden, actor=world.outsider).activities[0]
    secret = make_activity(world.hidden, actor=world.outsider, subject="Secret summit", status="planned")
    own_uid_of_hidden = INVITE.replace("jbp-2030@mail.example", event_uid(secret.pk)).replace("Joint", "Copied")
    client = login(world.kam_a)
    for data in (ics(INVITE), ics(own_uid_of_hidden), ics(MOVED + "\r\nSTATUS:CANCELLED")):
        response = upload(client, world.global_account, data)
        assert response.status_code == 302
    mine = Activity.objects.filter(account=world.global_account).order_by("id")
    assert [activity.subject for activity in mine] == ["Joint business plan", "Copied business plan"]
    assert mine[0].status == "cancelled"  # the cancellation found kam_a's own activity only
    theirs.refresh_from_db()
    secret.refresh_from_db()
    assert (theirs.status, theirs.starts_at, secret.subject) == ("planned", STARTS, "Secret summit")
    assert [event.action for event in history(theirs)] == ["create"]


def test_one_bad_event_rolls_back_the_updates_too(world):
    planned = log(world, ics(INVITE)).activities[0]
    past = (
        INVITE.replace("jbp-2030", "past").replace("DTSTART:2030", "DTSTART:2020").replace("DTEND:2030", "DTEND:2020")
    )
    done = log(world, ics(past)).activities[0]
    activity_update(actor=world.kam_a, activity_id=done.pk, status="done")
    new = INVITE.replace("jbp-2030", "new-one")
    done_moved_ahead = INVITE.replace("jbp-2030", "past")  # a done meeting cannot move into the future
    with pytest.raises(ServiceError, match=r"Event 3 .*not started yet"):
        log(world, ics(new, MOVED, done_moved_ahead))
    planned.refresh_from_db()
    done.refresh_from_db()
    assert (planned.starts_at, done.starts_at) == (STARTS, datetime(2020, 3, 5, 14, tzinfo=UTC))
    assert Activity.objects.count() == 2
    assert [event.action for event in history(planned)] == ["create"]


def test_changed_dates_of_a_repeating_event_do_not_move_or_cancel_it(world):
    series = INVITE + "\r\nRRULE:FREQ=WEEKLY;COUNT=4"
    one_date = INVITE.replace("DTSTART:20300305T140000Z", "DTSTART:20300312T160000Z").replace(
        "DTEND:20300305T150000Z", "DTEND:20300312T170000Z"
    )
    one_date += "\r\nRECURRENCE-ID:20300312T140000Z"
    result = log(world, ics(series, one_date))
    assert outcomes(result) == ["created", "not logged"] and Activity.objects.count() == 1
    assert any("single dates" in warning for warning in result.warnings)
    result = log(world, ics(one_date + "\r\nSTATUS:CANCELLED"))
    assert outcomes(result) == ["not logged"]
    activity = Activity.objects.get()
    assert (activity.status, activity.starts_at) == ("planned", STARTS)


def test_a_uid_twice_in_one_file_is_logged_once(world):
    result = log(world, ics(INVITE, MOVED))
    assert outcomes(result) == ["created", "not logged"]
    assert "repeats the UID" in result.warnings[0]
    assert Activity.objects.get().starts_at == STARTS


def test_a_very_long_uid_still_finds_its_activity(world):
    long_invite = INVITE.replace("jbp-2030@mail.example", "x" * 400 + "@mail.example")
    first = log(world, ics(long_invite)).activities[0]
    assert len(first.calendar_uid) <= 255
    assert outcomes(log(world, ics(long_invite))) == ["unchanged"]
    assert Activity.objects.get() == first


def test_the_database_keeps_one_activity_per_uid_and_account(world):
    first = log(world, ics(INVITE)).activities[0]
    other = make_activity(world.global_account, subject="Typed in")
    blank = make_activity(world.global_account, subject="Also typed in")
    assert other.calendar_uid == blank.calendar_uid == ""  # many activities without a UID are fine
    with pytest.raises(IntegrityError), transaction.atomic():
        Activity.objects.filter(pk=other.pk).update(calendar_uid=first.calendar_uid)


def test_a_simultaneous_upload_of_the_same_invitation_stores_nothing(world, login, monkeypatch):
    log(world, ics(INVITE))
    # As if another upload logged it between this upload's look-up and its write.
    monkeypatch.setattr(calendar_import, "_known_activities", lambda *args: {})
    response = upload(login(world.kam_a), world.global_account, ics(INVITE.replace("jbp-2030", "new-one"), INVITE))
    assert response.status_code == 400
    assert "at the same moment" in response.content.decode()
    assert Activity.objects.count() == 1
