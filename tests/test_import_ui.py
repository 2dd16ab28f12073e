"""The import page: upload, preview (nothing written), confirm; over real HTTP with the test client."""

import re
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from kamdesk.accounts.models import Account
from kamdesk.audit.models import AuditEvent
from kamdesk.imports.importing import run_import
from kamdesk.imports.staging import SESSION_KEY

DATA = Path(__file__).parent / "data" / "imports"
UPLOAD_URL = "/imports/"
CONFIRM_URL = "/imports/confirm/"


@pytest.fixture(autouse=True)
def staging_dir(settings, tmp_path) -> Path:
    settings.IMPORT_STAGING_DIR = tmp_path / "staging"
    return settings.IMPORT_STAGING_DIR


def upload(client, content: bytes, kind: str = "accounts", name: str = "accounts.csv"):
    return client.post(UPLOAD_URL, {"kind": kind, "file": SimpleUploadedFile(name, content)})


def token_of(response) -> str:
    match = re.search(r'name="token" value="([^"]+)"', response.content.decode())
    assert match, "the preview offers a confirmation"
    return match.group(1)


def counts(response) -> dict[str, int]:
    html = response.content.decode()
    return {name: int(value) for name, value in re.findall(r'data-count="(\w+)">(\d+)<', html)}


def test_the_url_name_and_page(login, world):
    assert reverse("imports:upload") == UPLOAD_URL
    response = login(world.kam_a).get(UPLOAD_URL)

    assert response.status_code == 200
    html = response.content.decode()
    assert 'enctype="multipart/form-data"' in html and 'name="file"' in html and 'value="contacts"' in html


def test_anonymous_users_are_sent_to_login(client, world):
    assert client.get(UPLOAD_URL).status_code == 302
    assert client.post(CONFIRM_URL, {"token": "x"}).status_code == 302


def test_viewers_get_403(login, world):
    client = login(world.viewer)

    assert client.get(UPLOAD_URL).status_code == 403
    assert upload(client, (DATA / "accounts.csv").read_bytes()).status_code == 403
    assert client.post(CONFIRM_URL, {"token": "x"}).status_code == 403


def test_preview_writes_nothing_then_confirm_imports(login, world, staging_dir):
    client = login(world.admin)
    before = (Account.objects.count(), AuditEvent.objects.count())

    preview = upload(client, (DATA / "accounts.csv").read_bytes())

    assert preview.status_code == 200
    assert counts(preview) == {"rows": 4, "created": 4, "updated": 0, "unchanged": 0, "rejected": 0}
    assert "Preview only: nothing was written." in preview.content.decode()
    assert (Account.objects.count(), AuditEvent.objects.count()) == before
    assert len(list(staging_dir.iterdir())) == 1

    result = client.post(CONFIRM_URL, {"token": token_of(preview)})

    assert result.status_code == 200
    assert counts(result) == {"rows": 4, "created": 4, "updated": 0, "unchanged": 0, "rejected": 0}
    assert "Import complete." in result.content.decode()
    assert Account.objects.get(code="NRD-DE").parent.code == "NRD"
    assert AuditEvent.objects.filter(action="create", actor=world.admin).count() == 4
    assert list(staging_dir.iterdir()) == []  # the staged file is gone once imported
    assert SESSION_KEY not in client.session


def test_a_confirmed_upload_cannot_be_imported_twice(login, world):
    client = login(world.admin)
    preview = upload(client, (DATA / "accounts.csv").read_bytes())
    token = token_of(preview)
    client.post(CONFIRM_URL, {"token": token})

    again = client.post(CONFIRM_URL, {"token": token}, follow=True)

    assert "has expired or has already been imported" in again.content.decode()
    assert again.redirect_chain[-1][0] == UPLOAD_URL


def test_a_forged_or_foreign_token_imports_nothing(login, world):
    from django.test import Client

    owner = login(world.admin)
    token = token_of(upload(owner, (DATA / "accounts.csv").read_bytes()))
    intruder = Client()
    intruder.force_login(world.kam_b)

    forged = intruder.post(CONFIRM_URL, {"token": "../../etc/passwd"}, follow=True)
    foreign = intruder.post(CONFIRM_URL, {"token": token}, follow=True)

    assert "has expired" in forged.content.decode() and "has expired" in foreign.content.decode()
    assert not Account.objects.filter(code="NRD").exists()


def test_errors_in_the_preview_match_the_command(login, world):
    content = b"code,name,parent_code,tier\nP-1,Good,,key\nP-2,Bad tier,,gold\nP-3,Orphan,NOPE,\n"
    expected = run_import("accounts", content, "x.csv", actor=world.admin, dry_run=True)

    preview = upload(login(world.admin), content)

    html = preview.content.decode()
    assert counts(preview) == {"rows": 3, "created": 1, "updated": 0, "unchanged": 0, "rejected": 2}
    rows = re.findall(r"<tr><td>(\d+)</td><td><code>(\w+)</code></td><td>([^<]+)</td></tr>", html)
    assert [(int(line), column, message.replace("&quot;", '"')) for line, column, message in rows] == [
        (error.line, error.column, error.message) for error in expected.errors
    ]
    assert "Import only the rows without errors" in html


def test_confirm_without_partial_writes_nothing_then_partial_writes_the_good_rows(login, world):
    client = login(world.admin)
    preview = upload(client, b"code,name,tier\nP-1,Good,key\nP-2,Bad,gold\n")
    token = token_of(preview)

    refused = client.post(CONFIRM_URL, {"token": token})

    assert "Nothing was written: 1 row has errors." in refused.content.decode()
    assert not Account.objects.filter(code="P-1").exists()

    partial = client.post(CONFIRM_URL, {"token": token_of(refused), "partial": "on"})

    assert counts(partial)["created"] == 1 and counts(partial)["rejected"] == 1
    assert "Imported the 1 row without errors; 1 row was left out." in partial.content.decode()
    assert Account.objects.get(code="P-1").name == "Good"
    assert not Account.objects.filter(code="P-2").exists()


def test_an_oversize_upload_gets_a_form_error(login, world, settings, staging_dir):
    settings.UPLOAD_MAX_BYTES = 100
    content = b"code,name\n" + b"".join(f"O-{n},Oversize {n}\n".encode() for n in range(20))

    response = upload(login(world.admin), content)

    assert response.status_code == 200
    html = response.content.decode()
    assert "the largest file accepted is 100\xa0bytes" in html
    assert 'aria-invalid="true"' in html
    assert not Account.objects.filter(code__startswith="O-").exists()
    assert not staging_dir.exists() or list(staging_dir.iterdir()) == []


def test_an_unreadable_file_is_reported_on_the_upload_page(login, world):
    response = upload(login(world.admin), b"not,a,workbook\n", name="accounts.xlsx")

    html = response.content.decode()
    assert "is named like an Excel workbook but is not one" in html
    assert 'name="token"' not in html


def test_a_kam_imports_with_their_own_access(login, world):
    client = login(world.kam_a)
    preview = upload(client, b"code,name\nG-001,Globex renamed\nB-001,Not yours\n")

    assert counts(preview)["updated"] == 1 and counts(preview)["rejected"] == 1
    assert "belongs to an account you cannot see or change" in preview.content.decode()

    client.post(CONFIRM_URL, {"token": token_of(preview), "partial": "on"})

    assert Account.objects.get(code="G-001").name == "Globex renamed"
    assert Account.objects.get(code="B-001").name == "Brightmart"


def test_contacts_from_an_xlsx_upload(login, world, tmp_path):
    import xlsxwriter

    path = tmp_path / "contacts.xlsx"
    workbook = xlsxwriter.Workbook(str(path))
    sheet = workbook.add_worksheet()
    for r, values in enumerate([["email", "last_name", "account_code"], ["new@globex.example", "New", "G-001"]]):
        for c, value in enumerate(values):
            sheet.write_string(r, c, value)
    workbook.close()
    client = login(world.kam_a)

    preview = upload(client, path.read_bytes(), kind="contacts", name="contacts.xlsx")
    client.post(CONFIRM_URL, {"token": token_of(preview)})

    assert counts(preview)["created"] == 1
    assert world.global_account.contacts.get().email == "new@globex.example"
