"""The portfolio dashboard, the account Commercial tab and the concentration page: selectors on a small
hand-computed portfolio, the pages (access, hidden margins, constant query counts), the API and the report.

The portfolio (fiscal year = calendar year; revenue = net sales after rebates):

    account (owner)              2024: Jan  Feb  Mar     2025: Jan  Feb  Mar     cost 2025
    Globex Holding (kam_a)             150    -  100           200    -  100     120, 50
     └ Globex Deutschland (kam_a)        -  100    -             -  300    -     150
    Brightmart (kam_b)                   -  200   50             -  100   50     70, 25 (+ rebate 10 in Mar)
    Hidden Industries (outsider)         -    -  500             -    -  1000

kam_a and kam_b are in the lead's team "North"; the lead sees all three team accounts, never the hidden one.
"""

import io
import json
import re
from datetime import date
from decimal import Decimal

import numpy as np
import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from kamdesk.accounts.models import Account
from kamdesk.accounts.services import account_update, channel_save
from kamdesk.analytics import concentration as measure
from kamdesk.sales import charts, rollups
from kamdesk.sales import concentration as concentration_module
from kamdesk.sales import dashboards as dashboards_module
from kamdesk.sales.concentration import (
    account_loss,
    concentration,
    concentration_report,
    hhi_trend,
    hhi_trend_of,
    pareto_points,
    portfolio,
)
from kamdesk.sales.dashboards import account_commercial, dashboard_accounts, portfolio_dashboard
from kamdesk.sales.models import CostLine, CostType, Target
from kamdesk.sales.periods import Period, add_months, months_between
from kamdesk.sales.pnl import account_pnl
from kamdesk.sales.services import channel_cost_to_serve_set
from kamdesk.sales.services_products import listing_set, price_agreement_create
from kamdesk.sales.targets import target_set_month
from tests.factories import make_account
from tests.sales_factories import make_product, make_sale

pytestmark = pytest.mark.django_db

MARCH = date(2025, 3, 1)
D = Decimal


@pytest.fixture(autouse=True)
def calendar_fiscal_year(settings):
    settings.FISCAL_YEAR_START_MONTH = 1


def sell(account, product, day, net, cost, quantity=None):
    quantity = quantity if quantity is not None else str(Decimal(net) / 10)
    return make_sale(account, product, day, quantity=quantity, net=str(net), cost=str(cost))


@pytest.fixture
def book(world):
    """The portfolio in the module docstring, with targets, cost lines, a listing and a price agreement."""
    drinks = make_product(sku="DR-1", name="Cola", category="Drinks", list_price=D("10.00"))
    snacks = make_product(sku="SN-1", name="Crisps", category="Snacks", list_price=D("5.00"))
    g, sub, b, hidden = world.global_account, world.subsidiary, world.account_b, world.hidden
    sales = [
        (g, drinks, date(2024, 1, 10), 150, 90),
        (g, drinks, date(2024, 3, 10), 100, 60),
        (sub, snacks, date(2024, 2, 10), 100, 50),
        (b, snacks, date(2024, 2, 10), 200, 100),
        (b, snacks, date(2024, 3, 10), 50, 20),
        (g, drinks, date(2025, 1, 10), 200, 120),
        (g, drinks, date(2025, 3, 10), 100, 50),
        (sub, snacks, date(2025, 2, 10), 300, 150),
        (b, drinks, date(2025, 2, 10), 100, 70),
        (b, snacks, date(2025, 3, 10), 50, 25),
        (hidden, drinks, date(2024, 3, 10), 500, 100),
        (hidden, drinks, date(2025, 3, 10), 1000, 100),
    ]
    for account, product, day, net, cost in sales:
        sell(account, product, day, net, cost)
    rollups.rebuild()
    for account in (g, b):
        for month in (1, 2, 3):
            target_set_month(
                actor=None, account_id=account.pk, metric_code="revenue", month=date(2025, month, 1), value="100"
            )
    target_set_month(actor=None, account_id=g.pk, metric_code="gross_margin", month=MARCH, value="40")
    CostLine.objects.create(account=b, month=MARCH, type=CostType.REBATE, amount=D("10"))
    CostLine.objects.create(account=g, month=date(2025, 1, 1), type=CostType.TRADE_SPEND, amount=D("20"))
    CostLine.objects.create(account=sub, month=date(2025, 2, 1), type=CostType.COST_TO_SERVE, amount=D("30"))
    retail = channel_save(actor=None, code="retail", name="Retail")
    channel_cost_to_serve_set(actor=None, channel_id=retail.pk, percent=D("10"))
    account_update(actor=None, account_id=b.pk, channel=retail)
    listing_set(actor=None, account_id=g.pk, product=drinks, status="listed", since=date(2024, 1, 1))
    listing_set(actor=None, account_id=g.pk, product=snacks, status="proposed", since=date(2025, 1, 1))
    listing_set(actor=None, account_id=sub.pk, product=drinks, status="listed", since=date(2024, 1, 1))
    price_agreement_create(
        actor=None, account_id=g.pk, product=drinks, discount_pct=D("10"), valid_from=date(2024, 1, 1)
    )
    world.drinks, world.snacks = drinks, snacks
    return world


def figure(dashboard, key: str, metric: str):
    entry = next(p for p in dashboard.periods if p.key == key)
    return next(f for f in entry.figures if f.metric == metric)


# --- the dashboard selectors -------------------------------------------------------------------------------------


def test_dashboard_figures_for_the_team_lead(book):
    _filter, accounts = dashboard_accounts(book.lead, {})
    dashboard = portfolio_dashboard(book.lead, accounts)
    assert dashboard.as_of == MARCH  # the hidden account's sales do not count, but March has team sales too
    month = figure(dashboard, "mtd", "revenue")
    assert (month.actual, month.target, month.last_year) == (D(140), D(200), D(150))
    assert month.vs_target == D("-30.0") and month.vs_last_year == D("-6.7")
    year = figure(dashboard, "ytd", "revenue")
    assert (year.actual, year.target, year.last_year) == (D(740), D(600), D(600))
    assert figure(dashboard, "qtd", "revenue").actual == D(740)
    margin = figure(dashboard, "ytd", "gross_margin")
    assert margin.actual == D(740) - D(415) and margin.last_year == D(600) - D(320)
    assert figure(dashboard, "mtd", "gross_margin").target == D(40)
    assert figure(dashboard, "ytd", "volume").actual == D(75)  # net / 10 per sale, rebates are not volume
    # Trend: this year to March, last year and the targets for the whole fiscal year.
    assert [p.this_year for p in dashboard.trend[:4]] == [D(200), D(400), D(140), None]
    assert [p.last_year for p in dashboard.trend[:3]] == [D(150), D(300), D(150)]
    assert [p.target for p in dashboard.trend[:4]] == [D(200), D(200), D(200), None]
    assert [(m.name, m.change) for m in dashboard.top_movers] == [("Globex Deutschland", 200), ("Globex Holding", 50)]
    assert [(m.name, m.change) for m in dashboard.bottom_movers] == [("Brightmart", -110)]
    assert [(r.name, r.gap) for r in dashboard.behind_target] == [("Brightmart", -160)]


def test_dashboard_filters_and_as_of(book):
    _filter, accounts = dashboard_accounts(book.lead, {"owner": str(book.kam_b.pk)})
    dashboard = portfolio_dashboard(book.lead, accounts, as_of=date(2025, 2, 1))
    assert dashboard.as_of == date(2025, 2, 1)
    assert figure(dashboard, "ytd", "revenue").actual == D(100)
    assert figure(dashboard, "ytd", "revenue").last_year == D(200)
    account_filter, accounts = dashboard_accounts(book.lead, {"tier": "nonsense"})
    assert not account_filter.is_valid() and not accounts.exists()


def test_dashboard_hides_margins_and_hidden_accounts(book):
    _filter, accounts = dashboard_accounts(book.viewer, {})
    assert portfolio_dashboard(book.viewer, accounts).as_of is None  # a viewer with no accounts sees nothing
    _filter, accounts = dashboard_accounts(book.kam_a, {})
    dashboard = portfolio_dashboard(book.kam_a, accounts)
    assert figure(dashboard, "ytd", "revenue").actual == D(600)
    book.kam_a.role = "team_member"
    dashboard = portfolio_dashboard(book.kam_a, accounts)
    assert not dashboard.shows_margin
    assert {f.metric for p in dashboard.periods for f in p.figures} == {"revenue", "volume"}


# --- the Commercial tab selectors --------------------------------------------------------------------------------


def test_listed_but_not_selling_means_no_units_sold_in_the_twelve_months_up_to_the_latest():
    """A listing counts as selling when the account bought the product in one of the twelve months up to the
    month of the figures, and not when its last purchase was a month earlier, or a credit note."""
    account = make_account()
    bought_11_months_back, bought_12_months_back, credited, never = (make_product() for _ in range(4))
    for product in (bought_11_months_back, bought_12_months_back, credited, never):
        listing_set(actor=None, account_id=account.pk, product=product, status="listed", since=date(2023, 1, 1))
    make_sale(account, bought_11_months_back, date(2024, 4, 30))
    make_sale(account, bought_12_months_back, date(2024, 3, 31))
    make_sale(account, credited, date(2025, 2, 3), quantity="-1", net="-10.00", cost="-6.00")
    make_sale(account, never, MARCH, quantity="0", net="0.00", cost="0.00")  # a zero line: no units
    rollups.rebuild()
    scope = dashboards_module.Scope(Account.objects.filter(pk=account.pk).values("id"))
    by_status, not_selling = dashboards_module.listing_summary(scope, MARCH)
    assert by_status["Listed"] == 4
    assert not_selling == 3  # all but the product bought in April 2024, eleven months before March 2025


def test_commercial_tab_rolls_up_the_subsidiaries(book):
    commercial = account_commercial(book.lead, book.global_account)
    assert commercial.as_of == MARCH
    assert figure(commercial, "ytd", "revenue").actual == D(600)
    assert figure(commercial, "ytd", "revenue").last_year == D(350)
    assert figure(commercial, "ytd", "revenue").target == D(300)
    assert [(row.label, row.revenue, row.share) for row in commercial.product_mix] == [
        ("Cola", D(300), D("50.0")),
        ("Crisps", D(300), D("50.0")),
    ]
    assert [(row.label, row.revenue) for row in commercial.category_mix] == [("Drinks", D(300)), ("Snacks", D(300))]
    assert commercial.listings == {"Listed": 2, "Proposed": 1, "Delisted": 0}
    assert commercial.listed_not_selling == 1  # the subsidiary lists Cola but never bought it
    [check] = commercial.price_checks
    assert (check.sku, check.actual_price, check.expected_price, check.agreed) == ("DR-1", D("10.00"), D("9.00"), True)
    assert check.deviation_pct == D("11.1") and check.status == "Above agreed price"
    # The subsidiary alone.
    assert figure(account_commercial(book.lead, book.subsidiary), "ytd", "revenue").actual == D(300)


def test_commercial_tab_hides_pricing_from_roles_without_costs(book):
    book.kam_a.role = "team_member"
    commercial = account_commercial(book.kam_a, book.global_account)
    assert commercial.price_checks is None and not commercial.shows_margin


# --- "vs target": like with like ------------------------------------------------------------------------------------


def test_vs_target_compares_only_the_accounts_with_a_target(book):
    """The subsidiary has no target: its 300 of revenue must not count against Globex's and Brightmart's
    targets. The old rule (every actual against the targets there are) read 740 against 600, +23.3 %."""
    _filter, accounts = dashboard_accounts(book.lead, {})
    dashboard = portfolio_dashboard(book.lead, accounts)
    year = figure(dashboard, "ytd", "revenue")
    assert (year.actual, year.target) == (D(740), D(600))  # every actual is still shown
    # Globex 200 + 0 + 100, Brightmart 0 + 100 + (50 - 10 rebate)
    assert year.with_target == D(440)
    assert year.vs_target == D("-26.7") and year.attainment == D("73.3")
    assert year.vs_last_year == D("23.3")  # last year is still compared with every actual
    # Only Globex has a margin target (March): its March margin 100 - 50.
    margin = figure(dashboard, "mtd", "gross_margin")
    assert (margin.target, margin.with_target) == (D(40), D(50))
    assert figure(dashboard, "ytd", "volume").target is None and figure(dashboard, "ytd", "volume").with_target is None
    assert [p.with_target for p in dashboard.trend[:4]] == [D(200), D(100), D(140), None]
    coverage = dashboard.coverage
    assert (coverage.accounts_with_target, coverage.accounts) == (2, 3)
    assert coverage.revenue_pct == D("59.5")  # 440 of 740


def test_months_without_a_target_do_not_count_either(book):
    """Brightmart's target covers January only, when it bought nothing: it is 100 behind, although its
    revenue for the year (140) is above that target — the old rule listed no account behind target."""
    Target.objects.filter(account=book.account_b, month__gt=date(2025, 1, 1)).delete()
    _filter, accounts = dashboard_accounts(book.lead, {})
    dashboard = portfolio_dashboard(book.lead, accounts)
    assert [(r.name, r.actual, r.target, r.gap) for r in dashboard.behind_target] == [
        ("Brightmart", D(0), D(100), D(-100))
    ]
    year = figure(dashboard, "ytd", "revenue")
    assert (year.target, year.with_target) == (D(400), D(300))  # Globex 300 of 300, Brightmart 0 of 100
    assert figure(dashboard, "mtd", "revenue").with_target == D(100)  # March: Globex only


def test_commercial_tab_compares_the_group_target_with_the_group_account_alone(book):
    commercial = account_commercial(book.lead, book.global_account)
    year = figure(commercial, "ytd", "revenue")
    assert (year.actual, year.target, year.with_target) == (D(600), D(300), D(300))
    assert year.vs_target == D("0.0")
    assert (commercial.coverage.accounts_with_target, commercial.coverage.accounts) == (1, 2)


def test_pages_and_api_show_the_target_coverage(book, login):
    client = login(book.lead)
    page = client.get("/dashboard/").content.decode()
    assert "Targets cover 59.5 % of revenue year to date, 2 of 3 accounts" in page
    assert "Actual with target" in page
    data = client.get("/api/v1/dashboard").json()
    assert data["target_coverage"] == {"accounts_with_target": 2, "accounts": 3, "revenue_pct": "59.5"}
    ytd = next(p for p in data["periods"] if p["key"] == "ytd")
    revenue = next(f for f in ytd["figures"] if f["metric"] == "revenue")
    assert (revenue["actual"], revenue["target"], revenue["actual_with_target"]) == ("740.00", "600.00", "440.00")
    assert revenue["vs_target_pct"] == "-26.7"
    assert [p["with_target"] for p in data["trend"][:3]] == ["200.00", "100.00", "140.00"]
    assert "Targets cover" in client.get(f"/accounts/{book.global_account.pk}/commercial/").content.decode()


def test_trend_chart_draws_the_actual_with_target_when_it_differs(book):
    _filter, accounts = dashboard_accounts(book.lead, {})
    spec = charts.trend_chart(portfolio_dashboard(book.lead, accounts).trend)
    assert "With target" in {value["series"] for value in spec["data"]["values"]}
    commercial = account_commercial(book.lead, book.subsidiary)  # no target at all: nothing to draw
    assert "With target" not in {value["series"] for value in charts.trend_chart(commercial.trend)["data"]["values"]}


# --- concentration selectors ----------------------------------------------------------------------------------------


def test_concentration_rolls_subsidiaries_up_to_their_group(book):
    book_ = portfolio(book.lead, 12)
    assert book_.window.start == date(2024, 4, 1) and book_.window.last_month == MARCH
    summary = concentration(book_, 12, top=1)
    assert summary.customer_count == 2 and summary.top_fifth_count == 1
    assert summary.revenue == D(740)
    expected_hhi = 10_000 * ((600 / 740) ** 2 + (140 / 740) ** 2)
    assert summary.hhi == pytest.approx(expected_hhi, abs=0.1)
    assert summary.revenue_share.top_n == pytest.approx(600 / 740, abs=1e-4)
    assert summary.revenue_share.top_fifth == pytest.approx(600 / 740, abs=1e-4)
    # Gross margin: Globex 600 - 320 = 280, Brightmart 140 - 95 = 45.
    assert summary.gross_margin == D(325)
    assert summary.margin_share.top_n == pytest.approx(280 / 325, abs=1e-4)
    assert [(row.name, row.revenue, row.cumulative_share) for row in summary.pareto] == [
        ("Globex Holding", D(600), pytest.approx(600 / 740, abs=1e-4)),
        ("Brightmart", D(140), 1.0),
    ]
    globex, brightmart = summary.risks
    # Contribution: Globex 280 - trade spend 20 - cost to serve 30; Brightmart 45 - 10 % of 150 invoiced.
    assert (globex.revenue, globex.gross_margin, globex.contribution) == (D(600), D(280), D(230))
    assert (brightmart.revenue, brightmart.gross_margin, brightmart.contribution) == (D(140), D(45), D(30))
    assert globex.share_of_team == pytest.approx(600 / 740, abs=1e-4) and globex.team == "North"
    assert globex.remaining_hhi == 10_000 and brightmart.remaining_hhi == 10_000


def test_concentration_matches_the_pnl(book):
    window = Period(date(2024, 4, 1), date(2025, 4, 1), "year")
    pnl = account_pnl(book.lead, book.global_account.pk, window)
    [globex] = [r for r in concentration(portfolio(book.lead, 12), 12).risks if r.name == "Globex Holding"]
    assert pnl.line("net_sales").amount == globex.revenue
    assert pnl.line("gross_margin").amount == globex.gross_margin
    assert pnl.line("contribution").amount == globex.contribution


def test_losing_a_subsidiary(book):
    loss = account_loss(book.lead, book.subsidiary)
    assert loss.risk.revenue == D(300) and loss.risk.gross_margin == D(150)
    assert loss.risk.contribution == D(120)
    assert loss.risk.share_of_portfolio == pytest.approx(300 / 740, abs=1e-4)
    assert loss.risk.remaining_hhi == pytest.approx(measure.hhi([300, 140]), abs=0.1)
    assert loss.hhi == pytest.approx(measure.hhi([600, 140]), abs=0.1)


def test_a_user_seeing_only_a_subsidiary_gets_it_as_its_own_customer(book):
    from tests.factories import grant, make_user

    helper = make_user("kam", email="sub.helper@example.com")
    grant(book.subsidiary, helper)
    summary = concentration(portfolio(helper, 12), 12)
    assert [(r.name, r.revenue) for r in summary.risks] == [("Globex Deutschland", D(300))]
    assert summary.hhi == 10_000


def test_hhi_trend_per_quarter(book):
    trend = hhi_trend(book.lead)
    # 2024-Q1 and 2025-Q1 have sales; the quarters between have none and are left out.
    assert [q.label for q in trend] == ["2024-Q1", "2025-Q1"]
    assert trend[0].hhi == pytest.approx(measure.hhi([250 + 100, 250]), abs=0.1)
    assert trend[1].hhi == pytest.approx(measure.hhi([600, 140]), abs=0.1)
    assert trend[1].customers == 2


def test_trend_read_along_with_the_window_is_the_same(book):
    """The page reads the window and the trend quarters in one pass (per bucket of months); the figures are
    those read separately, also when the window does not start on a quarter."""
    for as_of in (date(2025, 3, 1), date(2025, 2, 1)):
        alone = portfolio(book.lead, 12, as_of=as_of)
        along = portfolio(book.lead, 12, as_of=as_of, quarters=12)
        assert along.groups.revenue.tolist() == pytest.approx(alone.groups.revenue.tolist())
        assert along.groups.contribution.tolist() == pytest.approx(alone.groups.contribution.tolist())
        assert hhi_trend_of(along) == hhi_trend(book.lead, as_of)
    assert [q.label for q in hhi_trend_of(portfolio(book.lead, 12, quarters=12))] == ["2024-Q1", "2025-Q1"]


def months_only(buckets: list[Period]) -> tuple[list, list[date]]:
    """No whole quarters: every month of the buckets' span read from the monthly roll-up."""
    start = buckets[0].start
    return [], [add_months(start, n) for n in range(months_between(start, buckets[-1].end))]


def test_sales_read_from_whole_quarters_equal_those_read_from_months(book, monkeypatch):
    """Quarters that no window or trend boundary cuts are read from the quarterly roll-up, the rest from the
    months: the figures equal those read from the months alone, whether or not the window starts on a quarter."""
    who = concentration_module.customers(book.lead)
    for as_of in (date(2025, 3, 1), date(2025, 2, 1), date(2024, 11, 1)):
        window = Period(add_months(as_of, -11), add_months(as_of, 1), "months")
        periods = [window, *concentration_module.trend_quarters(as_of, 12)]
        buckets = concentration_module._buckets(periods)
        quarters, _months = concentration_module.whole_quarters(buckets)
        assert quarters  # the quarterly roll-up is really read
        mixed = concentration_module.read_sales(who, periods)
        with monkeypatch.context() as patch:
            patch.setattr(concentration_module, "whole_quarters", months_only)
            monthly = concentration_module.read_sales(who, periods)
        assert np.allclose(mixed.net, monthly.net) and np.allclose(mixed.cost, monthly.cost)
        assert mixed.net.sum() > 0


def test_movers_read_from_whole_quarters_equal_those_read_from_months(book, monkeypatch):
    """The movers' sales per account come from whole quarters where no period boundary cuts them: the same as
    from the months alone, for periods that do and do not end on a quarter, touching or not."""
    scope = dashboards_module.Scope(Account.objects.values("id"))
    for now, before in (
        (Period(date(2025, 1, 1), date(2025, 4, 1), "q"), Period(date(2024, 1, 1), date(2024, 4, 1), "q")),
        (Period(date(2025, 1, 1), date(2025, 3, 1), "m"), Period(date(2024, 1, 1), date(2024, 3, 1), "m")),
        (Period(date(2024, 4, 1), date(2025, 4, 1), "y"), Period(date(2023, 4, 1), date(2024, 4, 1), "y")),
    ):
        mixed = dashboards_module.sales_by_account(scope, now, before)
        with monkeypatch.context() as patch:
            patch.setattr(dashboards_module, "whole_quarters", months_only)
            monthly = dashboards_module.sales_by_account(scope, now, before)
        assert mixed.keys() == monthly.keys() and mixed
        for pk, figures in mixed.items():
            assert figures == pytest.approx(monthly[pk])
    assert any(now for now, _before in mixed.values())


def test_the_pareto_curve_is_drawn_with_at_most_so_many_points(book):
    book_ = portfolio(book.lead, 12)
    assert [(p.name, p.cumulative_share) for p in pareto_points(book_)] == [
        ("Globex Holding", pytest.approx(600 / 740, abs=1e-4)),
        ("Brightmart", 1.0),
    ]
    many = portfolio(book.lead, 12)
    many.groups.revenue = np.arange(1, 1001, dtype=float)  # a thousand customers
    many.customers.group_names = [f"C{n}" for n in range(1000)]
    points = pareto_points(many, limit=100)
    assert len(points) <= 100
    assert points[0].name == "C999" and points[-1].cumulative_share == 1.0  # the largest first, the end kept
    shares = [p.account_share for p in points]
    assert shares == sorted(shares)


def test_concentration_report_as_table_and_json(book):
    text = concentration_report(book.lead, 12, "table")
    assert "Globex Holding" in text and "Hidden Industries" not in text and "HHI" in text
    data = json.loads(concentration_report(book.lead, 12, "json"))
    assert data["revenue"] == "740.00" and data["customer_count"] == 2
    assert [r["code"] for r in data["risks"]] == ["G-001", "B-001"]
    everything = json.loads(concentration_report(None, 12, "json"))
    assert everything["customer_count"] == 3
    book.kam_a.role = "viewer"
    hidden_costs = json.loads(concentration_report(book.kam_a, 12, "json"))
    assert hidden_costs["gross_margin"] is None and hidden_costs["risks"][0]["contribution"] is None
    with pytest.raises(ValueError, match="format"):
        concentration_report(book.lead, 12, "xml")
    with pytest.raises(ValueError, match="months"):
        concentration_report(book.lead, 0, "json")


def test_empty_portfolio_answers_without_errors(world):
    summary = concentration(portfolio(world.kam_a, 12), 12)
    assert summary.customer_count == 0 and summary.hhi == 0 and summary.risks == []
    assert hhi_trend(world.kam_a) == []
    assert account_loss(world.kam_a, world.global_account).risk.revenue == 0
    assert "No sales" in concentration_report(world.kam_a, 12, "table")


# --- pages ------------------------------------------------------------------------------------------------------------


def test_dashboard_page(book, login):
    response = login(book.lead).get("/dashboard/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "Brightmart" in page and "Hidden Industries" not in page
    assert 'id="chart-trend"' in page and "vega-embed.min.js" in page and "sales/charts.js" in page
    assert 'data-metric="gross_margin"' in page
    spec = response.context["charts"]["trend"]
    assert spec["$schema"].endswith("/v6.json")


def test_commercial_page(book, login):
    response = login(book.kam_a).get(f"/accounts/{book.global_account.pk}/commercial/")
    assert response.status_code == 200
    page = response.content.decode()
    for text in ("What if we lose this account?", "Price agreement compliance", "chart-pnl", "Cola", "Drinks"):
        assert text in page
    assert response.context["charts"]["pnl"]["layer"][0]["mark"]["type"] == "bar"


def test_concentration_page(book, login):
    response = login(book.lead).get("/concentration/?months=12&top=5")
    assert response.status_code == 200
    page = response.content.decode()
    assert "Riskiest dependencies" in page and "Globex Holding" in page and "chart-pareto" in page
    assert "Hidden Industries" not in page


# --- API --------------------------------------------------------------------------------------------------------------


def test_api_dashboard(book, login):
    client = login(book.lead)
    data = client.get("/api/v1/dashboard").json()
    assert data["as_of"] == "2025-03" and data["costs_hidden"] is False
    ytd = next(p for p in data["periods"] if p["key"] == "ytd")
    revenue = next(f for f in ytd["figures"] if f["metric"] == "revenue")
    assert (revenue["actual"], revenue["target"], revenue["last_year"]) == ("740.00", "600.00", "600.00")
    assert [m["code"] for m in data["bottom_movers"]] == ["B-001"]
    filtered = client.get(f"/api/v1/dashboard?team={book.team.pk}&period=2025-02").json()
    assert filtered["as_of"] == "2025-02"
    assert client.get("/api/v1/dashboard?team=999999").status_code == 422
    assert client.get("/api/v1/dashboard?period=2025-13").json()["errors"][0]["field"] == "period"


def test_api_concentration_and_loss_impact(book, login):
    client = login(book.lead)
    data = client.get("/api/v1/concentration?months=12&top=1").json()
    assert data["window"] == {"from": "2024-04", "to": "2025-03"} and data["customer_count"] == 2
    assert data["revenue"] == "740.00" and data["gross_margin"] == "325.00"
    assert data["revenue_share"]["top_n"] == pytest.approx(600 / 740, abs=1e-4)
    assert [(r["code"], r["contribution"]) for r in data["risks"]] == [("G-001", "230.00"), ("B-001", "30.00")]
    assert client.get("/api/v1/concentration?months=0").status_code == 422
    assert client.get("/api/v1/concentration?top=abc").status_code == 422
    loss = client.get(f"/api/v1/accounts/{book.subsidiary.pk}/loss-impact").json()
    assert (loss["revenue"], loss["gross_margin"], loss["contribution"]) == ("300.00", "150.00", "120.00")
    assert loss["remaining_hhi"] == pytest.approx(measure.hhi([300, 140]), abs=0.1)
    assert loss["window"] == {"from": "2024-04", "to": "2025-03"} and loss["months"] == 12


def test_api_monthly_sales_of_an_account_with_its_subsidiaries(book, login):
    client = login(book.kam_a)
    url = f"/api/v1/accounts/{book.global_account.pk}/sales/monthly"
    rows = client.get(url + "?from=2025-01&to=2025-12").json()
    assert [(r["month"], r["net_amount"], r["gross_margin"]) for r in rows] == [
        ("2025-01", "200.00", "80.00"),
        ("2025-02", "300.00", "150.00"),
        ("2025-03", "100.00", "50.00"),
    ]
    default = client.get(url).json()  # the twelve months up to the latest with sales
    assert [r["month"] for r in default] == ["2025-01", "2025-02", "2025-03"]
    assert client.get(url + "?from=2025-05&to=2025-01").status_code == 422
    assert client.get(url + "?from=2015-01&to=2025-01").status_code == 422
    assert client.get(url + "?from=January").json()["errors"][0]["field"] == "from"


def test_api_hides_costs_and_hidden_accounts(book, login, world):
    member = book.kam_b
    member.role = "team_member"
    member.save()
    client = login(member)
    rows = client.get(f"/api/v1/accounts/{book.account_b.pk}/sales/monthly?from=2025-01&to=2025-03").json()
    assert rows and all(r["cost"] is None and r["gross_margin"] is None for r in rows)
    loss = client.get(f"/api/v1/accounts/{book.account_b.pk}/loss-impact").json()
    assert loss["gross_margin"] is None and loss["contribution"] is None
    data = client.get("/api/v1/concentration").json()
    assert data["costs_hidden"] and data["gross_margin"] is None and data["margin_share"] is None
    dashboard = client.get("/api/v1/dashboard").json()
    assert dashboard["costs_hidden"]
    assert {f["metric"] for p in dashboard["periods"] for f in p["figures"]} == {"revenue", "volume"}
    for path in ("sales/monthly", "loss-impact"):
        assert client.get(f"/api/v1/accounts/{book.hidden.pk}/{path}").status_code == 404
    assert client.get("/api/v1/accounts/999999999/loss-impact").status_code == 404
    client.logout()
    assert client.get("/api/v1/concentration").status_code == 401


# --- the report command -----------------------------------------------------------------------------------------------


def test_report_concentration_command(book, tmp_path):
    out = io.StringIO()
    call_command("report", "concentration", "--months", "12", "--as", book.lead.email, stdout=out)
    assert "Globex Holding" in out.getvalue() and "Hidden Industries" not in out.getvalue()
    target = tmp_path / "concentration.json"
    call_command("report", "concentration", "--format", "json", "--output", str(target))
    data = json.loads(target.read_text())
    assert data["customer_count"] == 3  # the system sees every account
    with pytest.raises(CommandError, match="months"):
        call_command("report", "concentration", "--months", "99")


# --- page permissions -------------------------------------------------------------------------------------------------


def test_pages_need_a_signed_in_user_and_answer_only_get(book, client, login):
    for path in ("/dashboard/", "/concentration/", f"/accounts/{book.global_account.pk}/commercial/"):
        response = client.get(path)
        assert response.status_code == 302 and response["Location"].startswith("/login/")
    client = login(book.kam_a)
    assert client.post("/dashboard/").status_code == 405
    assert client.post(f"/accounts/{book.global_account.pk}/commercial/").status_code == 405


def test_commercial_tab_of_a_hidden_account_is_404(book, login):
    client = login(book.outsider)
    assert client.get(f"/accounts/{book.global_account.pk}/commercial/").status_code == 404
    assert client.get(f"/accounts/{book.global_account.pk}/commercial/trend.svg").status_code == 404
    assert client.get("/accounts/999999/commercial/").status_code == 404


def test_margins_are_hidden_from_roles_without_costs(book, login):
    member = book.kam_a
    member.role = "team_member"
    member.save()
    client = login(member)
    for path in ("/dashboard/", "/concentration/", f"/accounts/{book.global_account.pk}/commercial/"):
        page = client.get(path).content.decode()
        for secret in ("Gross margin", "Contribution lost", "Price agreement compliance", "Cost of goods"):
            assert secret not in page, (path, secret)
    spec = client.get(f"/accounts/{book.global_account.pk}/commercial/").context["charts"]["pnl"]
    assert {v["label"] for v in spec["data"]["values"]} == {"Gross sales", "Discounts and rebates", "Net sales"}


def test_bad_input_is_answered_with_a_message(book, login):
    client = login(book.lead)
    response = client.get("/dashboard/?as_of=2025-13")
    assert response.status_code == 400 and "is not a month" in response.content.decode()
    response = client.get("/dashboard/?team=999999")
    assert response.status_code == 400 and "Select a valid choice" in response.content.decode()
    assert client.get("/concentration/?months=7").status_code == 400
    response = client.get(f"/accounts/{book.global_account.pk}/commercial/?as_of=soon")
    assert response.status_code == 400 and "YYYY-MM" in response.content.decode()


# --- query-count guards -----------------------------------------------------------------------------------------------


def populate(owner, accounts: list, months: list[date], product) -> None:
    for account in accounts:
        for month in months:
            sell(account, product, month.replace(day=5), 120 if month.year == 2025 else 100, 60)
            target_set_month(actor=None, account_id=account.pk, metric_code="revenue", month=month, value="90")
            CostLine.objects.create(account=account, month=month, type=CostType.REBATE, amount=D("1"))
        listing_set(actor=None, account_id=account.pk, product=product, status="listed", since=date(2023, 1, 1))
    rollups.rebuild()


def count_queries(client, path: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path)
    assert response.status_code == 200, path
    return len(queries)


def test_pages_cost_the_same_number_of_queries_for_any_data_size(world, login):
    product = make_product(sku="QC-1", category="Drinks")
    group = world.global_account
    price_agreement_create(
        actor=None, account_id=group.pk, product=product, discount_pct=D("5"), valid_from=date(2020, 1, 1)
    )
    small_months = [date(2025, 1, 1), date(2025, 2, 1)]
    populate(world.kam_a, [group, world.subsidiary, world.account_b], small_months, product)
    paths = [
        "/dashboard/",
        "/dashboard/?tier=growth&region=",
        "/concentration/",
        f"/accounts/{group.pk}/commercial/",
        "/api/v1/dashboard",
        "/api/v1/concentration",
        f"/api/v1/accounts/{group.pk}/loss-impact",
        f"/api/v1/accounts/{group.pk}/sales/monthly",
    ]
    users = (world.lead, world.admin)  # the admin reads every account: no account condition at all
    small = {(user.email, path): count_queries(login(user), path) for user in users for path in paths}

    more = [
        make_account(owner=world.kam_a if n % 2 else world.kam_b, parent=group if n % 3 == 0 else None)
        for n in range(27)
    ]
    all_months = [date(2023 + (n // 12), n % 12 + 1, 1) for n in range(3, 27)]  # Apr 2023 .. Mar 2025
    populate(world.kam_a, more, all_months, product)
    populate(
        world.kam_a,
        [group, world.subsidiary, world.account_b],
        [m for m in all_months if m not in small_months],
        product,
    )
    large = {(user.email, path): count_queries(login(user), path) for user in users for path in paths}
    assert large == small


def test_an_admin_reads_the_roll_ups_without_an_account_condition(book, login):
    """Every account: no join of every roll-up row against the account list (one less join per read)."""
    condition = re.compile(r'account_id"? (IN \(|= ANY\()')
    client = login(book.admin)
    for path in ("/dashboard/", "/concentration/"):
        with CaptureQueriesContext(connection) as queries:
            assert client.get(path).status_code == 200
        reads = [q["sql"] for q in queries.captured_queries if "sales_accountmonthly" in q["sql"]]
        assert reads and not any(condition.search(sql) for sql in reads), path
    # A filter brings the condition back.
    with CaptureQueriesContext(connection) as queries:
        client.get(f"/dashboard/?owner={book.kam_a.pk}")
    reads = [q["sql"] for q in queries.captured_queries if "sales_accountmonthly" in q["sql"]]
    assert reads and all(condition.search(sql) for sql in reads)


def test_pages_without_sales(world, login):
    client = login(world.kam_b)
    assert "No sales yet" in client.get("/dashboard/").content.decode()
    assert "No sales yet" in client.get("/concentration/").content.decode()
    page = client.get(f"/accounts/{world.account_b.pk}/commercial/")
    assert page.status_code == 200 and "No sales recorded" in page.content.decode()
    assert client.get(f"/accounts/{world.account_b.pk}/commercial/trend.svg").status_code == 404
