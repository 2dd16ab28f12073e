"""Last contact on the contact page, the account's stakeholders table and the contacts API (read-only)."""

import json
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from kamdesk.people.models import Contact
from kamdesk.people.templatetags.contact_tags import last_contact
from tests.activities_factories import make_activity
from tests.factories import make_contact

pytestmark = pytest.mark.django_db


def test_the_wording_counts_calendar_days():
    now = timezone.now()
    assert last_contact(None) == "never"
    assert last_contact(now) == "today"
    assert last_contact(now + timedelta(days=2)) == "today"
    assert last_contact(now - timedelta(days=1)) == "yesterday"
    assert last_contact(now - timedelta(days=12)) == "12 days ago"


def test_contact_page_and_stakeholders_table_show_the_last_contact(world, login):
    met = make_contact(world.global_account, last_name="Met")
    unmet = make_contact(world.global_account, last_name="Unmet")
    make_activity(
        world.global_account, subject="Visit", their_participants=[met], starts_at=timezone.now() - timedelta(days=12)
    )
    client = login(world.kam_a)
    page = client.get(reverse("people:detail", args=[met.pk])).content.decode()
    assert "Last contact" in page and "12 days ago" in page
    assert "never" in client.get(reverse("people:detail", args=[unmet.pk])).content.decode()
    table = client.get(reverse("accounts:stakeholders", args=[world.global_account.pk])).content.decode()
    assert '<th scope="col">Last contact</th>' in table and "12 days ago" in table and ">never<" in table


def test_the_api_shows_last_contact_and_refuses_to_set_it(world, login):
    met = make_contact(world.global_account, last_name="Met")
    started = timezone.now() - timedelta(days=3)
    make_activity(world.global_account, subject="Call", kind="call", their_participants=[met], starts_at=started)
    client = login(world.kam_a)
    data = client.get(f"/api/v1/contacts/{met.pk}").json()
    assert data["last_contacted_at"] is not None
    listed = client.get("/api/v1/contacts", {"account": world.global_account.pk}).json()["items"]
    assert {item["last_name"]: item["last_contacted_at"] for item in listed}["Met"] == data["last_contacted_at"]
    refused = client.patch(
        f"/api/v1/contacts/{met.pk}",
        data=json.dumps({"last_contacted_at": timezone.now().isoformat()}),
        content_type="application/json",
    )
    assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == "last_contacted_at"
    assert Contact.objects.get(pk=met.pk).last_contacted_at == started
