from datetime import date
from decimal import Decimal

import pytest

from kamdesk.sales import rollups
from kamdesk.sales.models import AccountMonthly, AccountQuarterly, SalesMonthly
from tests.sales_factories import make_product, make_sale

pytestmark = pytest.mark.django_db


def snapshot():
    by_product = sorted(SalesMonthly.objects.values_list("account_id", "product_id", "month", "net_amount", "lines"))
    by_account = sorted(AccountMonthly.objects.values_list("account_id", "month", "quantity", "net_amount", "cost"))
    by_quarter = sorted(AccountQuarterly.objects.values_list("account_id", "quarter", "net_amount", "cost", "lines"))
    return by_product, by_account, by_quarter


def test_refresh_sums_touched_months_and_rebuild_reproduces_it(world):
    a, b = make_product(), make_product()
    acc = world.account_b
    make_sale(acc, a, date(2025, 7, 3), quantity="2", net="20.00", cost="12.00")
    make_sale(acc, a, date(2025, 7, 30), quantity="1", net="10.00", cost="6.00")
    make_sale(acc, b, date(2025, 7, 15), quantity="-1", net="-5.00", cost="-3.00")  # a credit note
    make_sale(acc, b, date(2025, 8, 1), quantity="4", net="40.00", cost="24.00")
    make_sale(world.hidden, a, date(2025, 7, 5), net="99.00")
    rollups.refresh([(acc.pk, date(2025, 7, 3)), (acc.pk, date(2025, 8, 1)), (world.hidden.pk, date(2025, 7, 5))])

    july = AccountMonthly.objects.get(account=acc, month=date(2025, 7, 1))
    assert (july.quantity, july.net_amount, july.cost, july.lines) == (Decimal(2), Decimal(25), Decimal(15), 3)
    assert SalesMonthly.objects.get(account=acc, product=a, month=date(2025, 7, 1)).net_amount == Decimal(30)
    assert AccountMonthly.objects.get(account=acc, month=date(2025, 8, 1)).net_amount == Decimal(40)
    third = AccountQuarterly.objects.get(account=acc, quarter=date(2025, 7, 1))  # July and August
    assert (third.net_amount, third.cost, third.lines) == (Decimal(65), Decimal(39), 4)

    kept = snapshot()
    rollups.rebuild()
    assert snapshot() == kept


def test_refresh_removes_rows_whose_lines_are_gone(world):
    product = make_product()
    line = make_sale(world.account_b, product, date(2025, 1, 10))
    rollups.refresh([(world.account_b.pk, line.date)])
    line.delete()
    rollups.refresh([(world.account_b.pk, date(2025, 1, 1))])
    assert not AccountMonthly.objects.exists() and not SalesMonthly.objects.exists()
    assert not AccountQuarterly.objects.exists()


def test_rebuild_of_no_sales_leaves_empty_rollups(world):
    rollups.rebuild()
    assert not AccountMonthly.objects.exists()


def test_refresh_handles_more_accounts_than_one_statement_takes(world, monkeypatch):
    monkeypatch.setattr(rollups, "CHUNK", 1)
    product = make_product()
    for account in (world.account_b, world.hidden, world.global_account):
        make_sale(account, product, date(2025, 3, 3))
    rollups.refresh([(a.pk, date(2025, 3, 1)) for a in (world.account_b, world.hidden, world.global_account)])
    assert AccountMonthly.objects.filter(month=date(2025, 3, 1)).count() == 3


def test_quarters_are_calendar_quarters_on_every_database(world):
    """Each month lands in the quarter that starts in January, April, July or October of its year."""
    product = make_product()
    days = [date(2025, month, 15) for month in range(1, 13)] + [date(2024, 12, 31)]
    for day in days:
        make_sale(world.account_b, product, day, net="1.00")
    rollups.refresh([(world.account_b.pk, day) for day in days])
    quarters = dict(AccountQuarterly.objects.values_list("quarter", "lines"))
    assert quarters == {
        date(2024, 10, 1): 1,
        date(2025, 1, 1): 3,
        date(2025, 4, 1): 3,
        date(2025, 7, 1): 3,
        date(2025, 10, 1): 3,
    }
