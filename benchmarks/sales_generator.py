"""The commercial side of the demo portfolio: a product catalogue, price agreements, each account's range,
three years of sales lines, targets and cost lines — with a story every chart can tell.

The story, planned from the portfolio's accounts (docs/benchmarks.md, "The demo portfolio", tells it whole):

- every buying account (customers, distributors, public bodies) buys from the categories its channel buys
  (pharmacies OTC health and personal care, DIY stores tools, garden and paint, ...), a range of products
  listed in kamdesk, some listed late, some delisted, a few proposed and not bought yet;
- monthly sales follow each category's season (garden in spring, cold & flu in winter, gifts before
  Christmas), grow or decline account by account, start late for new accounts (ramping up) and stop for
  the customers that were lost — one of them a big account lost in the last year;
- key accounts run a few promotions a year (more volume at a deeper discount, paid with trade spend), get
  quarterly rebates, have category discounts and a few net prices agreed (some customers get more than
  agreed: the price compliance check has something to find), and ~2 % of the lines are credit notes;
- targets for the last and the current year: last year's actuals plus a planned growth, phased by month
  along the account's own seasonality, so growing accounts are ahead and declining ones behind.

Nothing comes from the clock: the same portfolio, seed and number of lines give the same rows. The lines
are drawn with numpy in vectorised chunks and bulk-loaded (PostgreSQL ``COPY``, SQLite ``executemany`` in
the surrounding transaction) — never one model instance per line — and the roll-ups are rebuilt at the end.
"""

import hashlib
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import NamedTuple

import numpy as np
from django.db import connection, transaction
from django.utils import timezone

from benchmarks import names
from kamdesk.accounts.models import Account, AccountKind, Channel, Stage, Tier
from kamdesk.sales import rollups
from kamdesk.sales.models import (
    AccountMonthly,
    AccountQuarterly,
    ChannelCostToServe,
    CostLine,
    CostType,
    Listing,
    ListingStatus,
    Metric,
    PriceAgreement,
    Product,
    SalesImport,
    SalesLine,
    SalesMonthly,
    Target,
)

SALES_LINES = {"S": 200_000, "M": 5_000_000}
PRODUCTS = {"S": 300, "M": 2_000}
MIN_SALES_LINES, MAX_SALES_LINES = 1_000, 50_000_000
YEARS = 3
MONTHS = 12 * YEARS
CHUNK_LINES = 250_000  # lines drawn and written at a time: bounds the memory at any size
LINES_PER_DOCUMENT = 12
CREDIT_NOTE_SHARE = 0.02
PROMOTION_LIFT = 1.6  # more orders in a promotion month ...
PROMOTION_QUANTITY = 1.3  # ... and bigger ones
PROMOTING_CHANNELS = ("retail-chain", "pharmacy", "e-commerce", "diy", "wholesale")  # the others buy on tenders
BUYING_KINDS = (AccountKind.CUSTOMER, AccountKind.DISTRIBUTOR, AccountKind.PUBLIC_AUTHORITY)
PLANNED_ACCOUNTS = (Tier.STRATEGIC, Tier.KEY)  # accounts with targets, agreements, promotions and rebates
# Annual revenue of a typical account of the tier, in the reporting currency.
TIER_REVENUE = {Tier.STRATEGIC: 12e6, Tier.KEY: 3e6, Tier.GROWTH: 8e5, Tier.MAINTAIN: 2e5}
TIER_RANGE_SHARE = {Tier.STRATEGIC: 0.6, Tier.KEY: 0.45, Tier.GROWTH: 0.25, Tier.MAINTAIN: 0.12}
TIER_DISCOUNT = {Tier.STRATEGIC: 0.14, Tier.KEY: 0.10, Tier.GROWTH: 0.06, Tier.MAINTAIN: 0.03}
CHANNEL_DISCOUNT = {"wholesale": 0.05, "government": 0.03}  # distributors' margin, tender prices
STAGE_GROWTH = {
    Stage.TARGET: 0.12,
    Stage.DEVELOPING: 0.09,
    Stage.KEY: 0.04,
    Stage.STRATEGIC_PARTNER: 0.05,
    Stage.MAINTENANCE: -0.04,
}
MAX_RANGE = 250
# Product ranges within a brand: (how common, price premium). Most products are the plain range.
RANGE_WORDS = {"": (4, 1.0), "Pro": (1, 1.35), "Eco": (1, 1.15), "Plus": (1, 1.2), "Select": (1, 1.25)}
METRICS = ("revenue", "volume", "gross_margin")


class SalesGenerationError(Exception):
    """The commercial demo data cannot be generated as asked."""


# --- months ----------------------------------------------------------------------------------------------


def add_months(month: date, count: int) -> date:
    index = month.year * 12 + month.month - 1 + count
    return date(index // 12, index % 12 + 1, 1)


@dataclass(frozen=True)
class Calendar:
    """The three full calendar years of sales up to the last complete month before the base date."""

    first: date

    @classmethod
    def before(cls, base: date) -> "Calendar":
        last_complete = add_months(date(base.year, base.month, 1), -1)
        return cls(first=date(last_complete.year - YEARS + 1, 1, 1))

    def month(self, index: int) -> date:
        return add_months(self.first, index)

    @property
    def years(self) -> list[int]:
        return [self.first.year + y for y in range(YEARS)]

    def day_offsets(self) -> tuple[np.ndarray, np.ndarray, list[str]]:
        """(first day of each month, its number of days) as day offsets, and every day as ISO text."""
        starts = np.array([(self.month(m) - self.first).days for m in range(MONTHS + 1)])
        days = [date.fromordinal(self.first.toordinal() + d).isoformat() for d in range(starts[-1])]
        return starts[:-1], np.diff(starts), days


# --- seeds -----------------------------------------------------------------------------------------------


def _rng(*parts) -> np.random.Generator:
    """A generator seeded from text, the same in every process (Python's own hash() is salted)."""
    digest = hashlib.sha256("/".join(map(str, parts)).encode()).digest()
    return np.random.default_rng([int.from_bytes(digest[i : i + 8], "little") for i in range(0, 32, 8)])


# --- the catalogue ---------------------------------------------------------------------------------------

CATEGORIES = [c.name for c in names.CATALOGUE]
SUB_CATEGORIES = [(c.name, s) for c in names.CATALOGUE for s in c.sub_categories]
SEASON_NAMES = list(names.SEASONS)
SEASON_TABLE = np.array([names.SEASONS[s] for s in SEASON_NAMES]) / np.mean(
    np.array([names.SEASONS[s] for s in SEASON_NAMES]), axis=1, keepdims=True
)


@dataclass
class Catalogue:
    sku: list[str]
    name: list[str]
    brand: list[str]
    unit: list[str]
    category: np.ndarray  # index into CATEGORIES
    sub_category: np.ndarray  # index into SUB_CATEGORIES
    pack_size: np.ndarray
    list_price: np.ndarray
    standard_cost: np.ndarray
    popularity: np.ndarray
    last_month: np.ndarray  # the month after the last one sold: MONTHS, or earlier for discontinued ones

    def __len__(self) -> int:
        return len(self.sku)

    @property
    def active(self) -> np.ndarray:
        return self.last_month >= MONTHS


class Candidate(NamedTuple):
    sub_category: int  # index into SUB_CATEGORIES
    brand: str
    range_word: str
    line: names.ProductLine
    variant: str
    content: int  # index into line.contents

    @property
    def name(self) -> str:
        parts = (self.brand, self.range_word, self.line.noun, self.variant, self.line.contents[self.content])
        return " ".join(filter(None, parts))


def _candidates(rng: np.random.Generator) -> list[Candidate]:
    """Every product the word lists can make, in a shuffled order."""
    out = []
    for sub_index, (category_name, sub) in enumerate(SUB_CATEGORIES):
        category = names.CATALOGUE[CATEGORIES.index(category_name)]
        for brand in category.brands:
            for word in RANGE_WORDS:
                for line in sub.lines:
                    for variant in line.variants or ("",):
                        for content in range(len(line.contents)):
                            out.append(Candidate(sub_index, brand, word, line, variant, content))
    return [out[i] for i in rng.permutation(len(out))]


def _choose_products(count: int, rng: np.random.Generator) -> list[Candidate]:
    """``count`` candidates: two plain products of every sub-category first (even a tiny catalogue sells
    in every season), then drawn at random, plain ranges more often."""
    candidates = _candidates(rng)
    chosen = []
    for sub_index in range(len(SUB_CATEGORIES)):
        chosen += [c for c in candidates if c.sub_category == sub_index and not c.range_word][:2]
    taken = set(chosen)
    rest = [c for c in candidates if c not in taken]
    weights = np.array([RANGE_WORDS[c.range_word][0] for c in rest], dtype=float)
    extra = max(0, min(count, len(candidates)) - len(chosen))
    picks = rng.choice(len(rest), size=extra, replace=False, p=weights / weights.sum())
    return chosen + [rest[i] for i in sorted(picks)]


def plan_catalogue(count: int, rng: np.random.Generator) -> Catalogue:
    """``count`` products over every sub-category, priced with a 25 to 55 % margin."""
    chosen = _choose_products(count, rng)
    n = len(chosen)
    prefixes = {c.name: c.sku_prefix for c in names.CATALOGUE}
    serial: dict[str, int] = {}
    sku = []
    pack = np.empty(n)
    price = np.empty(n)
    for i, candidate in enumerate(chosen):
        prefix = prefixes[SUB_CATEGORIES[candidate.sub_category][0]]
        serial[prefix] = serial.get(prefix, 0) + 1
        sku.append(f"{prefix}-{10000 + serial[prefix]}")
        line = candidate.line
        low, high = line.price
        step = candidate.content / max(len(line.contents) - 1, 1)  # bigger packs cost more
        premium = RANGE_WORDS[candidate.range_word][1]
        price[i] = (low + (high - low) * step) * premium * rng.uniform(0.92, 1.08)
        pack[i] = line.pack_sizes[min(candidate.content, len(line.pack_sizes) - 1)]
    list_price = np.round(np.maximum(price, 0.5), 2)
    margin = rng.uniform(0.25, 0.55, n)
    standard_cost = np.round(list_price * (1 - margin), 2)
    last_month = np.full(n, MONTHS)
    popularity = rng.lognormal(0, 0.8, n)
    # A few products left the range (inactive, delisted everywhere): slow sellers, as in real life.
    discontinued = (rng.random(n) < 0.08) & (popularity < np.median(popularity))
    last_month[discontinued] = rng.integers(15, MONTHS - 2, discontinued.sum())
    sub_category = np.array([c.sub_category for c in chosen])
    category = np.array([CATEGORIES.index(SUB_CATEGORIES[s][0]) for s in sub_category])
    return Catalogue(
        sku=sku,
        name=[c.name for c in chosen],
        brand=[c.brand for c in chosen],
        unit=[c.line.unit for c in chosen],
        category=category,
        sub_category=sub_category,
        pack_size=pack,
        list_price=list_price,
        standard_cost=standard_cost,
        popularity=popularity,
        last_month=last_month,
    )


# --- the accounts' plans ---------------------------------------------------------------------------------


@dataclass
class Buyer:
    """One account that buys, and what happens to it over the three years."""

    account: int  # index into the portfolio's accounts
    code: str
    tier: str
    channel: str
    revenue: float  # a typical year's net sales
    growth: float  # per year
    start: int  # first month with sales
    end: int  # the month after the last one with sales
    story: str  # steady, growing, declining, new, lost, stopped
    discount: float  # off list price where nothing is agreed
    products: np.ndarray = field(default_factory=lambda: np.empty(0, int))  # the range that sells
    weights: np.ndarray = field(default_factory=lambda: np.empty(0))
    listed_from: np.ndarray = field(default_factory=lambda: np.empty(0, int))
    listed_to: np.ndarray = field(default_factory=lambda: np.empty(0, int))
    listed_since: list[date] = field(default_factory=list)  # Listing.since of each range product
    proposed: list[tuple[int, date]] = field(default_factory=list)
    category_terms: dict[int, tuple[float, float]] = field(default_factory=dict)  # category -> discounts
    net_prices: dict[int, float] = field(default_factory=dict)  # product -> agreed net price, last year on
    leak: float = 0.0  # discount given beyond the agreement in the last year
    promotions: set[tuple[int, int]] = field(default_factory=set)  # (category, month)
    promotion_depth: float = 0.0
    rebate_rate: float = 0.0
    cost_to_serve_rate: float = 0.0

    @property
    def planned(self) -> bool:
        return self.tier in PLANNED_ACCOUNTS

    def intensity(self) -> np.ndarray:
        """Relative sales per month: growth, ramp-up of new accounts, nothing outside the active months."""
        months = np.arange(MONTHS)
        curve = (1 + self.growth) ** (months / 12)
        if self.story == "new":
            curve *= np.clip((months - self.start + 1) / 6, 0, 1)
        curve[(months < self.start) | (months >= self.end)] = 0
        return curve


@dataclass
class SalesPlan:
    size: str
    seed: int
    scale: float
    lines: int
    calendar: Calendar
    catalogue: Catalogue
    buyers: list[Buyer]
    line_counts: np.ndarray

    @property
    def label(self) -> str:
        return f"kamdesk demo data: size {self.size}, seed {self.seed}, scale {self.scale:g}, {self.lines} lines"


def _buyer(rng: np.random.Generator, account, has_children: bool) -> Buyer:
    revenue = TIER_REVENUE[account.tier] * rng.lognormal(0, 0.5) * (0.5 if has_children else 1.0)
    growth = float(np.clip(STAGE_GROWTH.get(account.stage, 0.0) + rng.normal(0, 0.07), -0.35, 0.45))
    start, end, story = 0, MONTHS, "steady"
    if not account.is_active:  # a customer that stopped buying: kept for its history
        end, story = int(rng.integers(8, 24)), "stopped"
    elif account.stage in (Stage.DEVELOPING, Stage.TARGET) and rng.random() < 0.2:
        start, story = int(rng.integers(12, 30)), "new"
    discount = TIER_DISCOUNT[account.tier] + CHANNEL_DISCOUNT.get(account.channel, 0) + rng.uniform(-0.02, 0.02)
    return Buyer(
        account=account.index,
        code=account.code,
        tier=account.tier,
        channel=account.channel,
        revenue=revenue,
        growth=growth,
        start=start,
        end=end,
        story=story,
        discount=float(max(discount, 0.0)),
    )


def _shape_the_story(rng: np.random.Generator, buyers: list[Buyer], parents: set[int]) -> None:
    """Make sure the portfolio has its headline cases: a clear grower, a clear decliner, a big loss."""
    steady = [b for b in buyers if b.story == "steady"]
    pool = [b for b in steady if b.planned] or steady
    if len(pool) >= 2:
        fastest = max(pool, key=lambda b: b.growth)
        fastest.growth = max(fastest.growth, 0.25)
        slowest = min(pool, key=lambda b: b.growth)
        slowest.growth = min(slowest.growth, -0.18)
    for buyer in buyers:
        if buyer.story == "steady":
            buyer.story = "growing" if buyer.growth >= 0.08 else "declining" if buyer.growth <= -0.05 else "steady"
    # The big loss: one of the largest planned accounts without subsidiaries (not the largest: the
    # portfolio would not survive that story), gone in spring of the last year.
    big = sorted(
        (b for b in buyers if b.planned and b.story in ("steady", "growing") and b.account not in parents),
        key=lambda b: -b.revenue,
    )[1:5]
    if big:
        lost = big[int(rng.integers(len(big)))]
        lost.end, lost.story = MONTHS - 12 + int(rng.integers(2, 6)), "lost"


def _plan_range(rng: np.random.Generator, buyer: Buyer, catalogue: Catalogue, calendar: Calendar) -> None:
    """The products the buyer lists, when each was listed and delisted, and a few proposed ones."""
    shares = names.CHANNEL_CATEGORIES[buyer.channel]
    category_share = np.array([shares.get(c, 0) for c in CATEGORIES], dtype=float)
    per_category = np.bincount(catalogue.category, minlength=len(CATEGORIES))
    appeal = category_share[catalogue.category] / per_category[catalogue.category] * catalogue.popularity
    pool = np.flatnonzero(appeal > 0)
    # Products discontinued before the buyer started cannot be in its range.
    pool = pool[catalogue.last_month[pool] > buyer.start + 1]
    size = int(np.clip(round(len(pool) * TIER_RANGE_SHARE[buyer.tier] * rng.uniform(0.7, 1.3)), 5, MAX_RANGE))
    size = min(size, len(pool))
    p = appeal[pool] / appeal[pool].sum()
    products = np.sort(rng.choice(pool, size=size, replace=False, p=p))
    weights = appeal[products] * rng.lognormal(0, 0.5, size)

    start = np.full(size, buyer.start)
    end = np.minimum(catalogue.last_month[products], buyer.end)
    span = buyer.end - buyer.start
    if span >= 24:
        dropped = rng.random(size) < 0.07
        end[dropped] = np.minimum(end[dropped], buyer.start + rng.integers(6, span - 3, dropped.sum()))
        late = (rng.random(size) < 0.10) & ~dropped
        start[late] = np.minimum(buyer.start + rng.integers(6, span - 6, late.sum()), end[late] - 1)
    start = np.clip(start, buyer.start, end - 1)  # every listed product sells in at least one month
    # A product listed for part of the time gets that part of its orders, not all of them squeezed in.
    weights *= (end - start) / max(span, 1)
    buyer.products, buyer.weights, buyer.listed_from, buyer.listed_to = products, weights, start, end
    buyer.listed_since = [
        calendar.month(int(e)) if e < MONTHS else _listed_since(rng, calendar, int(s))
        for s, e in zip(start, end, strict=True)
    ]
    if buyer.planned and buyer.end == MONTHS:
        others = np.setdiff1d(pool[catalogue.last_month[pool] >= MONTHS], products)
        for product in rng.choice(others, size=min(len(others), int(rng.integers(2, 6))), replace=False):
            buyer.proposed.append((int(product), calendar.month(MONTHS - int(rng.integers(1, 4)))))


def _listed_since(rng: np.random.Generator, calendar: Calendar, start: int) -> date:
    if start > 0:
        return calendar.month(start)
    return date(calendar.first.year - int(rng.integers(1, 7)), int(rng.integers(1, 13)), 1)  # before the data


def _plan_terms(rng: np.random.Generator, buyer: Buyer, catalogue: Catalogue) -> None:
    """Key accounts: category discounts (renegotiated for the last year), net prices, promotions, rebates."""
    if buyer.planned:
        by_category = np.bincount(catalogue.category[buyer.products], weights=buyer.weights, minlength=len(CATEGORIES))
        main = [int(c) for c in np.argsort(-by_category) if by_category[c] > 0]
        for category in main[: int(rng.integers(2, 5))]:
            first = buyer.discount + rng.uniform(0.01, 0.04)
            buyer.category_terms[category] = (round(first, 3), round(first + rng.uniform(0, 0.02), 3))
        top = buyer.products[np.argsort(-buyer.weights)]
        live = [int(p) for p in top if catalogue.last_month[p] >= MONTHS][: int(rng.integers(1, 4))]
        for product in live:
            agreed = buyer.category_terms.get(int(catalogue.category[product]), (0, buyer.discount))[1]
            price = catalogue.list_price[product] * (1 - agreed - rng.uniform(0.02, 0.05))
            buyer.net_prices[product] = round(float(price), 2)
        if rng.random() < 0.25:
            buyer.leak = float(rng.uniform(0.015, 0.03))
        buyer.rebate_rate = float(rng.uniform(0.01, 0.03))
    promotes = buyer.channel in PROMOTING_CHANNELS and (buyer.planned or rng.random() < 0.3)
    if promotes:  # the same number of promotions every year: they shift sales between months, not years
        by_category = np.bincount(catalogue.category[buyer.products], weights=buyer.weights, minlength=len(CATEGORIES))
        per_year = 3 if buyer.planned else 1
        for year in range(YEARS):
            months = [m for m in range(year * 12, year * 12 + 12) if buyer.start <= m < buyer.end]
            for month in rng.choice(months, size=min(per_year, len(months)), replace=False) if months else []:
                category = int(rng.choice(len(CATEGORIES), p=by_category / by_category.sum()))
                buyer.promotions.add((category, int(month)))
        buyer.promotion_depth = float(rng.uniform(0.10, 0.15))
    if buyer.tier != Tier.MAINTAIN and rng.random() < 0.4:
        buyer.cost_to_serve_rate = float(rng.uniform(0.015, 0.05))


def _line_counts(buyers: list[Buyer], total: int) -> np.ndarray:
    """Lines per buyer, ``total`` in all: bigger and longer-active accounts place more order lines."""
    weight = np.array([(b.revenue * b.intensity().sum() / 12) ** 0.75 for b in buyers])
    share = total * weight / weight.sum()
    counts = np.floor(share).astype(np.int64)
    for i in np.argsort(-(share - counts), kind="stable")[: total - counts.sum()]:
        counts[i] += 1
    return counts


def sales_lines_for(size: str, scale: float, sales_lines: int | None) -> int:
    if sales_lines is None:
        return max(MIN_SALES_LINES, round(SALES_LINES[size] * scale))
    if not MIN_SALES_LINES <= sales_lines <= MAX_SALES_LINES:
        raise SalesGenerationError(
            f"The number of sales lines must be between {MIN_SALES_LINES:,} and {MAX_SALES_LINES:,}, "
            f"not {sales_lines:,}."
        )
    return sales_lines


def plan_sales(portfolio, base: date, sales_lines: int | None = None) -> SalesPlan:
    """The catalogue and every buyer's plan, in memory; no database access."""
    lines = sales_lines_for(portfolio.size, portfolio.scale, sales_lines)
    calendar = Calendar.before(base)
    seed = (portfolio.size, portfolio.seed, portfolio.scale)
    rng = _rng("kamdesk-demo-sales", *seed)
    catalogue = plan_catalogue(max(len(SUB_CATEGORIES) * 2, round(PRODUCTS[portfolio.size] * portfolio.scale)), rng)
    parents = {a.parent for a in portfolio.accounts if a.parent is not None}
    buyers = [_buyer(rng, a, a.index in parents) for a in portfolio.accounts if a.kind in BUYING_KINDS]
    if not buyers:
        raise SalesGenerationError("The portfolio has no customers to sell to.")
    _shape_the_story(rng, buyers, parents)
    for buyer in buyers:
        _plan_range(rng, buyer, catalogue, calendar)
        _plan_terms(rng, buyer, catalogue)
    counts = _line_counts(buyers, lines)
    return SalesPlan(*seed, lines, calendar, catalogue, buyers, counts)


# --- drawing the lines -----------------------------------------------------------------------------------


@dataclass
class Lines:
    """One chunk of sales lines as columns; buyer is an index into the plan's buyers."""

    buyer: np.ndarray
    product: np.ndarray
    month: np.ndarray
    day: np.ndarray  # days since the calendar's first day
    quantity: np.ndarray
    gross: np.ndarray
    discount: np.ndarray
    net: np.ndarray
    cost: np.ndarray
    credit: np.ndarray
    document: np.ndarray
    line: np.ndarray


def _segment_search(cumulative: np.ndarray, segment: np.ndarray, u: np.ndarray) -> np.ndarray:
    """Inverse-CDF sampling in many distributions at once: ``cumulative`` holds each segment's CDF shifted
    by its segment number (segment k's values in (k, k + 1]); returns a flat index per draw."""
    return np.searchsorted(cumulative, segment + u, side="right")


def _shifted_cdf(weights: np.ndarray, segment_of_entry: np.ndarray, starts: np.ndarray) -> np.ndarray:
    cumulative = np.cumsum(weights)
    before = np.concatenate([[0.0], cumulative])[starts]
    totals = np.add.reduceat(weights, starts)
    within = (cumulative - before[segment_of_entry]) / totals[segment_of_entry]
    ends = np.append(starts[1:], len(weights)) - 1
    within[ends] = 1.0  # exactly: no draw may fall past its segment
    return within + segment_of_entry


def draw_chunk(plan: SalesPlan, first: int, last: int, rng: np.random.Generator) -> Lines:
    """The sales lines of buyers ``first`` to ``last`` (exclusive), drawn at once."""
    catalogue, buyers = plan.catalogue, plan.buyers[first:last]
    counts = plan.line_counts[first:last]
    local = np.repeat(np.arange(len(buyers)), counts)
    n = len(local)

    # Which product: from the buyer's range, by its weights.
    sizes = np.array([len(b.products) for b in buyers])
    starts = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    entry_buyer = np.repeat(np.arange(len(buyers)), sizes)
    products = np.concatenate([b.products for b in buyers])
    cdf = _shifted_cdf(np.concatenate([b.weights for b in buyers]), entry_buyer, starts)
    entry = _segment_search(cdf, local, rng.random(n))
    product = products[entry]
    listed_from = np.concatenate([b.listed_from for b in buyers])[entry]
    listed_to = np.concatenate([b.listed_to for b in buyers])[entry]

    # Which month: the buyer's trend times the product's season times its promotions.
    n_sub, n_cat = len(SUB_CATEGORIES), len(CATEGORIES)
    season_of_sub = np.array([SEASON_NAMES.index(sub.season) for _c, sub in SUB_CATEGORIES])
    category_of_sub = np.array([CATEGORIES.index(c) for c, _s in SUB_CATEGORIES])
    calendar_month = (plan.calendar.first.month - 1 + np.arange(MONTHS)) % 12
    season = SEASON_TABLE[season_of_sub][:, calendar_month]  # sub-category x month
    promo = np.zeros((len(buyers), n_cat, MONTHS), dtype=bool)
    for j, buyer in enumerate(buyers):
        for category, month in buyer.promotions:
            promo[j, category, month] = True
    lift = np.where(promo[:, category_of_sub, :], PROMOTION_LIFT, 1.0)  # buyer x sub-category x month
    intensity = np.array([b.intensity() for b in buyers])
    table = (intensity[:, None, :] * season[None, :, :] * lift).reshape(-1)
    rows = len(buyers) * n_sub
    row_of_cell = np.repeat(np.arange(rows), MONTHS)
    month_cdf = _shifted_cdf(table + 1e-12, row_of_cell, np.arange(rows) * MONTHS)
    row = local * n_sub + catalogue.sub_category[product]
    month = _segment_search(month_cdf, row, rng.random(n)) - row * MONTHS
    for _attempt in range(6):  # outside the product's listing: draw again, as often as it takes
        outside = np.flatnonzero((month < listed_from) | (month >= listed_to))
        if not len(outside):
            break
        month[outside] = _segment_search(month_cdf, row[outside], rng.random(len(outside))) - row[outside] * MONTHS
    outside = (month < listed_from) | (month >= listed_to)
    month[outside] = listed_from[outside] + (rng.random(outside.sum()) * (listed_to - listed_from)[outside]).astype(int)
    month_start, month_days, _texts = _DAYS[plan.calendar]
    day = month_start[month] + (rng.random(n) * month_days[month]).astype(np.int64)

    # How much: whole cases, sized so that the buyer's revenue does not depend on its number of lines.
    in_promo = promo[local, catalogue.category[product], month]
    pack, list_price = catalogue.pack_size[product], catalogue.list_price[product]
    per_line = np.array([b.revenue * YEARS for b in buyers]) / np.maximum(counts, 1)
    cases = per_line[local] / (pack * list_price) * rng.lognormal(-0.18, 0.6, n)
    cases = np.maximum(1, np.round(cases * np.where(in_promo, PROMOTION_QUANTITY, 1.0)))
    quantity = cases * pack
    credit = rng.random(n) < CREDIT_NOTE_SHARE  # returns: part of a delivery comes back
    returned = np.maximum(1, np.ceil(quantity * rng.uniform(0.05, 0.6, n)))
    quantity = np.where(credit, -np.minimum(returned, quantity), quantity)

    # At what price: the agreement of the day, promotions deeper, some customers beyond their terms.
    discount_rate = _discount_rates(buyers, catalogue, local, product, month)
    depth = np.array([b.promotion_depth for b in buyers])
    discount_rate = np.minimum(discount_rate + np.where(in_promo, depth[local], 0.0), 0.6)
    gross = np.round(quantity * list_price, 2)
    net = np.round(gross * (1 - discount_rate), 2)
    agreed_net = _net_prices(buyers, local, product, month)
    has_net_price = ~np.isnan(agreed_net) & ~in_promo
    net = np.where(has_net_price, np.round(quantity * agreed_net, 2), net)
    discount = np.round(gross - net, 2)
    cost = np.round(quantity * catalogue.standard_cost[product] * rng.normal(1, 0.03, n), 2)

    order = np.lexsort((product, credit, day, local))
    columns = [a[order] for a in (local, product, month, day, quantity, gross, discount, net, cost, credit)]
    local, product, month, day, quantity, gross, discount, net, cost, credit = columns
    document, line = _documents(local, day, credit)
    return Lines(local + first, product, month, day, quantity, gross, discount, net, cost, credit, document, line)


def _discount_rates(buyers, catalogue, local, product, month) -> np.ndarray:
    """Discount off list per line: the category agreement of its year where there is one, else the
    buyer's usual discount; in the last year, leaky buyers get more than agreed."""
    n_cat = len(CATEGORIES)
    table = np.empty((len(buyers), n_cat, YEARS))
    for j, buyer in enumerate(buyers):
        table[j] = buyer.discount
        for category, (first, last) in buyer.category_terms.items():
            table[j, category, :-1] = first
            table[j, category, -1] = last + buyer.leak
    return table[local, catalogue.category[product], month // 12]


def _net_prices(buyers, local, product, month) -> np.ndarray:
    """The agreed net price per line where one applies (the last year), NaN elsewhere."""
    keys, prices = [], []
    for j, buyer in enumerate(buyers):
        for p, price in buyer.net_prices.items():
            keys.append(j * 1_000_000 + p)
            prices.append(price * (1 - buyer.leak))
    result = np.full(len(local), np.nan)
    if not keys:
        return result
    keys_array, prices_array = np.array(keys), np.array(prices)
    order = np.argsort(keys_array)
    keys_array, prices_array = keys_array[order], prices_array[order]
    wanted = local * 1_000_000 + product
    at = np.minimum(np.searchsorted(keys_array, wanted), len(keys_array) - 1)
    hit = (keys_array[at] == wanted) & (month >= MONTHS - 12)
    result[hit] = prices_array[at[hit]]
    return result


def _documents(local: np.ndarray, day: np.ndarray, credit: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Number the lines as documents: one per buyer, day and kind (invoice or credit note), at most
    LINES_PER_DOCUMENT lines each. Returns (document number within the chunk, line number)."""
    n = len(local)
    if not n:
        return np.empty(0, np.int64), np.empty(0, np.int64)
    change = np.ones(n, dtype=bool)
    change[1:] = (local[1:] != local[:-1]) | (day[1:] != day[:-1]) | (credit[1:] != credit[:-1])
    group_start = np.flatnonzero(change)
    rank = np.arange(n) - np.repeat(group_start, np.diff(np.append(group_start, n)))
    new_document = rank % LINES_PER_DOCUMENT == 0
    return np.cumsum(new_document) - 1, rank % LINES_PER_DOCUMENT + 1


class _DayTables(dict):
    def __missing__(self, calendar: Calendar):
        self[calendar] = calendar.day_offsets()
        return self[calendar]


_DAYS = _DayTables()


def draw_lines(plan: SalesPlan):
    """Every chunk of lines, in order; the same plan always gives the same chunks."""
    first = 0
    rng = _rng("kamdesk-demo-sales-lines", plan.size, plan.seed, plan.scale, plan.lines)
    cumulative = np.cumsum(plan.line_counts)
    while first < len(plan.buyers):
        done = cumulative[first - 1] if first else 0
        last = max(first + 1, int(np.searchsorted(cumulative, done + CHUNK_LINES, side="right")))
        last = min(last, len(plan.buyers))
        yield draw_chunk(plan, first, last, rng)
        first = last


# --- totals the targets and costs are made from ----------------------------------------------------------


@dataclass
class Totals:
    """Per buyer and month: net sales, volume, gross margin; per buyer, category and month: net sales."""

    net: np.ndarray
    volume: np.ndarray
    margin: np.ndarray
    net_by_category: np.ndarray

    @classmethod
    def empty(cls, buyers: int) -> "Totals":
        return cls(
            np.zeros((buyers, MONTHS)),
            np.zeros((buyers, MONTHS)),
            np.zeros((buyers, MONTHS)),
            np.zeros((buyers, len(CATEGORIES), MONTHS)),
        )

    def add(self, lines: Lines, catalogue: Catalogue) -> None:
        cell = lines.buyer * MONTHS + lines.month
        size = self.net.size
        self.net += np.bincount(cell, weights=lines.net, minlength=size).reshape(self.net.shape)
        self.volume += np.bincount(cell, weights=lines.quantity, minlength=size).reshape(self.net.shape)
        margin = lines.net - lines.cost
        self.margin += np.bincount(cell, weights=margin, minlength=size).reshape(self.net.shape)
        by_category = (lines.buyer * len(CATEGORIES) + catalogue.category[lines.product]) * MONTHS + lines.month
        shape = self.net_by_category.shape
        self.net_by_category += np.bincount(by_category, weights=lines.net, minlength=np.prod(shape)).reshape(shape)


# --- writing ---------------------------------------------------------------------------------------------


@dataclass
class SalesSummary:
    products: int
    price_agreements: int
    listings: int
    lines: int
    credit_notes: int
    targets: int
    cost_lines: int
    checksum: str
    seconds: float
    lines_seconds: float
    rollup_seconds: float
    stories: dict[str, list[str]]  # story -> account codes


def _insert_rows(table: str, columns: list[str], rows) -> None:
    """Bulk-load rows (an iterable of tuples) in the surrounding transaction: COPY on PostgreSQL,
    executemany with prepared tuples elsewhere."""
    column_list = ", ".join(columns)
    with connection.cursor() as cursor:
        raw = cursor.cursor  # the driver's own cursor: no per-row work on Django's side
        if connection.vendor == "postgresql":
            with raw.copy(f"COPY {table} ({column_list}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            placeholders = ", ".join(["?"] * len(columns))
            raw.executemany(f"INSERT INTO {table} ({column_list}) VALUES ({placeholders})", rows)


@contextmanager
def _bulk_load(*models, keep_indexes: bool = False):
    """The usual way to load millions of rows: drop the tables' secondary indexes (and on PostgreSQL their
    foreign keys) for the load and create them again afterwards — one sort per index and one join per key
    instead of millions of single updates and checks. ``keep_indexes``: only the foreign keys go (for tables
    whose indexes the load itself reads). The schema changes are part of the surrounding transaction:
    whatever goes wrong, the tables come back as they were."""
    tables = [model._meta.db_table for model in models]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # settle the checks pending on these tables
            dropped = _drop_postgresql(cursor, tables, keep_indexes)
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")
        else:
            dropped = [] if keep_indexes else _drop_sqlite(cursor, tables)
    yield
    with connection.cursor() as cursor:
        for statement in dropped:
            cursor.execute(statement)


def _drop_postgresql(cursor, tables: list[str], keep_indexes: bool) -> list[str]:
    """Drop the foreign keys and the indexes that back no constraint; returns the statements restoring them."""
    restore = []
    for table in tables:
        cursor.execute(
            "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = %s::regclass "
            "AND contype = 'f'",
            [table],
        )
        for name, definition in cursor.fetchall():
            cursor.execute(f'ALTER TABLE "{table}" DROP CONSTRAINT "{name}"')
            restore.append(f'ALTER TABLE "{table}" ADD CONSTRAINT "{name}" {definition}')
        if keep_indexes:
            continue
        cursor.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema() AND tablename = %s "
            "AND indexname NOT IN (SELECT conname FROM pg_constraint WHERE conrelid = %s::regclass)",
            [table, table],
        )
        for name, definition in cursor.fetchall():
            cursor.execute(f'DROP INDEX "{name}"')
            restore.insert(0, definition)  # indexes first: the foreign key checks use them
    return restore


def _drop_sqlite(cursor, tables: list[str]) -> list[str]:
    """Drop the indexes created apart from the table (SQLite cannot drop a foreign key or a constraint's
    index); returns the statements restoring them."""
    restore = []
    for table in tables:
        cursor.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = %s AND sql IS NOT NULL", [table]
        )
        for name, definition in cursor.fetchall():
            cursor.execute(f'DROP INDEX "{name}"')
            restore.append(definition)
    return restore


def _write_catalogue(catalogue: Catalogue) -> np.ndarray:
    """Products; returns their database ids in catalogue order."""
    Product.objects.bulk_create(
        [
            Product(
                sku=catalogue.sku[i],
                name=catalogue.name[i],
                category=CATEGORIES[catalogue.category[i]],
                sub_category=SUB_CATEGORIES[catalogue.sub_category[i]][1].name,
                brand=catalogue.brand[i],
                unit=catalogue.unit[i],
                pack_size=Decimal(int(catalogue.pack_size[i])),
                list_price=Decimal(f"{catalogue.list_price[i]:.2f}"),
                standard_cost=Decimal(f"{catalogue.standard_cost[i]:.2f}"),
                is_active=bool(catalogue.active[i]),
            )
            for i in range(len(catalogue))
        ],
        batch_size=500,
    )
    ids = dict(Product.objects.values_list("sku", "id"))
    return np.array([ids[sku] for sku in catalogue.sku])


def _write_terms(plan: SalesPlan, account_ids: np.ndarray, product_ids: np.ndarray) -> int:
    """Price agreements: category discounts per contract period, and net prices for the last year."""
    calendar, rows = plan.calendar, []
    last_year = calendar.month(MONTHS - 12)
    for buyer in plan.buyers:
        account = int(account_ids[buyer.account])
        first_day = calendar.month(buyer.start)
        until = date.fromordinal(calendar.month(buyer.end).toordinal() - 1) if buyer.end < MONTHS else None
        # Terms agreed for the years before the last one, then renegotiated for the last year onwards.
        periods = []
        for valid_from, valid_to, which in ((first_day, date(last_year.year - 1, 12, 31), 0), (last_year, None, 1)):
            valid_from = max(valid_from, first_day)
            if until is not None:  # a lost customer's terms end with its last purchases
                valid_to = until if valid_to is None else min(valid_to, until)
            if valid_to is None or valid_to >= valid_from:
                periods.append((valid_from, valid_to, which))
        for category, rates in sorted(buyer.category_terms.items()):
            for valid_from, valid_to, which in periods:
                rows.append(
                    PriceAgreement(
                        account_id=account,
                        category=CATEGORIES[category],
                        discount_pct=Decimal(f"{rates[which] * 100:.2f}"),
                        valid_from=valid_from,
                        valid_to=valid_to,
                        note=f"Annual terms from {valid_from.year}",
                    )
                )
        net_price_period = [(start, end) for start, end, which in periods if which == 1]
        for product, price in sorted(buyer.net_prices.items()):
            for valid_from, valid_to in net_price_period:
                rows.append(
                    PriceAgreement(
                        account_id=account,
                        product_id=int(product_ids[product]),
                        net_price=Decimal(f"{price:.2f}"),
                        valid_from=valid_from,
                        valid_to=valid_to,
                        note="Net price for a listing commitment",
                    )
                )
    PriceAgreement.objects.bulk_create(rows, batch_size=500)
    return len(rows)


def _write_listings(plan: SalesPlan, account_ids: np.ndarray, product_ids: np.ndarray) -> int:
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    rows = []
    for buyer in plan.buyers:
        account = int(account_ids[buyer.account])
        for product, until, since in zip(buyer.products, buyer.listed_to, buyer.listed_since, strict=True):
            status = ListingStatus.DELISTED if until < MONTHS else ListingStatus.LISTED
            rows.append((account, int(product_ids[product]), status.value, since.isoformat(), now))
        for product, since in buyer.proposed:
            rows.append((account, int(product_ids[product]), ListingStatus.PROPOSED.value, since.isoformat(), now))
    _insert_rows(Listing._meta.db_table, ["account_id", "product_id", "status", "since", "updated_at"], rows)
    return len(rows)


LINE_COLUMNS = ["document", "line", "date", "account_id", "product_id", "quantity", "gross_amount", "discount"]
LINE_COLUMNS += ["net_amount", "cost", "source_id"]


def _write_lines(plan: SalesPlan, account_ids, product_ids, source_id: int, totals: Totals) -> tuple[int, str]:
    """Draw and load every chunk; returns (credit note lines, checksum of all lines)."""
    day_text = np.array(_DAYS[plan.calendar][2], dtype=object)
    buyer_account = account_ids[[b.account for b in plan.buyers]]
    digest = hashlib.sha256()
    credit_notes, documents_before = 0, 0
    for lines in draw_lines(plan):
        totals.add(lines, plan.catalogue)
        for column in (lines.buyer, lines.product, lines.day, lines.quantity, lines.net, lines.cost, lines.credit):
            digest.update(np.ascontiguousarray(column).tobytes())
        credit_notes += int(lines.credit.sum())
        number = lines.document + documents_before + 1
        documents_before = int(number[-1]) if len(number) else documents_before
        documents = [
            f"{'CRN' if credit else 'INV'}-{n:08d}"
            for credit, n in zip(lines.credit.tolist(), number.tolist(), strict=True)
        ]
        rows = zip(
            documents,
            lines.line.tolist(),
            day_text[lines.day].tolist(),
            buyer_account[lines.buyer].tolist(),
            product_ids[lines.product].tolist(),
            lines.quantity.tolist(),
            lines.gross.tolist(),
            lines.discount.tolist(),
            lines.net.tolist(),
            lines.cost.tolist(),
            [source_id] * len(documents),
            strict=True,
        )
        _insert_rows(SalesLine._meta.db_table, LINE_COLUMNS, rows)
    return credit_notes, digest.hexdigest()


def _round_target(value: float) -> Decimal:
    """An annual figure as a person would enter it: 1,250,000 rather than 1,248,613.27."""
    step = 1000 if abs(value) >= 100_000 else 10
    return Decimal(round(value / step) * step)


def phase(annual: Decimal, profile: np.ndarray) -> list[Decimal]:
    """Spread an annual figure over twelve months along ``profile`` (last year's months); evenly when last
    year was not a full year of positive figures. The months add up to the annual figure exactly."""
    profile = np.asarray(profile, dtype=float)
    shares = profile / profile.sum() if len(profile) == 12 and (profile > 0).all() else np.full(12, 1 / 12)
    months = [Decimal(f"{float(annual) * s:.2f}") for s in shares[:-1]]
    return [*months, annual - sum(months, Decimal(0))]


def _write_targets(plan: SalesPlan, account_ids: np.ndarray, totals: Totals, rng: np.random.Generator) -> int:
    """Revenue, volume and gross margin targets for the last and the current year of every key and
    strategic account: last year's actuals plus a planned growth, phased by last year's months."""
    metrics = dict(Metric.objects.filter(code__in=METRICS).values_list("code", "id"))
    calendar = plan.calendar
    actuals = {"revenue": totals.net, "volume": totals.volume, "gross_margin": totals.margin}
    rows = []
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    for index, buyer in enumerate(plan.buyers):
        if not buyer.planned:
            continue
        planned_growth = rng.uniform(0.02, 0.08)
        for year_index in (YEARS - 1, YEARS):  # the last full year of data, and the year after it
            if year_index == YEARS and buyer.end < MONTHS:
                continue  # no plan for a customer that is gone
            before = slice((year_index - 1) * 12, year_index * 12)
            for code, metric_id in metrics.items():
                history = actuals[code][index, before]
                base = history.sum() if history.sum() > 0 else buyer.revenue * _metric_ratio(code, totals, index)
                annual = _round_target(base * (1 + planned_growth))
                if annual <= 0:
                    continue
                for month, value in enumerate(phase(annual, history)):
                    day = add_months(date(calendar.first.year + year_index, 1, 1), month)
                    rows.append((int(account_ids[buyer.account]), metric_id, day.isoformat(), str(value), now))
    _insert_rows(Target._meta.db_table, ["account_id", "metric_id", "month", "value", "updated_at"], rows)
    return len(rows)


def _metric_ratio(code: str, totals: Totals, index: int) -> float:
    """For an account without last year's figures: the metric per unit of revenue it has shown so far."""
    net = totals.net[index].sum()
    if code == "revenue" or net <= 0:
        return 1.0 if code == "revenue" else 0.0
    return float((totals.volume if code == "volume" else totals.margin)[index].sum() / net)


def _write_costs(plan: SalesPlan, account_ids: np.ndarray, totals: Totals, rng: np.random.Generator) -> int:
    """Trade spend for promotions, quarterly rebates and cost-to-serve charges of key accounts."""
    calendar, rows = plan.calendar, []
    for index, buyer in enumerate(plan.buyers):
        account = int(account_ids[buyer.account])
        for category, month in sorted(buyer.promotions):
            sales = totals.net_by_category[index, category, month]
            if sales > 0:
                amount = sales * rng.uniform(0.06, 0.10) + 500 * round(rng.uniform(1, 6))
                reference = f"Promotion {CATEGORIES[category]} {calendar.month(month):%Y-%m}"
                rows.append((account, calendar.month(month), CostType.TRADE_SPEND, reference, amount))
        if buyer.rebate_rate:
            for quarter_end in range(2, MONTHS, 3):
                sales = totals.net[index, quarter_end - 2 : quarter_end + 1].sum()
                if sales > 0:
                    month = calendar.month(quarter_end)
                    reference = f"Volume rebate {month.year}-Q{(month.month - 1) // 3 + 1}"
                    rows.append((account, month, CostType.REBATE, reference, sales * buyer.rebate_rate))
        if buyer.cost_to_serve_rate:
            for month in range(MONTHS):
                sales = totals.net[index, month]
                if sales > 0:
                    rows.append(
                        (account, calendar.month(month), CostType.COST_TO_SERVE, "Logistics and service",
                         sales * buyer.cost_to_serve_rate)
                    )  # fmt: skip
    _insert_rows(
        CostLine._meta.db_table,
        ["account_id", "month", "type", "reference", "amount"],
        ((a, m.isoformat(), str(t), r, f"{amount:.2f}") for a, m, t, r, amount in rows),
    )
    return len(rows)


def _write_channel_costs() -> None:
    ChannelCostToServe.objects.all().delete()
    ChannelCostToServe.objects.bulk_create(
        ChannelCostToServe(channel=channel, percent=Decimal(str(names.CHANNEL_COST_TO_SERVE.get(channel.code, 3.0))))
        for channel in Channel.objects.all()
    )


def write_sales(plan: SalesPlan, account_ids: np.ndarray) -> SalesSummary:
    """Write the planned commercial data, all or nothing; ``account_ids`` maps the portfolio's account
    indexes to database ids. The database must hold no products yet."""
    started = time.perf_counter()
    account_ids = np.asarray(account_ids)
    with transaction.atomic():
        if Product.objects.exists() or SalesLine.objects.exists():
            raise SalesGenerationError("The database already holds products or sales; reset it first.")
        source = SalesImport.objects.create(
            kind="sales",
            file_name=plan.label,
            status=SalesImport.Status.RUNNING,
            started_at=timezone.now(),
            summary={"generated": True},
        )
        product_ids = _write_catalogue(plan.catalogue)
        agreements = _write_terms(plan, account_ids, product_ids)
        totals = Totals.empty(len(plan.buyers))
        # The roll-ups are rebuilt from queries by month: their indexes stay.
        with (
            _bulk_load(Listing, SalesLine),
            _bulk_load(SalesMonthly, AccountMonthly, AccountQuarterly, keep_indexes=True),
        ):
            listings = _write_listings(plan, account_ids, product_ids)
            lines_started = time.perf_counter()
            credit_notes, checksum = _write_lines(plan, account_ids, product_ids, source.pk, totals)
            lines_seconds = time.perf_counter() - lines_started
            rollup_started = time.perf_counter()
            rollups.rebuild()
            rollup_seconds = time.perf_counter() - rollup_started
        rng = _rng("kamdesk-demo-sales-plans", plan.size, plan.seed, plan.scale)
        targets = _write_targets(plan, account_ids, totals, rng)
        cost_lines = _write_costs(plan, account_ids, totals, rng)
        _write_channel_costs()
        source.status = SalesImport.Status.DONE
        source.finished_at = timezone.now()
        source.rows_read = source.rows_written = plan.lines
        source.summary = {"generated": True, "lines": plan.lines, "credit_notes": credit_notes, "checksum": checksum}
        source.save()
    stories: dict[str, list[str]] = {}
    for buyer in plan.buyers:
        stories.setdefault(buyer.story, []).append(buyer.code)
    return SalesSummary(
        products=len(plan.catalogue),
        price_agreements=agreements,
        listings=listings,
        lines=plan.lines,
        credit_notes=credit_notes,
        targets=targets,
        cost_lines=cost_lines,
        checksum=checksum,
        seconds=time.perf_counter() - started,
        lines_seconds=lines_seconds,
        rollup_seconds=rollup_seconds,
        stories=stories,
    )


def account_ids_by_index(portfolio) -> np.ndarray:
    """Database ids of the portfolio's accounts, by planned index (found by their unique ERP codes)."""
    ids = dict(Account.objects.filter(code__in=[a.code for a in portfolio.accounts]).values_list("code", "id"))
    return np.array([ids[a.code] for a in portfolio.accounts])


# --- what is in the database -----------------------------------------------------------------------------


def sales_present(plan: SalesPlan) -> bool:
    """Whether the database holds exactly these generated sales (same portfolio, seed and lines)."""
    done = SalesImport.objects.filter(file_name=plan.label, status=SalesImport.Status.DONE, rows_written=plan.lines)
    return (
        done.exists()
        and Product.objects.count() == len(plan.catalogue)
        and SalesLine.objects.count() == plan.lines
        and Product.objects.filter(sku=plan.catalogue.sku[-1], name=plan.catalogue.name[-1]).exists()
    )


def reset_sales() -> None:
    """Delete every product, price agreement, listing, sales line, roll-up, target and cost line, the import
    history and the channels' cost-to-serve rates. Metrics stay."""
    with transaction.atomic():
        # None of these is referred to by other rows, so each is one DELETE statement.
        for model in (
            AccountQuarterly,
            AccountMonthly,
            SalesMonthly,
            SalesLine,
            CostLine,
            Target,
            Listing,
            PriceAgreement,
        ):
            model.objects.all().delete()
        SalesImport.objects.all().delete()
        Product.objects.all().delete()
        ChannelCostToServe.objects.all().delete()


def replace_sales(plan: SalesPlan, account_ids) -> SalesSummary:
    """Swap the commercial data for another plan's (another number of lines), keeping the accounts."""
    with transaction.atomic():
        reset_sales()
        return write_sales(plan, account_ids)
