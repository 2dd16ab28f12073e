import csv
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from kamdesk.audit.models import AuditEvent
from kamdesk.people.models import Contact
from kamdesk.people.services import contact_update
from tests.factories import grant, make_account, make_contact

pytestmark = pytest.mark.django_db

LIST_URL = reverse("people:list")
CREATE_URL = reverse("people:create")
EXPORT_URL = reverse("people:export")


def detail_url(contact):
    return reverse("people:detail", args=[contact.pk])


def edit_url(contact):
    return reverse("people:edit", args=[contact.pk])


def delete_url(contact):
    return reverse("people:delete", args=[contact.pk])


def listed_names(response) -> list[str]:
    return [contact.last_name for contact in response.context["page"].object_list]


def form_data(account, /, **overrides) -> dict:
    """A complete, valid submission of the contact form."""
    data = {
        "first_name": "Anna",
        "last_name": "Berg",
        "title": "Head of Buying",
        "department": "Purchasing",
        "email": "anna.berg@globex.example",
        "phone": "+49 30 1234",
        "mobile": "",
        "account": account.pk,
        "reports_to": "",
        "buying_role": "decision_maker",
        "influence": "4",
        "attitude": "1",
        "owner": "",
        "cadence_days": "30",
        "notes": "",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


@pytest.fixture
def people(world):
    """Stakeholders at kam_a's global account and subsidiary, kam_b's account and a hidden one."""
    ceo = make_contact(
        world.global_account,
        first_name="Clara",
        last_name="Adler",
        title="CEO",
        buying_role="decision_maker",
        influence=5,
        attitude=2,
        owner=world.kam_a,
    )
    buyer = make_contact(
        world.subsidiary,
        first_name="Bernd",
        last_name="Brandt",
        title="Category buyer",
        buying_role="economic_buyer",
        influence=3,
        attitude=-1,
        reports_to=ceo,
    )
    gone = make_contact(world.subsidiary, first_name="Doris", last_name="Dorn", influence=2, has_left=True)
    other = make_contact(world.account_b, first_name="Emil", last_name="Eck", influence=4, owner=world.kam_b)
    secret = make_contact(world.hidden, first_name="Xaver", last_name="Xylo", influence=5)

    class People:
        pass

    p = People()
    p.__dict__.update(ceo=ceo, buyer=buyer, gone=gone, other=other, secret=secret)
    return p


# --- list --------------------------------------------------------------------------------------------


def test_list_shows_only_visible_contacts_with_their_columns(world, people, login):
    response = login(world.kam_a).get(LIST_URL)
    assert response.status_code == 200
    assert listed_names(response) == ["Adler", "Brandt", "Dorn"]
    html = response.content.decode()
    assert f'href="{detail_url(people.ceo)}"' in html
    assert f'href="{reverse("accounts:detail", args=[world.global_account.pk])}"' in html
    assert "Advocate" in html and "Sceptic" in html
    assert "Xylo" not in html and "Eck" not in html


def test_team_lead_and_admin_see_their_wider_scope(world, people, login):
    assert listed_names(login(world.lead).get(LIST_URL)) == ["Adler", "Brandt", "Dorn", "Eck"]
    assert "Xylo" in listed_names(login(world.admin).get(LIST_URL))


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"q": "brandt"}, ["Brandt"]),
        ({"q": "category"}, ["Brandt"]),
        ({"q": "Deutschland"}, ["Brandt", "Dorn"]),
        ({"buying_role": "decision_maker"}, ["Adler"]),
        ({"buying_role": ["decision_maker", "economic_buyer"]}, ["Adler", "Brandt"]),
        ({"has_left": "true"}, ["Dorn"]),
        ({"has_left": "false"}, ["Adler", "Brandt"]),
        ({"min_influence": "3"}, ["Adler", "Brandt"]),
    ],
)
def test_list_filters(world, people, login, params, expected):
    assert listed_names(login(world.kam_a).get(LIST_URL, params)) == expected


def test_list_filters_by_account_with_or_without_subsidiaries_and_by_owner(world, people, login):
    client = login(world.kam_a)
    top = str(world.global_account.pk)
    assert listed_names(client.get(LIST_URL, {"account": top})) == ["Adler"]
    assert listed_names(client.get(LIST_URL, {"account": top, "include_subsidiaries": "true"})) == [
        "Adler",
        "Brandt",
        "Dorn",
    ]
    assert listed_names(client.get(LIST_URL, {"owner": world.kam_a.pk})) == ["Adler"]
    assert listed_names(client.get(LIST_URL, {"account": world.hidden.pk})) == []


def test_list_sorts_by_name_account_and_influence(world, people, login):
    client = login(world.kam_a)
    assert listed_names(client.get(LIST_URL, {"sort": "-name"})) == ["Dorn", "Brandt", "Adler"]
    assert listed_names(client.get(LIST_URL, {"sort": "influence"})) == ["Adler", "Brandt", "Dorn"]
    # Globex Deutschland sorts before Globex Holding.
    assert listed_names(client.get(LIST_URL, {"sort": "account"})) == ["Brandt", "Dorn", "Adler"]
    assert listed_names(client.get(LIST_URL, {"sort": "-account"})) == ["Adler", "Brandt", "Dorn"]
    html = client.get(LIST_URL, {"sort": "name"}).content.decode()
    assert 'aria-sort="ascending"' in html
    assert "?sort=-name" in html


def test_list_paginates_and_keeps_filters_in_page_links(world, people, login, settings):
    settings.PAGE_SIZE = 2
    for n in range(3):
        make_contact(world.subsidiary, last_name=f"Zander{n}", buying_role="user")
    client = login(world.kam_a)
    first = client.get(LIST_URL, {"buying_role": "user"})
    assert listed_names(first) == ["Zander0", "Zander1"]
    assert first.context["page"].paginator.count == 3
    assert "buying_role=user&amp;page=2" in first.content.decode()
    second = client.get(LIST_URL, {"buying_role": "user", "page": "2"})
    assert listed_names(second) == ["Zander2"]
    # Out-of-range and nonsense page numbers fall back to a real page instead of failing.
    assert listed_names(client.get(LIST_URL, {"buying_role": "user", "page": "99"})) == ["Zander2"]
    assert listed_names(client.get(LIST_URL, {"buying_role": "user", "page": "x"})) == ["Zander0", "Zander1"]


def test_list_survives_malformed_parameters(world, people, login):
    client = login(world.kam_a)
    for params in [{"account": "abc"}, {"sort": "bogus"}, {"min_influence": "lots"}, {"owner": "999999"}]:
        response = client.get(LIST_URL, params)
        assert response.status_code == 200, params


def test_htmx_request_gets_only_the_results_fragment(world, people, login):
    client = login(world.kam_a)
    response = client.get(LIST_URL, {"q": "adler"}, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="contact-results")
    html = response.content.decode()
    assert response.status_code == 200
    assert html.lstrip().startswith('<section id="contact-results"')
    assert "<html" not in html
    assert "Adler" in html and "Brandt" not in html
    assert "HX-Request" in response["Vary"]
    full = client.get(LIST_URL, {"q": "adler"})
    assert "<html" in full.content.decode()
    assert 'hx-get="/contacts/"' in full.content.decode()


def test_contact_listed_through_a_further_account_does_not_reveal_the_main_account(world, people, login):
    grant(world.subsidiary, world.kam_b, access="read")
    contact_update(actor=None, contact_id=people.ceo.pk, other_accounts=[world.subsidiary])
    html = login(world.kam_b).get(LIST_URL).content.decode()
    assert "Adler" in html
    assert "Globex Holding" not in html
    assert "Outside your accounts" in html


# --- export ------------------------------------------------------------------------------------------


def test_export_csv_holds_the_filtered_visible_contacts(world, people, login):
    response = login(world.kam_a).get(EXPORT_URL, {"format": "csv", "has_left": "false"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    body = b"".join(response.streaming_content) if response.streaming else response.content
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    cells = {cell for row in rows for cell in row}
    assert {people.ceo.email, people.buyer.email} <= cells
    assert people.gone.email not in cells
    assert people.secret.email not in cells
    assert people.other.email not in cells


def test_export_xlsx_holds_the_visible_contacts(world, people, login):
    from openpyxl import load_workbook

    response = login(world.kam_a).get(EXPORT_URL, {"format": "xlsx"})
    assert response.status_code == 200
    assert "spreadsheetml" in response["Content-Type"]
    body = b"".join(response.streaming_content) if response.streaming else response.content
    sheet = load_workbook(io.BytesIO(body), read_only=True).worksheets[0]
    cells = {cell for row in sheet.iter_rows(values_only=True) for cell in row}
    assert {people.ceo.email, people.buyer.email, people.gone.email} <= cells
    assert people.secret.email not in cells


def test_export_rejects_an_unknown_format(world, login):
    response = login(world.kam_a).get(EXPORT_URL, {"format": "pdf"})
    assert response.status_code == 400
    assert b"csv" in response.content


def test_list_offers_export_links_for_the_current_filters(world, people, login):
    html = login(world.kam_a).get(LIST_URL, {"q": "adler"}).content.decode()
    assert f"{EXPORT_URL}?q=adler&amp;format=csv" in html
    assert f"{EXPORT_URL}?q=adler&amp;format=xlsx" in html


# --- contact page ------------------------------------------------------------------------------------


def test_detail_shows_fields_org_chart_and_history(world, people, login):
    middle = make_contact(world.subsidiary, first_name="Mia", last_name="Mitte", reports_to=people.buyer)
    report = make_contact(world.subsidiary, first_name="Rolf", last_name="Rau", reports_to=middle)
    contact_update(actor=world.kam_a, contact_id=middle.pk, title="Category lead", cadence_days=30)
    response = login(world.kam_a).get(detail_url(middle))
    assert response.status_code == 200
    assert [c.last_name for c in response.context["chain"]] == ["Adler", "Brandt"]
    assert response.context["manager"] == people.buyer
    assert response.context["direct_reports"] == [report]
    html = response.content.decode()
    assert f'href="{detail_url(people.ceo)}"' in html
    assert f'href="{detail_url(report)}"' in html
    assert "Category lead" in html and "Monthly" in html
    assert [row["event"].action for row in response.context["history"]] == ["update", "create"]
    assert "Title" in html and "Category lead" in html


def test_detail_survives_a_reporting_loop_that_bypassed_the_services(world, people, login):
    # Only raw data (e.g. restored from an old backup) can hold a loop; the page must still render.
    Contact.objects.filter(pk=people.ceo.pk).update(reports_to=people.buyer)
    response = login(world.kam_a).get(detail_url(people.buyer))
    assert response.status_code == 200
    assert [c.last_name for c in response.context["chain"]] == ["Adler"]


def test_detail_shows_left_flag_prominently(world, people, login):
    html = login(world.kam_a).get(detail_url(people.gone)).content.decode()
    assert "Left the company." in html


@pytest.mark.parametrize("method", ["get", "post"])
def test_hidden_or_missing_contact_answers_404_everywhere(world, people, login, method):
    client = login(world.kam_a)
    for contact in (people.secret, Contact(pk=987654)):
        for url in (detail_url(contact), edit_url(contact), delete_url(contact)):
            if method == "get" or url != detail_url(contact):
                assert getattr(client, method)(url).status_code == 404, url
    assert Contact.objects.filter(pk=people.secret.pk).exists()


def test_detail_hides_a_manager_the_user_cannot_see(world, people, login):
    boss = make_contact(world.hidden, last_name="Hiddenboss")
    underling = make_contact(world.account_b, last_name="Underling", reports_to=boss)
    response = login(world.kam_b).get(detail_url(underling))
    assert response.context["manager"] is None
    assert response.context["chain"] == []
    html = response.content.decode()
    assert detail_url(boss) not in html
    assert "Hidden Industries" not in html
    assert "someone outside your accounts" in html


def test_login_is_required(client, world):
    response = client.get(LIST_URL)
    assert response.status_code == 302
    assert reverse("login") in response["Location"]


# --- create and edit ---------------------------------------------------------------------------------


def test_create_stores_audits_and_redirects(world, people, login):
    client = login(world.kam_a)
    data = form_data(
        world.subsidiary,
        reports_to=people.ceo.pk,
        other_accounts=[world.global_account.pk],
        owner=world.kam_a.pk,
        email="Anna.Berg@Globex.example",
    )
    response = client.post(CREATE_URL, data)
    contact = Contact.objects.get(last_name="Berg")
    assert response.status_code == 302
    assert response["Location"] == detail_url(contact)
    assert contact.email == "anna.berg@globex.example"
    assert contact.reports_to == people.ceo
    assert contact.influence == 4 and contact.attitude == 1 and contact.cadence_days == 30
    assert list(contact.other_accounts.all()) == [world.global_account]
    assert AuditEvent.objects.filter(object_type="contact", object_id=contact.pk, action="create").exists()


def test_create_form_preselects_the_account_and_offers_its_customer_group(world, people, login):
    client = login(world.kam_a)
    response = client.get(CREATE_URL, {"account": world.subsidiary.pk})
    form = response.context["form"]
    assert form.initial["account"] == world.subsidiary.pk
    offered = set(form.fields["reports_to"].queryset.values_list("last_name", flat=True))
    assert offered == {"Adler", "Brandt", "Dorn"}
    assert set(form.fields["account"].queryset) == {world.global_account, world.subsidiary}
    # An account the user cannot edit is not preselected.
    assert login(world.kam_a).get(CREATE_URL, {"account": world.hidden.pk}).context["form"].initial["account"] is None


def test_choosing_an_account_refreshes_only_the_reports_to_choices(world, people, login):
    response = login(world.lead).get(
        CREATE_URL, {"account": world.account_b.pk}, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="reports-to-field"
    )
    html = response.content.decode()
    assert html.lstrip().startswith('<div id="reports-to-field">')
    assert "Eck" in html and "Adler" not in html


def test_reports_to_choices_are_bounded_but_any_candidate_is_accepted(world, people, login, monkeypatch):
    from kamdesk.people import forms

    monkeypatch.setattr(forms.ReportsToField, "max_choices", 2)
    client = login(world.kam_a)
    html = client.get(CREATE_URL, {"account": world.global_account.pk}).content.decode()
    select = html[html.index('name="reports_to"') : html.index("</select>", html.index('name="reports_to"'))]
    assert select.count("<option") == 3  # "Nobody" and two people
    assert "Dorn" not in select  # people who left come last
    response = client.post(CREATE_URL, form_data(world.global_account, reports_to=people.gone.pk))
    assert response.status_code == 302
    assert Contact.objects.get(last_name="Berg").reports_to == people.gone


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"last_name": ""}, "last_name"),
        ({"email": "not-an-address"}, "email"),
        ({"influence": "9"}, "influence"),
        ({"attitude": "-3"}, "attitude"),
        ({"account": "999999"}, "account"),
        ({"reports_to": "999999"}, "reports_to"),
        ({"other_accounts": ["999999"]}, "other_accounts"),
    ],
)
def test_create_with_invalid_data_shows_field_errors_and_stores_nothing(world, people, login, overrides, field):
    before = Contact.objects.count()
    response = login(world.kam_a).post(CREATE_URL, form_data(world.global_account, **overrides))
    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert 'class="errorlist"' in response.content.decode()
    assert Contact.objects.count() == before


def test_create_refuses_hidden_or_read_only_account_duplicate_email_and_hidden_manager(world, people, login):
    grant(world.account_b, world.kam_a, access="read")
    client = login(world.kam_a)
    before = Contact.objects.count()
    cases = [
        (form_data(world.hidden), "account"),
        (form_data(world.account_b), "account"),
        (form_data(world.global_account, email=people.ceo.email.upper()), "email"),
        (form_data(world.global_account, reports_to=people.secret.pk), "reports_to"),
        (form_data(world.global_account, other_accounts=[world.hidden.pk]), "other_accounts"),
    ]
    for data, field in cases:
        response = client.post(CREATE_URL, data)
        assert response.status_code == 200
        assert field in response.context["form"].errors, field
    assert Contact.objects.count() == before


def test_edit_saves_changes_with_audit(world, people, login):
    client = login(world.kam_a)
    data = form_data(world.subsidiary, first_name="Bernd", last_name="Brandt", email=people.buyer.email)
    data.update(reports_to=people.ceo.pk, title="Senior buyer")
    response = client.post(edit_url(people.buyer), data)
    assert response.status_code == 302
    people.buyer.refresh_from_db()
    assert people.buyer.title == "Senior buyer"
    event = AuditEvent.objects.filter(object_type="contact", object_id=people.buyer.pk, action="update").latest("id")
    assert event.changes["title"] == ["Category buyer", "Senior buyer"]


def test_edit_refuses_a_reporting_loop_and_changes_nothing(world, people, login):
    client = login(world.kam_a)
    data = form_data(world.global_account, first_name="Clara", last_name="Adler", email=people.ceo.email)
    data.update(reports_to=people.buyer.pk, title="Changed")
    response = client.post(edit_url(people.ceo), data)
    assert response.status_code == 200
    assert "reports_to" in response.context["form"].errors
    assert "reporting loop" in response.content.decode() or "reports (indirectly)" in response.content.decode()
    people.ceo.refresh_from_db()
    assert people.ceo.reports_to_id is None
    assert people.ceo.title == "CEO"


def test_edit_does_not_offer_the_person_as_their_own_manager(world, people, login):
    form = login(world.kam_a).get(edit_url(people.buyer)).context["form"]
    assert people.buyer not in form.fields["reports_to"].queryset
    response = login(world.kam_a).post(
        edit_url(people.buyer),
        form_data(world.subsidiary, last_name="Brandt", email=people.buyer.email, reports_to=people.buyer.pk),
    )
    assert "reports_to" in response.context["form"].errors
    assert Contact.objects.get(pk=people.buyer.pk).reports_to == people.ceo


def test_mark_as_left_keeps_the_person(world, people, login):
    client = login(world.kam_a)
    data = form_data(
        world.subsidiary,
        first_name="Bernd",
        last_name="Brandt",
        title="Category buyer",
        email=people.buyer.email,
        reports_to=people.ceo.pk,
        buying_role="economic_buyer",
        influence="3",
        attitude="-1",
        cadence_days="",
        department="",
        phone="",
        has_left="on",
    )
    assert client.post(edit_url(people.buyer), data).status_code == 302
    people.buyer.refresh_from_db()
    assert people.buyer.has_left is True
    event = AuditEvent.objects.filter(object_type="contact", object_id=people.buyer.pk, action="update").latest("id")
    assert event.changes == {"has_left": [False, True]}
    assert "Left the company." in client.get(detail_url(people.buyer)).content.decode()
    assert listed_names(client.get(LIST_URL, {"has_left": "true"})) == ["Brandt", "Dorn"]


def test_edit_keeps_links_the_user_cannot_see(world, people, login):
    """A manager or a further account outside the user's portfolio is neither shown nor dropped."""
    boss = make_contact(world.hidden, last_name="Hiddenboss")
    contact = make_contact(world.account_b, last_name="Linked", reports_to=boss, other_accounts=[world.hidden])
    client = login(world.kam_b)
    html = client.get(edit_url(contact)).content.decode()
    assert "Hiddenboss" not in html and "Hidden Industries" not in html
    response = client.post(edit_url(contact), form_data(world.account_b, last_name="Linked", title="Buyer"))
    assert response.status_code == 302
    contact.refresh_from_db()
    assert contact.title == "Buyer"
    assert contact.reports_to == boss
    assert list(contact.other_accounts.all()) == [world.hidden]


# --- permissions and delete --------------------------------------------------------------------------


def test_read_only_member_gets_403_for_changes(world, people, login):
    grant(world.account_b, world.outsider, access="read")
    client = login(world.outsider)
    assert client.get(detail_url(people.other)).status_code == 200
    assert client.get(edit_url(people.other)).status_code == 403
    assert client.post(edit_url(people.other), form_data(world.account_b, last_name="Hacked")).status_code == 403
    assert client.get(delete_url(people.other)).status_code == 403
    assert client.post(delete_url(people.other)).status_code == 403
    people.other.refresh_from_db()
    assert people.other.last_name == "Eck"


def test_viewer_cannot_reach_the_create_form(world, people, login):
    grant(world.account_b, world.viewer, access="edit")
    client = login(world.viewer)
    assert client.get(LIST_URL).status_code == 200
    assert b"Add contact" not in client.get(LIST_URL).content
    assert client.get(CREATE_URL).status_code == 403
    assert client.post(CREATE_URL, form_data(world.account_b, last_name="Nope")).status_code == 403
    assert not Contact.objects.filter(last_name="Nope").exists()


def test_delete_asks_first_then_deletes_and_relinks_reports(world, people, login):
    report = make_contact(world.subsidiary, last_name="Report", reports_to=people.buyer)
    client = login(world.kam_a)
    confirm = client.get(delete_url(people.buyer))
    assert confirm.status_code == 200
    assert b"mark them as left" in confirm.content
    assert Contact.objects.filter(pk=people.buyer.pk).exists()
    response = client.post(delete_url(people.buyer))
    assert response.status_code == 302
    assert response["Location"] == LIST_URL
    assert not Contact.objects.filter(pk=people.buyer.pk).exists()
    report.refresh_from_db()
    assert report.reports_to == people.ceo


# --- query counts ------------------------------------------------------------------------------------


def count_queries(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def add_contacts(world, n: int, boss: Contact) -> None:
    for i in range(n):
        make_contact(
            world.subsidiary if i % 2 else world.global_account,
            last_name=f"Member{i:03d}-{boss.pk}",
            reports_to=boss,
            owner=world.kam_a,
            buying_role="influencer",
            other_accounts=[world.global_account] if i % 3 == 0 else None,
        )


def test_list_query_count_does_not_grow_with_contacts(world, people, login):
    client = login(world.kam_a)
    add_contacts(world, 2, people.ceo)
    small = count_queries(client, LIST_URL)
    add_contacts(world, 35, people.buyer)
    assert Contact.objects.count() >= 40
    assert count_queries(client, LIST_URL) == small
    assert count_queries(client, f"{LIST_URL}?account={world.global_account.pk}&sort=-account") == count_queries(
        client, f"{LIST_URL}?account={world.subsidiary.pk}&sort=-account"
    )


def test_detail_query_count_does_not_grow_with_reports_chain_or_history(world, people, login):
    client = login(world.kam_a)
    top = make_account(owner=world.kam_a, code="T-1", name="Top")
    middle = make_contact(world.subsidiary, last_name="Middle", reports_to=people.buyer)
    add_contacts(world, 5, middle)
    small = count_queries(client, detail_url(middle))
    # A longer chain above, more direct reports, further accounts and more history.
    chief = make_contact(top, last_name="Chief")
    contact_update(actor=None, contact_id=people.ceo.pk, reports_to=chief)
    add_contacts(world, 35, middle)
    for title in ("One", "Two", "Three"):
        contact_update(actor=world.kam_a, contact_id=middle.pk, title=title)
    contact_update(actor=None, contact_id=middle.pk, other_accounts=[world.global_account, top])
    response = client.get(detail_url(middle))
    assert len(response.context["direct_reports"]) == 40
    assert [c.last_name for c in response.context["chain"]] == ["Chief", "Adler", "Brandt"]
    assert count_queries(client, detail_url(middle)) == small
