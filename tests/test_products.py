"""The product catalogue: services, ``kamdesk import/export products``, the pages and the API."""

import csv
import io
import json
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
import xlsxwriter
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from kamdesk.audit.models import AuditEvent
from kamdesk.core.errors import NotFound, PermissionDenied, ServiceError
from kamdesk.imports.columns import PRODUCT_COLUMNS
from kamdesk.sales.models import Product
from kamdesk.sales.services_products import product_create, product_update
from tests.factories import make_user
from tests.sales_factories import make_product

API = "/api/v1"
D = Decimal
HEADER = ",".join(PRODUCT_COLUMNS)


@pytest.fixture
def catalogue(world):
    world.cola = make_product(
        sku="COLA-1L",
        name="Cola 1 l",
        category="Drinks",
        sub_category="Soft drinks",
        brand="Fizz",
        unit="bottle",
        pack_size=D("6"),
        list_price=D("1.99"),
        standard_cost=D("0.81"),
    )
    world.chips = make_product(sku="CHIP-200", name="Chips 200 g", category="Snacks", brand="Crunch")
    world.old = make_product(sku="OLD-1", name="Discontinued tea", category="Drinks", brand="Leaf", is_active=False)
    world.member = make_user("team_member", email="member@example.com")
    return world


# --- services -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["admin", "lead"])
def test_admins_and_team_leads_manage_the_catalogue(catalogue, who):
    actor = getattr(catalogue, who)
    product = product_create(actor=actor, sku=" NEW-1 ", name="New", list_price=D("3"), standard_cost=D("1"))
    assert product.sku == "NEW-1" and product.unit == "pcs" and product.is_active
    product_update(actor=actor, product_id=product.pk, list_price=D("3.50"))
    product_update(actor=actor, product_id=product.pk, list_price=D("3.50"))  # no change, no event
    events = AuditEvent.objects.filter(object_type="product", object_id=product.pk).order_by("id")
    assert [(e.action, e.account_id, e.actor_id) for e in events] == [
        ("create", None, actor.pk),
        ("update", None, actor.pk),
    ]
    assert events[1].changes == {"list_price": ["3.00", "3.50"]}


@pytest.mark.parametrize("who", ["kam_a", "member", "viewer"])
def test_everyone_else_only_reads_it(catalogue, who):
    with pytest.raises(PermissionDenied):
        product_create(actor=getattr(catalogue, who), sku="NEW-2", name="New")
    with pytest.raises(PermissionDenied):
        product_update(actor=getattr(catalogue, who), product_id=catalogue.cola.pk, name="Renamed")
    assert not Product.objects.filter(sku="NEW-2").exists()


def test_bad_product_values_name_the_field(catalogue):
    with pytest.raises(ServiceError) as caught:
        product_create(actor=catalogue.admin, sku="COLA-1L", name="Twin")
    assert "sku" in caught.value.field_errors
    with pytest.raises(ServiceError) as caught:
        product_update(actor=catalogue.admin, product_id=catalogue.cola.pk, list_price=D("-1"), name="")
    assert set(caught.value.field_errors) == {"list_price", "name"}
    with pytest.raises(NotFound):
        product_update(actor=catalogue.admin, product_id=999999, name="x")


# --- import and export ---------------------------------------------------------------------------------------


def run_import(path: Path, *args: str) -> tuple[dict, int]:
    out = io.StringIO()
    try:
        call_command("import", "products", str(path), "--json", *args, stdout=out)
        code = 0
    except CommandError as exc:
        code = exc.returncode
    report = json.loads(out.getvalue())
    assert report["created"] + report["updated"] + report["unchanged"] + report["rejected"] == report["rows"]
    return report, code


def export_csv(*args: str) -> str:
    out = io.StringIO()
    call_command("export", "products", *args, stdout=out)
    return out.getvalue()


def write(tmp_path: Path, text: str, name: str = "products.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def stored() -> list[tuple]:
    return list(
        Product.objects.order_by("sku").values_list(
            *[f.name for f in Product._meta.fields if f.name not in ("id", "created_at", "updated_at")]
        )
    )


def test_import_creates_then_is_idempotent_then_updates(db, tmp_path):
    text = (
        f"{HEADER}\nA-1,Apple juice,Drinks,Juice,Orchard,l,1,2.49,1.10,yes\nA-2,Apricot jam,Spreads,,Orchard,,,,,no\n"
    )
    report, code = run_import(write(tmp_path, text))
    assert (code, report["created"], report["written"]) == (0, 2, True)
    jam = Product.objects.get(sku="A-2")
    assert (jam.unit, jam.list_price, jam.is_active) == ("pcs", None, False)
    assert AuditEvent.objects.filter(object_type="product", account_id=None).count() == 2

    report, code = run_import(write(tmp_path, text))
    assert (code, report["unchanged"], report["created"], report["updated"]) == (0, 2, 0, 0)

    changed = text.replace("2.49", "2.59").replace(",no\n", ",yes\n")
    report, code = run_import(write(tmp_path, changed))
    assert (report["updated"], report["unchanged"]) == (2, 0)
    assert Product.objects.get(sku="A-1").list_price == D("2.59") and Product.objects.get(sku="A-2").is_active


def test_columns_left_out_are_not_changed(catalogue, tmp_path):
    report, code = run_import(write(tmp_path, "name,sku\nCola one litre,COLA-1L\n"))
    assert (code, report["updated"]) == (0, 1)
    catalogue.cola.refresh_from_db()
    assert (catalogue.cola.name, catalogue.cola.standard_cost, catalogue.cola.unit) == (
        "Cola one litre",
        D("0.81"),
        "bottle",
    )


@pytest.mark.parametrize(
    ("line", "column", "message"),
    [
        (",No SKU,Drinks,,,,,,,", "sku", "The SKU is required"),
        ("B-1,,Drinks,,,,,,,", "name", "The name is required."),
        ("B-1,Bad price,Drinks,,,,,ten,,", "list_price", "“ten” is not a number."),
        ("B-1,Negative,Drinks,,,,,-1,,", "list_price", "greater than or equal to 0"),
        ("B-1,Too fine,Drinks,,,,,1.999,,", "list_price", "decimal places"),
        ("B-1,Pack,Drinks,,,,1.2345,,,", "pack_size", "decimal places"),
        ("B-1,Active?,Drinks,,,,,,,maybe", "active", "“maybe” is not yes or no."),
        ("B-1,Cut short,Drinks", None, "a separator may be missing or the file may be cut short"),
        ("B-" + "1" * 40 + ",Long SKU,,,,,,,,", "sku", "at most 40 characters"),
    ],
)
def test_bad_rows_are_reported_and_nothing_is_written(db, tmp_path, line, column, message):
    path = write(tmp_path, f"{HEADER}\nGOOD-1,Good,Drinks,,,,,1.00,0.50,yes\n{line}\n")
    report, code = run_import(path)
    assert code == 1 and report["rejected"] == 1 and not report["written"]
    error = report["errors"][0]
    assert (error["line"], error["column"]) == (3, column) and message in error["message"]
    assert not Product.objects.exists()
    report, code = run_import(path, "--partial")
    assert report["written"] and Product.objects.filter(sku="GOOD-1").exists()


def test_duplicate_sku_and_dry_run(db, tmp_path):
    path = write(tmp_path, f"{HEADER}\nD-1,One,,,,,,,,\nD-1,Again,,,,,,,,\n")
    report, _ = run_import(path)
    assert report["errors"][0]["message"] == "“D-1” already appears on line 2."
    report, code = run_import(write(tmp_path, f"{HEADER}\nD-1,One,,,,,,,,\n"), "--dry-run")
    assert (code, report["created"], report["written"], report["dry_run"]) == (0, 1, False, True)
    assert not Product.objects.exists()


def test_file_level_problems(db, tmp_path):
    report, code = run_import(write(tmp_path, "name,brand\nX,Y\n"))
    assert code == 2 and "Required column missing: sku." in report["errors"][0]["message"]
    report, code = run_import(write(tmp_path, ""))
    assert code == 2 and report["errors"][0]["message"] == "The file is empty."


def test_semicolon_file_with_decimal_commas_and_columns_in_another_order(db, tmp_path):
    report, code = run_import(
        write(tmp_path, "active;list_price;sku;name;extra\nja;1,50;C-1;Comma;x\n".replace("ja", "yes"))
    )
    assert code == 0 and report["created"] == 1 and "Ignored unknown column" in report["warnings"][0]
    assert Product.objects.get(sku="C-1").list_price == D("1.50")


@pytest.mark.parametrize("who", ["kam_a", "viewer"])
def test_import_as_a_reader_changes_nothing(catalogue, tmp_path, who):
    catalogue_export = export_csv()
    email = getattr(catalogue, who).email
    report, code = run_import(write(tmp_path, catalogue_export), "--as", email)
    if who == "kam_a":  # the same values: nothing to change
        assert (code, report["unchanged"]) == (0, 3)
    report, code = run_import(
        write(tmp_path, f"{HEADER}\nCOLA-1L,Cheaper cola,,,,,,,,\nNEW-9,New,,,,,,,,\n"), "--as", email
    )
    assert code == 1 and report["rejected"] == 2 and not report["written"]
    messages = [error["message"] for error in report["errors"]]
    assert "Only admins and team leads can change the product catalogue." in messages
    assert any("only admins and team leads can add products" in m for m in messages)
    assert Product.objects.get(sku="COLA-1L").name == "Cola 1 l"


def test_a_role_without_costs_cannot_import_them(catalogue, tmp_path, settings):
    settings.COST_VISIBLE_ROLES = ["admin"]
    path = write(tmp_path, "sku,name,standard_cost\nCOLA-1L,Cola 1 l,0.10\nCHIP-200,Chips 200 g,\n")
    report, code = run_import(path, "--as", catalogue.lead.email)
    assert code == 1 and report["errors"][0]["column"] == "standard_cost" and report["unchanged"] == 1
    assert Product.objects.get(sku="COLA-1L").standard_cost == D("0.81")


def test_export_csv_round_trip_is_exact_and_formula_safe(catalogue, tmp_path):
    product_create(
        actor=None, sku="=HYPERLINK(1)", name="+danger", brand="@brand", category="-minus", list_price=D("0.10")
    )
    text = export_csv()
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == list(PRODUCT_COLUMNS)
    assert rows[1] == ["'=HYPERLINK(1)", "'+danger", "'-minus", "", "'@brand", "pcs", "", "0.10", "", "yes"]
    assert rows[2][:10] == ["CHIP-200", "Chips 200 g", "Snacks", "", "Crunch", "pcs", "", "10.00", "6.00", "yes"]
    before = stored()
    report, code = run_import(write(tmp_path, text))
    assert (code, report["unchanged"], report["rows"]) == (0, 4, 4)
    Product.objects.all().delete()
    report, code = run_import(write(tmp_path, text))
    assert (code, report["created"]) == (0, 4)
    assert stored() == before


def test_export_xlsx_round_trip_is_exact(catalogue, tmp_path):
    product_create(actor=None, sku="'quoted", name="=1+1", list_price=D("12345.67"), pack_size=D("0.125"))
    path = tmp_path / "products.xlsx"
    call_command("export", "products", "--output", str(path), stderr=io.StringIO())
    sheet = openpyxl.load_workbook(path).active
    header = [cell.value for cell in sheet[1]]
    assert header == list(PRODUCT_COLUMNS)
    assert all(cell.data_type != "f" for row in sheet.iter_rows() for cell in row)
    before = stored()
    Product.objects.all().delete()
    report, code = run_import(path)
    assert (code, report["created"]) == (0, 4)
    assert stored() == before


def test_xlsx_import_with_numbers_as_numbers(db, tmp_path):
    path = tmp_path / "typed.xlsx"
    workbook = xlsxwriter.Workbook(str(path))
    sheet = workbook.add_worksheet()
    for col, value in enumerate(["sku", "name", "list_price", "pack_size", "active"]):
        sheet.write_string(0, col, value)
    sheet.write_string(1, 0, "X-1")
    sheet.write_string(1, 1, "Typed")
    sheet.write_number(1, 2, 4.2)
    sheet.write_number(1, 3, 12)
    sheet.write_boolean(1, 4, False)
    workbook.close()
    report, code = run_import(path)
    assert code == 0, report
    product = Product.objects.get(sku="X-1")
    assert (product.list_price, product.pack_size, product.is_active) == (D("4.20"), D("12"), False)


@pytest.mark.parametrize(("who", "has_cost"), [("kam_a", True), ("lead", True), ("member", False), ("viewer", False)])
def test_cost_column_is_exported_only_to_roles_that_see_costs(catalogue, who, has_cost):
    header = export_csv("--as", getattr(catalogue, who).email).splitlines()[0].split(",")
    assert ("standard_cost" in header) is has_cost
    assert header[0] == "sku" and len(header) == len(PRODUCT_COLUMNS) - (0 if has_cost else 1)
    assert "0.81" not in export_csv("--as", getattr(catalogue, who).email) or has_cost


# --- pages --------------------------------------------------------------------------------------------------


def test_list_search_filter_sort_and_costs(catalogue, login):
    client = login(catalogue.kam_a)
    url = reverse("sales:product_list")
    html = client.get(url).content.decode()
    assert "3 products" in html and "0.81" in html and "Standard cost" in html
    assert "New product" not in html  # KAMs read the catalogue
    html = client.get(url, {"category": "drinks", "active": "true"}).content.decode()
    assert "1 product" in html and "COLA-1L" in html and "OLD-1" not in html
    html = client.get(url, {"brand": "Crunch"}).content.decode()
    assert "CHIP-200" in html and "COLA-1L" not in html
    html = client.get(url, {"q": "tea"}).content.decode()
    assert "OLD-1" in html and "1 product" in html
    html = client.get(url, {"sort": "-name"}).content.decode()
    assert html.index("OLD-1") < html.index("COLA-1L") < html.index("CHIP-200")
    html = client.get(url, {"sort": "bogus"}).content.decode()
    assert html.index("CHIP-200") < html.index("COLA-1L") < html.index("OLD-1")
    # Nonsense in the query string is ignored, never an error page.
    assert client.get(url, {"active": "maybe", "page": "last-ish", "category": "x" * 500}).status_code == 200
    assert client.get(reverse("sales:product_export"), {"active": "maybe"}).status_code == 200


def test_list_paginates(catalogue, login, settings):
    settings.PAGE_SIZE = 2
    client = login(catalogue.kam_a)
    first = client.get(reverse("sales:product_list")).content.decode()
    assert "Page 1 of 2" in first and "OLD-1" not in first
    assert "OLD-1" in client.get(reverse("sales:product_list"), {"page": 2}).content.decode()


def test_roles_without_costs_do_not_see_them(catalogue, login):
    client = login(catalogue.member)
    html = client.get(reverse("sales:product_list")).content.decode()
    assert "COLA-1L" in html and "0.81" not in html and "Standard cost" not in html
    html = client.get(reverse("sales:product_detail", args=[catalogue.cola.pk])).content.decode()
    assert "1.99" in html and "0.81" not in html and "Margin" not in html
    export = client.get(reverse("sales:product_export"), {"format": "csv"})
    body = b"".join(export.streaming_content).decode("utf-8-sig")
    assert "standard_cost" not in body and "0.81" not in body and "COLA-1L" in body


def test_export_of_the_filtered_list(catalogue, login):
    client = login(catalogue.lead)
    response = client.get(reverse("sales:product_export"), {"format": "csv", "category": "Drinks", "sort": "-sku"})
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    assert [row[0] for row in rows[1:]] == ["OLD-1", "COLA-1L"] and rows[0][8] == "standard_cost"
    response = client.get(reverse("sales:product_export"), {"format": "xlsx", "brand": "Fizz"})
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    assert [row[0] for row in sheet.iter_rows(min_row=2, values_only=True)] == ["COLA-1L"]
    assert client.get(reverse("sales:product_export"), {"format": "pdf"}).status_code == 400


def test_detail_page(catalogue, login):
    from kamdesk.sales.services_products import listing_set

    listing_set(actor=None, account_id=catalogue.global_account.pk, product=catalogue.cola, status="listed")
    listing_set(actor=None, account_id=catalogue.hidden.pk, product=catalogue.cola, status="listed")
    html = login(catalogue.kam_a).get(reverse("sales:product_detail", args=[catalogue.cola.pk])).content.decode()
    assert "Cola 1 l" in html and "Soft drinks" in html and "59.3 %" in html  # (1.99 - 0.81) / 1.99
    assert "Listed by 1," in html  # only the accounts the user may see
    assert login(catalogue.kam_a).get(reverse("sales:product_detail", args=[999999])).status_code == 404


def test_create_and_edit_pages(catalogue, login):
    client = login(catalogue.lead)
    response = client.post(
        reverse("sales:product_create"),
        {
            "sku": "NEW-5",
            "name": "New five",
            "unit": "pcs",
            "list_price": "5.00",
            "standard_cost": "2",
            "is_active": "on",
        },
    )
    assert response.status_code == 302
    product = Product.objects.get(sku="NEW-5")
    assert (product.list_price, product.standard_cost) == (D("5.00"), D("2"))
    duplicate = client.post(reverse("sales:product_create"), {"sku": "NEW-5", "name": "Twin", "unit": "pcs"})
    assert duplicate.status_code == 200 and "Product with this SKU already exists." in duplicate.content.decode()
    edit = reverse("sales:product_edit", args=[product.pk])
    assert 'value="NEW-5"' in client.get(edit).content.decode()
    response = client.post(edit, {"sku": "NEW-5", "name": "Renamed", "unit": "kg", "list_price": "-3"})
    assert (
        response.status_code == 200 and "Ensure this value is greater than or equal to 0." in response.content.decode()
    )
    assert client.post(edit, {"sku": "NEW-5", "name": "Renamed", "unit": "kg"}).status_code == 302
    product.refresh_from_db()
    assert (product.name, product.unit, product.is_active, product.list_price) == ("Renamed", "kg", False, None)


@pytest.mark.parametrize("who", ["kam_a", "member", "viewer"])
def test_create_and_edit_pages_are_forbidden_to_readers(catalogue, login, who):
    client = login(getattr(catalogue, who))
    assert client.get(reverse("sales:product_create")).status_code == 403
    assert client.post(reverse("sales:product_create"), {"sku": "Z", "name": "Z", "unit": "pcs"}).status_code == 403
    assert client.post(reverse("sales:product_edit", args=[catalogue.cola.pk]), {"sku": "Z"}).status_code == 403
    assert not Product.objects.filter(sku="Z").exists()


def test_pages_need_a_signed_in_user(catalogue, client):
    for url in (reverse("sales:product_list"), reverse("sales:product_detail", args=[catalogue.cola.pk])):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith("/login/")


@pytest.mark.parametrize("who", ["kam_a", "admin"])
def test_page_query_counts_do_not_grow_with_products(catalogue, login, settings, who):
    settings.PAGE_SIZE = 100
    client = login(getattr(catalogue, who))
    urls = [
        reverse("sales:product_list"),
        reverse("sales:product_list") + "?category=Drinks&sort=-list_price",
        reverse("sales:product_detail", args=[catalogue.cola.pk]),
    ]

    def counts() -> list[int]:
        result = []
        for url in urls:
            with CaptureQueriesContext(connection) as queries:
                assert client.get(url).status_code == 200
            result.append(len(queries))
        return result

    small = counts()
    for n in range(30):
        make_product(sku=f"GROW-{n}", category="Drinks" if n % 2 else f"Cat {n}", brand=f"Brand {n}")
    product_update(actor=None, product_id=catalogue.cola.pk, list_price=D("2.05"))
    assert counts() == small


# --- API ------------------------------------------------------------------------------------------------------


def test_api_list_with_filters_and_costs(catalogue, client):
    client.force_login(catalogue.kam_a)
    answer = client.get(f"{API}/products").json()
    assert answer["count"] == 3 and [p["sku"] for p in answer["items"]] == ["CHIP-200", "COLA-1L", "OLD-1"]
    cola = answer["items"][1]
    assert D(cola["standard_cost"]) == D("0.81") and D(cola["pack_size"]) == D("6") and cola["unit"] == "bottle"
    assert client.get(f"{API}/products", {"category": "drinks", "active": "false"}).json()["count"] == 1
    assert client.get(f"{API}/products", {"q": "chip", "limit": 1}).json()["count"] == 1
    by_price = client.get(f"{API}/products", {"sort": "-list_price"}).json()["items"]
    assert [p["sku"] for p in by_price] == ["OLD-1", "CHIP-200", "COLA-1L"]
    assert client.get(f"{API}/products", {"sort": "price"}).status_code == 422
    assert client.get(f"{API}/products/{catalogue.cola.pk}").json()["sku"] == "COLA-1L"
    assert client.get(f"{API}/products/999999").status_code == 404


def test_api_hides_costs_from_roles_without_them(catalogue, client):
    client.force_login(catalogue.member)
    assert all(p["standard_cost"] is None for p in client.get(f"{API}/products").json()["items"])
    assert client.get(f"{API}/products/{catalogue.cola.pk}").json()["standard_cost"] is None


@pytest.mark.parametrize(
    ("who", "status"), [("admin", 201), ("lead", 201), ("kam_a", 403), ("member", 403), ("viewer", 403)]
)
def test_api_create_matrix(catalogue, client, who, status):
    client.force_login(getattr(catalogue, who))
    body = {"sku": "API-1", "name": "From the API", "list_price": "4.50", "standard_cost": "2.10"}
    response = client.post(f"{API}/products", body, content_type="application/json")
    assert response.status_code == status
    assert Product.objects.filter(sku="API-1").exists() is (status == 201)
    if status == 201:
        assert response.json()["sku"] == "API-1" and D(response.json()["standard_cost"]) == D("2.10")
    change = client.patch(f"{API}/products/{catalogue.chips.pk}", {"brand": "Crisp"}, content_type="application/json")
    assert change.status_code == (200 if status == 201 else 403)


def test_api_write_errors(catalogue, client):
    client.force_login(catalogue.admin)
    duplicate = client.post(f"{API}/products", {"sku": "COLA-1L", "name": "Twin"}, content_type="application/json")
    assert duplicate.status_code == 422 and duplicate.json()["errors"][0]["field"] == "sku"
    for body in (
        {"sku": "", "name": "x"},
        {"sku": "N", "name": "x", "list_price": "-1"},
        {"sku": "N", "name": "x", "colour": "red"},
    ):
        assert client.post(f"{API}/products", body, content_type="application/json").status_code == 422
    nulled = client.patch(f"{API}/products/{catalogue.cola.pk}", {"list_price": None}, content_type="application/json")
    assert nulled.status_code == 200 and nulled.json()["list_price"] is None
    assert client.patch(f"{API}/products/999999", {"name": "x"}, content_type="application/json").status_code == 404
    assert (
        client.patch(f"{API}/products/{catalogue.cola.pk}", {"name": None}, content_type="application/json").status_code
        == 422
    )


def test_api_cost_writes_are_refused_to_roles_without_costs(catalogue, client, settings):
    settings.COST_VISIBLE_ROLES = ["admin"]
    client.force_login(catalogue.lead)
    response = client.patch(
        f"{API}/products/{catalogue.cola.pk}", {"standard_cost": "0.10"}, content_type="application/json"
    )
    assert response.status_code == 403
    assert (
        client.patch(f"{API}/products/{catalogue.cola.pk}", {"name": "Cola"}, content_type="application/json").json()[
            "standard_cost"
        ]
        is None
    )


def test_api_list_query_count_does_not_grow(catalogue, client):
    client.force_login(catalogue.kam_a)
    counts = []
    for size in (5, 40):
        while Product.objects.count() < size:
            make_product()
        with CaptureQueriesContext(connection) as queries:
            assert client.get(f"{API}/products", {"limit": 100}).json()["count"] == size
        counts.append(len(queries))
    assert counts[0] == counts[1]
