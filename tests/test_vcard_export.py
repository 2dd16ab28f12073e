"""vCard export of a contact and of an account's stakeholders (pages and API): vCard 3.0 parsed back with
vobject, nothing internal in the cards, safe file names, 404 for hidden records, constant queries."""

import pytest
import vobject
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from kamdesk.users.services import token_create
from tests.factories import grant, make_contact

pytestmark = pytest.mark.django_db


def cards(response) -> list:
    assert response.status_code == 200, response.content[:300]
    assert response["Content-Type"].startswith("text/vcard")
    return list(vobject.readComponents(response.content.decode()))


@pytest.fixture
def ada(world):
    return make_contact(
        world.global_account,
        first_name="Ada",
        last_name="Öberg-Buyer",
        email="ada@globex.example",
        title="Head of Buying",
        department="Purchasing",
        phone="+49 30 1234",
        mobile="+49 170 555",
        notes="Private: plays golf with our competitor",
        attitude=-2,
        influence=5,
    )


def test_contact_vcard_has_the_fields_and_nothing_internal(world, login, ada):
    response = login(world.kam_a).get(reverse("vcard:contact", args=[ada.pk]))
    assert response["Content-Disposition"] == 'attachment; filename="ada-oberg-buyer.vcf"'
    (card,) = cards(response)
    assert card.version.value == "3.0"
    assert card.fn.value == "Ada Öberg-Buyer"
    assert (card.n.value.given, card.n.value.family) == ("Ada", "Öberg-Buyer")
    assert card.org.value == ["Globex Holding", "Purchasing"]
    assert card.title.value == "Head of Buying"
    assert card.email.value == "ada@globex.example"
    phones = {tel.value: set(tel.params["TYPE"]) for tel in card.contents["tel"]}
    assert phones == {"+49 30 1234": {"WORK", "VOICE"}, "+49 170 555": {"CELL", "VOICE"}}
    text = response.content.decode()
    assert "golf" not in text and "NOTE" not in text and "Detractor" not in text


def test_account_stakeholders_file_and_query_count(world, login, ada):
    client = login(world.kam_a)
    url = reverse("vcard:stakeholders", args=[world.global_account.pk])
    with CaptureQueriesContext(connection) as few:
        assert len(cards(client.get(url))) == 1
    for n in range(12):
        make_contact(world.global_account, last_name=f"Person {n}", phone="1")
    with CaptureQueriesContext(connection) as many:
        response = client.get(url)
    assert len(cards(response)) == 13
    assert len(many) == len(few)
    assert response["Content-Disposition"] == 'attachment; filename="globex-holding-stakeholders.vcf"'


def test_a_hidden_main_account_name_never_leaves(world, login):
    # Zelda belongs to the hidden account but is also a stakeholder of Brightmart, which kam_b sees.
    zelda = make_contact(world.hidden, first_name="Zelda", last_name="Z", other_accounts=[world.account_b])
    client = login(world.kam_b)
    for url in (reverse("vcard:contact", args=[zelda.pk]), reverse("vcard:stakeholders", args=[world.account_b.pk])):
        response = client.get(url)
        assert b"Hidden Industries" not in response.content
        assert cards(response)[0].org.value == ["Brightmart"]


def test_hidden_records_answer_404_pages_and_api(world, login, client, ada):
    outsider = login(world.outsider)
    assert outsider.get(reverse("vcard:contact", args=[ada.pk])).status_code == 404
    assert outsider.get(reverse("vcard:stakeholders", args=[world.global_account.pk])).status_code == 404
    _token, secret = token_create(actor=None, user=world.outsider, name="t")
    auth = {"HTTP_AUTHORIZATION": f"Bearer {secret}"}
    assert client.get(f"/api/v1/contacts/{ada.pk}/vcard", **auth).status_code == 404
    assert client.get(f"/api/v1/accounts/{world.global_account.pk}/stakeholders.vcf", **auth).status_code == 404


def test_api_for_owner_and_viewer(world, client, ada):
    grant(world.global_account, world.viewer)
    for user in (world.kam_a, world.viewer):
        _token, secret = token_create(actor=None, user=user, name="t")
        auth = {"HTTP_AUTHORIZATION": f"Bearer {secret}"}
        (card,) = cards(client.get(f"/api/v1/contacts/{ada.pk}/vcard", **auth))
        assert card.email.value == "ada@globex.example"
        assert len(cards(client.get(f"/api/v1/accounts/{world.global_account.pk}/stakeholders.vcf", **auth))) == 1
        assert client.post(f"/api/v1/contacts/{ada.pk}/vcard", **auth).status_code == 405


def test_signed_out_is_sent_to_login(client, world, ada):
    response = client.get(reverse("vcard:contact", args=[ada.pk]))
    assert response.status_code == 302 and response["Location"].startswith("/login/")


def test_pages_link_the_downloads(world, login, ada):
    client = login(world.kam_a)
    contact_page = client.get(reverse("people:detail", args=[ada.pk])).content.decode()
    assert reverse("vcard:contact", args=[ada.pk]) in contact_page
    tab = client.get(reverse("accounts:stakeholders", args=[world.global_account.pk])).content.decode()
    assert reverse("vcard:stakeholders", args=[world.global_account.pk]) in tab
