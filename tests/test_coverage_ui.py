"""The Coverage tab (communication plan) and the per-KAM coverage overview, over real HTTP with the test
client: who may see and change what, the forms' refusals, and constant query counts as data grows."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from kamdesk.audit.models import AuditEvent
from kamdesk.people.models import CadenceRule, Contact, PlannedTouchpoint
from kamdesk.people.touchpoints import touchpoint_create
from tests.activities_factories import make_activity
from tests.factories import grant, make_contact, make_user

pytestmark = pytest.mark.django_db


def page_url(account) -> str:
    return f"/accounts/{account.pk}/coverage/"


def plan(account, **fields):
    fields.setdefault("title", "Quarterly business review")
    fields.setdefault("planned_on", timezone.localdate() + timedelta(days=10))
    return touchpoint_create(actor=None, account=account, **fields)


def overdue(contact: Contact, days: int = 400) -> None:
    Contact.objects.filter(pk=contact.pk).update(last_contacted_at=timezone.now() - timedelta(days=days))


# --- the tab: access ---------------------------------------------------------------------------------------------


def test_owner_sees_score_gaps_cadence_and_touchpoints(world, login):
    boss = make_contact(world.global_account, first_name="Olga", last_name="Boss", buying_role="decision_maker")
    make_contact(world.subsidiary, last_name="Sidekick", buying_role="influencer", owner=world.kam_a)
    plan(world.global_account, title="Executive dinner", kind="executive_meeting", their_people=[boss])
    response = login(world.kam_a).get(page_url(world.global_account))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Coverage score" in html and "Executive dinner" in html and "Sidekick" in html
    assert "No relationship owner (1)" in html
    assert 'name="buyer"' in html  # the cadence-per-level form
    assert "Plan a touchpoint" in html
    alone = login(world.kam_a).get(page_url(world.global_account) + "?subsidiaries=0").content.decode()
    assert "Sidekick" not in alone


def test_the_tab_is_listed_after_stakeholders(world, login):
    html = login(world.kam_a).get(f"/accounts/{world.global_account.pk}/").content.decode()
    tabs = html[html.index('class="tabs"') :]
    assert tabs.index(">Stakeholders<") < tabs.index(">Coverage<")


def test_outsider_gets_404_everywhere(world, login):
    touchpoint = plan(world.hidden)
    client = login(world.kam_a)
    base = page_url(world.hidden)
    for path in (base, base + "touchpoints/new/", f"{base}touchpoints/{touchpoint.pk}/edit/"):
        assert client.get(path).status_code == 404, path
    assert client.post(base, {"buyer": "7"}).status_code == 404
    assert client.post(f"{base}touchpoints/{touchpoint.pk}/cancel/").status_code == 404
    assert client.post(f"{base}touchpoints/{touchpoint.pk}/held/").status_code == 404
    # Nor through an account of their own: the touchpoint must belong to the account in the path.
    own = page_url(world.global_account)
    assert client.get(f"{own}touchpoints/{touchpoint.pk}/edit/").status_code == 404
    assert client.post(f"{own}touchpoints/{touchpoint.pk}/cancel/").status_code == 404
    assert PlannedTouchpoint.objects.get(pk=touchpoint.pk).status == "planned"
    assert not CadenceRule.objects.exists()


def test_viewer_reads_but_cannot_write(world, login):
    grant(world.account_b, world.viewer)
    touchpoint = plan(world.account_b)
    client = login(world.viewer)
    base = page_url(world.account_b)
    response = client.get(base)
    assert response.status_code == 200
    assert 'name="buyer"' not in response.content.decode()
    assert client.post(base, {"buyer": "7"}).status_code == 403
    assert client.get(base + "touchpoints/new/").status_code == 403
    assert client.post(base + "touchpoints/new/", {"title": "x"}).status_code == 403
    assert client.post(f"{base}touchpoints/{touchpoint.pk}/cancel/").status_code == 403
    assert client.get(f"{base}touchpoints/{touchpoint.pk}/held/").status_code == 403
    assert not CadenceRule.objects.exists()
    assert PlannedTouchpoint.objects.get(pk=touchpoint.pk).status == "planned"


def test_read_only_team_member_cannot_write(world, login):
    member = make_user("team_member")
    grant(world.account_b, member, access="read")
    assert login(member).post(page_url(world.account_b), {"buyer": "7"}).status_code == 403


# --- cadence per level -----------------------------------------------------------------------------------------


def test_editor_sets_and_clears_the_cadence_per_level(world, login):
    client = login(world.kam_a)
    url = page_url(world.global_account)
    response = client.post(url, {"c_level": "91", "buyer": "14"})
    assert response.status_code == 302
    rules = dict(CadenceRule.objects.filter(account=world.global_account).values_list("level", "cadence_days"))
    assert rules == {"c_level": 91, "buyer": 14}
    assert AuditEvent.objects.filter(object_type="cadencerule", action="create").count() == 2
    client.post(url, {"c_level": "182"})
    rules = dict(CadenceRule.objects.filter(account=world.global_account).values_list("level", "cadence_days"))
    assert rules == {"c_level": 182}
    # The subsidiary's form names the inherited rule in its empty choice.
    assert "As parent account: Twice a year" in client.get(page_url(world.subsidiary)).content.decode()


def test_a_bad_cadence_is_refused_and_nothing_is_saved(world, login):
    response = login(world.kam_a).post(page_url(world.global_account), {"c_level": "10", "buyer": "14"})
    assert response.status_code == 400
    assert "Select a valid choice" in response.content.decode()
    assert not CadenceRule.objects.exists()


# --- touchpoints ------------------------------------------------------------------------------------------------


def test_plan_edit_hold_and_cancel_touchpoints(world, login):
    client = login(world.kam_a)
    base = page_url(world.global_account)
    buyer = make_contact(world.subsidiary, last_name="Buyer")
    day = timezone.localdate() - timedelta(days=2)
    response = client.post(
        base + "touchpoints/new/",
        {
            "kind": "executive_meeting",
            "title": "CEO meets CEO",
            "planned_on": day.isoformat(),
            "status": "planned",
            "our_people": [world.kam_a.pk, world.lead.pk],
            "their_people": [buyer.pk],
            "notes": "Bring the plan",
        },
    )
    assert response.status_code == 302, response.content.decode()
    touchpoint = PlannedTouchpoint.objects.get(title="CEO meets CEO")
    assert set(touchpoint.our_people.values_list("id", flat=True)) == {world.kam_a.pk, world.lead.pk}
    assert list(touchpoint.their_people.all()) == [buyer]

    response = client.post(
        f"{base}touchpoints/{touchpoint.pk}/edit/",
        {"kind": "business_review", "title": "QBR", "planned_on": day.isoformat(), "status": "planned"},
    )
    assert response.status_code == 302
    touchpoint.refresh_from_db()
    assert (touchpoint.title, touchpoint.kind, touchpoint.their_people.count()) == ("QBR", "business_review", 0)

    activity = make_activity(world.subsidiary, subject="Review held", starts_at=timezone.now() - timedelta(days=1))
    assert "Review held" in client.get(f"{base}touchpoints/{touchpoint.pk}/held/").content.decode()
    response = client.post(f"{base}touchpoints/{touchpoint.pk}/held/", {"activity": activity.pk})
    assert response.status_code == 302
    touchpoint.refresh_from_db()
    assert (touchpoint.status, touchpoint.held_by_id) == ("held", activity.pk)
    assert touchpoint.held_on == timezone.localdate(activity.starts_at)
    html = client.get(base).content.decode()
    assert "Review held" in html and "100 %" in html  # held within the grace days

    other = plan(world.global_account, title="Newsletter")
    assert client.post(f"{base}touchpoints/{other.pk}/cancel/", {"reason": "no budget"}).status_code == 302
    assert PlannedTouchpoint.objects.get(pk=other.pk).status == "cancelled"
    assert AuditEvent.objects.filter(object_type="plannedtouchpoint", action="cancel", note="no budget").exists()


def test_touchpoint_refuses_people_of_another_customer_group(world, login):
    stranger = make_contact(world.account_b, last_name="Stranger")
    response = login(world.kam_a).post(
        page_url(world.global_account) + "touchpoints/new/",
        {"kind": "event", "title": "Fair", "planned_on": "2026-12-01", "their_people": [stranger.pk]},
    )
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    assert not PlannedTouchpoint.objects.exists()


def test_touchpoint_form_errors_are_actionable(world, login):
    response = login(world.kam_a).post(
        page_url(world.global_account) + "touchpoints/new/", {"kind": "event", "title": "", "planned_on": "someday"}
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "Please correct the highlighted fields." in html and "Enter a valid date." in html
    assert not PlannedTouchpoint.objects.exists()


def test_held_refuses_an_activity_of_another_group_and_future_days(world, login):
    touchpoint = plan(world.global_account)
    foreign = make_activity(world.account_b, subject="Elsewhere")
    client = login(world.kam_a)
    url = f"{page_url(world.global_account)}touchpoints/{touchpoint.pk}/held/"
    assert client.post(url, {"activity": foreign.pk}).status_code == 200
    future = (timezone.localdate() + timedelta(days=3)).isoformat()
    response = client.post(url, {"held_on": future})
    assert "cannot be held in the future" in response.content.decode()
    assert PlannedTouchpoint.objects.get(pk=touchpoint.pk).status == "planned"


# --- speed ------------------------------------------------------------------------------------------------------


def _fill(account, owner, n: int) -> None:
    colleague = make_user("kam")
    for i in range(n):
        contact = make_contact(
            account, buying_role=("decision_maker", "influencer", "user")[i % 3], owner=owner, influence=1 + i % 5
        )
        if i % 4 == 0:
            make_activity(account, our_participants=[owner, colleague], their_participants=[contact])
        if i % 10 == 0:
            plan(account, their_people=[contact], our_people=[owner, colleague])


def test_the_tab_reads_in_constant_queries(world, login):
    client = login(world.kam_a)

    def count(n: int) -> int:
        _fill(world.global_account, world.kam_a, n)
        with CaptureQueriesContext(connection) as queries:
            assert client.get(page_url(world.global_account)).status_code == 200
        return len(queries)

    assert count(10) == count(90)


def test_the_overview_reads_in_constant_queries(world, login):
    client = login(world.lead)

    def count(n: int) -> int:
        _fill(world.global_account, world.kam_a, n)
        _fill(world.account_b, world.kam_b, n)
        with CaptureQueriesContext(connection) as queries:
            assert client.get("/coverage/").status_code == 200
        return len(queries)

    assert count(10) == count(100)


# --- the overview: rows each viewer may see --------------------------------------------------------------------


@pytest.fixture
def portfolio(world):
    a = make_contact(world.global_account, last_name="Aardvark", level="buyer")
    b = make_contact(world.account_b, last_name="Bbuyer", level="buyer")
    h = make_contact(world.hidden, last_name="Secretworth", level="buyer")
    for contact in (a, b, h):
        overdue(contact)
    return a, b, h


def _kam_rows(response) -> set[str]:
    import re

    return set(re.findall(r'data-kam="([^"]+)"', response.content.decode()))


def test_kam_sees_only_their_own_row_and_contacts(world, portfolio, login):
    response = login(world.kam_b).get("/coverage/")
    assert _kam_rows(response) == {"kam.b@example.com"}
    html = response.content.decode()
    assert "Bbuyer" in html and "Aardvark" not in html and "Secretworth" not in html


def test_team_lead_sees_their_team(world, portfolio, login):
    response = login(world.lead).get("/coverage/")
    assert _kam_rows(response) == {"kam.a@example.com", "kam.b@example.com"}
    html = response.content.decode()
    assert "Aardvark" in html and "Bbuyer" in html and "Secretworth" not in html


def test_outsider_sees_nothing_of_others(world, portfolio, login):
    response = login(world.outsider).get("/coverage/")
    assert _kam_rows(response) == {"outsider@example.com"}
    html = response.content.decode()
    assert "Aardvark" not in html and "Bbuyer" not in html
    viewer = login(world.viewer).get("/coverage/")
    assert _kam_rows(viewer) == set() and "Nobody is overdue." in viewer.content.decode()


def test_admin_sees_every_kam(world, portfolio, login):
    rows = _kam_rows(login(world.admin).get("/coverage/"))
    assert rows == {"kam.a@example.com", "kam.b@example.com", "outsider@example.com"}


def test_compliance_per_kam_counts_their_accounts(world, login):
    fresh = make_contact(world.global_account, level="buyer")
    late = make_contact(world.subsidiary, level="buyer")
    overdue(fresh, 1)
    overdue(late, 30)
    html = login(world.kam_a).get("/coverage/").content.decode()
    row = html[html.index('data-kam="kam.a@example.com"') :].split("</tr>")[0]
    cells = [cell.split(">")[-1] for cell in row.split("</td>")[:-1]]
    assert cells == ["2", "2", "1", "50 %", "1", "—"]


def test_main_nav_links_the_overview(world, login):
    assert 'href="/coverage/"' in login(world.kam_a).get("/contacts/").content.decode()


def test_plan_changes_show_on_the_account_history(world, login):
    client = login(world.kam_a)
    client.post(page_url(world.global_account), {"buyer": "14"})
    touchpoint = plan(world.global_account, title="Visible in history")
    client.post(f"{page_url(world.global_account)}touchpoints/{touchpoint.pk}/cancel/")
    response = client.get(f"/accounts/{world.global_account.pk}/history/")
    assert response.status_code == 200
    assert "Visible in history" in response.content.decode()


def test_contact_form_saves_the_level(world, login):
    contact = make_contact(world.global_account, last_name="Levelled")
    client = login(world.kam_a)
    form = client.get(f"/contacts/{contact.pk}/edit/").content.decode()
    assert 'name="level"' in form
    response = client.post(
        f"/contacts/{contact.pk}/edit/",
        {"last_name": "Levelled", "account": world.global_account.pk, "level": "director"},
    )
    assert response.status_code == 302
    contact.refresh_from_db()
    assert contact.level == "director"
    assert "Director / VP" in client.get(f"/contacts/{contact.pk}/").content.decode()
    exported = client.get("/contacts/export/?format=csv")
    text = b"".join(exported.streaming_content).decode() if exported.streaming else exported.content.decode()
    assert text.splitlines()[0].endswith(",level") and "director" in text
