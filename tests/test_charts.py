"""The chart specs: rendered to SVG on the server (with their data labels), served at the .svg routes, and
drawn by vega-embed in real Chromium from the installation's own static files (no other host contacted)."""

import re
from datetime import date
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace as Row
from urllib.parse import urlparse

import pytest
from playwright.sync_api import sync_playwright

from kamdesk.sales import charts, rollups
from kamdesk.sales.dashboards import TrendPoint
from kamdesk.sales.targets import target_set_month
from tests.factories import PASSWORD, make_account, make_user
from tests.sales_factories import make_product, make_sale

D = Decimal
AXE = Path(__file__).resolve().parent.parent / "frontend" / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-background-networking", "--disable-gpu"]


def svg_texts(svg: str) -> list[str]:
    return re.findall(r"<text[^>]*>([^<]+)</text>", svg)


# --- specs and SVG ---------------------------------------------------------------------------------------------------


def test_trend_chart_renders_with_months_and_series():
    points = [TrendPoint(date(2025, m, 1), D(m * 100) if m <= 3 else None, D(m * 90), D(110 * m)) for m in range(1, 13)]
    spec = charts.trend_chart(points, currency="EUR")
    assert spec["$schema"] == "https://vega.github.io/schema/vega-lite/v6.json"
    assert len(spec["data"]["values"]) == 3 + 12 + 12  # this year only up to March
    svg = charts.svg(spec)
    assert svg.startswith("<svg")
    texts = svg_texts(svg)
    for label in ("Jan 2025", "Dec 2025", "This year", "Last year", "Target", "Amount (EUR)"):
        assert label in texts


def test_waterfall_steps_from_total_to_total():
    lines = [
        Row(label="Gross sales", amount=D(1000), is_subtotal=False),
        Row(label="Discounts and rebates", amount=D(-100), is_subtotal=False),
        Row(label="Net sales", amount=D(900), is_subtotal=True),
        Row(label="Cost of goods", amount=D(-500), is_subtotal=False),
        Row(label="Gross margin", amount=D(400), is_subtotal=True),
    ]
    spec = charts.waterfall_chart(lines, title="P&L 2025")
    bars = [(v["label"], v["start"], v["end"], v["kind"]) for v in spec["data"]["values"]]
    assert bars == [
        ("Gross sales", 0, 1000, "total"),
        ("Discounts and rebates", 1000, 900, "decrease"),
        ("Net sales", 0, 900, "total"),
        ("Cost of goods", 900, 400, "decrease"),
        ("Gross margin", 0, 400, "total"),
    ]
    texts = svg_texts(charts.svg(spec))
    for label in ("Gross sales", "Cost of goods", "1,000", "-100", "400", "P&amp;L 2025"):
        assert label in texts


def test_pareto_mix_and_hhi_charts_render_their_labels():
    pareto = charts.svg(
        charts.pareto_chart(
            [
                Row(name="A", account_share=0.5, cumulative_share=0.8),
                Row(name="B", account_share=1.0, cumulative_share=1.0),
            ]
        )
    )
    assert {"top 20 %", "Cumulative share of revenue", "100%"} <= set(svg_texts(pareto))
    mix = charts.svg(charts.mix_chart([Row(label="Cola", revenue=D("1500.40")), Row(label="Crisps", revenue=D(20))]))
    assert {"Cola", "Crisps", "1,500", "20"} <= set(svg_texts(mix))
    hhi = charts.svg(charts.hhi_trend_chart([Row(label="2024-Q1", hhi=3800.0), Row(label="2024-Q2", hhi=4250.5)]))
    assert {"2024-Q1", "2024-Q2", "3,800", "4,250", "highly concentrated"} <= set(svg_texts(hhi))


def test_a_spec_never_loads_remote_data():
    spec = charts.mix_chart([Row(label="x", revenue=D(1))])
    spec["data"] = {"url": "https://example.com/data.json"}
    with pytest.raises(Exception):
        charts.svg(spec)


# --- the .svg routes -----------------------------------------------------------------------------------------------


@pytest.fixture
def sold(world):
    product = make_product(sku="CH-1", name="Chart Cola", category="Drinks")
    for month in (1, 2, 3):
        make_sale(world.global_account, product, date(2025, month, 5), quantity="5", net="50.00", cost="20.00")
        make_sale(world.account_b, product, date(2024, month, 5), quantity="2", net="20.00", cost="8.00")
        make_sale(world.account_b, product, date(2025, month, 5), quantity="2", net="25.00", cost="8.00")
        make_sale(world.hidden, product, date(2025, month, 5), quantity="2", net="999.00", cost="8.00")
    rollups.rebuild()
    target_set_month(
        actor=None, account_id=world.global_account.pk, metric_code="revenue", month=date(2025, 1, 1), value="60"
    )
    return world


@pytest.mark.django_db
def test_account_charts_as_svg(sold, login):
    client = login(sold.kam_a)
    for chart, label in (
        ("trend", "Jan 2025"),
        ("pnl", "Net sales"),
        ("products", "Chart Cola"),
        ("categories", "Drinks"),
    ):
        response = client.get(f"/accounts/{sold.global_account.pk}/commercial/{chart}.svg")
        assert response.status_code == 200, chart
        assert response["Content-Type"] == "image/svg+xml"
        assert label in svg_texts(response.content.decode())
    assert client.get(f"/accounts/{sold.global_account.pk}/commercial/nothing.svg").status_code == 404
    assert client.get(f"/accounts/{sold.hidden.pk}/commercial/trend.svg").status_code == 404


@pytest.mark.django_db
def test_portfolio_charts_as_svg(sold, login):
    client = login(sold.lead)
    response = client.get("/dashboard/trend.svg")
    assert response.status_code == 200 and "Mar 2025" in svg_texts(response.content.decode())
    pareto = client.get("/concentration/pareto.svg?months=12")
    assert pareto.status_code == 200 and "top 20 %" in svg_texts(pareto.content.decode())
    hhi = client.get("/concentration/hhi.svg")
    assert hhi.status_code == 200 and "2025-Q1" in svg_texts(hhi.content.decode())
    assert client.get("/concentration/other.svg").status_code == 404
    # With no sales there is nothing to draw.
    assert login(make_user("kam")).get("/dashboard/trend.svg").status_code == 404


# --- in the browser ---------------------------------------------------------------------------------------------------


@pytest.mark.browser
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_pages_draw_their_charts_from_local_files_only(live_server):
    kam = make_user("kam", email="chart.kam@example.com", first_name="Chart", last_name="Kam")
    group = make_account(owner=kam, code="CH-G", name="Chart Group")
    product = make_product(sku="BR-1", name="Browser Cola", category="Drinks")
    for year in (2024, 2025):
        for month in (1, 2, 3):
            make_sale(group, product, date(year, month, 3), quantity="3", net=f"{30 + month}.00", cost="10.00")
    rollups.rebuild()
    pages = {
        "/dashboard/": ["chart-trend"],
        f"/accounts/{group.pk}/commercial/": ["chart-trend", "chart-pnl", "chart-products", "chart-categories"],
        "/concentration/": ["chart-pareto", "chart-hhi"],
    }
    hosts, errors, drawn, violations = set(), [], {}, {}
    local = urlparse(live_server.url).netloc
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.on("request", lambda request: hosts.add(urlparse(request.url).netloc))
            page.on("pageerror", lambda error: errors.append(str(error)))
            page.goto(live_server.url + "/login/")
            page.fill('input[name="username"]', kam.email)
            page.fill('input[name="password"]', PASSWORD)
            page.get_by_role("button", name="Log in").click()
            page.wait_for_url(live_server.url + "/")  # signing in lands on My day
            for path, chart_ids in pages.items():
                assert page.goto(live_server.url + path).status == 200, path
                for chart_id in chart_ids:
                    canvas = page.locator(f'[data-chart-spec="{chart_id}"] svg.marks')
                    canvas.wait_for(timeout=15_000)
                    drawn[(path, chart_id)] = canvas.locator("path, rect, line").count()
                page.add_script_tag(path=str(AXE))
                result = page.evaluate("() => axe.run(document, {resultTypes: ['violations']})")
                violations[path] = [
                    f"{v['id']}: {v['help']}" for v in result["violations"] if v["impact"] in ("serious", "critical")
                ]
        finally:
            browser.close()
    assert not errors
    assert hosts <= {local}, hosts
    assert all(count > 0 for count in drawn.values()), drawn
    assert not any(violations.values()), violations
