"""Store-check services (findings, score rule, checks, access, audit) and the per-account trend numbers."""

from datetime import date, datetime
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from kamdesk.activities.models import Activity, StoreCheck
from kamdesk.activities.selectors_storechecks import store_check_trend, trend_window
from kamdesk.activities.services_storechecks import (
    computed_score,
    store_check_create,
    store_check_save,
    store_check_update,
)
from kamdesk.audit.models import AuditEvent
from kamdesk.core.errors import NotFound, PermissionDenied, ServiceError
from tests.activities_factories import make_activity
from tests.sales_factories import make_product
from tests.storechecks_factories import make_store_check

pytestmark = pytest.mark.django_db


def at(year: int, month: int, day: int = 10) -> datetime:
    return timezone.make_aware(datetime(year, month, day, 10, 0))


# --- the score rule -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("price", "display", "expected"),
    [("80", "91", 86), ("80", None, 80), (None, "67.5", 68), (None, None, None), ("0", "1", 1), ("100", "100", 100)],
)
def test_the_computed_score_is_the_rounded_average_of_the_compliance_figures(price, display, expected):
    as_decimal = [None if v is None else Decimal(v) for v in (price, display)]
    assert computed_score(*as_decimal) == expected


def test_an_empty_score_is_computed_and_follows_the_figures(world):
    check = make_store_check(world.subsidiary, price_compliance_pct="80", display_compliance_pct="90")
    assert (check.score, check.score_entered) == (85, False)
    check = store_check_save(
        actor=world.kam_a, activity_id=check.pk, store_name="Market Street", price_compliance_pct="60"
    )
    assert (check.score, check.score_entered) == (60, False)


def test_an_entered_score_stays(world):
    check = make_store_check(world.subsidiary, price_compliance_pct="80", display_compliance_pct="90", score=40)
    assert (check.score, check.score_entered) == (40, True)


# --- checks ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("shelf_share_pct", "101", "Shelf share must be between 0 and 100"),
        ("price_compliance_pct", "-1", "Price compliance must be between 0 and 100"),
        ("display_compliance_pct", "abc", "Display compliance must be a number"),
        ("display_compliance_pct", "NaN", "Display compliance must be between 0 and 100"),
        ("score", 101, "whole number from 0 to 100"),
        ("score", "7.5", "whole number from 0 to 100"),
    ],
)
def test_out_of_range_figures_are_refused_and_nothing_is_stored(world, field, value, message):
    activity = make_activity(world.subsidiary, kind="store_check")
    with pytest.raises(ServiceError, match=message) as refused:
        store_check_save(actor=world.kam_a, activity_id=activity.pk, store_name="Main", **{field: value})
    assert field in refused.value.field_errors
    assert not StoreCheck.objects.exists()


def test_out_of_stock_products_must_exist(world):
    activity = make_activity(world.subsidiary, kind="store_check")
    product = make_product()
    with pytest.raises(ServiceError, match="Unknown product: 999999") as refused:
        store_check_save(
            actor=world.kam_a, activity_id=activity.pk, store_name="Main", out_of_stock_products=[product.pk, 999999]
        )
    assert "out_of_stock_products" in refused.value.field_errors
    assert not StoreCheck.objects.exists()


def test_the_store_must_be_named_and_the_activity_must_be_a_store_check(world):
    activity = make_activity(world.subsidiary, kind="store_check")
    with pytest.raises(ServiceError, match="Name the store"):
        store_check_save(actor=world.kam_a, activity_id=activity.pk, store_name="  ")
    meeting = make_activity(world.subsidiary, kind="meeting")
    with pytest.raises(ServiceError, match="this activity is a meeting"):
        store_check_save(actor=world.kam_a, activity_id=meeting.pk, store_name="Main")


def test_the_database_refuses_out_of_range_figures(world):
    check = make_store_check(world.subsidiary)
    for field in ("shelf_share_pct", "price_compliance_pct", "display_compliance_pct", "score"):
        with pytest.raises(IntegrityError), transaction.atomic():
            StoreCheck.objects.filter(pk=check.pk).update(**{field: 101})


# --- access and audit ---------------------------------------------------------------------------------------


def test_access_follows_the_account(world):
    check = make_store_check(world.subsidiary)
    with pytest.raises(NotFound):
        store_check_save(actor=world.outsider, activity_id=check.pk, store_name="X")
    with pytest.raises(PermissionDenied):
        store_check_save(actor=world.viewer, activity_id=check.pk, store_name="X")
    assert StoreCheck.objects.get().store_name == "Market Street"


def test_create_and_update_write_the_activity_and_its_findings_with_audit_events(world):
    product = make_product(sku="OOS-1")
    activity, check = store_check_create(
        actor=world.kam_a,
        account=world.subsidiary,
        activity={"status": "done", "starts_at": at(2026, 3), "subject": "Berlin walk", "kind": "meeting"},
        store_check={"store_name": "KaDeWe", "store_city": "Berlin", "out_of_stock_products": [product]},
    )
    assert activity.kind == "store_check" and check.store_city == "Berlin"
    assert list(check.out_of_stock_products.values_list("sku", flat=True)) == ["OOS-1"]
    store_check_update(
        actor=world.kam_a,
        activity_id=activity.pk,
        activity={"subject": "Berlin walk (2)"},
        store_check={"store_name": "KaDeWe", "shelf_share_pct": "12.5"},
    )
    check.refresh_from_db()
    assert check.shelf_share_pct == Decimal("12.50") and not check.out_of_stock_products.exists()
    events = AuditEvent.objects.filter(object_type="storecheck").order_by("id")
    assert [e.action for e in events] == ["create", "update"]
    assert events[1].changes["shelf_share_pct"] == [None, "12.50"]
    assert events[1].changes["out_of_stock_products"] == ["OOS-1 " + product.name, ""]


def test_a_refused_finding_rolls_back_the_new_activity(world):
    with pytest.raises(ServiceError):
        store_check_create(
            actor=world.kam_a,
            account=world.subsidiary,
            activity={"status": "done", "starts_at": at(2026, 3), "subject": "Walk"},
            store_check={"store_name": "Main", "shelf_share_pct": "150"},
        )
    assert not Activity.objects.exists()


# --- trend ----------------------------------------------------------------------------------------------------


def test_the_trend_window_ends_with_the_current_month():
    assert trend_window(12, date(2026, 11, 24)) == (date(2025, 12, 1), date(2026, 12, 1))
    assert trend_window(1, date(2026, 12, 5)) == (date(2026, 12, 1), date(2027, 1, 1))


def test_trend_numbers_on_known_data(world):
    a, b, c = make_product(), make_product(), make_product()
    today = date(2026, 6, 15)

    def check(account, when, status="done", **fields):
        activity = make_activity(account, kind="store_check", starts_at=when, status=status)
        return make_store_check(account, activity=activity, **fields)

    # March: two checks at the account, 3 products missing in all.
    check(
        world.global_account,
        at(2026, 3, 2),
        out_of_stock_products=[a, b],
        shelf_share_pct="20",
        price_compliance_pct="80",
        display_compliance_pct="60",
    )
    check(
        world.global_account,
        at(2026, 3, 20),
        out_of_stock_products=[c],
        shelf_share_pct="30",
        price_compliance_pct="90",
    )
    # May: one check at the subsidiary with an entered score.
    check(world.subsidiary, at(2026, 5, 5), shelf_share_pct="50", score=40)
    # Not counted: planned, and outside the window.
    activity = make_activity(world.global_account, kind="store_check", starts_at=at(2026, 6, 20), status="planned")
    make_store_check(world.global_account, activity=activity, shelf_share_pct="99")
    check(world.global_account, at(2025, 1, 10), shelf_share_pct="99")

    trend = store_check_trend(world.global_account, months=4, today=today)
    assert [p.month for p in trend] == [date(2026, 3, 1), date(2026, 4, 1), date(2026, 5, 1), date(2026, 6, 1)]
    march = trend[0]
    assert march.checks == 2
    assert march.out_of_stock_per_check == Decimal("1.5")
    assert march.shelf_share_pct == Decimal("25.0")
    assert march.price_compliance_pct == Decimal("85.0")
    assert march.display_compliance_pct == Decimal("60.0")  # only the check that recorded it
    assert march.score == Decimal("80.0")  # computed 70 and 90
    assert trend[1].checks == 0 and trend[1].shelf_share_pct is None and trend[1].out_of_stock_per_check is None
    assert trend[2].checks == 0  # the subsidiary's check needs include_subsidiaries
    assert trend[3].checks == 0  # the planned one does not count

    with_subsidiaries = store_check_trend(world.global_account, include_subsidiaries=True, months=4, today=today)
    may = with_subsidiaries[2]
    assert (may.checks, may.out_of_stock_per_check, may.shelf_share_pct, may.score) == (
        1,
        Decimal("0.0"),
        Decimal("50.0"),
        Decimal("40.0"),
    )


# --- demo data ------------------------------------------------------------------------------------------------


def test_the_demo_logs_monthly_store_checks_with_a_drawn_photo(world, settings, tmp_path):
    from kamdesk.activities.models import StoreCheckPhoto
    from kamdesk.core.management.commands.demo import load_demo_store_checks, remove_demo_photo_files

    settings.STORE_CHECK_PHOTO_DIR = tmp_path
    world.global_account.tier = "strategic"
    world.global_account.save()
    for _ in range(5):
        make_product()
    assert load_demo_store_checks(seed=3) == 6
    photo = StoreCheckPhoto.objects.get()
    assert photo.content_type == "image/png" and photo.store_check.activity.account == world.global_account
    assert sum(month.checks for month in store_check_trend(world.global_account, months=12)) == 6
    remove_demo_photo_files()
    assert not any(p.is_file() for p in tmp_path.rglob("*"))


def test_findings_of_an_activity_no_longer_a_store_check_do_not_count(world):
    from kamdesk.activities.selectors_storechecks import account_store_checks
    from kamdesk.activities.services import activity_update

    check = make_store_check(world.subsidiary, shelf_share_pct="10")
    assert account_store_checks(world.subsidiary).count() == 1
    activity_update(actor=world.kam_a, activity_id=check.pk, kind="meeting")
    assert account_store_checks(world.subsidiary).count() == 0
    assert sum(month.checks for month in store_check_trend(world.subsidiary)) == 0
