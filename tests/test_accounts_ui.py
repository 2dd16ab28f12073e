"""The accounts pages over real HTTP (Django test client) against the real database: the list with its
filters, sorting, paging and export; the account page and its tabs; the forms; handover; the account
team; the history; access answers (404 hidden, 403 read-only) and CSRF."""

import csv
import io
import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from kamdesk.accounts.models import Account, AccountMembership, Channel
from kamdesk.audit.models import AuditEvent
from tests.factories import grant, make_account, make_contact, make_team, make_user

pytestmark = pytest.mark.django_db


def table_body(response) -> str:
    html = response.content.decode()
    return html[html.index("<tbody>") : html.index("</tbody>")]


def codes_in(response) -> list[str]:
    """Account codes in the results table, in display order (the Code column)."""
    return re.findall(r'<td class="code">([^<]+)</td>', table_body(response))


def body_bytes(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def csv_rows(response) -> list[dict]:
    return list(csv.DictReader(io.StringIO(body_bytes(response).decode("utf-8-sig"))))


def list_codes(client: Client, **params) -> list[str]:
    response = client.get(reverse("accounts:list"), params)
    assert response.status_code == 200
    return codes_in(response)


def edit_data(account: Account, **changes) -> dict:
    """The edit form's fields as the browser would post them, with ``changes`` applied."""
    data = {
        "code": account.code,
        "name": account.name,
        "legal_name": account.legal_name,
        "parent": account.parent_id or "",
        "owner": account.owner_id or "",
        "kind": account.kind,
        "channel": account.channel_id or "",
        "industry": account.industry,
        "country": account.country,
        "region": account.region,
        "currency": account.currency,
        "credit_limit": "" if account.credit_limit is None else str(account.credit_limit),
        "payment_terms_days": "" if account.payment_terms_days is None else account.payment_terms_days,
        "website": account.website,
        "tier": account.tier,
        "stage": account.stage,
        "is_active": "on" if account.is_active else "",
        "description": account.description,
        "tags": ", ".join(account.tags.values_list("name", flat=True)) if account.pk else "",
    }
    data.update(changes)
    return data


# --- list: access, filters, search, sorting, paging --------------------------------------------------


@pytest.fixture
def catalog(db):
    """An admin and a varied set of accounts, so that every filter has something to narrow."""
    admin = make_user("admin", email="boss@example.com")
    south = make_team("South")
    west = make_team("West")
    anna = make_user("kam", email="anna@example.com", team=south, first_name="Anna", last_name="Adler")
    bert = make_user("kam", email="bert@example.com", team=west, first_name="Bert", last_name="Berg")
    retail = Channel.objects.get(code="retail-chain")
    pharmacy = Channel.objects.get(code="pharmacy")
    top = make_account(
        owner=anna, code="T-1", name="Tundra Group", tier="strategic", stage="key", country="DE", channel=retail
    )
    mid = make_account(owner=anna, parent=top, code="T-1-1", name="Tundra Nord", tier="key", country="DE")
    make_account(owner=bert, parent=mid, code="T-1-1-1", name="Tundra Kiel", stage="developing", country="DE")
    make_account(
        owner=bert,
        code="P-1",
        name="Pillbox Pharma",
        kind="distributor",
        channel=pharmacy,
        country="FR",
        legal_name="Pillbox SAS",
        tags=["Priority"],
    )
    make_account(owner=None, code="Q-1", name="Quarry Works", kind="prospect", is_active=False, tier="maintain")
    return {"admin": admin, "anna": anna, "bert": bert, "south": south, "west": west, "top": top, "mid": mid}


def test_list_shows_only_the_accounts_the_user_may_see(world, login):
    client = login(world.kam_a)
    assert sorted(list_codes(client)) == ["G-001", "G-001-DE"]
    client = login(world.lead)
    assert sorted(list_codes(client)) == ["B-001", "G-001", "G-001-DE"]


def test_list_columns_show_parent_owner_team_tier_and_subsidiary_count(world, login):
    html = table_body(login(world.kam_a).get(reverse("accounts:list")))
    row = html[html.index("Globex Deutschland") :].split("</tr>")[0]
    assert "Globex Holding" in row  # parent
    assert str(world.kam_a) in row
    assert "North" in row  # the owner's team
    assert "Growth" in row  # default tier, shown with its label
    top_row = html[html.index(">Globex Holding</a>") :].split("</tr>")[0]
    assert re.search(r'class="num">1</td>', top_row)  # one subsidiary


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({}, {"T-1", "T-1-1", "T-1-1-1", "P-1", "Q-1"}),
        ({"q": "tundra"}, {"T-1", "T-1-1", "T-1-1-1"}),
        ({"q": "pillbox sas"}, {"P-1"}),  # legal name
        ({"q": "t-1-1"}, {"T-1-1", "T-1-1-1"}),  # code
        ({"tier": "strategic"}, {"T-1"}),
        ({"tier": ["strategic", "key"]}, {"T-1", "T-1-1"}),
        ({"stage": "developing"}, {"T-1-1-1"}),
        ({"kind": "distributor"}, {"P-1"}),
        ({"kind": ["distributor", "prospect"]}, {"P-1", "Q-1"}),
        ({"channel": "pharmacy"}, {"P-1"}),
        ({"country": "fr"}, {"P-1"}),
        ({"top_level": "true"}, {"T-1", "P-1", "Q-1"}),
        ({"active": "false"}, {"Q-1"}),
        ({"active": "true", "country": "DE"}, {"T-1", "T-1-1", "T-1-1-1"}),
    ],
)
def test_each_filter_narrows_the_list(catalog, client, params, expected):
    client.force_login(catalog["admin"])
    assert set(list_codes(client, **params)) == expected


def test_owner_team_and_parent_filters(catalog, client):
    client.force_login(catalog["admin"])
    assert set(list_codes(client, owner=catalog["anna"].pk)) == {"T-1", "T-1-1"}
    assert set(list_codes(client, team=catalog["west"].pk)) == {"T-1-1-1", "P-1"}
    assert set(list_codes(client, parent=catalog["top"].pk)) == {"T-1-1"}
    assert set(list_codes(client, parent=catalog["top"].pk, include_children="true")) == {"T-1-1", "T-1-1-1"}


def test_invalid_filter_value_is_reported_not_a_server_error(catalog, client):
    client.force_login(catalog["admin"])
    response = client.get(reverse("accounts:list"), {"owner": "999999", "tier": "nonsense"})
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()


def test_sorting_by_column(catalog, client):
    client.force_login(catalog["admin"])
    by_name = list_codes(client)
    assert by_name == ["P-1", "Q-1", "T-1", "T-1-1-1", "T-1-1"]  # Pillbox, Quarry, Tundra Group/Kiel/Nord
    assert list_codes(client, sort="-name") == list(reversed(by_name))
    assert list_codes(client, sort="code") == ["P-1", "Q-1", "T-1", "T-1-1", "T-1-1-1"]
    assert list_codes(client, sort="-code") == ["T-1-1-1", "T-1-1", "T-1", "Q-1", "P-1"]
    by_owner = list_codes(client, sort="owner")
    assert by_owner.index("T-1-1") < by_owner.index("P-1")  # Adler before Berg
    assert list_codes(client, sort="-owner").index("T-1-1") > list_codes(client, sort="-owner").index("P-1")


def test_sort_headers_toggle_direction_and_keep_filters(catalog, client):
    client.force_login(catalog["admin"])
    html = client.get(reverse("accounts:list"), {"country": "DE", "sort": "code"}).content.decode()
    assert 'aria-sort="ascending"' in html
    assert re.search(r'href="\?country=DE&amp;sort=-code"', html)


def test_pagination_keeps_the_filters(catalog, client, settings):
    settings.PAGE_SIZE = 2
    client.force_login(catalog["admin"])
    first = client.get(reverse("accounts:list"), {"country": "DE", "sort": "code"})
    assert codes_in(first) == ["T-1", "T-1-1"]
    html = first.content.decode()
    assert "Page 1 of 2" in html
    assert 'href="?country=DE&amp;sort=code&amp;page=2"' in html
    assert list_codes(client, country="DE", sort="code", page=2) == ["T-1-1-1"]
    # An out-of-range or garbled page number shows the nearest page instead of failing.
    assert list_codes(client, country="DE", sort="code", page=99) == ["T-1-1-1"]
    assert list_codes(client, country="DE", sort="code", page="x") == ["T-1", "T-1-1"]


def test_htmx_filter_request_returns_only_the_results_block(catalog, client):
    client.force_login(catalog["admin"])
    response = client.get(
        reverse("accounts:list"), {"q": "pill"}, headers={"HX-Request": "true", "HX-Target": "account-results"}
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in html
    assert html.lstrip().startswith('<section id="account-results"')
    assert codes_in(response) == ["P-1"]


def test_list_without_javascript_is_a_plain_get_form(world, login):
    html = login(world.kam_a).get(reverse("accounts:list")).content.decode()
    main = html[html.index("<main") :]
    form = main[main.index('<form method="get"') :].split(">")[0]
    assert 'action="/accounts/"' in form
    assert 'hx-get="/accounts/"' in form and 'hx-push-url="true"' in form


def test_viewer_sees_no_create_or_edit_buttons(world, login):
    grant(world.account_b, world.viewer, access="edit")  # viewers never edit, whatever the grant says
    client = login(world.viewer)
    html = client.get(reverse("accounts:list")).content.decode()
    assert reverse("accounts:create") not in html
    detail = client.get(reverse("accounts:detail", args=[world.account_b.pk])).content.decode()
    assert reverse("accounts:edit", args=[world.account_b.pk]) not in detail
    assert client.get(reverse("accounts:create")).status_code == 403
    assert client.get(reverse("accounts:edit", args=[world.account_b.pk])).status_code == 403


def test_list_requires_login(client):
    response = client.get(reverse("accounts:list"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


# --- export -------------------------------------------------------------------------------------------


def test_csv_export_contains_all_filtered_visible_accounts(world, login, settings):
    settings.PAGE_SIZE = 1  # the export is not limited to one page
    client = login(world.lead)
    response = client.get(reverse("accounts:export", args=["csv"]), {"q": "globex", "page": "1"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    rows = csv_rows(response)
    assert sorted(row["code"] for row in rows) == ["G-001", "G-001-DE"]
    subsidiary = next(row for row in rows if row["code"] == "G-001-DE")
    assert subsidiary["parent_code"] == "G-001"
    assert subsidiary["owner_email"] == world.kam_a.email
    everything = client.get(reverse("accounts:export"), {"format": "csv"})
    assert {row["code"] for row in csv_rows(everything)} == {"G-001", "G-001-DE", "B-001"}  # never the hidden one


def test_xlsx_export_is_a_workbook_of_visible_accounts(world, login):
    from openpyxl import load_workbook

    response = login(world.kam_a).get(reverse("accounts:export", args=["xlsx"]))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    sheet = load_workbook(io.BytesIO(body_bytes(response))).active
    header = [cell.value for cell in sheet[1]]
    code_column = header.index("code")
    codes = {row[code_column] for row in sheet.iter_rows(min_row=2, values_only=True)}
    assert codes == {"G-001", "G-001-DE"}


def test_unknown_export_format_is_a_clear_400(world, login):
    response = login(world.kam_a).get(reverse("accounts:export"), {"format": "pdf"})
    assert response.status_code == 400
    assert "csv or xlsx" in response.content.decode()


# --- account page -------------------------------------------------------------------------------------


def test_account_page_shows_facts_hierarchy_team_and_stakeholders(world, login):
    grant(world.subsidiary, world.kam_b, role="finance", access="read")
    make_contact(world.subsidiary, first_name="Greta", last_name="Lind", title="Head of Buying", influence=5)
    make_contact(world.subsidiary, first_name="Old", last_name="Timer", has_left=True)
    grandchild = make_account(owner=world.kam_a, parent=world.subsidiary, code="G-001-DE-1", name="Globex Berlin")
    response = login(world.kam_a).get(reverse("accounts:detail", args=[world.subsidiary.pk]))
    html = response.content.decode()
    assert response.status_code == 200
    breadcrumb = html[html.index('aria-label="Breadcrumb"') :].split("</nav>")[0]
    assert "Globex Holding" in breadcrumb and "Globex Deutschland" in breadcrumb
    assert "G-001-DE" in html
    assert reverse("accounts:detail", args=[grandchild.pk]) in html
    assert "Finance" in html and str(world.kam_b) in html
    assert "Greta Lind" in html and "Head of Buying" in html
    assert "left the company" in html
    for tab in ("Overview", "Stakeholders", "Team", "History"):
        assert f">{tab}</a>" in html


@pytest.mark.parametrize("name", ["detail", "stakeholders", "team", "history", "edit", "handover"])
def test_hidden_or_missing_account_answers_404_on_every_page(world, login, name):
    client = login(world.kam_a)
    assert client.get(reverse(f"accounts:{name}", args=[world.hidden.pk])).status_code == 404
    assert client.get(reverse(f"accounts:{name}", args=[987654])).status_code == 404


def test_hidden_account_cannot_be_changed_by_post(world, login):
    client = login(world.kam_a)
    for name in ("edit", "handover", "team"):
        response = client.post(reverse(f"accounts:{name}", args=[world.hidden.pk]), {"name": "Mine now"})
        assert response.status_code == 404
    world.hidden.refresh_from_db()
    assert world.hidden.name == "Hidden Industries"


def test_tabs_render_for_a_reader(world, login):
    grant(world.account_b, world.kam_a, access="read")
    make_contact(world.account_b, first_name="Rita", last_name="Roth")
    client = login(world.kam_a)
    stakeholders = client.get(reverse("accounts:stakeholders", args=[world.account_b.pk])).content.decode()
    assert "Rita Roth" in stakeholders
    team = client.get(reverse("accounts:team", args=[world.account_b.pk])).content.decode()
    assert str(world.kam_a) in team
    assert "Save team member" not in team  # read access: no team forms


# --- create and edit ----------------------------------------------------------------------------------


def test_create_account_makes_the_creator_owner_and_records_history(world, login):
    client = login(world.kam_a)
    data = edit_data(Account(code="N-001", name="Nordwind AG", kind="customer", tier="key", stage="target"))
    data.update(owner="", parent=world.global_account.pk, tags="Retail, Priority ,", country="de")
    response = client.post(reverse("accounts:create"), data)
    account = Account.objects.get(code="N-001")
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:detail", args=[account.pk])
    assert account.owner == world.kam_a
    assert account.parent == world.global_account
    assert account.country == "DE"
    assert sorted(account.tags.values_list("name", flat=True)) == ["Priority", "Retail"]
    assert AuditEvent.objects.filter(account_id=account.pk, action="create").exists()


def test_create_form_offers_only_visible_parents(world, login):
    html = login(world.kam_a).get(reverse("accounts:create")).content.decode()
    assert "Globex Holding (G-001)" in html
    assert "Hidden Industries" not in html and "Brightmart" not in html


def test_edit_changes_the_account_and_history_shows_old_and_new(world, login):
    client = login(world.kam_a)
    url = reverse("accounts:edit", args=[world.global_account.pk])
    assert client.get(url).status_code == 200
    response = client.post(url, edit_data(world.global_account, name="Globex Worldwide", credit_limit="5000.00"))
    assert response.status_code == 302
    world.global_account.refresh_from_db()
    assert world.global_account.name == "Globex Worldwide"
    history = client.get(reverse("accounts:history", args=[world.global_account.pk])).content.decode()
    assert "Globex Holding" in history and "Globex Worldwide" in history
    assert "Credit limit" in history and "5000.00" in history
    assert str(world.kam_a) in history


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"name": ""}, "name", "This field is required."),
        ({"code": "B-001"}, "code", "already exists"),
        ({"country": "Germany"}, "country", "two-letter ISO country code"),
        ({"currency": "euro"}, "currency", "three-letter ISO currency code"),
        ({"credit_limit": "-5"}, "credit_limit", "greater than or equal to 0"),
        ({"website": "not a url"}, "website", "Enter a valid URL."),
        ({"tier": "platinum"}, "tier", "Select a valid choice"),
    ],
)
def test_edit_with_invalid_data_shows_field_errors_and_changes_nothing(world, login, changes, field, message):
    client = login(world.kam_a)
    before = AuditEvent.objects.count()
    response = client.post(
        reverse("accounts:edit", args=[world.global_account.pk]),
        edit_data(world.global_account, legal_name="Should not be stored", **changes),
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "Nothing was saved" in html
    assert "<h1>Edit Globex Holding</h1>" in html  # the stored name, not the rejected input
    errors = html[html.index(f'name="{field}"') :]
    assert message in errors[: errors.index("</label>") + 400]
    world.global_account.refresh_from_db()
    assert world.global_account.legal_name == ""
    assert AuditEvent.objects.count() == before


def test_moving_an_account_under_its_own_subsidiary_is_refused_on_the_form(world, login):
    client = login(world.kam_a)
    response = client.post(
        reverse("accounts:edit", args=[world.global_account.pk]),
        edit_data(world.global_account, parent=world.subsidiary.pk),
    )
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    world.global_account.refresh_from_db()
    assert world.global_account.parent is None


def test_forged_hidden_parent_is_refused(world, login):
    client = login(world.kam_a)
    response = client.post(
        reverse("accounts:edit", args=[world.subsidiary.pk]), edit_data(world.subsidiary, parent=world.hidden.pk)
    )
    assert response.status_code == 200
    world.subsidiary.refresh_from_db()
    assert world.subsidiary.parent == world.global_account


def test_assigning_an_owner_the_user_may_not_choose_is_a_field_error(world, login):
    client = login(world.kam_a)  # a KAM may only assign accounts to themselves
    response = client.post(
        reverse("accounts:edit", args=[world.global_account.pk]), edit_data(world.global_account, owner=world.kam_b.pk)
    )
    assert response.status_code == 200
    assert "You cannot assign accounts to this user." in response.content.decode()
    world.global_account.refresh_from_db()
    assert world.global_account.owner == world.kam_a


def test_read_only_member_gets_403_on_edit(world, login):
    grant(world.hidden, world.kam_a, access="read")
    client = login(world.kam_a)
    url = reverse("accounts:edit", args=[world.hidden.pk])
    assert client.get(url).status_code == 403
    response = client.post(url, edit_data(world.hidden, name="Taken over"))
    assert response.status_code == 403
    assert "read-only access" in response.content.decode()
    world.hidden.refresh_from_db()
    assert world.hidden.name == "Hidden Industries"
    detail = client.get(reverse("accounts:detail", args=[world.hidden.pk])).content.decode()
    assert url not in detail  # no edit button either


def test_post_without_csrf_token_is_refused(world):
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.kam_a)
    response = client.post(
        reverse("accounts:edit", args=[world.global_account.pk]), edit_data(world.global_account, name="Forged")
    )
    assert response.status_code == 403
    world.global_account.refresh_from_db()
    assert world.global_account.name == "Globex Holding"


def test_post_with_csrf_token_is_accepted(world):
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.kam_a)
    url = reverse("accounts:edit", args=[world.global_account.pk])
    page = client.get(url).content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    data = edit_data(world.global_account, name="Globex Prime", csrfmiddlewaretoken=token)
    assert client.post(url, data).status_code == 302
    world.global_account.refresh_from_db()
    assert world.global_account.name == "Globex Prime"


# --- handover -----------------------------------------------------------------------------------------


def test_handover_moves_account_subsidiaries_and_relationships(world, login):
    contact = make_contact(world.subsidiary, last_name="Keller", owner=world.kam_a)
    client = login(world.lead)
    response = client.post(
        reverse("accounts:handover", args=[world.global_account.pk]),
        {
            "new_owner": world.kam_b.pk,
            "reason": "Kam A moves to the southern region",
            "include_subsidiaries": "on",
            "transfer_contacts": "on",
            "keep_previous_owner": "on",
        },
        follow=True,
    )
    assert response.status_code == 200
    assert "handed over to" in response.content.decode()
    for account in (world.global_account, world.subsidiary):
        account.refresh_from_db()
        assert account.owner == world.kam_b
    contact.refresh_from_db()
    assert contact.owner == world.kam_b
    assert AccountMembership.objects.filter(account=world.global_account, user=world.kam_a, access="read").exists()
    history = client.get(reverse("accounts:history", args=[world.global_account.pk])).content.decode()
    assert "Account handed over" in history and "Kam A moves to the southern region" in history


def test_handover_needs_a_reason_and_changes_nothing_without_one(world, login):
    client = login(world.lead)
    response = client.post(
        reverse("accounts:handover", args=[world.global_account.pk]), {"new_owner": world.kam_b.pk, "reason": "  "}
    )
    assert response.status_code == 200
    assert "Say why the account is handed over." in response.content.decode()
    world.global_account.refresh_from_db()
    assert world.global_account.owner == world.kam_a


def test_handover_to_someone_the_user_may_not_assign_is_a_field_error(world, login):
    client = login(world.kam_a)
    response = client.post(
        reverse("accounts:handover", args=[world.global_account.pk]),
        {"new_owner": world.outsider.pk, "reason": "Trying"},
    )
    assert response.status_code == 200
    assert "You cannot assign accounts to this user." in response.content.decode()
    world.global_account.refresh_from_db()
    assert world.global_account.owner == world.kam_a


def test_read_only_member_cannot_hand_over(world, login):
    grant(world.account_b, world.kam_a, access="read")
    response = login(world.kam_a).post(
        reverse("accounts:handover", args=[world.account_b.pk]), {"new_owner": world.kam_a.pk, "reason": "Mine"}
    )
    assert response.status_code == 403
    world.account_b.refresh_from_db()
    assert world.account_b.owner == world.kam_b


# --- account team -------------------------------------------------------------------------------------


def test_team_add_change_and_remove(world, login):
    client = login(world.kam_a)
    url = reverse("accounts:team", args=[world.global_account.pk])
    response = client.post(url, {"user": world.kam_b.pk, "role": "finance", "access": "read"})
    assert response.status_code == 302
    membership = AccountMembership.objects.get(account=world.global_account, user=world.kam_b)
    assert (membership.role, membership.access) == ("finance", "read")
    client.post(url, {"user": world.kam_b.pk, "role": "sales", "access": "edit"})
    membership.refresh_from_db()
    assert (membership.role, membership.access) == ("sales", "edit")
    page = client.get(url).content.decode()
    assert reverse("accounts:team_remove", args=[world.global_account.pk, membership.pk]) in page
    response = client.post(reverse("accounts:team_remove", args=[world.global_account.pk, membership.pk]))
    assert response.status_code == 302
    assert not AccountMembership.objects.filter(pk=membership.pk).exists()
    history = client.get(reverse("accounts:history", args=[world.global_account.pk])).content.decode()
    assert "Team member added" in history and "Team member removed" in history
    assert "Finance" in history and "Sales" in history  # choice labels, not stored values


def test_team_forms_on_the_overview_come_back_to_it(world, login):
    client = login(world.kam_a)
    detail = reverse("accounts:detail", args=[world.global_account.pk])
    page = client.get(detail).content.decode()
    assert "Save team member" in page
    response = client.post(
        reverse("accounts:team", args=[world.global_account.pk]),
        {"user": world.kam_b.pk, "role": "finance", "access": "read", "next": detail},
    )
    assert response["Location"] == detail
    membership = AccountMembership.objects.get(account=world.global_account, user=world.kam_b)
    response = client.post(
        reverse("accounts:team_remove", args=[world.global_account.pk, membership.pk]),
        {"next": "https://evil.example/phish"},
    )
    assert response["Location"] == reverse("accounts:team", args=[world.global_account.pk])  # never off-site
    assert not AccountMembership.objects.filter(pk=membership.pk).exists()


def test_team_form_errors_are_shown(world, login):
    client = login(world.kam_a)
    response = client.post(
        reverse("accounts:team", args=[world.global_account.pk]), {"user": world.kam_b.pk, "role": "boss"}
    )
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    assert not AccountMembership.objects.filter(account=world.global_account).exists()


def test_read_only_member_cannot_change_the_team(world, login):
    membership = grant(world.account_b, world.kam_a, access="read")
    client = login(world.kam_a)
    url = reverse("accounts:team", args=[world.account_b.pk])
    response = client.post(url, {"user": world.kam_a.pk, "role": "kam", "access": "edit"})
    assert response.status_code == 403
    assert client.post(url, {"user": "", "role": "nonsense"}).status_code == 403  # refused before validation
    response = client.post(reverse("accounts:team_remove", args=[world.account_b.pk, membership.pk]))
    assert response.status_code == 403
    membership.refresh_from_db()
    assert membership.access == "read"


def test_removing_a_member_of_another_account_is_refused(world, login):
    other = grant(world.account_b, world.kam_a, access="read")
    client = login(world.kam_a)
    response = client.post(reverse("accounts:team_remove", args=[world.global_account.pk, other.pk]), follow=True)
    assert "no longer on the account team" in response.content.decode()
    assert AccountMembership.objects.filter(pk=other.pk).exists()


# --- history ------------------------------------------------------------------------------------------


def test_history_is_paginated_newest_first(world, login, settings):
    settings.PAGE_SIZE = 2
    client = login(world.kam_a)
    url = reverse("accounts:edit", args=[world.global_account.pk])
    for n in range(3):
        client.post(url, edit_data(Account.objects.get(pk=world.global_account.pk), region=f"Region {n}"))
    first = client.get(reverse("accounts:history", args=[world.global_account.pk])).content.decode()
    assert 'class="new">Region 2<' in first and 'class="new">Region 0<' not in first
    assert "Page 1 of 2" in first
    second = client.get(reverse("accounts:history", args=[world.global_account.pk]), {"page": 2}).content.decode()
    assert 'class="new">Region 0<' in second


# --- query counts (no N+1) ----------------------------------------------------------------------------


def _count_queries(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


def _grow(owner, parent, members, start: int, count: int) -> None:
    """Add ``count`` subsidiaries (with tags, a channel and a stakeholder) and team members."""
    channel = Channel.objects.first()
    for n in range(start, start + count):
        child = make_account(owner=owner, parent=parent, channel=channel, tags=[f"T{n}", "Shared"])
        make_contact(parent, last_name=f"Stake{n}", owner=owner)
        make_contact(child, last_name=f"Child{n}")
        member = make_user("team_member", team=members)
        grant(parent, member, role="sales")


@pytest.mark.parametrize("role", ["kam", "admin"])
def test_list_and_account_page_query_counts_do_not_grow_with_data(db, client, role, settings):
    settings.PAGE_SIZE = 100
    team = make_team("Growth")
    owner = make_user("kam", team=team)
    viewer = owner if role == "kam" else make_user("admin")
    parent = make_account(owner=owner, code="Q-TOP", name="Query Top", tags=["Root"])
    client.force_login(viewer)
    urls = [
        reverse("accounts:list"),
        reverse("accounts:list") + "?tier=growth&sort=-owner",
        reverse("accounts:detail", args=[parent.pk]),
        reverse("accounts:team", args=[parent.pk]),
        reverse("accounts:stakeholders", args=[parent.pk]),
        reverse("accounts:history", args=[parent.pk]),
    ]
    _grow(owner, parent, team, 0, 5)
    small = [_count_queries(client, url) for url in urls]
    _grow(owner, parent, team, 5, 35)
    large = [_count_queries(client, url) for url in urls]
    assert large == small, list(zip(urls, small, large, strict=True))
    assert max(large) <= 16


def test_handover_page_hands_an_account_to_a_team(world, login):
    client = login(world.lead)
    response = client.post(
        f"/accounts/{world.account_b.pk}/handover/", {"team": world.team.pk, "reason": "Team account from now on"}
    )
    assert response.status_code == 302
    world.account_b.refresh_from_db()
    assert world.account_b.owner == world.lead


def test_parent_code_filter_lists_subsidiaries(world, login):
    client = login(world.kam_a)
    body = client.get(reverse("accounts:list"), {"parent_code": "g-001"}).content.decode()
    assert "Globex Deutschland" in body and "Globex Holding</a>" not in body
    body = client.get(reverse("accounts:list"), {"parent_code": "NOPE"}).content.decode()
    assert "Globex Deutschland" not in body


def test_filter_form_shows_the_chosen_values(world, login):
    html = login(world.kam_a).get(reverse("accounts:list"), {"active": "false", "tier": "key", "team": world.team.pk})
    html = html.content.decode()
    assert '<option value="false" selected>Inactive only</option>' in html
    assert f'<option value="{world.team.pk}" selected>North</option>' in html
    assert 'value="key" id="id_tier_1" checked' in html
