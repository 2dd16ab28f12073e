from datetime import date
from decimal import Decimal

import pytest

from kamdesk.sales import rollups
from kamdesk.sales.models import AccountMonthly, SalesMonthly
from tests.sales_factories import make_product, make_sale

pytestmark = pytest.mark.django_db


def snapshot():
    by_product = sorted(SalesMonthly.objects.values_list("account_id", "product_id", "month", "net_amount", "lines"))
    by_account = sorted(AccountMonthly.objects.values_list("account_id", "month", "quantity", "net_amount", "cost"))
    return by_product, by_account


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
