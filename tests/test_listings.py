"""The range per account: listing_set, the "Prices & range" tab's range and the listings API."""

from datetime import date

import pytest
from django.urls import reverse
from django.utils import timezone

from kamdesk.audit.models import AuditEvent
from kamdesk.core.errors import NotFound, PermissionDenied, ServiceError
from kamdesk.sales.models import Listing
from kamdesk.sales.services_products import listing_delete, listing_set
from tests.factories import grant, make_user
from tests.sales_factories import make_product

API = "/api/v1"


@pytest.fixture
def shop(world):
    world.cola = make_product(sku="COLA", name="Cola", category="Drinks")
    world.chips = make_product(sku="CHIP", name="Chips", category="Snacks")
    world.water = make_product(sku="AQUA", name="Water", category="Drinks")
    grant(world.global_account, world.kam_b, access="read")
    world.member = make_user("team_member", email="member@example.com")
    grant(world.global_account, world.member, access="edit")
    return world


def events():
    return list(AuditEvent.objects.filter(object_type="listing").order_by("id").values_list("action", "account_id"))


# --- service -------------------------------------------------------------------------------------------------


def test_set_creates_then_changes_with_since_defaulting_to_today(shop):
    account = shop.global_account
    listing = listing_set(actor=shop.kam_a, account_id=account.pk, product=shop.cola, status="proposed")
    assert (listing.status, listing.since) == ("proposed", timezone.localdate())
    listing = listing_set(
        actor=shop.kam_a, account_id=account.pk, product=shop.cola, status="listed", since=date(2025, 2, 1)
    )
    assert Listing.objects.get().since == date(2025, 2, 1) and listing.status == "listed"
    # The same again changes nothing and writes no audit event.
    listing_set(actor=shop.kam_a, account_id=account.pk, product=shop.cola, status="listed")
    assert Listing.objects.get().since == date(2025, 2, 1)
    assert events() == [("create", account.pk), ("update", account.pk)]
    change = AuditEvent.objects.filter(object_type="listing").order_by("id").last().changes
    assert change["status"] == ["proposed", "listed"] and change["since"][1] == "2025-02-01"


def test_a_team_member_with_edit_access_changes_the_range(shop):
    listing_set(actor=shop.member, account_id=shop.global_account.pk, product=shop.cola, status="listed")
    assert Listing.objects.filter(account=shop.global_account).count() == 1


@pytest.mark.parametrize(
    ("who", "error"), [("kam_b", PermissionDenied), ("outsider", NotFound), ("viewer", PermissionDenied)]
)
def test_who_may_not_change_the_range(shop, who, error):
    grant(shop.global_account, shop.viewer, access="edit")
    with pytest.raises(error):
        listing_set(actor=getattr(shop, who), account_id=shop.global_account.pk, product=shop.cola, status="listed")
    assert not Listing.objects.exists()


def test_unknown_status_is_refused(shop):
    with pytest.raises(ServiceError) as caught:
        listing_set(actor=shop.kam_a, account_id=shop.global_account.pk, product=shop.cola, status="maybe")
    assert "status" in caught.value.field_errors


def test_delete_only_through_its_own_account(shop):
    listing = listing_set(actor=None, account_id=shop.account_b.pk, product=shop.cola, status="listed")
    with pytest.raises(NotFound):
        listing_delete(actor=shop.kam_a, account_id=shop.global_account.pk, listing_id=listing.pk)
    listing_delete(actor=shop.kam_b, account_id=shop.account_b.pk, listing_id=listing.pk)
    assert not Listing.objects.exists() and events()[-1] == ("delete", shop.account_b.pk)


# --- page ------------------------------------------------------------------------------------------------------


def test_range_on_the_tab_ordered_listed_proposed_delisted(shop, login):
    pk = shop.global_account.pk
    listing_set(actor=None, account_id=pk, product=shop.cola, status="delisted", since=date(2024, 5, 1))
    listing_set(actor=None, account_id=pk, product=shop.chips, status="proposed", since=date(2025, 1, 1))
    listing_set(actor=None, account_id=pk, product=shop.water, status="listed", since=date(2023, 3, 3))
    html = login(shop.kam_b).get(reverse("sales:account_prices", args=[pk])).content.decode()
    assert html.index("AQUA") < html.index("CHIP") < html.index("COLA")
    assert "2023-03-03" in html and "<del>Delisted</del>" in html
    assert "Set a listing" not in html  # read access only


def test_set_and_remove_a_listing_through_the_tab(shop, login):
    client = login(shop.member)
    pk = shop.global_account.pk
    url = reverse("sales:account_listing_set", args=[pk])
    assert client.post(url, {"sku": "COLA", "status": "listed", "since": "2025-04-01"}).status_code == 302
    listing = Listing.objects.get()
    assert (listing.product, listing.status, listing.since) == (shop.cola, "listed", date(2025, 4, 1))
    bad = client.post(url, {"sku": "NOPE", "status": "listed"})
    assert bad.status_code == 400 and "No product has the SKU “NOPE”." in bad.content.decode()
    bad = client.post(url, {"sku": "COLA", "status": "sometimes"})
    assert bad.status_code == 400 and "Select a valid choice." in bad.content.decode()
    remove = reverse("sales:account_listing_delete", args=[pk, listing.pk])
    assert client.post(remove).status_code == 302
    assert not Listing.objects.exists()


def test_page_writes_refused_for_readers_and_hidden_accounts(shop, login):
    listing = listing_set(actor=None, account_id=shop.hidden.pk, product=shop.cola, status="listed")
    reader = login(shop.kam_b)
    assert (
        reader.post(
            reverse("sales:account_listing_set", args=[shop.global_account.pk]), {"sku": "COLA", "status": "listed"}
        ).status_code
        == 403
    )
    assert reader.get(reverse("sales:account_listing_set", args=[shop.global_account.pk])).status_code == 405
    assert reader.post(reverse("sales:account_listing_delete", args=[shop.hidden.pk, listing.pk])).status_code == 404
    assert reader.get(reverse("sales:account_prices", args=[shop.hidden.pk])).status_code == 404
    assert Listing.objects.count() == 1


# --- API --------------------------------------------------------------------------------------------------------


def test_api_put_then_list(shop, client):
    client.force_login(shop.kam_a)
    url = f"{API}/accounts/{shop.global_account.pk}/listings"
    response = client.put(
        url, {"sku": "COLA", "status": "listed", "since": "2025-01-15"}, content_type="application/json"
    )
    assert response.status_code == 200
    assert response.json() | {"id": 0, "updated_at": ""} == {
        "id": 0,
        "product_id": shop.cola.pk,
        "sku": "COLA",
        "product_name": "Cola",
        "status": "listed",
        "since": "2025-01-15",
        "updated_at": "",
    }
    client.put(url, {"sku": "CHIP", "status": "proposed"}, content_type="application/json")
    listed = client.get(url).json()
    assert listed["count"] == 2 and [item["sku"] for item in listed["items"]] == ["COLA", "CHIP"]
    only = client.get(url, {"status": "proposed"}).json()
    assert [item["sku"] for item in only["items"]] == ["CHIP"]
    assert client.get(url, {"status": "nope"}).status_code == 422


def test_api_bad_input(shop, client):
    client.force_login(shop.kam_a)
    url = f"{API}/accounts/{shop.global_account.pk}/listings"
    unknown = client.put(url, {"sku": "NOPE", "status": "listed"}, content_type="application/json")
    assert unknown.status_code == 422 and unknown.json()["errors"][0]["field"] == "sku"
    assert client.put(url, {"sku": "COLA", "status": "gone"}, content_type="application/json").status_code == 422
    assert client.put(url, {"sku": "COLA"}, content_type="application/json").status_code == 422
    assert (
        client.put(
            url, {"sku": "COLA", "status": "listed", "since": "yesterday"}, content_type="application/json"
        ).status_code
        == 422
    )
    assert not Listing.objects.exists()


@pytest.mark.parametrize(
    ("who", "read", "write"),
    [("kam_a", 200, 200), ("member", 200, 200), ("kam_b", 200, 403), ("viewer", 200, 403), ("outsider", 404, 404)],
)
def test_api_permission_matrix(shop, client, who, read, write):
    grant(shop.global_account, shop.viewer, access="read")
    client.force_login(getattr(shop, who))
    url = f"{API}/accounts/{shop.global_account.pk}/listings"
    assert client.get(url).status_code == read
    assert client.put(url, {"sku": "COLA", "status": "listed"}, content_type="application/json").status_code == write
    assert Listing.objects.count() == (1 if write == 200 else 0)


def test_api_needs_a_signed_in_user(shop, client):
    assert client.get(f"{API}/accounts/{shop.global_account.pk}/listings").status_code == 401
