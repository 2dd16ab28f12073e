"""The demo portfolio generator and `kamdesk demo`."""

import re
from collections import Counter
from io import StringIO

import pytest
from django.core.management import call_command

from benchmarks.generator import (
    DEMO_PASSWORD,
    GenerationError,
    generate,
    plan_portfolio,
    reset_portfolio,
)
from kamdesk.access.scope import visible_accounts
from kamdesk.accounts.models import Account, AccountClosure, AccountKind, AccountMembership, Channel, Tier
from kamdesk.people.models import Contact
from kamdesk.users.models import Role, Team, User

GENERIC_NAME = re.compile(r"^(account|customer|company|contact|person|user|first|last)\s*\d+$|\d", re.IGNORECASE)


@pytest.fixture
def small(db):
    """A fifth of size S: the same shape, faster to write."""
    return generate("S", seed=3, scale=0.2)


def _fingerprint(portfolio):
    return (
        [(a.code, a.name, a.parent, a.owner, a.tier, a.tags) for a in portfolio.accounts],
        [(c.email, c.title, c.reports_to, c.account) for c in portfolio.contacts],
        [(u.email, u.role, u.manager) for u in portfolio.users],
    )


def test_same_seed_same_portfolio_other_seed_other_portfolio():
    first = plan_portfolio("S", seed=11, scale=0.2)
    again = plan_portfolio("S", seed=11, scale=0.2)
    other = plan_portfolio("S", seed=12, scale=0.2)
    assert _fingerprint(first) == _fingerprint(again)
    assert [a.name for a in first.accounts] != [a.name for a in other.accounts]


def test_same_seed_writes_the_same_rows(db):
    generate("S", seed=5, scale=0.1)
    written = sorted(Account.objects.values_list("code", "name", "parent__code", "owner__email"))
    emails = sorted(Contact.objects.values_list("email", flat=True))
    reset_portfolio()
    generate("S", seed=5, scale=0.1)
    assert sorted(Account.objects.values_list("code", "name", "parent__code", "owner__email")) == written
    assert sorted(Contact.objects.values_list("email", flat=True)) == emails


def test_sizes_meet_the_requirement_without_touching_the_database():
    s = plan_portfolio("S")
    assert len(s.users) >= 12 and len(s.accounts) >= 300 and len(s.contacts) >= 2000
    m = plan_portfolio("M")
    assert len(m.accounts) == 3000 and len(m.contacts) == 30000
    assert len(m.users) > len(s.users) and len(m.teams) > len(s.teams)


def test_every_role_with_teams_and_a_manager_chain(small):
    roles = Counter(User.objects.values_list("role", flat=True))
    assert set(roles) == set(Role.values)
    directors = User.objects.filter(role=Role.TEAM_LEAD, team=None)
    assert directors.exists()
    teams = Team.objects.select_related("lead")
    assert teams.count() >= 3
    for team in teams:
        assert team.lead.role == Role.TEAM_LEAD and team.lead.team_id == team.pk
        assert team.lead.manager in directors  # a sales director above every team lead
        kams = User.objects.filter(team=team, role=Role.KAM)
        assert kams.exists() and all(k.manager_id == team.lead_id for k in kams)


def test_demo_users_share_a_usable_password(small):
    users = list(User.objects.all())
    assert len({u.password for u in users}) == 1
    assert users[0].check_password(DEMO_PASSWORD)
    assert not users[0].check_password("wrong-password")


def test_hierarchy_has_three_levels_and_consistent_closure(small):
    accounts = {a.pk: a for a in Account.objects.all()}
    assert max(a.depth for a in accounts.values()) == 2
    assert any(a.depth == 2 and accounts[a.parent_id].parent_id for a in accounts.values())
    links = Counter(AccountClosure.objects.values_list("descendant_id", flat=True))
    for account in accounts.values():
        assert links[account.pk] == account.depth + 1, account
        chain, up, distance = set(), account, 0
        while up is not None:
            chain.add((up.pk, distance))
            up, distance = accounts.get(up.parent_id), distance + 1
        stored = set(AccountClosure.objects.filter(descendant=account).values_list("ancestor_id", "depth"))
        assert stored == chain
        if account.parent_id:
            assert accounts[account.parent_id].depth == account.depth - 1


def test_org_charts_have_no_loops_and_stay_in_one_account_tree(small):
    root_of = dict(AccountClosure.objects.filter(ancestor__depth=0).values_list("descendant_id", "ancestor_id"))
    contacts = {c.pk: c for c in Contact.objects.all()}
    for contact in contacts.values():
        seen, boss = {contact.pk}, contacts.get(contact.reports_to_id)
        while boss is not None:
            assert boss.pk not in seen, f"loop through {contact}"
            assert root_of[boss.account_id] == root_of[contact.account_id]
            seen.add(boss.pk)
            boss = contacts.get(boss.reports_to_id)
    tops = [c for c in contacts.values() if c.reports_to_id is None]
    # One top person per top-level account; a subsidiary's top person reports to the parent's.
    assert len(tops) == Account.objects.filter(parent=None).count()
    assert all(c.department == "Executive Board" for c in tops)
    assert Contact.objects.filter(has_left=True).exists()
    assert Contact.objects.exclude(other_accounts=None).exists()


def test_accounts_are_believable(small):
    accounts = list(Account.objects.select_related("channel", "owner"))
    for account in accounts:
        assert not GENERIC_NAME.search(account.name), account.name
        assert account.owner is not None and account.owner.role == Role.KAM
        assert account.country and account.currency and account.region and account.legal_name
    names = [a.name for a in accounts]
    assert len(set(names)) == len(names)
    assert {a.channel.code for a in accounts} == set(Channel.objects.values_list("code", flat=True))
    tiers = Counter(a.tier for a in accounts)
    assert 0 < tiers[Tier.STRATEGIC] < tiers[Tier.KEY]
    # A subsidiary is in its own country's currency, a country company named after its country.
    euro = [a for a in accounts if a.country in ("DE", "FR", "IT", "ES")]
    assert euro and all(a.currency == "EUR" for a in euro)
    assert all(a.currency == "GBP" for a in accounts if a.country == "GB")
    assert Account.tags.through.objects.exists()
    assert AccountMembership.objects.filter(access="edit").exists()
    assert AccountMembership.objects.filter(access="read").exists()


def test_people_are_believable(small):
    contacts = list(Contact.objects.all())
    for contact in contacts:
        assert not GENERIC_NAME.search(contact.first_name) and not GENERIC_NAME.search(contact.last_name)
        assert contact.title and contact.department and contact.email and contact.phone
        assert 1 <= contact.influence <= 5
    assert len({c.buying_role for c in contacts if c.buying_role}) >= 6
    assert len({c.last_name for c in contacts}) > 100  # names from many countries
    for user in User.objects.all():
        assert not GENERIC_NAME.search(user.last_name) and user.title


def test_access_follows_the_teams(small):
    lead = Team.objects.order_by("id").first().lead
    kam = User.objects.filter(team__lead=lead, role=Role.KAM).first()
    director = lead.manager
    seen_by_kam = set(visible_accounts(kam).values_list("id", flat=True))
    seen_by_lead = set(visible_accounts(lead).values_list("id", flat=True))
    assert Account.objects.filter(owner=kam).exists()
    assert seen_by_kam and seen_by_kam <= seen_by_lead <= set(visible_accounts(director).values_list("id", flat=True))
    assert len(seen_by_lead) < Account.objects.count()
    viewer = User.objects.filter(role=Role.VIEWER).first()
    assert visible_accounts(viewer).exists()


def test_writing_twice_is_refused(small):
    with pytest.raises(GenerationError, match="already"):
        generate("S", seed=3, scale=0.2)
    assert Account.objects.count() == small.accounts


def test_reset_keeps_the_channels(small):
    reset_portfolio()
    assert not Account.objects.exists() and not Contact.objects.exists() and not User.objects.exists()
    assert Channel.objects.count() == 8


def test_demo_command_loads_size_s_once_and_prints_logins(db):
    out = StringIO()
    call_command("demo", "--no-serve", stdout=out)
    text = out.getvalue()
    assert "admin@kamdesk.example" in text and f"password: {DEMO_PASSWORD}" in text
    assert "Viewer" in text and "Key account manager" in text and "http://127.0.0.1:8000/" in text
    counts = (Account.objects.count(), Contact.objects.count(), User.objects.count())
    assert counts[0] >= 300 and counts[1] >= 2000 and counts[2] >= 12
    assert set(Account.objects.values_list("kind", flat=True)) == set(AccountKind.values)

    again = StringIO()
    call_command("demo", "--no-serve", "--port", "8010", stdout=again)
    assert "not loaded again" in again.getvalue()
    assert "admin@kamdesk.example" in again.getvalue() and "http://127.0.0.1:8010/" in again.getvalue()
    assert (Account.objects.count(), Contact.objects.count(), User.objects.count()) == counts


def test_demo_reset_replaces_the_portfolio(small):
    before = set(Account.objects.values_list("code", flat=True))
    out = StringIO()
    call_command("demo", "--no-serve", "--reset", "--seed", "9", stdout=out)
    assert "Deleted all" in out.getvalue() and "Loaded" in out.getvalue()
    after = set(Account.objects.values_list("code", "name"))
    assert len(after) >= 300 and before != {code for code, _ in after}
    assert User.objects.filter(email="admin@kamdesk.example").count() == 1


def test_demo_command_rejects_bad_options(db):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError):
        call_command("demo", "--no-serve", "--size", "XL")
    with pytest.raises(CommandError):
        call_command("demo", "--no-serve", "--port", "70000")
