"""The customer P&L on a small hand-computed dataset: the figures, roll-up through the hierarchy, the team
and the portfolio, costs hidden from roles that may not see them, constant query counts, the P&L page with
its targets editor, and the API."""

import json
from datetime import date
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from kamdesk.accounts.models import Channel
from kamdesk.accounts.services import account_update
from kamdesk.core.errors import NotFound
from kamdesk.sales import rollups
from kamdesk.sales.models import ChannelCostToServe, CostLine, Metric, Target
from kamdesk.sales.periods import parse_period
from kamdesk.sales.pnl import account_pnl, pnl_for_accounts, portfolio_pnl, team_pnl
from tests.factories import grant, make_account, make_user
from tests.sales_factories import make_product, make_sale

API = "/api/v1"
Q3 = parse_period("2025-Q3")
D = Decimal


def cost(account, month: date, type_: str, amount: str, reference: str = ""):
    return CostLine.objects.create(account=account, month=month, type=type_, amount=D(amount), reference=reference)


def target(account, metric: str, month: date, value: str):
    return Target.objects.create(account=account, metric=Metric.objects.get(code=metric), month=month, value=D(value))


@pytest.fixture
def pnl_world(world):
    return build_pnl_dataset(world)


def build_pnl_dataset(world):
    """world (global account G with subsidiary S owned by kam_a, B owned by kam_b, hidden H) plus:

    2025-Q3: G sells gross 1,100 / net 1,000 / cost 600 in July; S gross 550 / net 500 / cost 250 in August;
    B gross 300 / net 300 / cost 200; H (hidden) 10,000. G books a rebate of 50, trade spend of 80 and cost
    to serve of 30; S has no cost-to-serve lines, so its channel's 5 % of its net sales (25) applies.
    2024-Q3 (last year): G gross 880 / net 800 / cost 500, rebate 20; S gross 220 / net 200 / cost 100 and a
    cost-to-serve line of 12 (so no channel % last year).
    Targets for 2025-Q3: revenue G 3 x 400 + S 400 = 1,600; gross margin G 500 (plus months outside the
    quarter that must not count).
    """
    retail = Channel.objects.create(code="retail", name="Retail")
    ChannelCostToServe.objects.create(channel=retail, percent=D("5"))
    account_update(actor=None, account_id=world.subsidiary.pk, channel=retail)
    product = make_product()
    sale = make_sale
    sale(world.global_account, product, date(2025, 7, 3), net="1000", cost="600", discount="100")
    sale(world.subsidiary, product, date(2025, 8, 9), net="500", cost="250", discount="50")
    sale(world.account_b, product, date(2025, 7, 9), net="300", cost="200")
    sale(world.hidden, product, date(2025, 7, 9), net="10000", cost="1")
    sale(world.global_account, product, date(2024, 7, 3), net="800", cost="500", discount="80")
    sale(world.subsidiary, product, date(2024, 8, 3), net="200", cost="100", discount="20")
    sale(world.global_account, product, date(2025, 10, 1), net="7777", cost="1")  # after the quarter
    rollups.rebuild()
    cost(world.global_account, date(2025, 9, 1), "rebate", "50")
    cost(world.global_account, date(2025, 7, 1), "trade_spend", "80")
    cost(world.global_account, date(2025, 8, 1), "cost_to_serve", "30")
    cost(world.global_account, date(2024, 7, 1), "rebate", "20")
    cost(world.subsidiary, date(2024, 8, 1), "cost_to_serve", "12")
    cost(world.hidden, date(2025, 7, 1), "trade_spend", "5000")
    for month in (7, 8, 9):
        target(world.global_account, "revenue", date(2025, month, 1), "400")
    target(world.subsidiary, "revenue", date(2025, 8, 1), "400")
    target(world.global_account, "revenue", date(2025, 10, 1), "999")
    target(world.global_account, "gross_margin", date(2025, 8, 1), "500")
    target(world.hidden, "revenue", date(2025, 8, 1), "99999")
    return world


def figures(pnl) -> dict:
    return {line.key: line.amount for line in pnl.lines}


EXPECTED_G = {
    "gross_sales": D("1650.00"),
    "discounts_rebates": D("-200.00"),
    "net_sales": D("1450.00"),
    "cost_of_goods": D("-850.00"),
    "gross_margin": D("600.00"),
    "trade_spend": D("-80.00"),
    "cost_to_serve": D("-55.00"),
    "contribution": D("465.00"),
}


def test_account_pnl_rolls_up_the_subsidiaries(pnl_world):
    pnl = account_pnl(pnl_world.kam_a, pnl_world.global_account.pk, Q3)
    assert figures(pnl) == EXPECTED_G
    assert [line.key for line in pnl.lines] == list(EXPECTED_G)
    assert not pnl.costs_hidden


def test_percent_last_year_and_target(pnl_world):
    pnl = account_pnl(pnl_world.kam_a, pnl_world.global_account.pk, Q3)
    last_year = {line.key: line.last_year for line in pnl.lines}
    assert last_year == {
        "gross_sales": D("1100.00"),
        "discounts_rebates": D("-120.00"),
        "net_sales": D("980.00"),
        "cost_of_goods": D("-600.00"),
        "gross_margin": D("380.00"),
        "trade_spend": D("0.00"),
        "cost_to_serve": D("-12.00"),
        "contribution": D("368.00"),
    }
    net, margin, contribution = pnl.line("net_sales"), pnl.line("gross_margin"), pnl.line("contribution")
    assert pnl.line("gross_sales").pct_of_net == D("113.8")
    assert pnl.line("discounts_rebates").pct_of_net == D("-13.8")
    assert (net.pct_of_net, margin.pct_of_net, contribution.pct_of_net) == (D("100.0"), D("41.4"), D("32.1"))
    assert (net.vs_last_year_pct, margin.vs_last_year_pct) == (D("48.0"), D("57.9"))
    assert contribution.vs_last_year_pct == D("26.4")
    assert pnl.line("trade_spend").vs_last_year_pct is None  # nothing last year to compare with
    assert pnl.line("cost_to_serve").vs_last_year_pct == D("-358.3")  # more cost: less profit
    assert (net.target, net.vs_target_pct) == (D("1600.00"), D("-9.4"))
    assert (margin.target, margin.vs_target_pct) == (D("500.00"), D("20.0"))
    assert contribution.target is None and contribution.vs_target_pct is None
    assert pnl.previous_period == parse_period("2024-Q3")


def test_a_subsidiary_alone_uses_its_channel_cost_to_serve(pnl_world):
    pnl = account_pnl(pnl_world.kam_a, pnl_world.subsidiary.pk, Q3)
    assert figures(pnl) == {
        "gross_sales": D("550.00"),
        "discounts_rebates": D("-50.00"),
        "net_sales": D("500.00"),
        "cost_of_goods": D("-250.00"),
        "gross_margin": D("250.00"),
        "trade_spend": D("0.00"),
        "cost_to_serve": D("-25.00"),
        "contribution": D("225.00"),
    }
    assert pnl.line("cost_to_serve").last_year == D("-12.00")  # its line last year, not the channel %


def test_team_and_portfolio(pnl_world):
    team = team_pnl(pnl_world.lead, pnl_world.team.pk, Q3)
    assert figures(team)["net_sales"] == D("1750.00")
    assert figures(team)["contribution"] == D("565.00")  # 465 + B's 300 - 200
    assert team.line("net_sales").target == D("1600.00")
    # kam_a sees G and S only; the team P&L for them leaves B out.
    assert figures(team_pnl(pnl_world.kam_a, pnl_world.team.pk, Q3))["net_sales"] == D("1450.00")
    assert figures(portfolio_pnl(pnl_world.kam_a, Q3)) == EXPECTED_G
    everything = portfolio_pnl(None, Q3)
    assert figures(everything)["net_sales"] == D("11750.00")
    assert figures(everything)["trade_spend"] == D("-5080.00")
    with pytest.raises(NotFound):
        team_pnl(pnl_world.lead, 999999, Q3)


def test_hidden_accounts_never_count(pnl_world):
    with pytest.raises(NotFound):
        account_pnl(pnl_world.kam_a, pnl_world.hidden.pk, Q3)
    from kamdesk.accounts.models import Account

    everything = Account.objects.values("id")
    assert figures(pnl_for_accounts(pnl_world.kam_a, everything, Q3)) == EXPECTED_G


def test_costs_hidden_from_a_viewer_and_a_team_member(pnl_world):
    member = make_user("team_member")
    grant(pnl_world.global_account, member, access="edit")
    grant(pnl_world.global_account, pnl_world.viewer, access="read")
    for user in (pnl_world.viewer, member):
        pnl = account_pnl(user, pnl_world.global_account.pk, Q3)
        assert pnl.costs_hidden
        assert [line.key for line in pnl.lines] == ["gross_sales", "discounts_rebates", "net_sales"]
        assert figures(pnl)["net_sales"] == D("1450.00")  # rebates still deducted
        assert pnl.line("net_sales").target == D("1600.00")


def test_cost_visibility_follows_the_setting(pnl_world, settings):
    settings.COST_VISIBLE_ROLES = ["admin"]
    assert account_pnl(pnl_world.kam_a, pnl_world.global_account.pk, Q3).costs_hidden
    assert not account_pnl(pnl_world.admin, pnl_world.global_account.pk, Q3).costs_hidden
    settings.COST_VISIBLE_ROLES = ["admin", "viewer"]
    grant(pnl_world.global_account, pnl_world.viewer, access="read")
    assert not account_pnl(pnl_world.viewer, pnl_world.global_account.pk, Q3).costs_hidden


def test_an_empty_period_is_all_zero_without_percentages(pnl_world):
    pnl = account_pnl(pnl_world.kam_a, pnl_world.global_account.pk, parse_period("2019-03"))
    assert set(figures(pnl).values()) == {D("0.00")}
    assert all(line.pct_of_net is None and line.vs_last_year_pct is None for line in pnl.lines)


# --- query counts -------------------------------------------------------------------------------------------


def group_with_subsidiaries(owner, count: int):
    retail = Channel.objects.get_or_create(code="retail", defaults={"name": "Retail"})[0]
    ChannelCostToServe.objects.get_or_create(channel=retail, defaults={"percent": D("3")})
    parent = make_account(owner=owner)
    product = make_product()
    for n in range(count):
        child = make_account(owner=owner, parent=parent, channel=retail)
        make_sale(child, product, date(2025, 7 + n % 3, 1), net="100", cost="50")
        cost(child, date(2025, 7, 1), "trade_spend", "5")
        target(child, "revenue", date(2025, 8, 1), "90")
    rollups.rebuild()
    return parent


def pnl_queries(user, account) -> int:
    user = type(user).objects.get(pk=user.pk)  # a fresh user: nothing cached
    with CaptureQueriesContext(connection) as captured:
        account_pnl(user, account.pk, Q3)
    return len(captured)


def test_query_count_does_not_grow_with_subsidiaries(world):
    small = group_with_subsidiaries(world.kam_a, 3)
    large = group_with_subsidiaries(world.kam_a, 30)
    assert pnl_queries(world.kam_a, small) == pnl_queries(world.kam_a, large)
    assert pnl_queries(world.admin, small) == pnl_queries(world.admin, large) <= 6


# --- the page --------------------------------------------------------------------------------------------------


def test_page_shows_the_pnl_table(pnl_world, login):
    response = login(pnl_world.kam_a).get(f"/accounts/{pnl_world.global_account.pk}/pnl/?period=2025-Q3")
    assert response.status_code == 200
    html = response.content.decode()
    for text in ("Customer P&amp;L · 2025-Q3", "Contribution", "465.00", "1,450.00", "41.4 %", "+48.0 %", "-9.4 %"):
        assert text in html, text
    assert "Set an annual target" in html  # the owner may edit


def test_page_defaults_to_year_to_date_and_explains_a_bad_period(pnl_world, login):
    client = login(pnl_world.kam_a)
    response = client.get(f"/accounts/{pnl_world.global_account.pk}/pnl/")
    assert response.status_code == 200
    assert "year to date" in response.content.decode()
    bad = client.get(f"/accounts/{pnl_world.global_account.pk}/pnl/?period=last+summer")
    assert bad.status_code == 400
    assert "is not a period" in bad.content.decode()
    assert "2025-Q3" in bad.content.decode()
    assert client.get(f"/accounts/{pnl_world.global_account.pk}/pnl/?period=qtd").status_code == 200


def test_page_hides_costs_and_the_editor_from_a_viewer(pnl_world, login):
    grant(pnl_world.global_account, pnl_world.viewer, access="edit")
    response = login(pnl_world.viewer).get(f"/accounts/{pnl_world.global_account.pk}/pnl/?period=2025-Q3")
    html = response.content.decode()
    assert response.status_code == 200
    assert "Net sales" in html and "Gross margin" not in html and "Contribution" not in html
    assert "not shown for your role" in html
    assert "Set an annual target" not in html


def test_page_is_404_for_a_hidden_account_and_needs_login(pnl_world, login, client):
    assert client.get(f"/accounts/{pnl_world.global_account.pk}/pnl/").status_code == 302
    outsider = login(pnl_world.outsider)
    assert outsider.get(f"/accounts/{pnl_world.global_account.pk}/pnl/").status_code == 404
    assert outsider.post(f"/accounts/{pnl_world.global_account.pk}/targets/", {}).status_code == 404


def test_targets_editor_sets_an_annual_target(pnl_world, login):
    client = login(pnl_world.kam_a)
    url = f"/accounts/{pnl_world.subsidiary.pk}/targets/"
    data = {"metric": "revenue", "year": "2026", "value": "1200", "phasing": "even"}
    response = client.post(url, data)
    assert response.status_code == 302
    assert response["Location"].endswith(f"/accounts/{pnl_world.subsidiary.pk}/pnl/?period=2026")
    assert Target.objects.filter(account=pnl_world.subsidiary, month__year=2026).count() == 12
    page = client.get(response["Location"]).content.decode()
    assert "Revenue (net sales) target for 2026 set" in page and "1,200.00" in page
    bad = client.post(url, data | {"value": "-3"})
    assert bad.status_code == 400 and "cannot be negative" in bad.content.decode()


def test_targets_editor_refuses_read_only_users(pnl_world, login):
    grant(pnl_world.subsidiary, pnl_world.kam_b, access="read")
    grant(pnl_world.subsidiary, pnl_world.viewer, access="edit")
    data = {"metric": "revenue", "year": "2026", "value": "1", "phasing": "even"}
    for user in (pnl_world.kam_b, pnl_world.viewer):
        assert login(user).post(f"/accounts/{pnl_world.subsidiary.pk}/targets/", data).status_code == 403
    assert login(pnl_world.kam_a).get(f"/accounts/{pnl_world.subsidiary.pk}/targets/").status_code == 405
    assert not Target.objects.filter(month__year=2026).exists()


def test_page_query_count_does_not_grow(world, login):
    small = group_with_subsidiaries(world.kam_a, 3)
    large = group_with_subsidiaries(world.kam_a, 30)
    client = login(world.kam_a)
    counts = []
    for account in (small, large):
        with CaptureQueriesContext(connection) as captured:
            assert client.get(f"/accounts/{account.pk}/pnl/?period=2025-Q3").status_code == 200
        counts.append(len(captured))
    assert counts[0] == counts[1]


# --- the API -----------------------------------------------------------------------------------------------------


@pytest.fixture
def api_scene(pnl_world):
    pnl_world.reader = pnl_world.kam_b
    grant(pnl_world.subsidiary, pnl_world.reader, access="read")
    grant(pnl_world.subsidiary, pnl_world.viewer, access="edit")  # a viewer stays read-only
    pnl_world.owner = pnl_world.kam_a
    pnl_world.anonymous = None
    return pnl_world


ROLES = ["anonymous", "outsider", "viewer", "reader", "owner", "admin"]
ROUTES = {
    "pnl_account": ("get", "/pnl?account={account}&period=2025-Q3", None, (401, 404, 200, 200, 200, 200)),
    "pnl_all": ("get", "/pnl?all=true&period=2025-Q3", None, (401, 200, 200, 200, 200, 200)),
    "targets_get": ("get", "/accounts/{account}/targets?year=2026", None, (401, 404, 200, 200, 200, 200)),
    "targets_put": (
        "put",
        "/accounts/{account}/targets",
        {"metric": "revenue", "year": 2026, "annual": "1200", "phasing": "even"},
        (401, 404, 403, 403, 200, 200),
    ),
}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("route", list(ROUTES))
def test_api_permission_matrix(client, api_scene, route, role):
    method, path, body, expected = ROUTES[route]
    user = getattr(api_scene, role)
    if user is not None:
        client.force_login(user)
    url = API + path.format(account=api_scene.subsidiary.pk)
    kwargs = {"data": json.dumps(body), "content_type": "application/json"} if body else {}
    response = getattr(client, method)(url, **kwargs)
    assert response.status_code == expected[ROLES.index(role)], response.content
    if response.status_code >= 400:
        assert "detail" in response.json()


def test_api_pnl_matches_the_selector(client, api_scene):
    client.force_login(api_scene.kam_a)
    body = client.get(f"{API}/pnl?account={api_scene.global_account.pk}&period=2025-Q3").json()
    assert body["scope"] == {"kind": "account", "id": api_scene.global_account.pk, "name": "Globex Holding"}
    assert body["period"] == {"label": "2025-Q3", "start": "2025-07-01", "end": "2025-10-01"}
    assert body["costs_hidden"] is False and body["currency"] == "EUR"
    assert {line["key"]: D(line["amount"]) for line in body["lines"]} == EXPECTED_G
    net = next(line for line in body["lines"] if line["key"] == "net_sales")
    assert (D(net["target"]), D(net["vs_target_pct"])) == (D("1600.00"), D("-9.4"))
    team = client.get(f"{API}/pnl?team={api_scene.team.pk}&period=2025-Q3").json()
    assert team["scope"]["kind"] == "team" and D(team["lines"][2]["amount"]) == D("1450.00")


def test_api_pnl_hides_costs_from_a_viewer(client, api_scene):
    client.force_login(api_scene.viewer)
    body = client.get(f"{API}/pnl?account={api_scene.subsidiary.pk}&period=2025-Q3").json()
    assert body["costs_hidden"] is True
    assert [line["key"] for line in body["lines"]] == ["gross_sales", "discounts_rebates", "net_sales"]


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("", "account"),
        ("?account=1&all=true", "account"),
        ("?all=true&period=2025-Q9", "period"),
        ("?all=true&period=soon", "period"),
        ("?account=0", "account"),
    ],
)
def test_api_pnl_bad_queries_are_422(client, api_scene, query, field):
    client.force_login(api_scene.kam_a)
    response = client.get(f"{API}/pnl{query}")
    assert response.status_code == 422, response.content
    assert field in [error["field"] for error in response.json()["errors"]]


def test_api_pnl_unknown_team_is_404(client, api_scene):
    client.force_login(api_scene.kam_a)
    assert client.get(f"{API}/pnl?team=999999").status_code == 404


def test_api_targets_read_and_write(client, api_scene):
    client.force_login(api_scene.kam_a)
    url = f"{API}/accounts/{api_scene.subsidiary.pk}/targets"
    put = client.put(url, {"metric": "revenue", "year": 2026, "annual": "100", "phasing": "even"}, "application/json")
    assert put.status_code == 200, put.content
    revenue = next(row for row in put.json()["metrics"] if row["metric"] == "revenue")
    assert D(revenue["total"]) == D("100.00")
    assert [m["month"] for m in revenue["months"]][:2] == ["2026-01", "2026-02"]
    assert D(revenue["months"][0]["value"]) == D("8.34")
    monthly = {"metric": "volume", "months": {"2026-03": "7", "2026-04": None}}
    assert client.put(url, monthly, "application/json").status_code == 200
    body = client.get(f"{url}?year=2026").json()
    volume = next(row for row in body["metrics"] if row["metric"] == "volume")
    assert D(volume["total"]) == D("7.00") and volume["months"][2]["value"] is not None
    q3 = client.get(f"{url}?year=2025").json()
    assert next(row for row in q3["metrics"] if row["metric"] == "revenue")["months"][7]["value"] == "400.00"


@pytest.mark.parametrize(
    "body",
    [
        {"metric": "revenue"},
        {"metric": "revenue", "year": 2026},
        {"metric": "revenue", "year": 2026, "annual": "1", "months": {"2026-01": "1"}},
        {"metric": "revenue", "months": {"Jan": "1"}},
        {"metric": "revenue", "months": {}},
        {"metric": "nope", "year": 2026, "annual": "1"},
        {"metric": "revenue", "year": 2026, "annual": "-1"},
        {"metric": "revenue", "year": 2026, "annual": "1", "phasing": "weekly"},
        {"metric": "revenue", "year": 2026, "annual": "1", "extra": True},
    ],
)
def test_api_targets_bad_bodies_are_422_and_write_nothing(client, api_scene, body):
    client.force_login(api_scene.kam_a)
    before = Target.objects.count()
    response = client.put(f"{API}/accounts/{api_scene.subsidiary.pk}/targets", body, "application/json")
    assert response.status_code == 422, response.content
    assert response.json()["errors"]
    assert Target.objects.count() == before


def test_api_margin_targets_are_hidden_and_refused_for_team_members(client, api_scene):
    member = make_user("team_member")
    grant(api_scene.subsidiary, member, access="edit")
    client.force_login(member)
    url = f"{API}/accounts/{api_scene.subsidiary.pk}/targets"
    assert "gross_margin" not in [row["metric"] for row in client.get(url).json()["metrics"]]
    response = client.put(url, {"metric": "gross_margin", "year": 2026, "annual": "5"}, "application/json")
    assert response.status_code == 403


# --- accessibility --------------------------------------------------------------------------------------------


@pytest.mark.browser
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_pnl_page_has_no_serious_accessibility_violations(live_server):
    from playwright.sync_api import sync_playwright

    from tests.factories import PASSWORD
    from tests.test_accessibility import CHROMIUM, CHROMIUM_ARGS, serious_violations

    kam = make_user("kam", email="ada.kam@example.com", first_name="Ada", last_name="Kam")
    account = make_account(owner=kam, code="AC-1", name="Acme Group")
    make_sale(account, make_product(), date(2025, 7, 3), net="1000", cost="600", discount="100")
    rollups.rebuild()
    paths = [f"/accounts/{account.pk}/pnl/?period=2025-Q3", f"/accounts/{account.pk}/pnl/?period=bad"]
    found = {}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.goto(live_server.url + "/login/")
            page.fill('input[name="username"]', kam.email)
            page.fill('input[name="password"]', PASSWORD)
            page.get_by_role("button", name="Log in").click()
            page.wait_for_url(live_server.url + "/")  # signing in lands on My day
            for path in paths:
                page.goto(live_server.url + path)
                assert "Customer P&L" in page.content().replace("&amp;", "&")
                found[path] = serious_violations(page)
        finally:
            browser.close()
    assert not any(found.values()), found
