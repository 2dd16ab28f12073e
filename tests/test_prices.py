"""Customer price agreements: the rules (who, overlaps, terms), the expected price on any day, the
"Prices & range" tab and the API."""

import re
from datetime import date
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from kamdesk.audit.models import AuditEvent
from kamdesk.core.errors import NotFound, PermissionDenied, ServiceError
from kamdesk.sales.models import PriceAgreement
from kamdesk.sales.services_products import (
    expected_price,
    price_agreement_create,
    price_agreement_delete,
    price_agreement_update,
)
from tests.factories import grant, make_user
from tests.sales_factories import make_product

API = "/api/v1"
D = Decimal


@pytest.fixture
def shop(world):
    """world, plus two drinks and a snack, a reader (kam_b, read access to the global account) and a team
    member with edit access who may not see pricing terms."""
    world.cola = make_product(sku="COLA", name="Cola", category="Drinks", list_price=D("2.00"))
    world.lemonade = make_product(sku="LEMO", name="Lemonade", category="Drinks", list_price=D("1.50"))
    world.chips = make_product(sku="CHIP", name="Chips", category="Snacks", list_price=D("9.99"))
    world.unpriced = make_product(sku="FREE", name="Sample", category="Drinks", list_price=None)
    grant(world.global_account, world.kam_b, access="read")
    world.member = make_user("team_member", email="member@example.com")
    grant(world.global_account, world.member, access="edit")
    return world


def agree(account, *, actor=None, **fields):
    fields.setdefault("valid_from", date(2025, 1, 1))
    if "product" not in fields and "category" not in fields:
        raise AssertionError("give a product or a category")
    if "net_price" not in fields:
        fields.setdefault("discount_pct", D("10"))
    return price_agreement_create(actor=actor, account_id=account.pk, **fields)


# --- who may change agreements ----------------------------------------------------------------------------------


def test_owner_adds_an_agreement_audited_on_the_account(shop):
    agreement = agree(shop.global_account, actor=shop.kam_a, product=shop.cola, valid_to=date(2025, 12, 31))
    event = AuditEvent.objects.get(object_type="priceagreement", object_id=agreement.pk)
    assert event.action == "create" and event.account_id == shop.global_account.pk and event.actor == shop.kam_a
    assert event.changes["discount_pct"] == [None, "10"]


@pytest.mark.parametrize(
    ("who", "error"),
    [("kam_b", PermissionDenied), ("member", PermissionDenied), ("viewer", PermissionDenied), ("outsider", NotFound)],
)
def test_who_may_not_add_agreements(shop, who, error):
    if who == "viewer":
        grant(shop.global_account, shop.viewer, access="edit")
    with pytest.raises(error):
        agree(shop.global_account, actor=getattr(shop, who), product=shop.cola)
    assert not PriceAgreement.objects.exists()


def test_team_lead_of_the_owner_may_change_and_delete(shop):
    agreement = agree(shop.subsidiary, actor=shop.kam_a, category="Drinks")
    price_agreement_update(actor=shop.lead, account_id=shop.subsidiary.pk, agreement_id=agreement.pk, net_price=D("1"))
    agreement.refresh_from_db()
    assert agreement.net_price == D("1.00") and agreement.discount_pct is None  # one replaces the other
    price_agreement_delete(actor=shop.lead, account_id=shop.subsidiary.pk, agreement_id=agreement.pk)
    assert not PriceAgreement.objects.exists()
    actions = list(
        AuditEvent.objects.filter(object_type="priceagreement").order_by("id").values_list("action", "account_id")
    )
    assert actions == [("create", shop.subsidiary.pk), ("update", shop.subsidiary.pk), ("delete", shop.subsidiary.pk)]


def test_an_agreement_of_another_account_is_not_found_through_this_one(shop):
    agreement = agree(shop.account_b, product=shop.cola)
    with pytest.raises(NotFound):
        price_agreement_delete(actor=shop.admin, account_id=shop.global_account.pk, agreement_id=agreement.pk)


# --- terms -------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"product": "cola", "category": "Drinks", "discount_pct": D("5")}, "product"),
        ({"discount_pct": D("5")}, "product"),
        ({"product": "cola", "discount_pct": D("5"), "net_price": D("1")}, "discount_pct"),
        ({"product": "cola"}, "discount_pct"),
        ({"product": "cola", "discount_pct": D("5"), "valid_to": date(2024, 12, 31)}, "valid_to"),
        ({"product": "cola", "discount_pct": D("101")}, "discount_pct"),
        ({"product": "cola", "net_price": D("-1")}, "net_price"),
        ({"category": "Furniture", "discount_pct": D("5")}, "category"),
    ],
)
def test_bad_terms_are_refused_naming_the_field(shop, fields, field):
    if fields.get("product") == "cola":
        fields["product"] = shop.cola
    with pytest.raises(ServiceError) as caught:
        price_agreement_create(
            actor=shop.kam_a, account_id=shop.global_account.pk, valid_from=date(2025, 1, 1), **fields
        )
    assert field in caught.value.field_errors
    assert not PriceAgreement.objects.exists()


# --- overlaps ------------------------------------------------------------------------------------------------------

JAN, JUN30, JUL1 = date(2025, 1, 1), date(2025, 6, 30), date(2025, 7, 1)


@pytest.mark.parametrize(
    ("valid_from", "valid_to", "clashes"),
    [
        (date(2024, 1, 1), date(2024, 12, 31), False),  # ends the day before
        (date(2024, 1, 1), JAN, True),  # ends on the first day
        (date(2024, 1, 1), None, True),  # open-ended, starting before
        (date(2025, 3, 1), date(2025, 3, 31), True),  # inside
        (date(2024, 1, 1), date(2026, 1, 1), True),  # around
        (JUN30, None, True),  # starts on the last day
        (JUL1, None, False),  # starts the day after
        (JUL1, date(2025, 12, 31), False),
    ],
)
def test_overlap_matrix_for_a_closed_agreement(shop, valid_from, valid_to, clashes):
    agree(shop.global_account, product=shop.cola, valid_from=JAN, valid_to=JUN30)
    attempt = {"product": shop.cola, "valid_from": valid_from, "valid_to": valid_to, "discount_pct": D("3")}
    if clashes:
        with pytest.raises(ServiceError) as caught:
            agree(shop.global_account, actor=shop.kam_a, **attempt)
        message = caught.value.field_errors["valid_from"][0]
        assert "SKU COLA, 10.00 % off, valid 2025-01-01 to 2025-06-30" in message
        assert PriceAgreement.objects.count() == 1
    else:
        agree(shop.global_account, actor=shop.kam_a, **attempt)
        assert PriceAgreement.objects.count() == 2


@pytest.mark.parametrize(
    ("valid_from", "valid_to", "clashes"),
    [
        (date(2024, 1, 1), date(2024, 12, 31), False),
        (date(2024, 1, 1), JAN, True),
        (date(2030, 1, 1), None, True),
        (date(2099, 12, 31), date(2099, 12, 31), True),
    ],
)
def test_overlap_matrix_for_an_open_ended_category_agreement(shop, valid_from, valid_to, clashes):
    agree(shop.global_account, category="Drinks", net_price=D("1.20"), valid_from=JAN)
    attempt = {"category": "Drinks", "valid_from": valid_from, "valid_to": valid_to}
    if clashes:
        with pytest.raises(
            ServiceError, match=re.escape("category “Drinks”, net price 1.20, valid 2025-01-01 to open-ended")
        ):
            agree(shop.global_account, **attempt)
    else:
        agree(shop.global_account, **attempt)


def test_no_clash_between_other_products_categories_or_accounts(shop):
    agree(shop.global_account, product=shop.cola)
    agree(shop.global_account, product=shop.lemonade)
    agree(shop.global_account, category="Drinks")  # a product agreement and a category one may coexist
    agree(shop.global_account, category="Snacks")
    agree(shop.subsidiary, product=shop.cola)  # each account has its own terms
    assert PriceAgreement.objects.count() == 5


def test_an_update_may_keep_its_own_dates_but_not_move_onto_another(shop):
    first = agree(shop.global_account, product=shop.cola, valid_to=JUN30)
    second = agree(shop.global_account, product=shop.cola, valid_from=JUL1)
    price_agreement_update(actor=shop.kam_a, account_id=shop.global_account.pk, agreement_id=first.pk, note="renewed")
    with pytest.raises(ServiceError, match="overlaps"):
        price_agreement_update(
            actor=shop.kam_a, account_id=shop.global_account.pk, agreement_id=second.pk, valid_from=date(2025, 6, 1)
        )
    second.refresh_from_db()
    assert second.valid_from == JUL1


# --- expected price ---------------------------------------------------------------------------------------------


def test_without_an_agreement_the_list_price_applies(shop):
    assert expected_price(shop.global_account, shop.cola, date(2025, 5, 5)) == (D("2.00"), None)
    assert expected_price(shop.global_account, shop.unpriced, date(2025, 5, 5)) == (None, None)


@pytest.mark.parametrize(
    ("day", "price"),
    [
        (date(2024, 12, 31), D("9.99")),  # the day before
        (JAN, D("8.74")),  # first day: 9.99 * 0.875 = 8.74125
        (date(2025, 3, 15), D("8.74")),
        (JUN30, D("8.74")),  # valid_to is inclusive
        (JUL1, D("9.99")),  # the day after
    ],
)
def test_a_closed_discount_agreement_on_any_day(shop, day, price):
    agreement = agree(shop.global_account, product=shop.chips, discount_pct=D("12.5"), valid_to=JUN30)
    found_price, found = expected_price(shop.global_account, shop.chips, day)
    assert found_price == price
    assert found == (agreement if price == D("8.74") else None)


def test_an_open_ended_agreement_runs_forever(shop):
    agree(shop.global_account, product=shop.cola, net_price=D("1.75"), valid_from=JAN)
    assert expected_price(shop.global_account, shop.cola, date(2999, 12, 31))[0] == D("1.75")
    assert expected_price(shop.global_account, shop.cola, date(2024, 12, 31))[0] == D("2.00")


def test_rounding_is_half_up_to_cents(shop):
    product = make_product(sku="ODD", category="Odd", list_price=D("0.25"))
    agree(shop.global_account, product=product, discount_pct=D("10"))  # 0.225 → 0.23
    assert expected_price(shop.global_account, product, JAN)[0] == D("0.23")


def test_a_product_agreement_beats_a_category_agreement(shop):
    category = agree(shop.global_account, category="Drinks", discount_pct=D("20"), valid_from=JAN)
    product = agree(
        shop.global_account,
        product=shop.cola,
        net_price=D("1.90"),
        valid_from=date(2025, 3, 1),
        valid_to=date(2025, 3, 31),
    )
    assert expected_price(shop.global_account, shop.cola, date(2025, 2, 28)) == (D("1.60"), category)
    assert expected_price(shop.global_account, shop.cola, date(2025, 3, 1)) == (D("1.90"), product)
    assert expected_price(shop.global_account, shop.cola, date(2025, 3, 31)) == (D("1.90"), product)
    assert expected_price(shop.global_account, shop.cola, date(2025, 4, 1)) == (D("1.60"), category)
    assert expected_price(shop.global_account, shop.lemonade, date(2025, 3, 15)) == (D("1.20"), category)
    assert expected_price(shop.global_account, shop.chips, date(2025, 3, 15)) == (D("9.99"), None)
    # Another account's terms never apply.
    assert expected_price(shop.subsidiary, shop.cola, date(2025, 3, 15)) == (D("2.00"), None)


def test_without_a_list_price_only_a_net_price_gives_a_price(shop):
    discount = agree(shop.global_account, category="Drinks", discount_pct=D("20"))
    assert expected_price(shop.global_account, shop.unpriced, JAN) == (None, discount)
    net = agree(shop.global_account, product=shop.unpriced, net_price=D("0.50"))
    assert expected_price(shop.global_account, shop.unpriced, JAN) == (D("0.50"), net)


# --- the "Prices & range" tab -----------------------------------------------------------------------------------


def prices_url(account) -> str:
    return reverse("sales:account_prices", args=[account.pk])


def test_tab_shows_current_upcoming_and_past_agreements(shop, login):
    agree(
        shop.global_account,
        product=shop.cola,
        net_price=D("1.11"),
        valid_from=date(2020, 1, 1),
        valid_to=date(2020, 12, 31),
    )
    agree(shop.global_account, category="Snacks", discount_pct=D("7.5"), valid_from=date(2021, 1, 1))
    agree(shop.global_account, product=shop.cola, net_price=D("1.33"), valid_from=date(2999, 1, 1))
    html = login(shop.kam_a).get(prices_url(shop.global_account)).content.decode()
    assert "Prices &amp; range" in html or "Prices & range" in html
    assert "Category Snacks" in html and "7.50" in html
    assert "Starting later" in html and "1.33" in html
    assert "Past agreements (1)" in html and "1.11" in html
    assert f'action="/accounts/{shop.global_account.pk}/prices/agreements/"' in html


def test_roles_without_cost_visibility_see_the_range_only(shop, login):
    agree(shop.global_account, product=shop.cola, net_price=D("1.23"))
    html = login(shop.member).get(prices_url(shop.global_account)).content.decode()
    assert "Range" in html and "Price agreements" not in html and "1.23" not in html
    assert "Set a listing" in html  # edit access: the range may be changed
    response = login(shop.member).post(
        reverse("sales:account_agreement_add", args=[shop.global_account.pk]),
        {"sku": "COLA", "discount_pct": "5", "valid_from": "2030-01-01"},
    )
    assert response.status_code == 403


def test_reader_sees_terms_without_forms_and_may_not_post(shop, login):
    agreement = agree(shop.global_account, product=shop.cola)
    client = login(shop.kam_b)
    html = client.get(prices_url(shop.global_account)).content.decode()
    assert "COLA" in html and "Add a price agreement" not in html and "Set a listing" not in html
    pk = shop.global_account.pk
    for url in (
        reverse("sales:account_agreement_add", args=[pk]),
        reverse("sales:account_agreement_edit", args=[pk, agreement.pk]),
        reverse("sales:account_agreement_delete", args=[pk, agreement.pk]),
    ):
        assert client.post(url, {}).status_code == 403
    assert PriceAgreement.objects.count() == 1


def test_hidden_account_tab_is_404(shop, login):
    agreement = agree(shop.hidden, product=shop.cola)
    client = login(shop.kam_a)
    assert client.get(prices_url(shop.hidden)).status_code == 404
    assert (
        client.post(reverse("sales:account_agreement_delete", args=[shop.hidden.pk, agreement.pk])).status_code == 404
    )
    # Through an account the user may edit, another account's agreement is not found either.
    url = reverse("sales:account_agreement_edit", args=[shop.global_account.pk, agreement.pk])
    assert client.get(url).status_code == 404
    assert PriceAgreement.objects.count() == 1


def test_add_edit_and_delete_through_the_tab(shop, login):
    client = login(shop.kam_a)
    pk = shop.global_account.pk
    response = client.post(
        reverse("sales:account_agreement_add", args=[pk]),
        {"sku": "COLA", "discount_pct": "5", "valid_from": "2025-01-01", "valid_to": "2025-12-31", "note": "Annual"},
    )
    assert response.status_code == 302
    agreement = PriceAgreement.objects.get()
    assert (agreement.product, agreement.discount_pct, agreement.note) == (shop.cola, D("5.00"), "Annual")

    clash = client.post(
        reverse("sales:account_agreement_add", args=[pk]),
        {"sku": "COLA", "net_price": "1.50", "valid_from": "2025-06-01"},
    )
    assert clash.status_code == 400
    assert (
        "overlaps the existing agreement for SKU COLA, 5.00 % off, valid 2025-01-01 to 2025-12-31"
        in clash.content.decode()
    )

    edit_url = reverse("sales:account_agreement_edit", args=[pk, agreement.pk])
    assert 'value="COLA"' in client.get(edit_url).content.decode()
    response = client.post(edit_url, {"category": "Drinks", "net_price": "1.80", "valid_from": "2025-01-01"})
    assert response.status_code == 302
    agreement.refresh_from_db()
    assert (agreement.product, agreement.category, agreement.net_price, agreement.discount_pct, agreement.valid_to) == (
        None,
        "Drinks",
        D("1.80"),
        None,
        None,
    )
    assert client.post(reverse("sales:account_agreement_delete", args=[pk, agreement.pk])).status_code == 302
    assert not PriceAgreement.objects.exists()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"sku": "NOPE", "discount_pct": "5", "valid_from": "2025-01-01"}, "No product has the SKU “NOPE”."),
        ({"discount_pct": "5", "valid_from": "2025-01-01"}, "Give a product&#x27;s SKU or choose a category."),
        ({"sku": "COLA", "valid_from": "2025-01-01"}, "Give a discount % or a net price."),
        ({"sku": "COLA", "discount_pct": "5", "valid_from": "2025-13-01"}, "Enter a valid date."),
        (
            {"sku": "COLA", "discount_pct": "5", "valid_from": "2025-02-01", "valid_to": "2025-01-01"},
            "The end date must be on or after the start date.",
        ),
    ],
)
def test_bad_form_input_is_a_form_error(shop, login, data, message):
    response = login(shop.kam_a).post(reverse("sales:account_agreement_add", args=[shop.global_account.pk]), data)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not PriceAgreement.objects.exists()


def test_tab_query_count_does_not_grow_with_agreements_and_listings(shop, login):
    from kamdesk.sales.services_products import listing_set

    client = login(shop.kam_a)
    counts = []
    for size in (2, 12):
        while PriceAgreement.objects.count() < size:
            n = PriceAgreement.objects.count()
            product = make_product(sku=f"Q-{n}", category="Drinks")
            agree(shop.global_account, product=product, valid_from=date(2020 + n % 3, 1, 1))
            listing_set(actor=None, account_id=shop.global_account.pk, product=product, status="listed")
        with CaptureQueriesContext(connection) as queries:
            assert client.get(prices_url(shop.global_account)).status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1]


# --- API --------------------------------------------------------------------------------------------------------


def api_url(account, rest: str = "") -> str:
    return f"{API}/accounts/{account.pk}/price-agreements{rest}"


def test_api_create_list_change_and_delete(shop, client):
    client.force_login(shop.kam_a)
    body = {"sku": "COLA", "discount_pct": "12.5", "valid_from": "2025-01-01", "valid_to": "2025-06-30"}
    response = client.post(api_url(shop.global_account), body, content_type="application/json")
    assert response.status_code == 201, response.content
    created = response.json()
    assert created["sku"] == "COLA" and created["category"] is None and D(created["discount_pct"]) == D("12.5")

    listed = client.get(api_url(shop.global_account)).json()
    assert listed["count"] == 1 and listed["items"][0]["id"] == created["id"]

    response = client.patch(
        api_url(shop.global_account, f"/{created['id']}"), {"net_price": "1.55"}, content_type="application/json"
    )
    assert response.status_code == 200
    assert D(response.json()["net_price"]) == D("1.55") and response.json()["discount_pct"] is None

    assert client.delete(api_url(shop.global_account, f"/{created['id']}")).status_code == 204
    assert not PriceAgreement.objects.exists()


def test_api_overlap_and_bad_references_are_422(shop, client):
    client.force_login(shop.kam_a)
    agree(shop.global_account, category="Drinks", valid_from=JAN)
    clash = client.post(
        api_url(shop.global_account),
        {"category": "Drinks", "net_price": "1", "valid_from": "2026-01-01"},
        content_type="application/json",
    )
    assert clash.status_code == 422
    assert clash.json()["errors"][0]["field"] == "valid_from"
    assert "category “Drinks”, 10.00 % off, valid 2025-01-01 to open-ended" in clash.json()["detail"]
    unknown = client.post(
        api_url(shop.global_account),
        {"sku": "NOPE", "discount_pct": "1", "valid_from": "2025-01-01"},
        content_type="application/json",
    )
    assert unknown.status_code == 422 and unknown.json()["errors"] == [{"field": "sku", "message": "Unknown SKU."}]
    both = client.post(
        api_url(shop.global_account),
        {"sku": "COLA", "category": "Drinks", "discount_pct": "1", "valid_from": "2025-01-01"},
        content_type="application/json",
    )
    assert both.status_code == 422 and both.json()["errors"][0]["field"] == "sku"
    extra = client.post(
        api_url(shop.global_account),
        {"sku": "COLA", "discount": "1", "valid_from": "2025-01-01"},
        content_type="application/json",
    )
    assert extra.status_code == 422
    assert PriceAgreement.objects.count() == 1


@pytest.mark.parametrize(
    ("who", "read", "write"),
    [
        ("kam_a", 200, 201),  # owner
        ("lead", 200, 201),  # the owner's team lead
        ("admin", 200, 201),
        ("kam_b", 200, 403),  # read access
        ("member", 403, 403),  # edit access, but pricing terms are hidden from the role
        ("viewer", 403, 403),
        ("outsider", 404, 404),
    ],
)
def test_api_permission_matrix(shop, client, who, read, write):
    grant(shop.global_account, shop.viewer, access="read")
    agreement = agree(shop.global_account, product=shop.cola, valid_to=date(2025, 1, 31))
    client.force_login(getattr(shop, who))
    assert client.get(api_url(shop.global_account)).status_code == read
    assert client.get(f"{API}/accounts/{shop.global_account.pk}/expected-price", {"sku": "COLA"}).status_code == read
    body = {"sku": "COLA", "net_price": "1", "valid_from": "2025-02-01"}
    assert client.post(api_url(shop.global_account), body, content_type="application/json").status_code == write
    change = 200 if write == 201 else write
    url = api_url(shop.global_account, f"/{agreement.pk}")
    assert client.patch(url, {"note": "x"}, content_type="application/json").status_code == change
    assert client.delete(url).status_code == (204 if write == 201 else write)


def test_api_expected_price(shop, client):
    client.force_login(shop.kam_a)
    category = agree(shop.global_account, category="Drinks", discount_pct=D("20"))
    url = f"{API}/accounts/{shop.global_account.pk}/expected-price"
    answer = client.get(url, {"sku": "LEMO", "date": "2025-03-01"}).json()
    assert answer["sku"] == "LEMO" and answer["date"] == "2025-03-01"
    assert D(answer["price"]) == D("1.20") and D(answer["list_price"]) == D("1.50")
    assert answer["agreement"]["id"] == category.pk and answer["agreement"]["category"] == "Drinks"
    before = client.get(url, {"sku": "LEMO", "date": "2024-12-31"}).json()
    assert D(before["price"]) == D("1.50") and before["agreement"] is None
    assert client.get(url, {"sku": "FREE", "date": "2024-01-01"}).json()["price"] is None
    assert client.get(url, {"sku": "NOPE"}).status_code == 422
    assert client.get(url, {"sku": "LEMO", "date": "01.03.2025"}).status_code == 422
    assert client.get(url).status_code == 422
