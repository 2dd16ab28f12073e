"""The demo portfolio: a believable customer base for demos, manual testing and benchmarks.

``generate(size="S" | "M", seed=..., scale=1.0)`` first plans the whole portfolio in memory from one
``random.Random(seed)`` — the same size, seed and scale always give the same data, row for row — and then
writes it with bulk inserts in one transaction, together with its commercial side (products, sales lines,
targets, costs: benchmarks/sales_generator.py).

This is a seeding tool, not a way to enter data: it writes rows directly rather than through the services,
so that size M (3,000 accounts, 30,000 stakeholders) loads in seconds, and it records no audit events. It
keeps every invariant the services keep: the hierarchy's closure rows and depths, unique ERP codes and
e-mail addresses, org charts without loops that stay inside one account tree.
"""

import random
import re
import time
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from django.contrib.auth.hashers import make_password
from django.db import connection, transaction
from django.utils import timezone

from benchmarks import activity_generator, names, sales_generator
from benchmarks.names import COUNTRIES, Country, Function
from kamdesk.accounts.models import (
    Access,
    Account,
    AccountClosure,
    AccountKind,
    AccountMembership,
    Channel,
    Stage,
    Tag,
    TeamRole,
    Tier,
)
from kamdesk.audit.models import AuditEvent
from kamdesk.people.models import (
    BuyingRole,
    Cadence,
    CadenceRule,
    Contact,
    Level,
    PlannedTouchpoint,
    TouchpointKind,
    TouchpointStatus,
)
from kamdesk.sales.models import Product, SalesLine
from kamdesk.users.models import ApiToken, Role, Team, User

DEFAULT_SEED = 1
DEMO_PASSWORD = "kamdesk-demo"
DEMO_EMAIL_DOMAIN = "kamdesk.example"
# Dates in the data are counted back from this day, never from today: the same seed gives the same rows.
BASE_DATE = datetime(2025, 1, 6, 8, 0, tzinfo=UTC)
BATCH_SIZE = 500


class GenerationError(Exception):
    """The portfolio cannot be written into this database as it is."""


@dataclass(frozen=True)
class SizeSpec:
    accounts: int
    contacts: int
    teams: int
    kams_per_team: int
    members_per_team: int
    viewers: int
    directors: int


SIZES = {
    "S": SizeSpec(accounts=320, contacts=2400, teams=3, kams_per_team=3, members_per_team=1, viewers=2, directors=1),
    "M": SizeSpec(accounts=3000, contacts=30000, teams=8, kams_per_team=6, members_per_team=3, viewers=4, directors=2),
}

# Teams by the channels they cover; every channel belongs to exactly one team.
TEAM_LAYOUTS = {
    3: (
        ("Retail & E-commerce", ("retail-chain", "e-commerce")),
        ("Healthcare", ("pharmacy", "hospital")),
        ("Trade, Industry & Public Sector", ("diy", "wholesale", "oem", "government")),
    ),
    8: (
        ("Retail Chains", ("retail-chain",)),
        ("E-commerce", ("e-commerce",)),
        ("Pharmacy", ("pharmacy",)),
        ("Hospitals", ("hospital",)),
        ("DIY & Home", ("diy",)),
        ("Wholesale & Distribution", ("wholesale",)),
        ("OEM & Industry", ("oem",)),
        ("Public Sector", ("government",)),
    ),
}
CHANNEL_WEIGHTS = {
    "retail-chain": 20,
    "pharmacy": 15,
    "e-commerce": 9,
    "diy": 10,
    "wholesale": 15,
    "hospital": 13,
    "government": 8,
    "oem": 10,
}
GROUPED_SHARE = 0.55  # of accounts that belong to a group (global account and its subsidiaries)
TWO_LEVEL_GROUP_SHARE = 0.25  # groups with country companies straight under the parent
# Rough exchange rates, so that a credit limit reads as a round amount in the customer's own currency.
CURRENCY_PER_EUR = {
    "EUR": 1, "CHF": 1, "GBP": 0.85, "USD": 1.1, "CAD": 1.5, "SEK": 11, "DKK": 7.5, "NOK": 11, "PLN": 4.3,
    "CZK": 25, "HUF": 390,
}  # fmt: skip
CREDIT_RANGES_EUR = {  # thousands of euros
    Tier.STRATEGIC: (2000, 10000),
    Tier.KEY: (500, 3000),
    Tier.GROWTH: (100, 800),
    Tier.MAINTAIN: (20, 200),
}
# The sales directors above the team leads.
DIRECTOR_TITLES = {1: ("Sales Director",), 2: ("Sales Director Europe", "Sales Director International")}
MEMBER_DUTIES = (  # (role on account teams, job title) of account team members, in the order they are hired
    (TeamRole.CUSTOMER_SERVICE, "Customer Service Lead"),
    (TeamRole.FINANCE, "Credit Controller"),
    (TeamRole.SPECIALIST, "Category Specialist"),
)
VIEWER_POSTS = (  # (job title, role on the account teams of strategic accounts)
    ("Chief Financial Officer", TeamRole.FINANCE),
    ("Managing Director", TeamRole.EXECUTIVE_SPONSOR),
    ("Business Analyst", TeamRole.SPECIALIST),
    ("Marketing Director", TeamRole.EXECUTIVE_SPONSOR),
)


# --- the plan ---------------------------------------------------------------------------------------


@dataclass
class PlannedUser:
    key: int
    email: str
    first_name: str
    last_name: str
    title: str
    role: str
    time_zone: str
    date_joined: datetime
    manager: int | None = None
    team: str | None = None
    duty: str = ""  # what they do on account teams (members and viewers)


@dataclass
class PlannedAccount:
    index: int
    code: str
    name: str
    legal_name: str
    parent: int | None
    depth: int
    kind: str
    channel: str
    industry: str
    country: str
    region: str
    currency: str
    credit_limit: Decimal | None
    payment_terms_days: int | None
    website: str
    description: str
    owner: int
    tier: str
    stage: str
    is_active: bool
    tags: list[str]
    domain: str  # e-mail domain of its people


@dataclass
class PlannedMembership:
    account: int
    user: int
    role: str
    access: str


@dataclass
class PlannedContact:
    index: int
    account: int
    first_name: str
    last_name: str
    email: str
    title: str
    department: str
    phone: str
    mobile: str
    reports_to: int | None
    buying_role: str
    influence: int | None
    attitude: int | None
    owner: int | None
    cadence_days: int | None
    has_left: bool
    other_accounts: list[int] = field(default_factory=list)
    level: str = ""  # kamdesk.people.models.Level


@dataclass
class Portfolio:
    size: str
    seed: int
    scale: float
    teams: list[tuple[str, int]]  # (name, lead's user key)
    users: list[PlannedUser]
    accounts: list[PlannedAccount]
    memberships: list[PlannedMembership]
    contacts: list[PlannedContact]


@dataclass
class Summary:
    size: str
    seed: int
    users: int
    teams: int
    accounts: int
    closure_rows: int
    memberships: int
    contacts: int
    seconds: float
    logins: list[dict]
    sales: sales_generator.SalesSummary | None = None


# --- small helpers ----------------------------------------------------------------------------------

_TRANSLITERATION = str.maketrans({"ß": "ss", "ø": "o", "Ø": "O", "æ": "ae", "Æ": "Ae", "ł": "l", "Ł": "L"})


def ascii_slug(text: str, separator: str = "") -> str:
    """'Nordmark DIY Österreich' -> 'nordmarkdiyosterreich' (or with a separator between the words)."""
    text = unicodedata.normalize("NFKD", text.translate(_TRANSLITERATION))
    text = "".join(c for c in text if not unicodedata.combining(c)).lower()
    return re.sub(r"[^a-z0-9]+", separator, text).strip(separator)


def _weighted(rng: random.Random, weights: dict):
    return rng.choices(list(weights), weights=list(weights.values()))[0]


COUNTRY_BY_CODE = {c.code: c for c in COUNTRIES}
REGIONS: dict[str, list[Country]] = {}
for _country in COUNTRIES:
    REGIONS.setdefault(_country.sales_region, []).append(_country)


def _pick_country(rng: random.Random) -> Country:
    return COUNTRY_BY_CODE[_weighted(rng, names.COUNTRY_WEIGHTS)]


def _person_name(rng: random.Random, country: Country) -> tuple[str, str]:
    pool = names.PERSON_NAMES[country.names]
    female = rng.random() < 0.5
    first = rng.choice(pool["female" if female else "male"])
    i = rng.randrange(len(pool["last"]))
    last = pool["last_female"][i] if female and "last_female" in pool else pool["last"][i]
    return first, last


def _phone(rng: random.Random, country: Country) -> str:
    return f"{country.dial_code} {rng.randint(20, 99)} {rng.randint(100, 999)} {rng.randint(1000, 9999)}"


class _Unique:
    """Hands out values not handed out before, trying candidates in order."""

    def __init__(self):
        self.taken: set[str] = set()

    def claim(self, candidates) -> str | None:
        for candidate in candidates:
            if candidate.lower() not in self.taken:
                self.taken.add(candidate.lower())
                return candidate
        return None


def _email_candidates(first: str, last: str, domain: str):
    f, la = ascii_slug(first), ascii_slug(last)
    yield f"{f}.{la}@{domain}"
    yield f"{f[0]}.{la}@{domain}"
    yield f"{f}.{la[0]}@{domain}"
    for n in range(2, 1000):
        yield f"{f}.{la}{n}@{domain}"


# --- users and teams --------------------------------------------------------------------------------


class _UserPlanner:
    def __init__(self, rng: random.Random, spec: SizeSpec):
        self.rng = rng
        self.spec = spec
        self.users: list[PlannedUser] = []
        self.emails = _Unique()

    def add(self, role: str, title: str, *, manager=None, team=None, duty="", email=None) -> PlannedUser:
        country = _pick_country(self.rng)
        while True:
            first, last = _person_name(self.rng, country)
            address = email or self.emails.claim([f"{ascii_slug(first)}.{ascii_slug(last)}@{DEMO_EMAIL_DOMAIN}"])
            if address:
                break
        user = PlannedUser(
            key=len(self.users),
            email=address,
            first_name=first,
            last_name=last,
            title=title,
            role=role,
            time_zone=country.time_zone,
            date_joined=BASE_DATE - timedelta(days=self.rng.randint(30, 2500)),
            manager=manager.key if manager else None,
            team=team,
            duty=duty,
        )
        self.users.append(user)
        return user

    def plan(self) -> tuple[list[tuple[str, int]], dict[str, list[PlannedUser]], dict[str, list[PlannedUser]]]:
        """Returns the teams, the KAMs of each team, and the account team members of each team."""
        spec = self.spec
        self.add(Role.ADMIN, "CRM Administrator", email=f"admin@{DEMO_EMAIL_DOMAIN}")
        layout = TEAM_LAYOUTS[spec.teams]
        directors = [self.add(Role.TEAM_LEAD, title) for title in DIRECTOR_TITLES[spec.directors]]
        teams, kams, members = [], {}, {}
        for i, (team_name, _channels) in enumerate(layout):
            director = directors[i * len(directors) // len(layout)]
            lead = self.add(Role.TEAM_LEAD, "Head of Key Accounts", manager=director, team=team_name)
            teams.append((team_name, lead.key))
            kams[team_name] = [
                self.add(
                    Role.KAM,
                    "Global Key Account Manager"
                    if k == 0
                    else self.rng.choice(["Key Account Manager", "Key Account Manager", "Senior Key Account Manager"]),
                    manager=lead,
                    team=team_name,
                )
                for k in range(spec.kams_per_team)
            ]
            members[team_name] = [
                self.add(Role.TEAM_MEMBER, title, manager=lead, team=team_name, duty=duty)
                for duty, title in (MEMBER_DUTIES * spec.members_per_team)[: spec.members_per_team]
            ]
        for title, duty in (VIEWER_POSTS * spec.viewers)[: spec.viewers]:
            self.add(Role.VIEWER, title, duty=duty)
        return teams, kams, members


# --- accounts -------------------------------------------------------------------------------------------


def _tier_stage(rng: random.Random, tier: str) -> str:
    choices = {
        Tier.STRATEGIC: {Stage.STRATEGIC_PARTNER: 7, Stage.KEY: 3},
        Tier.KEY: {Stage.KEY: 6, Stage.DEVELOPING: 2.5, Stage.STRATEGIC_PARTNER: 1.5},
        Tier.GROWTH: {Stage.DEVELOPING: 7, Stage.TARGET: 3},
        Tier.MAINTAIN: {Stage.MAINTENANCE: 8, Stage.KEY: 1, Stage.DEVELOPING: 1},
    }[tier]
    return _weighted(rng, choices)


def _lower_tier(rng: random.Random, tier: str) -> str:
    order = [Tier.STRATEGIC, Tier.KEY, Tier.GROWTH, Tier.MAINTAIN]
    step = rng.choices([0, 1, 2], weights=[3, 5, 2])[0]
    return order[min(order.index(tier) + step, len(order) - 1)]


def _description(rng: random.Random, kind: str, channel: str, country: Country) -> str:
    options = names.ASSOCIATION_DESCRIPTIONS if kind == AccountKind.ASSOCIATION else names.CHANNEL_DESCRIPTIONS[channel]
    text, low, high = rng.choice(options)
    return text.format(n=f"{rng.randint(low, high):,}", country=country.adjective)


def _credit_limit(rng: random.Random, tier: str, currency: str) -> Decimal:
    low, high = CREDIT_RANGES_EUR[tier]
    amount = rng.randint(low, high) * 1000 * CURRENCY_PER_EUR[currency]
    step = 10 ** max(len(str(int(amount))) - 2, 3)  # two significant digits: 2,400,000 or 85,000
    return Decimal(round(amount / step) * step).quantize(Decimal("0.01"))


class _AccountPlanner:
    def __init__(self, rng: random.Random, team_of_channel: dict[str, str], kams, members, viewers, directors):
        self.rng = rng
        self.team_of_channel = team_of_channel
        self.kams = kams
        self.members = members
        self.viewers = viewers
        self.directors = directors
        self.accounts: list[PlannedAccount] = []
        self.memberships: list[PlannedMembership] = []
        self.brands = _Unique()
        self.account_names = _Unique()

    # names ---------------------------------------------------------------------------------------------

    def _root(self) -> str:
        return self.rng.choice(names.BRAND_HEADS) + self.rng.choice(names.BRAND_TAILS)

    def _brand(self, channel: str, country: Country) -> str:
        def candidates():
            for _ in range(200):
                pattern = self.rng.choice(names.CHANNEL_BRANDS[channel])
                if pattern.endswith(("Apotheken", "Baumarkt", "Warenhaus", "Großhandel", "Kliniken")) and (
                    country.names != "de"
                ):
                    continue  # German words only for German-speaking countries
                if pattern.endswith("Bricolage") and country.code not in ("FR", "BE"):
                    continue
                surname = self.rng.choice(names.PERSON_NAMES[country.names]["last"])
                web = self.rng.choice(names.WEB_HEADS) + self.rng.choice(names.WEB_TAILS)
                brand = pattern.format(root=self._root(), surname=surname, web=web, saint=self.rng.choice(names.SAINTS))
                yield brand[0].upper() + brand[1:]  # "van den Berg & Sons" starts a name as "Van den Berg & Sons"

        return self.brands.claim(candidates()) or self._root()

    def _public_name(self, country: Country, patterns) -> str:
        def candidates():
            for _ in range(50):
                yield self.rng.choice(patterns).format(adj=country.adjective, city=self.rng.choice(country.cities))

        return self.account_names.claim(candidates()) or f"{country.adjective} {self._brand('government', country)}"

    # one account ----------------------------------------------------------------------------------------

    def _add(
        self,
        *,
        name: str,
        legal_name: str,
        channel: str,
        country: Country,
        parent: PlannedAccount | None,
        tier: str,
        owner: int,
        domain: str,
        kind: str = AccountKind.CUSTOMER,
        region: str | None = None,
    ) -> PlannedAccount:
        rng = self.rng
        index = len(self.accounts)
        self.account_names.claim([name])
        prospect = kind == AccountKind.PROSPECT
        has_credit = kind in (AccountKind.CUSTOMER, AccountKind.DISTRIBUTOR)
        tags = []
        if not prospect:
            pool = names.TAGS_BY_CHANNEL[channel]
            tags = rng.sample(pool, rng.choices([0, 1, 2, 3], weights=[3, 4, 2, 1])[0])
            if rng.random() < 0.12:
                tags.append(rng.choice(names.COMMON_TAGS))
        account = PlannedAccount(
            index=index,
            code=f"{country.code}{100001 + index}",
            name=name,
            legal_name=legal_name,
            parent=parent.index if parent else None,
            depth=parent.depth + 1 if parent else 0,
            kind=kind,
            channel=channel,
            industry=rng.choice(names.CHANNEL_INDUSTRIES[channel]),
            country=country.code,
            region=region or country.sales_region,
            currency=country.currency,
            credit_limit=_credit_limit(rng, tier, country.currency) if has_credit else None,
            payment_terms_days=rng.choice(country.payment_terms) if has_credit else None,
            website=f"https://www.{domain}",
            description=_description(rng, kind, channel, country),
            owner=owner,
            tier=tier,
            stage=Stage.TARGET if prospect else _tier_stage(rng, tier),
            is_active=True,
            tags=sorted(set(tags)),
            domain=domain,
        )
        self.accounts.append(account)
        self._staff_account_team(account)
        return account

    def _staff_account_team(self, account: PlannedAccount) -> None:
        """Give key accounts an account team: service and finance from the owner's team, sponsors on top."""
        rng = self.rng
        if account.kind == AccountKind.PROSPECT:
            return
        team = self.team_of_channel[account.channel]
        wanted: list[tuple[int, str, str]] = []
        service = [m for m in self.members[team] if m.duty == TeamRole.CUSTOMER_SERVICE]
        others = [m for m in self.members[team] if m.duty != TeamRole.CUSTOMER_SERVICE]
        if account.tier in (Tier.STRATEGIC, Tier.KEY) or rng.random() < 0.3:
            for member in service[:1] + rng.sample(others, min(len(others), rng.randint(0, 2))):
                wanted.append((member.key, member.duty, Access.EDIT if member in service else Access.READ))
        if account.tier == Tier.STRATEGIC and account.depth == 0:
            sponsor = rng.choice(self.directors + [v for v in self.viewers if v.duty == TeamRole.EXECUTIVE_SPONSOR])
            wanted.append((sponsor.key, TeamRole.EXECUTIVE_SPONSOR, Access.READ))
            for viewer in self.viewers:
                if viewer.duty in (TeamRole.FINANCE, TeamRole.SPECIALIST):
                    wanted.append((viewer.key, viewer.duty, Access.READ))
        if rng.random() < 0.08:  # a colleague from the same team helps out
            helper = rng.choice(self.kams[team])
            wanted.append((helper.key, TeamRole.SALES, Access.READ))
        if account.parent is not None:
            group_owner = self.accounts[self._root_index(account)].owner
            wanted.append((group_owner, TeamRole.GLOBAL_KAM, Access.EDIT))
        seen = {account.owner}
        for user, role, access in wanted:
            if user not in seen:
                seen.add(user)
                self.memberships.append(PlannedMembership(account.index, user, role, access))

    def _root_index(self, account: PlannedAccount) -> int:
        while account.parent is not None:
            account = self.accounts[account.parent]
        return account.index

    # groups ------------------------------------------------------------------------------------------

    def plan_group(self, channel: str, budget: int) -> None:
        """A global account with regional and local subsidiaries, at most ``budget`` accounts."""
        rng = self.rng
        team = self.team_of_channel[channel]
        kams = self.kams[team]
        home = _pick_country(rng)
        brand = self._brand(channel, home)
        domain_root = ascii_slug(brand, "-")
        suffix = rng.choice(names.GROUP_SUFFIXES[channel])
        top_name = f"{brand} {suffix}".strip()
        tier = _weighted(rng, {Tier.STRATEGIC: 3, Tier.KEY: 5, Tier.GROWTH: 2})
        owner = kams[0].key if rng.random() < 0.5 else rng.choice(kams).key
        public = channel == "government"
        top = self._add(
            name=top_name,
            legal_name=top_name if public else f"{top_name} {home.holding_form}",
            channel=channel,
            country=home,
            parent=None,
            tier=tier,
            owner=owner,
            domain=f"{domain_root}.{home.web_domain}",
            kind=AccountKind.PUBLIC_AUTHORITY if public else AccountKind.CUSTOMER,
        )
        for parent_spec, locals_ in self._group_shape(channel, home):
            if len(self.accounts) - top.index >= budget:
                return
            parent = top
            if parent_spec is not None:
                label, country = parent_spec
                parent = self._subsidiary(top, parent, f"{brand} {label}", country, domain_root, region=label)
            for label, country in locals_:
                if len(self.accounts) - top.index >= budget:
                    return
                self._subsidiary(top, parent, f"{brand} {label}", country, domain_root)

    def _group_shape(self, channel: str, home: Country):
        """[(regional (label, country) or None, [(local label, country), ...]), ...]"""
        rng = self.rng
        if channel in names.INTERNATIONAL_CHANNELS:
            others = [r for r in REGIONS if r != home.sales_region]
            regions = [home.sales_region, *rng.sample(others, rng.choice([0, 1, 1, 2]))]
            shape = []
            for region in regions:
                countries = REGIONS[region]
                chosen = [home] if region == home.sales_region else []
                rest = [c for c in countries if c not in chosen]
                chosen += rng.sample(rest, min(len(rest), rng.randint(0 if chosen else 1, 3)))
                shape.append(((region, chosen[0]), [(c.name, c) for c in chosen]))
        else:
            compass = rng.sample(names.COMPASS, rng.randint(1, 3))
            cities = rng.sample(home.cities, min(len(home.cities), rng.randint(2, 5)))
            shape = [((f"{point} Region", home), []) for point in compass]
            for i, city in enumerate(cities):
                shape[i % len(shape)][1].append((city, home))
        if rng.random() < TWO_LEVEL_GROUP_SHARE:  # country or city companies straight under the parent
            shape = [(None, [local for _, locals_ in shape for local in locals_])]
        return shape

    def _subsidiary(
        self, top: PlannedAccount, parent: PlannedAccount, name: str, country: Country, domain_root: str, region=None
    ) -> PlannedAccount:
        """A regional or local company of ``top``'s group; mostly run by the group's KAM."""
        rng = self.rng
        public = top.kind == AccountKind.PUBLIC_AUTHORITY
        kams = self.kams[self.team_of_channel[top.channel]]
        return self._add(
            name=name,
            legal_name=name if public else f"{name} {country.legal_form}",
            channel=top.channel,
            country=country,
            parent=parent,
            tier=_lower_tier(rng, parent.tier),
            owner=top.owner if rng.random() < 0.6 else rng.choice(kams).key,
            domain=f"{domain_root}.{country.web_domain}",
            kind=top.kind,
            region=region if region in REGIONS else None,
        )

    # stand-alone accounts ------------------------------------------------------------------------------

    def plan_standalone(self, channel: str) -> None:
        rng = self.rng
        country = _pick_country(rng)
        kam = rng.choice(self.kams[self.team_of_channel[channel]]).key
        roll = rng.random()
        if channel == "government":
            kind = AccountKind.PUBLIC_AUTHORITY
        elif roll < 0.12:
            kind = AccountKind.PROSPECT
        elif roll < 0.18 and channel in names.ASSOCIATIONS:
            kind = AccountKind.ASSOCIATION
        elif channel == "wholesale" and roll < 0.6:
            kind = AccountKind.DISTRIBUTOR
        else:
            kind = AccountKind.CUSTOMER
        if kind == AccountKind.PUBLIC_AUTHORITY:
            name = self._public_name(country, names.PUBLIC_BODIES)
            legal_name = name
        elif kind == AccountKind.ASSOCIATION:
            name = self._public_name(country, names.ASSOCIATIONS[channel])
            legal_name = name
        else:
            name = self._brand(channel, country)
            legal_name = f"{name} {country.legal_form}"
        if kind == AccountKind.PROSPECT:
            tier = _weighted(rng, {Tier.KEY: 1, Tier.GROWTH: 6, Tier.MAINTAIN: 3})
        else:
            tier = _weighted(rng, {Tier.STRATEGIC: 1, Tier.KEY: 10, Tier.GROWTH: 22, Tier.MAINTAIN: 20})
        account = self._add(
            name=name,
            legal_name=legal_name,
            channel=channel,
            country=country,
            parent=None,
            tier=tier,
            owner=kam,
            domain=f"{ascii_slug(name, '-')[:40].strip('-')}.{country.web_domain}",
            kind=kind,
        )
        if tier == Tier.MAINTAIN and rng.random() < 0.06:
            account.is_active = False  # a customer that stopped buying; kept for its history


# --- stakeholders ---------------------------------------------------------------------------------------


def _family(account: PlannedAccount) -> str:
    if account.kind == AccountKind.ASSOCIATION:
        return "association"
    if account.channel == "government" or account.kind == AccountKind.PUBLIC_AUTHORITY:
        return "government"
    return "hospital" if account.channel == "hospital" else "commercial"


TOP_TITLES = {**names.TOP_TITLES, "association": (("President",), ("Regional Chair",), ("Secretary General",))}


def _functions(account: PlannedAccount) -> tuple[Function, ...]:
    if _family(account) in ("government", "association"):
        return names.PUBLIC_FUNCTIONS
    return names.CHANNEL_FUNCTIONS[account.channel]


def _allocate(rng: random.Random, total: int, accounts: list[PlannedAccount], minimum: int) -> list[int]:
    """How many stakeholders each account gets: ``total`` in all, more for bigger and more important ones."""
    importance = {Tier.STRATEGIC: 3.0, Tier.KEY: 2.0, Tier.GROWTH: 1.0, Tier.MAINTAIN: 0.7}
    weights = [importance[a.tier] * (1.3 if a.depth == 0 else 1.0) * rng.uniform(0.6, 1.4) for a in accounts]
    rest = max(total - minimum * len(accounts), 0)
    shares = [rest * w / sum(weights) for w in weights]
    counts = [minimum + int(s) for s in shares]
    by_fraction = sorted(range(len(accounts)), key=lambda i: shares[i] - int(shares[i]), reverse=True)
    for i in by_fraction[: total - sum(counts)]:
        counts[i] += 1
    return counts


class _ContactPlanner:
    def __init__(self, rng: random.Random, accounts: list[PlannedAccount], memberships: list[PlannedMembership]):
        self.rng = rng
        self.accounts = accounts
        self.contacts: list[PlannedContact] = []
        self.emails = _Unique()
        self.top_of: dict[int, int] = {}  # account index -> its top person
        self.team_of: dict[int, list[int]] = {}
        for m in memberships:
            self.team_of.setdefault(m.account, []).append(m.user)

    def plan(self, total: int) -> list[PlannedContact]:
        counts = _allocate(self.rng, total, self.accounts, minimum=3)
        for account, count in zip(self.accounts, counts, strict=True):
            self._org_chart(account, count)
        return self.contacts

    def _person(self, account: PlannedAccount, title: str, department: str, level: str, reports_to) -> PlannedContact:
        rng = self.rng
        country = COUNTRY_BY_CODE[account.country]
        while True:
            first, last = _person_name(rng, country)
            email = self.emails.claim(_email_candidates(first, last, account.domain))
            if email:
                break
        owner = self._relationship_owner(account, level)
        contact = PlannedContact(
            index=len(self.contacts),
            account=account.index,
            first_name=first,
            last_name=last,
            email=email,
            title=title,
            department=department,
            phone=_phone(rng, country),
            mobile=_phone(rng, country) if rng.random() < 0.6 else "",
            reports_to=reports_to.index if reports_to else None,
            buying_role=_weighted(rng, BUYING_ROLES[level]),
            influence=rng.choice(INFLUENCE[level]),
            attitude=None if rng.random() < 0.05 else _weighted(rng, ATTITUDES),
            owner=owner,
            cadence_days=_weighted(rng, CADENCES[level]),
            has_left=level != "top" and rng.random() < 0.03,
            level=_contact_level(level, department),
        )
        self.contacts.append(contact)
        return contact

    def _relationship_owner(self, account: PlannedAccount, level: str) -> int | None:
        if level in ("top", "director"):
            return account.owner
        team = self.team_of.get(account.index, [])
        if level == "manager" or self.rng.random() < 0.85:
            return self.rng.choice([account.owner, *team])
        return None

    def _org_chart(self, account: PlannedAccount, count: int) -> None:
        """A C-level person on top, directors heading functions, their managers, and buyers below them."""
        rng = self.rng
        titles = TOP_TITLES[_family(account)][min(account.depth, 2)]
        parent_top = self.contacts[self.top_of[account.parent]] if account.parent is not None else None
        top = self._person(account, rng.choice(titles), names.TOP_DEPARTMENT, "top", parent_top)
        self.top_of[account.index] = top.index
        functions = _functions(account)
        n_directors = min(len(functions), max(1, round((count - 1) * 0.18)))
        n_managers = round((count - 1 - n_directors) * 0.4)
        n_staff = count - 1 - n_directors - n_managers
        directors = [
            (function, self._person(account, function.director, function.department, "director", top))
            for function in rng.sample(functions, n_directors)
        ]
        managers = []
        for _ in range(n_managers):
            function, director = rng.choice(directors)
            title = rng.choice(function.managers)
            managers.append((function, self._person(account, title, function.department, "manager", director)))
        for _ in range(n_staff):
            function, boss = rng.choice(managers or directors)
            self._person(account, rng.choice(function.staff), function.department, "staff", boss)
        if account.parent is None and len(directors) > 1:
            # Someone at group level who also sits at a subsidiary: wired up once the children exist.
            directors[1][1].other_accounts.append(-1)


BUYING_ROLES = {
    "top": {BuyingRole.DECISION_MAKER: 7, BuyingRole.ECONOMIC_BUYER: 3},
    "director": {
        BuyingRole.ECONOMIC_BUYER: 35,
        BuyingRole.DECISION_MAKER: 20,
        BuyingRole.INFLUENCER: 25,
        BuyingRole.CHAMPION: 12,
        BuyingRole.BLOCKER: 8,
    },
    "manager": {
        BuyingRole.TECHNICAL_BUYER: 30,
        BuyingRole.INFLUENCER: 30,
        BuyingRole.CHAMPION: 15,
        BuyingRole.GATEKEEPER: 15,
        BuyingRole.BLOCKER: 10,
    },
    "staff": {
        BuyingRole.USER: 35,
        BuyingRole.GATEKEEPER: 20,
        BuyingRole.TECHNICAL_BUYER: 20,
        BuyingRole.INFLUENCER: 10,
        "": 15,
    },
}
INFLUENCE = {"top": (5,), "director": (4, 4, 5), "manager": (3, 3, 4), "staff": (1, 2, 2, 3)}
ATTITUDES = {-2: 5, -1: 12, 0: 38, 1: 32, 2: 13}
CADENCES = {
    "top": {Cadence.QUARTERLY: 6, Cadence.HALF_YEARLY: 4},
    "director": {Cadence.MONTHLY: 6, Cadence.QUARTERLY: 4},
    "manager": {Cadence.FORTNIGHTLY: 4, Cadence.MONTHLY: 6},
    "staff": {Cadence.WEEKLY: 2, Cadence.FORTNIGHTLY: 4, Cadence.MONTHLY: 3, None: 3},
}


def _link_group_people(contacts: list[PlannedContact], accounts: list[PlannedAccount]) -> None:
    """Resolve the placeholders left by _org_chart: the person also sits at the group's first subsidiary."""
    first_child: dict[int, int] = {}
    for account in accounts:
        if account.parent is not None:
            first_child.setdefault(account.parent, account.index)
    for contact in contacts:
        if contact.other_accounts == [-1]:
            child = first_child.get(contact.account)
            contact.other_accounts = [child] if child is not None else []


# --- planning -------------------------------------------------------------------------------------------


def plan_portfolio(size: str = "S", seed: int = DEFAULT_SEED, scale: float = 1.0) -> Portfolio:
    """The whole portfolio, in memory; no database access."""
    if size not in SIZES:
        raise GenerationError(f"Unknown size {size!r}; choose one of {', '.join(SIZES)}.")
    if not 0 < scale <= 10:
        raise GenerationError("The scale must be above 0 and at most 10.")
    spec = SIZES[size]
    rng = random.Random(f"kamdesk-demo/{size}/{seed}/{scale}")
    teams, kams, members = (planner := _UserPlanner(rng, spec)).plan()
    users = planner.users
    team_of_channel = {ch: team for team, channels in TEAM_LAYOUTS[spec.teams] for ch in channels}
    viewers = [u for u in users if u.role == Role.VIEWER]
    directors = [u for u in users if u.role == Role.TEAM_LEAD and u.team is None]
    accounts_planner = _AccountPlanner(rng, team_of_channel, kams, members, viewers, directors)

    target = max(10, round(spec.accounts * scale))
    grouped_target = round(target * GROUPED_SHARE)
    while len(accounts_planner.accounts) < grouped_target:
        budget = grouped_target - len(accounts_planner.accounts)
        accounts_planner.plan_group(_weighted(rng, CHANNEL_WEIGHTS), max(budget, 3))
    while len(accounts_planner.accounts) < target:
        accounts_planner.plan_standalone(_weighted(rng, CHANNEL_WEIGHTS))
    accounts = accounts_planner.accounts

    contacts = _ContactPlanner(rng, accounts, accounts_planner.memberships).plan(
        max(3 * len(accounts), round(spec.contacts * scale))
    )
    _link_group_people(contacts, accounts)
    return Portfolio(
        size=size,
        seed=seed,
        scale=scale,
        teams=teams,
        users=users,
        accounts=accounts,
        memberships=accounts_planner.memberships,
        contacts=contacts,
    )


# --- writing --------------------------------------------------------------------------------------------


def _create_by_generation(model, objects: list, generation_of) -> None:
    """bulk_create in waves so that every row a row points to (parent, manager, boss) is saved first."""
    waves: dict[int, list] = {}
    for obj in objects:
        waves.setdefault(generation_of(obj), []).append(obj)
    for generation in sorted(waves):
        model.objects.bulk_create(waves[generation], batch_size=BATCH_SIZE)


def _check_free(portfolio: Portfolio) -> None:
    emails = [u.email for u in portfolio.users]
    taken = list(User.objects.filter(email__in=emails).values_list("email", flat=True)[:3])
    if taken:
        raise GenerationError(
            f"Demo users already exist ({', '.join(taken)}); reset the database to generate the portfolio again."
        )
    if Account.objects.exists():
        raise GenerationError("The database already holds accounts; reset it to generate the portfolio again.")
    missing = {a.channel for a in portfolio.accounts} - set(Channel.objects.values_list("code", flat=True))
    if missing:
        raise GenerationError(f"Channels missing from the database: {', '.join(sorted(missing))}. Run migrate.")


def _write_users(portfolio: Portfolio) -> list[User]:
    password = make_password(DEMO_PASSWORD)  # hashed once: hashing is deliberately slow
    teams = {name: Team(name=name) for name, _lead in portfolio.teams}
    Team.objects.bulk_create(teams.values())
    users = [
        User(
            email=u.email,
            first_name=u.first_name,
            last_name=u.last_name,
            title=u.title,
            role=u.role,
            time_zone=u.time_zone,
            date_joined=u.date_joined,
            team=teams.get(u.team),
            password=password,
        )
        for u in portfolio.users
    ]
    for user, planned in zip(users, portfolio.users, strict=True):
        user.manager = users[planned.manager] if planned.manager is not None else None
    depth = {}
    for planned in portfolio.users:  # managers are always planned before their reports
        depth[planned.key] = depth[planned.manager] + 1 if planned.manager is not None else 0
    by_object = {id(u): depth[p.key] for u, p in zip(users, portfolio.users, strict=True)}
    _create_by_generation(User, users, lambda u: by_object[id(u)])
    for team in teams.values():
        team.lead = users[dict(portfolio.teams)[team.name]]
    Team.objects.bulk_update(teams.values(), ["lead"])
    return users


def _write_accounts(portfolio: Portfolio, users: list[User]) -> tuple[list[Account], int]:
    channels = dict(Channel.objects.values_list("code", "id"))
    accounts = [
        Account(
            code=a.code,
            name=a.name,
            legal_name=a.legal_name,
            depth=a.depth,
            kind=a.kind,
            channel_id=channels[a.channel],
            industry=a.industry,
            country=a.country,
            region=a.region,
            currency=a.currency,
            credit_limit=a.credit_limit,
            payment_terms_days=a.payment_terms_days,
            website=a.website,
            description=a.description,
            owner=users[a.owner],
            tier=a.tier,
            stage=a.stage,
            is_active=a.is_active,
        )
        for a in portfolio.accounts
    ]
    for account, planned in zip(accounts, portfolio.accounts, strict=True):
        account.parent = accounts[planned.parent] if planned.parent is not None else None
    _create_by_generation(Account, accounts, lambda a: a.depth)

    closure = []
    for account, planned in zip(accounts, portfolio.accounts, strict=True):
        closure.append(AccountClosure(ancestor=account, descendant=account, depth=0))
        up, distance = planned.parent, 1
        while up is not None:
            closure.append(AccountClosure(ancestor=accounts[up], descendant=account, depth=distance))
            up, distance = portfolio.accounts[up].parent, distance + 1
    AccountClosure.objects.bulk_create(closure, batch_size=BATCH_SIZE)

    tag_names = sorted({t for a in portfolio.accounts for t in a.tags})
    tags = {t.name: t for t in Tag.objects.filter(name__in=tag_names)}
    new_tags = [Tag(name=n) for n in tag_names if n not in tags]
    Tag.objects.bulk_create(new_tags)
    tags.update({t.name: t for t in new_tags})
    Through = Account.tags.through
    Through.objects.bulk_create(
        [
            Through(account_id=account.pk, tag_id=tags[name].pk)
            for account, planned in zip(accounts, portfolio.accounts, strict=True)
            for name in planned.tags
        ],
        batch_size=BATCH_SIZE,
    )
    AccountMembership.objects.bulk_create(
        [
            AccountMembership(account=accounts[m.account], user=users[m.user], role=m.role, access=m.access)
            for m in portfolio.memberships
        ],
        batch_size=BATCH_SIZE,
    )
    return accounts, len(closure)


def _write_contacts(portfolio: Portfolio, users: list[User], accounts: list[Account]) -> None:
    contacts = [
        Contact(
            email=c.email,
            first_name=c.first_name,
            last_name=c.last_name,
            title=c.title,
            department=c.department,
            phone=c.phone,
            mobile=c.mobile,
            account=accounts[c.account],
            buying_role=c.buying_role,
            influence=c.influence,
            attitude=c.attitude,
            owner=users[c.owner] if c.owner is not None else None,
            cadence_days=c.cadence_days,
            level=c.level,
            has_left=c.has_left,
        )
        for c in portfolio.contacts
    ]
    generation: dict[int, int] = {}
    for planned in portfolio.contacts:  # bosses are always planned before their reports
        generation[planned.index] = generation[planned.reports_to] + 1 if planned.reports_to is not None else 0
    for contact, planned in zip(contacts, portfolio.contacts, strict=True):
        contact.reports_to = contacts[planned.reports_to] if planned.reports_to is not None else None
        contact._demo_generation = generation[planned.index]
    _create_by_generation(Contact, contacts, lambda c: c._demo_generation)
    Through = Contact.other_accounts.through
    Through.objects.bulk_create(
        [
            Through(contact_id=contact.pk, account_id=accounts[index].pk)
            for contact, planned in zip(contacts, portfolio.contacts, strict=True)
            for index in planned.other_accounts
        ],
        batch_size=BATCH_SIZE,
    )


BUYING_DEPARTMENTS = {"Purchasing", "Category Management", "Procurement"}
CONTACT_LEVELS = {"top": Level.C_LEVEL, "director": Level.DIRECTOR, "manager": Level.HEAD}
# The communication plan of every strategic group: cadence per level and a few touchpoints around today.
PLAN_CADENCES = {Level.C_LEVEL: Cadence.QUARTERLY, Level.DIRECTOR: Cadence.MONTHLY, Level.BUYER: Cadence.FORTNIGHTLY}
PLAN_TOUCHPOINTS = (
    (TouchpointKind.NEWSLETTER, "Customer newsletter", -30, TouchpointStatus.HELD),
    (TouchpointKind.BUSINESS_REVIEW, "Quarterly business review", 14, TouchpointStatus.PLANNED),
    (TouchpointKind.EXECUTIVE_MEETING, "Executive meeting: our board with theirs", 45, TouchpointStatus.PLANNED),
)


def _contact_level(level: str, department: str) -> str:
    """The stakeholder level of a planned person: buyers are the staff of the buying departments."""
    if level == "staff":
        return Level.BUYER if department in BUYING_DEPARTMENTS else Level.OPERATIONAL
    return CONTACT_LEVELS[level]


def _write_communication_plans(portfolio: Portfolio, accounts: list[Account]) -> None:
    """Cadence rules and touchpoints (with the account's KAM and its C-level person) for the strategic groups,
    in a few bulk statements."""
    today = timezone.localdate()
    groups = [a for a in portfolio.accounts if a.parent is None and a.tier == "strategic"]
    tops: dict[int, str] = {}
    for c in portfolio.contacts:
        if c.level == Level.C_LEVEL:
            tops.setdefault(c.account, c.email)
    CadenceRule.objects.bulk_create(
        [
            CadenceRule(account=accounts[a.index], level=level, cadence_days=days)
            for a in groups
            for level, days in PLAN_CADENCES.items()
        ]
    )
    planned = [
        (
            a,
            PlannedTouchpoint(
                account=accounts[a.index],
                kind=kind,
                title=title,
                planned_on=today + timedelta(days=days),
                status=status,
                held_on=today + timedelta(days=days) if status == TouchpointStatus.HELD else None,
            ),
        )
        for a in groups
        for kind, title, days, status in PLAN_TOUCHPOINTS
    ]
    PlannedTouchpoint.objects.bulk_create([touchpoint for _a, touchpoint in planned], batch_size=BATCH_SIZE)
    contact_id = dict(
        Contact.objects.filter(email__in=[tops[a.index] for a in groups if a.index in tops]).values_list("email", "id")
    )
    PlannedTouchpoint.our_people.through.objects.bulk_create(
        [
            PlannedTouchpoint.our_people.through(plannedtouchpoint_id=t.pk, user_id=accounts[a.index].owner_id)
            for a, t in planned
            if accounts[a.index].owner_id
        ],
        batch_size=BATCH_SIZE,
    )
    PlannedTouchpoint.their_people.through.objects.bulk_create(
        [
            PlannedTouchpoint.their_people.through(plannedtouchpoint_id=t.pk, contact_id=contact_id[tops[a.index]])
            for a, t in planned
            if tops.get(a.index) in contact_id
        ],
        batch_size=BATCH_SIZE,
    )


def refresh_planner_statistics() -> None:
    """Bulk loads leave the query planner's row estimates stale (PostgreSQL would think the tables are
    nearly empty until autovacuum comes by); refresh them so the first pages served are planned well. On
    PostgreSQL also reclaim the rows of data the load replaced: a server without autovacuum would otherwise
    keep them in every table scan (VACUUM cannot run inside a transaction, so only outside one)."""
    vacuum = connection.vendor == "postgresql" and not connection.in_atomic_block
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE" if vacuum else "ANALYZE")


def write_portfolio(portfolio: Portfolio, sales: sales_generator.SalesPlan | None = None) -> Summary:
    """Write a planned portfolio (and its planned sales, if given) into an empty database, all or nothing."""
    started = time.perf_counter()
    with transaction.atomic():
        _check_free(portfolio)
        users = _write_users(portfolio)
        accounts, closure_rows = _write_accounts(portfolio, users)
        _write_contacts(portfolio, users, accounts)
        _write_communication_plans(portfolio, accounts)
        sales_summary = sales_generator.write_sales(sales, [a.pk for a in accounts]) if sales else None
    refresh_planner_statistics()
    return Summary(
        size=portfolio.size,
        seed=portfolio.seed,
        users=len(users),
        teams=len(portfolio.teams),
        accounts=len(accounts),
        closure_rows=closure_rows,
        memberships=len(portfolio.memberships),
        contacts=len(portfolio.contacts),
        seconds=time.perf_counter() - started,
        logins=demo_logins(portfolio),
        sales=sales_summary,
    )


def plan_demo_sales(portfolio: Portfolio, sales_lines: int | None = None) -> sales_generator.SalesPlan:
    """The portfolio's products and sales: SALES_LINES of its size (times its scale) unless told otherwise."""
    try:
        return sales_generator.plan_sales(portfolio, BASE_DATE.date(), sales_lines)
    except sales_generator.SalesGenerationError as exc:
        raise GenerationError(str(exc)) from exc


def generate(
    size: str = "S", seed: int = DEFAULT_SEED, scale: float = 1.0, *, sales_lines: int | None = None
) -> Summary:
    """Plan and write the demo portfolio with its sales. The database must hold no accounts yet."""
    portfolio = plan_portfolio(size, seed, scale)
    return write_portfolio(portfolio, plan_demo_sales(portfolio, sales_lines))


def demo_logins(portfolio: Portfolio) -> list[dict]:
    """Every demo user's login; they all share DEMO_PASSWORD."""
    role_labels = dict(Role.choices)
    return [
        {
            "email": u.email,
            "role": role_labels[u.role],
            "title": u.title,
            "team": u.team or "",
            "password": DEMO_PASSWORD,
        }
        for u in portfolio.users
    ]


# --- what is in the database ------------------------------------------------------------------------------


def portfolio_present(portfolio: Portfolio) -> bool:
    """Whether the database holds exactly this planned portfolio (same size, seed and scale)."""
    first, last = portfolio.accounts[0], portfolio.accounts[-1]
    return (
        Account.objects.count() == len(portfolio.accounts)
        and Contact.objects.exclude(notes=activity_generator.EXTRA_NOTE).count() == len(portfolio.contacts)
        and Account.objects.filter(code=first.code, name=first.name).exists()
        and Account.objects.filter(code=last.code, name=last.name).exists()
        and Contact.objects.filter(email=portfolio.contacts[-1].email).exists()
        and User.objects.filter(email__in=[u.email for u in portfolio.users]).count() == len(portfolio.users)
    )


def holds_only_demo_data() -> bool:
    """True when every user in the database is a demo user: safe to wipe for a new portfolio."""
    return not User.objects.exclude(email__iendswith=f"@{DEMO_EMAIL_DOMAIN}").exists()


def reset_portfolio() -> None:
    """Delete every account, stakeholder, user, team, tag and audit event, and all commercial data
    (products, sales, targets, costs) and the benchmark's activities and tasks. Reference data (channels,
    metrics) stays."""
    with transaction.atomic():
        sales_generator.reset_sales()  # sales lines protect their accounts: they go first
        activity_generator.reset_activities()  # activities and tasks protect their accounts and owners too
        AuditEvent.objects.all().delete()
        Contact.other_accounts.through.objects.all().delete()
        Contact.objects.update(reports_to=None)
        Contact.objects.all().delete()
        AccountMembership.objects.all().delete()
        Account.tags.through.objects.all().delete()
        # Subsidiaries first: a parent is protected while it has children.
        for depth in sorted(set(Account.objects.values_list("depth", flat=True)), reverse=True):
            Account.objects.filter(depth=depth).delete()
        ApiToken.objects.all().delete()
        Team.objects.update(lead=None)
        User.objects.update(manager=None, team=None)
        User.objects.all().delete()
        Team.objects.all().delete()
        Tag.objects.all().delete()


def database_counts() -> Counter:
    return Counter(
        accounts=Account.objects.count(),
        contacts=Contact.objects.count(),
        users=User.objects.count(),
        teams=Team.objects.count(),
        products=Product.objects.count(),
        sales_lines=SalesLine.objects.count(),
    )
