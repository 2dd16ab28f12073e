"""Store checks in the REST API: GET/PUT the findings, photo upload (multipart), list, download and delete,
and the account's store-check trend; 404 for what the user may not see, 403 for viewers, constant queries."""

import json
from datetime import datetime
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from kamdesk.activities.models import StoreCheck, StoreCheckPhoto
from kamdesk.activities.services_storechecks import photo_add
from kamdesk.users.services import token_create
from tests.activities_factories import make_activity
from tests.factories import grant
from tests.sales_factories import make_product
from tests.storechecks_factories import PDF_BYTES, make_store_check, picture

pytestmark = pytest.mark.django_db
API = "/api/v1"


@pytest.fixture(autouse=True)
def photo_dir(settings, tmp_path):
    settings.STORE_CHECK_PHOTO_DIR = tmp_path / "photos"
    return settings.STORE_CHECK_PHOTO_DIR


def put(client, path, body):
    return client.put(API + path, data=json.dumps(body), content_type="application/json")


def post_photo(client, activity_id, data, name="shelf.jpg", **extra):
    payload = {"file": SimpleUploadedFile(name, data, content_type="image/jpeg"), "caption": "Aisle 4"}
    return client.post(f"{API}/activities/{activity_id}/photos", payload, **extra)


def test_put_and_get_a_store_check(world, login):
    client = login(world.kam_a)
    product = make_product(sku="P-1")
    activity = make_activity(world.subsidiary, kind="store_check")
    assert client.get(f"{API}/activities/{activity.pk}/store-check").status_code == 404
    body = {
        "store_name": "Main",
        "store_city": "Lyon",
        "out_of_stock_product_ids": [product.pk],
        "shelf_share_pct": "33.3",
        "price_compliance_pct": 90,
        "display_compliance_pct": 71,
    }
    response = put(client, f"/activities/{activity.pk}/store-check", body)
    assert response.status_code == 200, response.content
    data = response.json()
    assert data["store_city"] == "Lyon" and data["score"] == 81 and data["score_entered"] is False
    assert data["out_of_stock_products"] == [{"id": product.pk, "sku": "P-1", "name": product.name}]
    assert data["shelf_share_pct"] == "33.30" and data["account_id"] == world.subsidiary.pk
    again = client.get(f"{API}/activities/{activity.pk}/store-check").json()
    assert again == data


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"store_name": "Main", "shelf_share_pct": 101}, "shelf_share_pct"),
        ({"store_name": "Main", "score": -1}, "score"),
        ({"store_name": "Main", "out_of_stock_product_ids": [999999]}, "out_of_stock_product_ids"),
        ({"store_name": ""}, "store_name"),
        ({"store_name": "Main", "colour": "red"}, "colour"),
    ],
)
def test_bad_findings_answer_422_naming_the_field(world, login, body, field):
    activity = make_activity(world.subsidiary, kind="store_check")
    response = put(login(world.kam_a), f"/activities/{activity.pk}/store-check", body)
    assert response.status_code == 422
    assert field in [error["field"] for error in response.json()["errors"]]
    assert not StoreCheck.objects.exists()


def test_a_store_check_needs_an_activity_of_that_kind(world, login):
    meeting = make_activity(world.subsidiary, kind="meeting")
    response = put(login(world.kam_a), f"/activities/{meeting.pk}/store-check", {"store_name": "Main"})
    assert response.status_code == 422 and "meeting" in response.json()["detail"]


def test_access_outsider_404_viewer_403(world, login):
    check = make_store_check(world.subsidiary)
    photo = photo_add(actor=None, activity_id=check.pk, upload=picture())
    outsider = login(world.outsider)
    for path in (
        f"/activities/{check.pk}/store-check",
        f"/activities/{check.pk}/photos",
        f"/activities/{check.pk}/photos/{photo.pk}",
        f"/accounts/{world.subsidiary.pk}/store-check-trend",
    ):
        assert outsider.get(API + path).status_code == 404, path
    assert put(outsider, f"/activities/{check.pk}/store-check", {"store_name": "X"}).status_code == 404
    assert post_photo(outsider, check.pk, picture()).status_code == 404
    assert outsider.delete(f"{API}/activities/{check.pk}/photos/{photo.pk}").status_code == 404
    grant(world.subsidiary, world.viewer)
    viewer = login(world.viewer)
    assert viewer.get(f"{API}/activities/{check.pk}/store-check").status_code == 200
    assert put(viewer, f"/activities/{check.pk}/store-check", {"store_name": "X"}).status_code == 403
    assert post_photo(viewer, check.pk, picture()).status_code == 403
    assert viewer.delete(f"{API}/activities/{check.pk}/photos/{photo.pk}").status_code == 403
    assert StoreCheck.objects.get().store_name == "Market Street" and StoreCheckPhoto.objects.count() == 1


def test_upload_list_download_and_delete_photos_with_a_token(world):
    check = make_store_check(world.subsidiary)
    _token, secret = token_create(actor=world.kam_a, user=world.kam_a, name="script")
    client = Client(HTTP_AUTHORIZATION=f"Bearer {secret}")
    response = post_photo(client, check.pk, picture("PNG", (30, 20)), name="x.png")
    assert response.status_code == 201, response.content
    photo = response.json()
    assert (photo["content_type"], photo["width"], photo["height"], photo["caption"]) == (
        "image/png",
        30,
        20,
        "Aisle 4",
    )
    listed = client.get(f"{API}/activities/{check.pk}/photos").json()
    assert [p["id"] for p in listed] == [photo["id"]]
    download = client.get(photo["url"])
    assert download.status_code == 200 and download["Content-Type"] == "image/png"
    assert download["X-Content-Type-Options"] == "nosniff" and download["Content-Disposition"].startswith("inline")
    assert b"".join(download.streaming_content).startswith(b"\x89PNG")
    assert client.delete(f"{API}/activities/{check.pk}/photos/{photo['id']}").status_code == 204
    assert not StoreCheckPhoto.objects.exists()


def test_a_pdf_named_jpg_answers_422_and_stores_nothing(world, login, photo_dir):
    check = make_store_check(world.subsidiary)
    response = post_photo(login(world.kam_a), check.pk, PDF_BYTES)
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "file"
    assert not StoreCheckPhoto.objects.exists()
    assert not photo_dir.exists() or not any(p.is_file() for p in photo_dir.rglob("*"))


def test_session_uploads_need_the_csrf_token(world):
    check = make_store_check(world.subsidiary)
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.kam_a)
    assert post_photo(client, check.pk, picture()).status_code == 403
    assert not StoreCheckPhoto.objects.exists()


def test_the_trend_api(world, login):
    when = timezone.make_aware(datetime.combine(timezone.localdate().replace(day=1), datetime.min.time()))
    activity = make_activity(world.global_account, kind="store_check", starts_at=when)
    make_store_check(
        world.global_account, activity=activity, shelf_share_pct="40", out_of_stock_products=[make_product()]
    )
    response = login(world.kam_a).get(f"{API}/accounts/{world.global_account.pk}/store-check-trend?months=3")
    assert response.status_code == 200
    data = response.json()
    assert len(data["months"]) == 3 and data["include_subsidiaries"] is False
    this_month = data["months"][-1]
    assert this_month["month"] == timezone.localdate().strftime("%Y-%m")
    assert this_month["checks"] == 1 and Decimal(this_month["out_of_stock_per_check"]) == 1
    assert Decimal(this_month["shelf_share_pct"]) == 40
    bad = login(world.kam_a).get(f"{API}/accounts/{world.global_account.pk}/store-check-trend?months=99")
    assert bad.status_code == 422


def test_trend_and_photo_list_cost_the_same_queries_for_few_and_many_rows(world, login):
    client = login(world.kam_a)
    check = make_store_check(world.subsidiary)

    def add(n):
        for i in range(n):
            activity = make_activity(world.subsidiary, kind="store_check")
            make_store_check(
                world.subsidiary, activity=activity, shelf_share_pct=str(i), out_of_stock_products=[make_product()]
            )
            photo_add(actor=None, activity_id=check.pk, upload=picture("PNG", (4, 4)))

    def count():
        paths = [
            f"/accounts/{world.global_account.pk}/store-check-trend?include_subsidiaries=true",
            f"/activities/{check.pk}/photos",
            f"/activities/{check.pk}/store-check",
        ]
        counts = []
        for path in paths:
            with CaptureQueriesContext(connection) as queries:
                assert client.get(API + path).status_code == 200
            counts.append(len(queries))
        return counts

    add(2)
    few = count()
    add(10)
    assert count() == few
