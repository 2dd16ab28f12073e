"""Sales imports over HTTP: the upload page and its background job, the history, the progress fragment, the
error report, and the bulk API — with the access rules of each."""

import csv
import io
import json
import os
import socket
import subprocess

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from kamdesk.imports.staging import staging_storage
from kamdesk.sales.import_liveness import ABANDONED, is_gone, this_process
from kamdesk.sales.models import AccountMonthly, SalesImport, SalesLine
from kamdesk.users.services import token_create
from tests.factories import make_user
from tests.sales_factories import make_product

pytestmark = pytest.mark.django_db

HEADER = "document,line,date,account_code,sku,quantity,gross_amount,discount,net_amount,cost"
API = "/api/v1"


@pytest.fixture(autouse=True)
def staging_dir(settings, tmp_path):
    settings.IMPORT_STAGING_DIR = tmp_path / "staging"
    return settings.IMPORT_STAGING_DIR


@pytest.fixture
def catalogue(world):
    return make_product(sku="P-1"), make_product(sku="P-2")


def upload(client, text: str, name: str = "sales.csv", **fields):
    data = {"kind": "sales", "file": SimpleUploadedFile(name, text.encode(), content_type="text/csv"), **fields}
    return client.post(reverse("sales:import"), data)


def sales_text(*lines: str) -> str:
    return "\n".join([HEADER, *lines]) + "\n"


GOOD = "INV-1,1,2025-01-15,G-001,P-1,10,100.00,10.00,90.00,50.00"
BAD = "INV-2,1,2025-01-15,X-001,P-1,1,10.00,0,10.00,5.00"  # kam_a cannot see it


# --- upload and the background job ---------------------------------------------------------------------


def test_an_upload_runs_as_a_job_and_its_page_shows_the_result(world, catalogue, login, staging_dir):
    client = login(world.kam_a)
    assert client.get(reverse("sales:import")).status_code == 200
    response = upload(client, sales_text(GOOD))
    record = SalesImport.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("sales:import_detail", args=[record.pk])
    assert (record.status, record.user, record.file_name, record.rows_written) == ("done", world.kam_a, "sales.csv", 1)
    assert AccountMonthly.objects.get(account=world.global_account).net_amount == 90
    assert not list(staging_dir.iterdir())  # the stored upload is gone once imported
    page = client.get(response["Location"])
    assert page.status_code == 200
    text = page.content.decode()
    assert 'data-count="created">1<' in text and "Import complete." in text
    assert "hx-trigger" not in text  # a finished import is not polled


def test_rejected_rows_are_listed_and_downloadable_as_formula_safe_csv(world, catalogue, login):
    client = login(world.kam_a)
    upload(client, sales_text(GOOD, BAD, "INV-3,1,2025-01-15,G-001,=CMD(),1,1,0,1,1"))
    record = SalesImport.objects.get()
    assert (record.status, record.rows_rejected, record.rows_written) == ("failed", 2, 0)
    assert not SalesLine.objects.exists()
    page = client.get(reverse("sales:import_detail", args=[record.pk])).content.decode()
    assert "No account has the code “X-001”." in page and "Nothing was written" in page
    assert "Hidden Industries" not in page
    response = client.get(reverse("sales:import_errors", args=[record.pk]))
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows == [
        ["line", "column", "message"],
        ["3", "account_code", "No account has the code “X-001”."],
        ["4", "sku", "No product has the SKU “=CMD()”."],
    ]
    assert not any(cell.startswith(("=", "+", "-", "@")) for row in rows for cell in row)


def test_partial_upload_writes_the_good_rows(world, catalogue, login):
    client = login(world.kam_a)
    upload(client, sales_text(GOOD, BAD), partial="on")
    record = SalesImport.objects.get()
    assert (record.status, record.rows_written, record.rows_rejected) == ("done", 1, 1)
    assert SalesLine.objects.get().document == "INV-1"


def test_an_oversize_upload_gets_a_clear_error_and_nothing_is_queued(world, catalogue, login, settings):
    settings.UPLOAD_MAX_BYTES = 100
    response = upload(login(world.kam_a), sales_text(GOOD, GOOD.replace("INV-1", "INV-9")))
    assert response.status_code == 200
    assert "the largest file accepted is 100\xa0bytes" in response.content.decode()
    assert not SalesImport.objects.exists()


def test_an_xlsx_upload(world, catalogue, login):
    import xlsxwriter

    data = io.BytesIO()
    workbook = xlsxwriter.Workbook(data)
    sheet = workbook.add_worksheet()
    sheet.write_row(0, 0, HEADER.split(","))
    sheet.write_row(1, 0, ["INV-1", 1, "2025-01-15", "G-001", "P-1", 2, 20, 0, 20, 10])
    workbook.close()
    client = login(world.kam_a)
    client.post(
        reverse("sales:import"),
        {"kind": "sales", "file": SimpleUploadedFile("sales.xlsx", data.getvalue())},
    )
    assert SalesImport.objects.get().summary["source"].startswith("Excel")
    assert SalesLine.objects.get().net_amount == 20


def test_a_cost_file_upload(world, login):
    client = login(world.kam_a)
    text = "account_code,month,type,amount\nG-001,2025-01,trade_spend,250\n"
    client.post(reverse("sales:import"), {"kind": "costs", "file": SimpleUploadedFile("costs.csv", text.encode())})
    record = SalesImport.objects.get()
    assert (record.kind, record.status, record.rows_written) == ("costs", "done", 1)


def test_a_queued_job_whose_user_became_a_viewer_is_refused(world, catalogue, staging_dir):
    from kamdesk.sales.tasks import run_sales_import

    name = staging_storage().save("x.sales-import", io.BytesIO(sales_text(GOOD).encode()))
    record = SalesImport.objects.create(
        kind="sales", user=world.viewer, file_name="x.csv", summary={"stored_file": name}
    )
    run_sales_import(record.pk)
    record.refresh_from_db()
    assert record.status == "failed" and "may no longer import" in record.summary["outcome"]
    assert run_sales_import(record.pk) == {}  # a job delivered twice does nothing the second time
    assert not SalesLine.objects.exists()


# --- history, progress, permissions ----------------------------------------------------------------------


def test_the_history_lists_own_imports_and_admins_see_all(world, catalogue, login):
    SalesImport.objects.create(kind="sales", user=world.kam_b, file_name="kam-b-secret.csv", status="done")
    client = login(world.kam_a)
    upload(client, sales_text(GOOD), name="mine.csv")
    page = client.get(reverse("sales:imports")).content.decode()
    assert "mine.csv" in page and "kam-b-secret.csv" not in page
    client.force_login(world.admin)
    page = client.get(reverse("sales:imports")).content.decode()
    assert "mine.csv" in page and "kam-b-secret.csv" in page and "kam.a@example.com" in page


def test_other_users_imports_answer_404_on_every_page(world, catalogue, login):
    upload(login(world.kam_a), sales_text(GOOD, BAD))
    record = SalesImport.objects.get()
    client = login(world.kam_b)
    for name in ("sales:import_detail", "sales:import_progress", "sales:import_errors"):
        assert client.get(reverse(name, args=[record.pk])).status_code == 404
    client.force_login(world.admin)
    for name in ("sales:import_detail", "sales:import_progress", "sales:import_errors"):
        assert client.get(reverse(name, args=[record.pk])).status_code == 200


def test_viewers_may_not_import_and_anonymous_users_must_sign_in(world, catalogue, client, login):
    response = client.get(reverse("sales:import"))
    assert response.status_code == 302 and reverse("login") in response["Location"]
    assert client.get(reverse("sales:imports")).status_code == 302
    viewer = login(world.viewer)
    assert viewer.get(reverse("sales:import")).status_code == 403
    assert upload(viewer, sales_text(GOOD)).status_code == 403
    assert not SalesImport.objects.exists()
    assert viewer.get(reverse("sales:imports")).status_code == 200


def test_the_progress_fragment_polls_while_running_and_reloads_the_page_when_done(world, login):
    record = SalesImport.objects.create(
        kind="sales",
        user=world.kam_a,
        file_name="big.csv",
        status="running",
        summary={"progress": {"phase": "reading", "rows": 120000, "bytes_read": 250, "total_bytes": 1000}},
    )
    client = login(world.kam_a)
    url = reverse("sales:import_progress", args=[record.pk])
    fragment = client.get(url, HTTP_HX_REQUEST="true")
    text = fragment.content.decode()
    assert 'hx-trigger="every 1s"' in text and "120000 rows read" in text and "25 % of the file" in text
    assert "HX-Refresh" not in fragment
    assert 'hx-trigger="every 1s"' in client.get(reverse("sales:import_detail", args=[record.pk])).content.decode()
    SalesImport.objects.filter(pk=record.pk).update(status="done")
    done = client.get(url, HTTP_HX_REQUEST="true")
    assert done["HX-Refresh"] == "true" and "hx-trigger" not in done.content.decode()


def test_the_history_page_runs_the_same_queries_for_few_and_many_imports(world, login):
    client = login(world.admin)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(reverse("sales:imports")).status_code == 200
        return len(captured)

    SalesImport.objects.create(kind="sales", user=world.kam_a, file_name="one.csv", status="done")
    few = queries()
    for n in range(8):
        user = make_user(email=f"importer{n}@example.com")
        SalesImport.objects.create(kind="sales", user=user, file_name=f"f{n}.csv", status="done", rows_rejected=1)
    assert queries() == few


# --- the API ---------------------------------------------------------------------------------------------


def bearer(user) -> dict:
    _token, secret = token_create(actor=user, user=user, name="script")
    return {"HTTP_AUTHORIZATION": f"Bearer {secret}"}


def api_line(**fields) -> dict:
    line = {
        "document": "INV-1",
        "line": 1,
        "date": "2025-01-15",
        "account_code": "G-001",
        "sku": "P-1",
        "quantity": 10,
        "gross_amount": "100.00",
        "discount": 10,
        "net_amount": 90.0,
        "cost": "50",
    }
    return line | fields


def post_lines(client, headers: dict, body) -> tuple[int, dict]:
    response = client.post(f"{API}/sales/lines", data=json.dumps(body), content_type="application/json", **headers)
    return response.status_code, response.json()


def test_api_bulk_import_creates_then_finds_lines_unchanged(world, catalogue, client):
    headers = bearer(world.kam_a)
    body = {
        "lines": [api_line(), api_line(line=2, sku="P-2", net_amount="-5", gross_amount=-5, quantity=0, discount=None)]
    }
    status, summary = post_lines(client, headers, body)
    assert status == 200, summary
    assert (summary["rows"], summary["created"], summary["written"], summary["kind"]) == (2, 2, True, "sales")
    assert AccountMonthly.objects.get(account=world.global_account).net_amount == 85
    status, summary = post_lines(client, headers, body)
    assert (status, summary["unchanged"], summary["created"]) == (200, 2, 0)
    record = SalesImport.objects.get(pk=summary["import_id"])
    assert (record.file_name, record.user) == ("API request", world.kam_a)


def test_api_rejected_lines_answer_422_with_fields_and_the_summary(world, catalogue, client):
    headers = bearer(world.kam_a)
    body = {"lines": [api_line(), api_line(line=2, date="15.01.2025"), api_line(line=3, account_code="X-001")]}
    status, answer = post_lines(client, headers, body)
    assert status == 422
    assert answer["errors"] == [
        {"field": "lines.1.date", "message": "“15.01.2025” is not a date in the form YYYY-MM-DD (e.g. 2025-03-31)."},
        {"field": "lines.2.account_code", "message": "No account has the code “X-001”."},
    ]
    assert answer["summary"]["rejected"] == 2 and answer["summary"]["written"] is False
    assert answer["detail"].startswith("Nothing was written")
    assert not SalesLine.objects.exists()
    status, summary = post_lines(client, headers, body | {"partial": True})
    assert status == 200 and (summary["created"], summary["rejected"]) == (1, 2)
    status, summary = post_lines(client, headers, {"lines": [api_line(line=9)], "dry_run": True})
    assert status == 200 and summary["created"] == 1 and SalesLine.objects.count() == 1


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "lines"),
        ({"lines": []}, "lines"),
        ({"lines": [{"document": "X"}]}, "lines.0.line"),
        ({"lines": [{**api_line(), "colour": "red"}]}, "lines.0.colour"),
        ({"lines": [api_line()], "partial": "maybe"}, "partial"),
    ],
)
def test_api_malformed_requests_answer_422_in_the_common_shape(world, catalogue, client, body, field):
    status, answer = post_lines(client, bearer(world.kam_a), body)
    assert status == 422 and answer["detail"] == "The request is not valid."
    assert field in [error["field"] for error in answer["errors"]]


def test_api_takes_at_most_ten_thousand_lines(world, catalogue, client):
    lines = [api_line(line=n) for n in range(10_001)]
    status, answer = post_lines(client, bearer(world.kam_a), {"lines": lines})
    assert status == 422 and answer["errors"][0]["field"] == "lines"
    assert not SalesImport.objects.exists()


def test_api_access_anonymous_viewer_and_other_users_imports(world, catalogue, client):
    status, _ = post_lines(client, {}, {"lines": [api_line()]})
    assert status == 401
    status, answer = post_lines(client, bearer(world.viewer), {"lines": [api_line()]})
    assert status == 403 and answer["detail"] == "Your role (viewer) has read-only access."
    assert not SalesImport.objects.exists()
    kam_a, kam_b = bearer(world.kam_a), bearer(world.kam_b)
    _, summary = post_lines(client, kam_a, {"lines": [api_line()]})
    mine = client.get(f"{API}/sales/imports", **kam_a).json()
    assert mine["count"] == 1 and mine["items"][0]["id"] == summary["import_id"]
    assert mine["items"][0]["user_email"] == "kam.a@example.com" and mine["items"][0]["rows_written"] == 1
    detail = client.get(f"{API}/sales/imports/{summary['import_id']}", **kam_a)
    assert detail.status_code == 200 and detail.json()["summary"]["created"] == 1
    assert client.get(f"{API}/sales/imports", **kam_b).json() == {"items": [], "count": 0}
    assert client.get(f"{API}/sales/imports/{summary['import_id']}", **kam_b).status_code == 404
    assert client.get(f"{API}/sales/imports/{summary['import_id']}", **bearer(world.admin)).status_code == 200


def test_api_routes_declare_their_answers(client):
    schema = client.get(f"{API}/openapi.json").json()
    post = schema["paths"][f"{API}/sales/lines"]["post"]["responses"]
    assert {"200", "400", "401", "403", "422"} <= set(post)
    assert {"200", "401"} <= set(schema["paths"][f"{API}/sales/imports"]["get"]["responses"])
    assert {"200", "401", "404", "422"} <= set(
        schema["paths"][f"{API}/sales/imports/{{import_id}}"]["get"]["responses"]
    )


def test_api_nul_characters_are_row_errors_and_the_history_is_still_recorded(world, catalogue, client):
    body = {"lines": [api_line(account_code="G-0\x0001", sku="P-\x001")]}
    status, summary = post_lines(client, bearer(world.kam_a), body)
    assert status == 422, summary
    assert {error["field"] for error in summary["errors"]} == {"lines.0.account_code", "lines.0.sku"}
    record = SalesImport.objects.latest("id")
    assert record.rows_rejected == 1 and "\x00" not in record.error_report
    assert "\\u0000" not in json.dumps(record.summary)
    assert not SalesLine.objects.exists()


# --- imports whose process is gone ----------------------------------------------------------------------


def dead_process() -> str:
    """The worker record of a process of this machine that has ended."""
    process = subprocess.Popen(["true"])
    process.wait()
    return f"{socket.gethostname()}:{process.pid}:1"


def test_an_import_whose_process_is_gone_reads_failed_not_running_for_ever(world, login):
    running = {"status": SalesImport.Status.RUNNING, "user": world.kam_a, "file_name": "s.csv"}
    gone = SalesImport.objects.create(**running, worker=dead_process(), summary={"progress": {"rows": 10}})
    alive = SalesImport.objects.create(**running, worker=this_process())
    elsewhere = SalesImport.objects.create(**running, worker="another-host:1:1")
    page = login(world.kam_a).get(reverse("sales:import_detail", args=[gone.pk])).content.decode()
    assert ABANDONED.split(":")[0] in page
    gone.refresh_from_db()
    assert gone.status == "failed" and gone.finished_at is not None and gone.summary["outcome"] == ABANDONED
    assert "progress" not in gone.summary
    assert SalesImport.objects.get(pk=alive.pk).status == "running"
    assert SalesImport.objects.get(pk=elsewhere.pk).status == "running"  # another machine's: cannot tell


def test_a_recorded_process_id_now_used_by_another_process_counts_as_gone(world):
    assert not is_gone(this_process())
    assert is_gone(f"{socket.gethostname()}:{os.getpid()}:1")  # same id, another start time
    assert not is_gone("")  # not recorded: cannot tell


def test_an_import_records_the_process_running_it(world, catalogue, login, staging_dir):
    upload(login(world.kam_a), sales_text(GOOD))
    assert SalesImport.objects.get().worker == this_process()
