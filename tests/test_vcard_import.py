"""Importing contacts from vCard files through the contact import: the same checks, preview and report as
CSV/XLSX; the account from the chosen code or from ORG; malformed files refused with their line; a round
trip export -> import changes nothing."""

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from kamdesk.imports.importing import run_import
from kamdesk.people.models import Contact
from tests.factories import grant, make_contact

pytestmark = pytest.mark.django_db


def vcf(*cards: str) -> bytes:
    return "".join(f"BEGIN:VCARD\r\nVERSION:3.0\r\n{card.strip()}\r\nEND:VCARD\r\n" for card in cards).encode()


ADA = """N:Buyer;Ada;;;
FN:Ada Buyer
ORG:Globex Holding;Purchasing
TITLE:Head of Buying
EMAIL;TYPE=INTERNET,WORK:ada@globex.example
TEL;TYPE=CELL:+49 170 555
TEL;TYPE=WORK,VOICE:+49 30 1234"""
BOB = """FN:Bob Builder
ORG:b-001
EMAIL:bob@bright.example"""


def test_cards_become_contacts_with_org_matched_to_name_or_code(world):
    grant(world.account_b, world.kam_a, access="edit")
    report = run_import("contacts", vcf(ADA, BOB), "people.vcf", actor=world.kam_a)
    assert (report.created, report.rejected, report.written) == (2, 0, True), report.as_dict()
    assert report.source == "vCard, 2 cards"
    ada = Contact.objects.get(email="ada@globex.example")
    assert (ada.first_name, ada.last_name, ada.title, ada.department, ada.phone, ada.mobile) == (
        "Ada",
        "Buyer",
        "Head of Buying",
        "Purchasing",
        "+49 30 1234",  # the WORK number, though the CELL one comes first
        "+49 170 555",
    )
    assert ada.account == world.global_account
    bob = Contact.objects.get(email="bob@bright.example")
    assert (bob.first_name, bob.last_name, bob.account) == ("Bob", "Builder", world.account_b)


@pytest.mark.parametrize(
    ("numbers", "phone", "mobile"),
    [
        ("TEL;TYPE=CELL:+49 170 1", "", "+49 170 1"),
        ("TEL;TYPE=CELL,VOICE:+49 170 1\r\nTEL;TYPE=HOME:+49 30 9", "+49 30 9", "+49 170 1"),
        (
            "TEL;TYPE=HOME:+49 30 9\r\nTEL;TYPE=VOICE:+49 30 1\r\nTEL;TYPE=CELL:+49 170 1\r\nTEL;TYPE=CELL:+49 170 2",
            "+49 30 1",
            "+49 170 1",
        ),
        (
            "TEL;WORK;VOICE:+49 30 1\r\nTEL;CELL;VOICE:+49 170 1",
            "+49 30 1",
            "+49 170 1",
        ),  # bare types, as vCard 2.1 writes them
        ("TEL;TYPE=cell:+49 170 1\r\nTEL:+49 30 1", "+49 30 1", "+49 170 1"),
        ("", "", ""),
    ],
)
def test_work_and_mobile_numbers_go_to_phone_and_mobile(world, numbers, phone, mobile):
    card = "FN:Nu Mbers\r\nORG:G-001\r\nEMAIL:nu@globex.example" + (f"\r\n{numbers}" if numbers else "")
    report = run_import("contacts", vcf(card), "p.vcf", actor=world.kam_a)
    assert (report.created, report.written) == (1, True), report.as_dict()
    contact = Contact.objects.get(email="nu@globex.example")
    assert (contact.phone, contact.mobile) == (phone, mobile)


def test_a_mobile_number_too_long_is_a_row_error_naming_the_column(world):
    card = "FN:Long Number\r\nORG:G-001\r\nEMAIL:long@globex.example\r\nTEL;TYPE=CELL:" + "1" * 41
    report = run_import("contacts", vcf(ADA, card), "p.vcf", actor=world.kam_a)
    assert (report.rejected, report.written) == (1, False)
    assert [(e.line, e.column) for e in report.errors] == [(11, "mobile")]
    assert "at most 40 characters" in report.errors[0].message
    assert not Contact.objects.exists()


def test_the_chosen_account_overrides_org_and_dry_run_writes_nothing(world):
    report = run_import("contacts", vcf(ADA, BOB), "p.vcf", actor=world.kam_a, dry_run=True, account_code="G-001-DE")
    assert (report.created, report.written) == (2, False)
    assert not Contact.objects.exists()
    run_import("contacts", vcf(ADA, BOB), "p.vcf", actor=world.kam_a, account_code="G-001-DE")
    assert set(Contact.objects.values_list("account__code", flat=True)) == {"G-001-DE"}


def test_unmatched_org_and_missing_email_are_row_errors_and_nothing_is_stored(world):
    hidden_org = "FN:Hidden Person\r\nORG:Hidden Industries\r\nEMAIL:h@x.example"
    no_email = "FN:No Mail\r\nORG:G-001"
    report = run_import("contacts", vcf(ADA, hidden_org, no_email), "p.vcf", actor=world.kam_a)
    assert (report.created, report.rejected, report.written) == (1, 2, False)
    errors = {(e.line, e.column) for e in report.errors}
    assert errors == {(11, "account_code"), (17, "email")}  # the line of each card's BEGIN:VCARD
    assert any("Hidden Industries" in warning for warning in report.warnings)
    assert not Contact.objects.exists()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"BEGIN:VCARD\r\nVERSION:3.0\r\nFN:x\r\nthis line is broken\r\nEND:VCARD\r\n", "malformed on line 4"),
        (b"BEGIN:VCARD\r\nVERSION:3.0\r\nFN:cut short\r\n", "vCard"),
        (b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nEND:VCALENDAR\r\n", "vCard"),
        (b"", "empty"),
    ],
)
def test_malformed_files_are_refused_with_their_line(world, data, message):
    report = run_import("contacts", data, "broken.vcf", actor=world.kam_a)
    assert report.file_error and not report.written
    assert message in report.errors[0].message
    assert not Contact.objects.exists()


def test_a_vcard_is_only_for_contacts(world):
    report = run_import("accounts", vcf(ADA), "p.vcf", actor=None)
    assert report.file_error and "only be imported as contacts" in report.errors[0].message


def test_round_trip_export_then_import_changes_nothing(world, login):
    make_contact(
        world.global_account,
        first_name="Ada",
        last_name="Buyer",
        email="ada@globex.example",
        title="Head of Buying",
        department="Purchasing",
        phone="+49 30 1234",
        mobile="+49 170 555",
    )
    make_contact(world.global_account, first_name="Max", last_name="Muster", email="max@globex.example")
    exported = login(world.kam_a).get(reverse("vcard:stakeholders", args=[world.global_account.pk])).content
    before = list(Contact.objects.order_by("id").values())
    report = run_import("contacts", exported, "globex.vcf", actor=world.kam_a)
    assert (report.unchanged, report.rejected, report.created, report.updated) == (2, 0, 0, 0), report.as_dict()
    assert list(Contact.objects.order_by("id").values()) == before
    Contact.objects.all().delete()
    report = run_import("contacts", exported, "globex.vcf", actor=world.kam_a)
    assert report.created == 2
    ada = Contact.objects.get(email="ada@globex.example")
    assert (ada.title, ada.department, ada.phone, ada.mobile, ada.account_id) == (
        "Head of Buying",
        "Purchasing",
        "+49 30 1234",
        "+49 170 555",
        world.global_account.pk,
    )


@pytest.mark.parametrize(("phone", "mobile"), [("+49 30 1234", "+49 170 555"), ("", "+49 170 555"), ("+49 30 1", "")])
def test_a_contacts_own_vcard_gives_back_its_phone_and_mobile(world, login, phone, mobile):
    contact = make_contact(
        world.global_account, last_name="Round", email="round@globex.example", phone=phone, mobile=mobile
    )
    exported = login(world.kam_a).get(reverse("vcard:contact", args=[contact.pk])).content
    Contact.objects.filter(pk=contact.pk).update(phone="+1 999", mobile="+1 888")

    report = run_import("contacts", exported, "round.vcf", actor=world.kam_a)

    assert (report.updated, report.rejected) == (1, 0), report.as_dict()
    contact.refresh_from_db()
    assert (contact.phone, contact.mobile) == (phone, mobile)


def test_web_import_previews_then_imports_with_the_chosen_account(world, login):
    client = login(world.kam_a)
    upload = SimpleUploadedFile("people.vcf", vcf(ADA, BOB), content_type="text/vcard")
    response = client.post(reverse("imports:upload"), {"kind": "contacts", "file": upload, "account_code": "G-001"})
    assert response.status_code == 200 and "vCard, 2 cards" in response.content.decode()
    assert not Contact.objects.exists()
    token = response.context["confirm_form"].initial["token"]
    client.post(reverse("imports:confirm"), {"token": token})
    assert set(Contact.objects.values_list("account__code", flat=True)) == {"G-001"}


def test_viewer_cannot_import(world, login):
    response = login(world.viewer).post(
        reverse("imports:upload"), {"kind": "contacts", "file": SimpleUploadedFile("p.vcf", vcf(ADA))}
    )
    assert response.status_code == 403
    assert not Contact.objects.exists()


def test_cli_imports_vcard_with_account_option(world, tmp_path, capsys):
    path = tmp_path / "people.vcf"
    path.write_bytes(vcf(ADA, BOB))
    call_command("import", "contacts", str(path), "--account", "B-001", "--json")
    summary = json.loads(capsys.readouterr().out)
    assert summary["created"] == 2 and summary["source"].startswith("vCard")
    broken = tmp_path / "broken.vcf"
    broken.write_bytes(b"BEGIN:VCARD\r\nnonsense\r\nEND:VCARD\r\n")
    with pytest.raises(CommandError):
        call_command("import", "contacts", str(broken))
