"""Factories that build valid objects through the same services the application uses, so the
hierarchy closure and the audit trail are always consistent in tests."""

import itertools

from kamdesk.accounts.models import Access, Account, TeamRole
from kamdesk.accounts.services import account_create, membership_set
from kamdesk.people.models import Contact
from kamdesk.people.services import contact_create
from kamdesk.users.models import Role, Team, User

_seq = itertools.count(1)
PASSWORD = "correct-horse-battery-staple"


def make_user(
    role: str = Role.KAM,
    *,
    email: str | None = None,
    manager: User | None = None,
    team: Team | None = None,
    **fields,
) -> User:
    n = next(_seq)
    user = User.objects.create_user(
        email or f"user{n}@example.com",
        PASSWORD,
        role=role,
        manager=manager,
        team=team,
        first_name=fields.pop("first_name", f"First{n}"),
        last_name=fields.pop("last_name", f"Last{n}"),
        **fields,
    )
    return user


def make_team(name: str | None = None, lead: User | None = None) -> Team:
    return Team.objects.create(name=name or f"Team {next(_seq)}", lead=lead)


def make_account(*, owner: User | None = None, parent: Account | None = None, **fields) -> Account:
    n = next(_seq)
    fields.setdefault("code", f"C{n:05d}")
    fields.setdefault("name", f"Customer {n} GmbH")
    return account_create(actor=None, owner=owner, parent=parent, **fields)


def grant(account: Account, user: User, access: str = Access.READ, role: str = TeamRole.SALES):
    return membership_set(actor=None, account_id=account.pk, user=user, role=role, access=access)


def make_contact(account: Account, **fields) -> Contact:
    n = next(_seq)
    fields.setdefault("last_name", f"Person{n}")
    fields.setdefault("email", f"person{n}@customer.example")
    return contact_create(actor=None, account=account, **fields)
