"""Store-check pages: the account's Store checks page with its trend, logging and editing a store check, its
section on the activity page, photo upload, the protected photo view and photo removal; access answers
404/403; the pages' queries do not grow with their rows."""

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from kamdesk.activities.models import Activity, StoreCheck, StoreCheckPhoto
from kamdesk.activities.services_storechecks import photo_add
from tests.activities_factories import make_activity
from tests.sales_factories import make_product
from tests.storechecks_factories import PDF_BYTES, make_store_check, picture

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def photo_dir(settings, tmp_path):
    settings.STORE_CHECK_PHOTO_DIR = tmp_path / "photos"
    return settings.STORE_CHECK_PHOTO_DIR


def page_url(account, **query):
    url = reverse("activities:store_checks", args=[account.pk])
    return url + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def form_data(**extra):
    when = timezone.localtime(timezone.now() - timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M")
    data = {"kind": "store_check", "status": "done", "subject": "Store walk", "starts_at": when}
    data.update({"store_name": "Alexanderplatz", "store_number": "0042", "store_city": "Berlin"})
    data.update(extra)
    return data


# --- the Store checks page ------------------------------------------------------------------------------------


def test_the_activities_tab_links_to_the_store_checks_page(world, login):
    client = login(world.kam_a)
    body = client.get(reverse("activities:account", args=[world.global_account.pk])).content.decode()
    assert page_url(world.global_account) in body


def test_the_page_lists_checks_with_trend_table_and_chart(world, login):
    client = login(world.kam_a)
    product = make_product(sku="COLA-1")
    make_store_check(
        world.global_account,
        store_name="Main Street",
        out_of_stock_products=[product],
        price_compliance_pct="80",
        display_compliance_pct="90",
    )
    make_store_check(world.subsidiary, store_name="Sub Store", shelf_share_pct="40")
    response = client.get(page_url(world.global_account))
    body = response.content.decode()
    assert response.status_code == 200
    assert "Main Street" in body and "COLA-1" in body and "(computed)" in body
    assert "Sub Store" not in body  # the subsidiary only with the option
    assert 'id="chart-store-figures"' in body and "vega-embed" in body
    assert "Include subsidiaries" in body  # a global account offers the option
    body = client.get(page_url(world.global_account, include_subsidiaries="true")).content.decode()
    assert "Sub Store" in body and "Globex Deutschland" in body
    # A subsidiary has no subsidiaries of its own: no option.
    assert "Include subsidiaries" not in client.get(page_url(world.subsidiary)).content.decode()


def test_a_bad_period_answers_400_with_the_form(world, login):
    response = login(world.kam_a).get(page_url(world.global_account, months="7"))
    assert response.status_code == 400 and "Select a valid choice" in response.content.decode()


def test_hidden_accounts_answer_404_and_viewers_get_no_log_button(world, login):
    assert login(world.outsider).get(page_url(world.global_account)).status_code == 404
    client = login(world.lead)
    assert client.get(page_url(world.global_account)).status_code == 200
    from tests.factories import grant

    grant(world.global_account, world.viewer)
    body = login(world.viewer).get(page_url(world.global_account)).content.decode()
    assert reverse("activities:store_check_create", args=[world.global_account.pk]) not in body


def test_the_page_costs_the_same_queries_for_few_and_many_checks(world, login):
    client = login(world.kam_a)
    products = [make_product() for _ in range(3)]

    def add(n, start):
        for i in range(n):
            activity = make_activity(
                world.subsidiary, kind="store_check", starts_at=timezone.now() - timedelta(days=30 * (i % 11) + 1)
            )
            check = make_store_check(
                world.subsidiary, activity=activity, out_of_stock_products=products, shelf_share_pct=str(start + i)
            )
            photo_add(actor=None, activity_id=check.pk, upload=picture("PNG", (4, 4)))

    def count():
        with CaptureQueriesContext(connection) as queries:
            assert client.get(page_url(world.global_account, include_subsidiaries="true")).status_code == 200
        return len(queries)

    add(2, 10)
    few = count()
    add(12, 20)
    assert count() == few


# --- logging and editing ----------------------------------------------------------------------------------------


def test_log_a_store_check_with_its_findings(world, login):
    client = login(world.kam_a)
    make_product(sku="A-1")
    make_product(sku="B-2")
    url = reverse("activities:store_check_create", args=[world.subsidiary.pk])
    form = client.get(url)
    assert form.status_code == 200 and "Out-of-stock products" in form.content.decode()
    response = client.post(
        url, form_data(out_of_stock="A-1, B-2", price_compliance_pct="70", display_compliance_pct="81")
    )
    activity = Activity.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("activities:detail", args=[activity.pk])
    check = activity.store_check
    assert (activity.kind, check.store_name, check.score, check.score_entered) == (
        "store_check",
        "Alexanderplatz",
        76,
        False,
    )
    assert sorted(check.out_of_stock_products.values_list("sku", flat=True)) == ["A-1", "B-2"]
    detail = client.get(response["Location"]).content.decode()
    assert "Alexanderplatz" in detail and "A-1" in detail and "Add a photo" in detail


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ({"out_of_stock": "NOPE-1"}, "Unknown SKU: NOPE-1"),
        ({"shelf_share_pct": "120"}, "less than or equal to 100"),
        ({"store_name": ""}, "This field is required"),
    ],
)
def test_bad_findings_are_shown_on_the_form_and_nothing_is_stored(world, login, extra, message):
    client = login(world.kam_a)
    response = client.post(reverse("activities:store_check_create", args=[world.subsidiary.pk]), form_data(**extra))
    assert response.status_code == 422 and message in response.content.decode()
    assert not Activity.objects.exists() and not StoreCheck.objects.exists()


def test_edit_a_store_check_and_only_editors_may(world, login):
    check = make_store_check(world.subsidiary, store_name="Old", score=50)
    url = reverse("activities:store_check_edit", args=[check.pk])
    client = login(world.kam_a)
    form = client.get(url).content.decode()
    assert 'value="Old"' in form and 'value="50"' in form
    response = client.post(url, form_data(store_name="New", score=""))
    assert response.status_code == 302
    check.refresh_from_db()
    assert check.store_name == "New" and check.score is None and not check.score_entered
    assert login(world.outsider).get(url).status_code == 404
    from tests.factories import grant

    grant(world.subsidiary, world.kam_b)  # read access
    assert login(world.kam_b).post(url, form_data(store_name="Hacked")).status_code == 403
    check.refresh_from_db()
    assert check.store_name == "New"


def test_the_activity_page_of_a_store_check_without_details_offers_to_add_them(world, login):
    activity = make_activity(world.subsidiary, kind="store_check")
    body = login(world.kam_a).get(reverse("activities:detail", args=[activity.pk])).content.decode()
    assert "Add store-check details" in body
    assert reverse("activities:store_check_edit", args=[activity.pk]) in body


# --- photos -------------------------------------------------------------------------------------------------------


def upload(client, check, data, name="shelf.jpg", content_type="image/jpeg", caption="Shelf"):
    url = reverse("activities:photo_upload", args=[check.pk])
    return client.post(url, {"file": SimpleUploadedFile(name, data, content_type=content_type), "caption": caption})


def test_upload_show_and_delete_a_photo(world, login):
    check = make_store_check(world.subsidiary)
    client = login(world.kam_a)
    response = upload(client, check, picture("JPEG"))
    assert response.status_code == 302 and response["Location"].endswith("#photos")
    photo = StoreCheckPhoto.objects.get()
    photo_url = reverse("activities:photo", args=[check.pk, photo.pk])
    detail = client.get(reverse("activities:detail", args=[check.pk])).content.decode()
    assert f'src="{photo_url}"' in detail and "/media/" not in detail
    shown = client.get(photo_url)
    assert shown.status_code == 200
    assert shown["Content-Type"] == "image/jpeg"
    assert shown["Content-Disposition"].startswith("inline;")
    assert shown["X-Content-Type-Options"] == "nosniff"
    assert b"".join(shown.streaming_content)[:3] == b"\xff\xd8\xff"
    deleted = client.post(reverse("activities:photo_delete", args=[check.pk, photo.pk]))
    assert deleted.status_code == 302 and not StoreCheckPhoto.objects.exists()


def test_a_pdf_named_jpg_is_refused_with_a_message(world, login):
    check = make_store_check(world.subsidiary)
    client = login(world.kam_a)
    response = upload(client, check, PDF_BYTES, name="shelf.jpg", content_type="image/jpeg")
    assert response.status_code == 302 and not StoreCheckPhoto.objects.exists()
    page = client.get(response["Location"]).content.decode()
    assert "not a JPEG, PNG or WebP picture" in page


def test_outsiders_get_404_and_viewers_cannot_upload_or_delete(world, login):
    check = make_store_check(world.subsidiary)
    photo = photo_add(actor=None, activity_id=check.pk, upload=picture())
    photo_url = reverse("activities:photo", args=[check.pk, photo.pk])
    outsider = login(world.outsider)
    assert outsider.get(photo_url).status_code == 404
    assert upload(outsider, check, picture()).status_code == 404
    assert outsider.post(reverse("activities:photo_delete", args=[check.pk, photo.pk])).status_code == 404
    # The photo of one store check is not reachable through another activity's address.
    other = make_store_check(world.subsidiary)
    assert login(world.kam_a).get(reverse("activities:photo", args=[other.pk, photo.pk])).status_code == 404
    from tests.factories import grant

    grant(world.subsidiary, world.viewer)
    viewer = login(world.viewer)
    assert viewer.get(photo_url).status_code == 200
    assert upload(viewer, check, picture()).status_code == 403
    assert viewer.post(reverse("activities:photo_delete", args=[check.pk, photo.pk])).status_code == 403
    assert StoreCheckPhoto.objects.count() == 1
    body = viewer.get(reverse("activities:detail", args=[check.pk])).content.decode()
    assert "Add a photo" not in body


def test_the_activity_page_costs_the_same_queries_for_few_and_many_photos(world, login):
    check = make_store_check(world.subsidiary, out_of_stock_products=[make_product()])
    client = login(world.kam_a)

    def count():
        with CaptureQueriesContext(connection) as queries:
            assert client.get(reverse("activities:detail", args=[check.pk])).status_code == 200
        return len(queries)

    photo_add(actor=None, activity_id=check.pk, upload=picture("PNG", (4, 4)))
    few = count()
    for _ in range(5):
        photo_add(actor=None, activity_id=check.pk, upload=picture("PNG", (4, 4)))
    check.out_of_stock_products.add(*[make_product() for _ in range(5)])
    assert count() == few


def test_photos_are_never_under_a_public_media_url(world, login, settings):
    check = make_store_check(world.subsidiary)
    photo = photo_add(actor=None, activity_id=check.pk, upload=picture())
    client = login(world.kam_a)
    for prefix in ("/media/", "/static/", "/"):
        assert client.get(prefix + photo.file).status_code == 404


# --- export -------------------------------------------------------------------------------------------------------


def test_export_csv_and_xlsx_defuse_formulas_and_follow_access(world, login):
    import io

    import openpyxl

    make_store_check(
        world.global_account, store_name='=HYPERLINK("http://evil")', out_of_stock_products=[make_product(sku="Z-9")]
    )
    make_store_check(world.subsidiary, store_name="Sub Store")
    client = login(world.kam_a)
    url = reverse("activities:store_checks_export", args=[world.global_account.pk, "csv"])
    assert url in client.get(page_url(world.global_account)).content.decode()
    response = client.get(url)
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    assert response.status_code == 200 and response["Content-Disposition"].startswith("attachment;")
    assert "'=HYPERLINK" in text and "Z-9" in text and "Sub Store" not in text
    assert "Sub Store" in b"".join(client.get(url + "?include_subsidiaries=true").streaming_content).decode()
    xlsx = client.get(reverse("activities:store_checks_export", args=[world.global_account.pk, "xlsx"]))
    sheet = openpyxl.load_workbook(io.BytesIO(xlsx.content)).active
    assert sheet["D2"].value == '=HYPERLINK("http://evil")' and sheet["D2"].data_type == "s"
    assert (
        client.get(reverse("activities:store_checks_export", args=[world.global_account.pk, "pdf"])).status_code == 404
    )
    assert login(world.outsider).get(url).status_code == 404
