"""Reads of store checks, their photos and the per-account trend; every function starts from what the acting
user may see (or from an account the caller has already checked the user may see: its subsidiaries are then
visible too).

The trend counts done store checks only (a planned visit has found nothing yet), month by month in the
installation's time zone: number of checks, out-of-stock products per check, and the averages of shelf
share, price and display compliance and score over the checks that recorded them.
"""

from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Avg, Count, DateField, Prefetch, QuerySet
from django.db.models.functions import TruncMonth
from django.utils import timezone

from kamdesk.access.scope import visible_accounts
from kamdesk.accounts.models import Account, AccountClosure
from kamdesk.activities.models import ActivityKind, ActivityStatus, StoreCheck, StoreCheckPhoto
from kamdesk.sales.models import Product
from kamdesk.users.models import User

MONTH_CHOICES = (6, 12, 24, 36)
DEFAULT_MONTHS = 12
TREND_FIGURES = ("shelf_share_pct", "price_compliance_pct", "display_compliance_pct", "score")
ONE_DECIMAL = Decimal("0.1")


@dataclass(frozen=True)
class TrendMonth:
    month: date
    checks: int
    out_of_stock_per_check: Decimal | None
    shelf_share_pct: Decimal | None
    price_compliance_pct: Decimal | None
    display_compliance_pct: Decimal | None
    score: Decimal | None


# --- one store check ----------------------------------------------------------------------------------------


def _store_checks() -> QuerySet:
    # Findings stay with an activity whose kind was changed later; they count only while it is a store check.
    return StoreCheck.objects.filter(activity__kind=ActivityKind.STORE_CHECK)


def _visible_store_checks(user: User) -> QuerySet:
    return _store_checks().filter(activity__account_id__in=visible_accounts(user).values("id"))


def store_check_detail(user: User, activity_id: int) -> StoreCheck:
    """The store check of a visible activity with its products and photos; StoreCheck.DoesNotExist when the
    activity is hidden, missing or has no store-check details yet."""
    return (
        _visible_store_checks(user)
        .select_related("activity", "activity__account")
        .prefetch_related(
            Prefetch("out_of_stock_products", queryset=Product.objects.order_by("sku").only("id", "sku", "name")),
            Prefetch("photos", queryset=StoreCheckPhoto.objects.select_related("uploaded_by")),
        )
        .get(activity_id=activity_id)
    )


def visible_photo(user: User, activity_id: int, photo_id: int) -> StoreCheckPhoto:
    """A photo of a visible store check; StoreCheckPhoto.DoesNotExist otherwise (one query)."""
    return StoreCheckPhoto.objects.select_related("store_check").get(
        pk=photo_id,
        store_check__activity_id=activity_id,
        store_check__activity__account_id__in=visible_accounts(user).values("id"),
    )


# --- an account's store checks ------------------------------------------------------------------------------


def _accounts(account: Account, include_subsidiaries: bool):
    if not include_subsidiaries:
        return [account.pk]
    return AccountClosure.objects.filter(ancestor_id=account.pk).values("descendant_id")


def account_store_checks(account: Account, *, include_subsidiaries: bool = False) -> QuerySet:
    """The store checks of an account (the caller has checked it is visible), newest first, each with its
    out-of-stock products and photo count."""
    return (
        _store_checks()
        .filter(activity__account_id__in=_accounts(account, include_subsidiaries))
        .select_related("activity", "activity__account")
        .prefetch_related(
            Prefetch("out_of_stock_products", queryset=Product.objects.order_by("sku").only("id", "sku", "name"))
        )
        .annotate(photo_count=Count("photos", distinct=True))
        .order_by("-activity__starts_at", "-activity_id")
    )


def trend_window(months: int, today: date | None = None) -> tuple[date, date]:
    """The first day of the first month and the first day after the last month (the current one)."""
    today = today or timezone.localdate()
    first = today.replace(day=1)
    index = first.year * 12 + first.month - 1 - (months - 1)
    start = date(index // 12, index % 12 + 1, 1)
    end_index = first.year * 12 + first.month
    return start, date(end_index // 12, end_index % 12 + 1, 1)


def _month_list(start: date, end: date) -> list[date]:
    months, current = [], start
    while current < end:
        months.append(current)
        current = date(current.year + current.month // 12, current.month % 12 + 1, 1)
    return months


def _one_decimal(value) -> Decimal | None:
    return None if value is None else Decimal(str(value)).quantize(ONE_DECIMAL, rounding=ROUND_HALF_UP)


def store_check_trend(
    account: Account, *, include_subsidiaries: bool = False, months: int = DEFAULT_MONTHS, today: date | None = None
) -> list[TrendMonth]:
    """Month by month over the last ``months`` months (months without a check included); two queries,
    whatever the number of checks."""
    start, end = trend_window(months, today)
    tz = timezone.get_current_timezone()
    checks = _store_checks().filter(
        activity__account_id__in=_accounts(account, include_subsidiaries),
        activity__status=ActivityStatus.DONE,
        activity__starts_at__gte=timezone.make_aware(datetime.combine(start, time.min), tz),
        activity__starts_at__lt=timezone.make_aware(datetime.combine(end, time.min), tz),
    )
    by_month = {
        row["month"]: row
        for row in checks.annotate(month=TruncMonth("activity__starts_at", output_field=DateField(), tzinfo=tz))
        .values("month")
        .annotate(checks=Count("pk"), **{name: Avg(name) for name in TREND_FIGURES})
        .order_by("month")
    }
    missing = dict(
        StoreCheck.out_of_stock_products.through.objects.filter(storecheck_id__in=checks.values("pk"))
        .annotate(month=TruncMonth("storecheck__activity__starts_at", output_field=DateField(), tzinfo=tz))
        .values("month")
        .annotate(count=Count("pk"))
        .order_by("month")
        .values_list("month", "count")
    )
    trend = []
    for month in _month_list(start, end):
        row = by_month.get(month)
        count = row["checks"] if row else 0
        trend.append(
            TrendMonth(
                month=month,
                checks=count,
                out_of_stock_per_check=_one_decimal(Decimal(missing.get(month, 0)) / count) if count else None,
                **{name: _one_decimal(row[name]) if row else None for name in TREND_FIGURES},
            )
        )
    return trend
