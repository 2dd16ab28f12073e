"""The commercial demo data (benchmarks/sales_generator.py): catalogue, sales lines, targets, costs — and
the commercial pages in `kamdesk bench`."""

import hashlib
import http.server
import re
import threading
from collections import defaultdict
from datetime import date
from decimal import Decimal
from io import StringIO

import numpy as np
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db.models import Count, Sum
from django.db.models.functions import TruncMonth

from benchmarks import runner
from benchmarks.generator import BASE_DATE, GenerationError, generate, plan_portfolio, reset_portfolio
from benchmarks.sales_generator import (
    CATEGORIES,
    PRODUCTS,
    Calendar,
    draw_lines,
    phase,
    plan_catalogue,
    plan_sales,
)
from kamdesk.accounts.models import Account, Channel, Tier
from kamdesk.core.management.commands.bench import sales_line_counts
from kamdesk.sales import rollups
from kamdesk.sales.models import (
    AccountMonthly,
    ChannelCostToServe,
    CostLine,
    CostType,
    Listing,
    ListingStatus,
    PriceAgreement,
    Product,
    SalesImport,
    SalesLine,
    SalesMonthly,
    Target,
)

# A tenth of a percent of size S's lines over its smallest portfolio (ten accounts). With seed 2 that
# portfolio has DIY and retail customers (garden products sell), seven key or strategic accounts and a
# lost one: every part of the story is there.
TINY = {"size": "S", "seed": 2, "scale": 0.02}
CALENDAR = Calendar.before(BASE_DATE.date())
LAST_YEAR, CURRENT_YEAR = CALENDAR.years[-1], CALENDAR.years[-1] + 1


@pytest.fixture
def tiny(db):
    return generate(TINY["size"], TINY["seed"], TINY["scale"])


def lines_checksum() -> str:
    digest = hashlib.sha256()
    columns = ("document", "line", "date", "account__code", "product__sku", "quantity", "net_amount", "cost")
    for row in SalesLine.objects.order_by("document", "line").values_list(*columns):
        digest.update(repr(row).encode())
    return digest.hexdigest()


# --- plan and lines -----------------------------------------------------------------------------------------


def test_three_full_years_up_to_the_last_complete_month_before_the_base_date():
    assert BASE_DATE.date() == date(2025, 1, 6)
    assert CALENDAR.first == date(2022, 1, 1) and CALENDAR.month(35) == date(2024, 12, 1)


def test_catalogue_sizes_and_believable_products():
    portfolio = plan_portfolio("S")
    catalogue = plan_sales(portfolio, BASE_DATE.date()).catalogue
    assert len(catalogue) == PRODUCTS["S"] == 300
    assert len(plan_catalogue(PRODUCTS["M"], np.random.default_rng(1))) == 2000
    assert len(set(catalogue.sku)) == len(catalogue) and len(set(catalogue.name)) == len(catalogue)
    margin = 1 - catalogue.standard_cost / catalogue.list_price
    assert margin.min() >= 0.24 and margin.max() <= 0.56
    assert 0 < (~catalogue.active).sum() < 0.1 * len(catalogue)
    assert set(catalogue.category) == set(range(len(CATEGORIES)))
    assert all(name.startswith(brand + " ") for name, brand in zip(catalogue.name, catalogue.brand, strict=True))
    assert all(re.search(r" \d+(\.\d+)? (ml|l|g|kg|m|pcs|rolls|oz|in|Ah)$|\d pcs$", name) for name in catalogue.name)


def test_same_seed_draws_the_same_lines_and_another_seed_other_lines():
    def digest(seed):
        plan = plan_sales(plan_portfolio("S", seed, 0.02), BASE_DATE.date())
        value = hashlib.sha256()
        for lines in draw_lines(plan):
            for column in (lines.buyer, lines.product, lines.day, lines.quantity, lines.net):
                value.update(column.tobytes())
        return value.hexdigest()

    assert digest(2) == digest(2) != digest(3)


def test_generation_writes_the_same_lines_for_the_same_seed(tiny):
    written = lines_checksum()
    assert SalesLine.objects.count() == tiny.sales.lines == 4000
    reset_portfolio()
    assert not SalesLine.objects.exists() and not Product.objects.exists()
    again = generate(TINY["size"], TINY["seed"], TINY["scale"])
    assert lines_checksum() == written and again.sales.checksum == tiny.sales.checksum


def test_generation_is_fast_and_recorded_as_an_import(tiny):
    assert tiny.sales.seconds < 20  # thousands of lines; size S's 200,000 load in a few seconds
    source = SalesImport.objects.get()
    assert source.status == SalesImport.Status.DONE and source.rows_written == 4000
    assert SalesLine.objects.filter(source=source).count() == 4000
    assert source.summary["checksum"] == tiny.sales.checksum


def test_sales_lines_can_be_overridden(db):
    summary = generate(TINY["size"], TINY["seed"], TINY["scale"], sales_lines=2500)
    assert SalesLine.objects.count() == summary.sales.lines == 2500
    reset_portfolio()
    with pytest.raises(GenerationError, match="between 1,000 and"):
        generate(TINY["size"], TINY["seed"], TINY["scale"], sales_lines=10)
    assert not Account.objects.exists()


# --- the facts and their roll-ups ----------------------------------------------------------------------------


def test_rollups_match_the_lines_and_a_rebuild_reproduces_them(tiny):
    facts = {
        (row["account_id"], row["month"]): (row["net"], row["quantity"], row["lines"])
        for row in SalesLine.objects.annotate(month=TruncMonth("date"))
        .values("account_id", "month")
        .annotate(net=Sum("net_amount"), quantity=Sum("quantity"), lines=Count("id"))
    }
    kept = {
        (row.account_id, row.month): (row.net_amount, row.quantity, row.lines) for row in AccountMonthly.objects.all()
    }
    assert kept == facts and len(kept) > 100
    by_product = sorted(SalesMonthly.objects.values_list("account_id", "product_id", "month", "net_amount", "lines"))
    rollups.rebuild()
    assert {(r.account_id, r.month): (r.net_amount, r.quantity, r.lines) for r in AccountMonthly.objects.all()} == kept
    assert sorted(SalesMonthly.objects.values_list("account_id", "product_id", "month", "net_amount", "lines")) == (
        by_product
    )


def test_lines_are_consistent_invoices_and_credit_notes(tiny):
    lines = SalesLine.objects.all()
    assert lines.filter(date__lt=CALENDAR.first).count() == 0
    assert lines.filter(date__gte=date(LAST_YEAR + 1, 1, 1)).count() == 0
    credit = lines.filter(quantity__lt=0)
    assert 0.01 * 4000 <= credit.count() <= 0.035 * 4000
    assert not credit.exclude(document__startswith="CRN-").exists()
    assert not credit.filter(net_amount__gt=0).exists() and not credit.filter(gross_amount__gt=0).exists()
    invoices = lines.filter(quantity__gt=0)
    assert not invoices.exclude(document__startswith="INV-").exists()
    for line in invoices.only("gross_amount", "discount", "net_amount", "cost"):
        assert line.net_amount <= line.gross_amount and line.gross_amount - line.discount == line.net_amount
        assert line.cost > 0
    margin = lines.aggregate(net=Sum("net_amount"), cost=Sum("cost"))
    assert Decimal("0.15") < 1 - margin["cost"] / margin["net"] < Decimal("0.5")


def test_garden_sells_in_spring_more_than_in_winter(tiny):
    by_month = defaultdict(Decimal)
    for month, net in SalesMonthly.objects.filter(product__category="Garden").values_list("month", "net_amount"):
        by_month[month.month] += net
    spring = by_month[3] + by_month[4] + by_month[5]
    winter = by_month[11] + by_month[12] + by_month[1]
    assert spring > Decimal("1.5") * winter > 0


def yearly_revenue() -> dict[int, dict[int, Decimal]]:
    revenue: dict[int, dict[int, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    for account_id, month, net in AccountMonthly.objects.values_list("account_id", "month", "net_amount"):
        revenue[account_id][month.year] += net
    return revenue


def test_some_accounts_grow_some_decline_and_a_big_one_is_lost(tiny):
    revenue = yearly_revenue()
    first, last = CALENDAR.years[0], LAST_YEAR
    change = {a: years[last] / years[first] for a, years in revenue.items() if years[first] > 0}
    assert max(change.values()) > Decimal("1.15") and min(change.values()) < Decimal("0.85")
    (lost_code,) = tiny.sales.stories["lost"]
    lost = Account.objects.get(code=lost_code)
    assert lost.tier in (Tier.STRATEGIC, Tier.KEY)
    months = sorted(AccountMonthly.objects.filter(account=lost).values_list("month", flat=True))
    assert months[0] == CALENDAR.first and date(LAST_YEAR, 2, 1) <= months[-1] < date(LAST_YEAR, 7, 1)
    assert revenue[lost.pk][LAST_YEAR] < revenue[lost.pk][LAST_YEAR - 1] / 2


def test_listings_agree_with_the_sales(tiny):
    sold = defaultdict(list)
    for account_id, product_id, month in SalesMonthly.objects.values_list("account_id", "product_id", "month"):
        sold[account_id, product_id].append(month)
    listings = list(Listing.objects.all())
    statuses = {listing.status for listing in listings}
    assert statuses == {ListingStatus.LISTED, ListingStatus.DELISTED, ListingStatus.PROPOSED}
    for listing in listings:
        months = sold.get((listing.account_id, listing.product_id), [])
        if listing.status == ListingStatus.PROPOSED:
            assert not months, "a proposed product does not sell yet"
        elif listing.status == ListingStatus.DELISTED:
            assert not months or max(months) < listing.since, "nothing sells after its delisting"
        elif listing.since >= CALENDAR.first:
            assert not months or min(months) >= listing.since, "nothing sells before it is listed"
    listed_pairs = {(listing.account_id, listing.product_id) for listing in listings}
    assert set(sold) <= listed_pairs, "every product sold is in the account's range"


def test_lines_follow_the_price_agreements(tiny):
    agreements = list(PriceAgreement.objects.select_related("product", "account"))
    assert {a.account.tier for a in agreements} <= {Tier.STRATEGIC, Tier.KEY}
    assert any(a.category for a in agreements) and any(a.product_id for a in agreements)
    for a in agreements:  # no two agreements for the same thing on the same day
        for b in agreements:
            if a.pk < b.pk and (a.account_id, a.product_id, a.category) == (b.account_id, b.product_id, b.category):
                assert (a.valid_to and a.valid_to < b.valid_from) or (b.valid_to and b.valid_to < a.valid_from)
    checked = 0
    for agreement in (a for a in agreements if a.category):
        within = SalesLine.objects.filter(
            account=agreement.account, product__category=agreement.category, quantity__gt=0,
            date__gte=agreement.valid_from, date__lte=agreement.valid_to or date(9999, 1, 1),
        )  # fmt: skip
        for line in within.only("gross_amount", "discount"):
            rounding = Decimal("0.01") / line.gross_amount
            # At least the agreed discount: promotions and net prices go deeper, some customers get more.
            assert line.discount / line.gross_amount >= agreement.discount_pct / 100 - rounding
            checked += 1
    assert checked > 100


# --- targets and costs ------------------------------------------------------------------------------------------


def test_targets_for_key_accounts_phased_by_month(tiny):
    buying_key_accounts = set(
        AccountMonthly.objects.filter(month__year=LAST_YEAR, account__tier__in=[Tier.STRATEGIC, Tier.KEY]).values_list(
            "account_id", flat=True
        )
    )
    assert len(buying_key_accounts) >= 3
    lost = set(Account.objects.filter(code__in=tiny.sales.stories["lost"]).values_list("id", flat=True))
    targets = defaultdict(list)
    for account_id, code, month, value in Target.objects.values_list("account_id", "metric__code", "month", "value"):
        targets[account_id, code, month.year].append(value)
    for account_id in buying_key_accounts:
        for code in ("revenue", "volume", "gross_margin"):
            for year in (LAST_YEAR, CURRENT_YEAR):
                if year == CURRENT_YEAR and account_id in lost:
                    assert (account_id, code, year) not in targets  # no plan for a lost customer
                    continue
                months = targets[account_id, code, year]
                assert len(months) == 12, (account_id, code, year)
                annual = sum(months)
                assert annual == annual.to_integral_value() and annual % 10 == 0  # a round annual figure
    # Against last year's targets, some accounts are ahead and some behind.
    revenue = yearly_revenue()
    ratios = [
        revenue[account_id][LAST_YEAR] / sum(targets[account_id, "revenue", LAST_YEAR])
        for account_id in buying_key_accounts
    ]
    assert max(ratios) > 1 > min(ratios)


def test_phasing_follows_last_year_and_adds_up():
    last_year = [10, 20, 30, 40, 50, 60, 70, 80, 90, 100, 110, 120]
    months = phase(Decimal(780_000), last_year)
    assert sum(months) == Decimal(780_000) and months[-1] == 12 * months[0]
    evenly = phase(Decimal(1000), [0, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5])  # not a full year: even months
    assert sum(evenly) == 1000 and evenly[0] == evenly[5] == Decimal("83.33")


def test_costs_and_channel_cost_to_serve(tiny):
    types = set(CostLine.objects.values_list("type", flat=True))
    assert types == {CostType.TRADE_SPEND, CostType.REBATE, CostType.COST_TO_SERVE}
    assert not CostLine.objects.filter(amount__lte=0).exists()
    rebates = CostLine.objects.filter(type=CostType.REBATE)
    assert {m.month for m in rebates.values_list("month", flat=True)} <= {3, 6, 9, 12}
    promotions = CostLine.objects.filter(type=CostType.TRADE_SPEND)
    assert all(reference.startswith("Promotion ") for reference in promotions.values_list("reference", flat=True))
    assert ChannelCostToServe.objects.count() == Channel.objects.count()


# --- the commands ------------------------------------------------------------------------------------------


def test_demo_command_prints_the_sales_summary(db):
    out = StringIO()
    call_command("demo", "--no-serve", "--sales-lines", "1500", stdout=out)
    assert "Sales: 300 products, 1,500 sales lines" in out.getvalue()
    assert SalesLine.objects.count() == 1500
    again = StringIO()
    call_command("demo", "--no-serve", stdout=again)
    assert "300 products and 1,500 sales lines" in again.getvalue()
    with pytest.raises(CommandError):
        call_command("demo", "--no-serve", "--sales-lines", "12")


def test_bench_sales_line_options():
    assert sales_line_counts("1000000,5000000") == [1_000_000, 5_000_000]
    assert sales_line_counts("5M, 1M") == [1_000_000, 5_000_000]
    assert sales_line_counts("500k") == [500_000]
    for bad in ("", "0", "1.5k5", "x", "1e9"):
        with pytest.raises(ValueError):
            sales_line_counts(bad)
    with pytest.raises(CommandError):
        call_command("bench", "--sales-lines", "10")


def _result(p95, queries=12):
    return {"server_ms": {"p50": p95 / 2, "p95": p95}, "queries": queries}


def _run(lines, pages):
    return {"size": "M", "label": f"M with {lines:,} sales lines", "sales_lines": lines, "pages": pages}


def test_page_cost_ratio_between_numbers_of_sales_lines():
    def pages(dashboard_p95, commercial):
        one = {"dashboard": _result(dashboard_p95), "commercial": commercial, "accounts_list": _result(20)}
        return dict.fromkeys(runner.ROLES, one)

    skipped = {"path": "/accounts/1/commercial/", "skipped": "answered 404"}
    runs = [_run(1_000_000, pages(80, skipped)), _run(5_000_000, pages(90, skipped))]
    ratios = runner.sales_line_ratios(runs)
    assert {(r["page"], r["user"]) for r in ratios} == {("dashboard", role) for role in runner.ROLES}
    assert ratios[0]["ratio"] == 1.12 and ratios[0]["meets_target"] is True
    assert ratios[0]["sales_lines"] == [1_000_000, 5_000_000]
    slow = [_run(1_000_000, pages(80, skipped)), _run(5_000_000, pages(120, skipped))]
    assert runner.sales_line_ratios(slow)[0]["meets_target"] is False
    assert runner.compare_query_counts(runs) == []  # skipped pages are left out, not compared


class _Site(http.server.BaseHTTPRequestHandler):
    """A stand-in server: the commercial tab is not built yet (404), every other page answers."""

    def do_GET(self):  # the standard library calls it by this name
        status = 404 if "/commercial/" in self.path else 200
        self.send_response(status)
        self.send_header("X-Query-Count", "7")
        self.send_header("Server-Timing", "app;dur=3.25")
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, *args):
        pass


def test_runner_skips_a_commercial_page_that_answers_404_and_measures_the_others():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Site)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        paths = {page.key: f"/{page.key}/" for page in runner.ALL_PAGES}
        paths["commercial"] = "/accounts/1/commercial/"
        user = {"session_cookie": ["sessionid", "x"], "token": "t"}
        results = runner.measure_user(server.server_port, paths, user, "admin", requests=2, warmup=1)
    finally:
        server.shutdown()
        server.server_close()
    assert "404" in results["commercial"]["skipped"]
    assert results["dashboard"]["queries"] == 7 and results["dashboard"]["server_ms"]["p95"] == 3.25
    assert results["account_360"]["queries"] == 7
    report = {
        "requests": 2,
        "warmup": 1,
        "runs": [
            {
                "size": "S",
                "database": "sqlite x",
                "data": {"accounts": 10, "contacts": 30, "users": 19, "products": 64, "sales_lines": 4000},
                "generated": False,
                "generation": None,
                "load_average": {"before": None},
                "subjects": {
                    "account_360": {"name": "Nordmark", "subsidiaries": 2},
                    "filtered_list": {"rows": 3},
                },
                "users": {role: {"email": f"{role}@x", "visible_accounts": 5} for role in runner.ROLES},
                "pages": dict.fromkeys(runner.ROLES, results),
            }
        ],
        "query_counts_equal": None,
        "sales_line_ratios": [],
    }
    text = runner.format_report(report)
    assert "Account commercial tab    skipped: /accounts/1/commercial/ answered 404" in text
    assert "4,000 sales lines" in text and "Portfolio dashboard" in text
