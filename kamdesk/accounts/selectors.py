"""Reads of accounts. Every function starts from what the acting user may see."""

from django.db.models import Count, IntegerField, OuterRef, Prefetch, QuerySet, Subquery
from django.db.models.functions import Coalesce

from kamdesk.access.scope import visible_accounts
from kamdesk.accounts.filters import AccountFilter
from kamdesk.accounts.models import Account, AccountClosure, AccountMembership, Tag
from kamdesk.users.models import User


def _subsidiary_count() -> Subquery:
    counts = (
        AccountClosure.objects.filter(ancestor=OuterRef("pk"), depth__gt=0)
        .order_by()
        .values("ancestor")
        .annotate(n=Count("descendant"))
        .values("n")
    )
    return Coalesce(Subquery(counts, output_field=IntegerField()), 0)


def account_list(user: User, params=None) -> tuple[AccountFilter, QuerySet]:
    """The filtered, sorted accounts the user may see, ready for a list page, an export or the API.

    Returns the bound FilterSet too (its form shows the filters and their errors).
    """
    base = (
        visible_accounts(user)
        .select_related("owner", "owner__team", "channel", "parent")
        .prefetch_related(Prefetch("tags", queryset=Tag.objects.order_by("name")))
        .annotate(subsidiary_count=_subsidiary_count())
    )
    account_filter = AccountFilter(params or {}, queryset=base)
    return account_filter, account_filter.qs


def account_detail(user: User, account_id: int) -> Account:
    """One account with what its 360 page needs; Account.DoesNotExist when hidden or missing."""
    return (
        visible_accounts(user)
        .select_related("owner", "owner__team", "channel", "parent")
        .prefetch_related("tags")
        .annotate(subsidiary_count=_subsidiary_count())
        .get(pk=account_id)
    )


def account_breadcrumb(account: Account) -> list[Account]:
    """Ancestors from the top of the hierarchy down to the direct parent (one query)."""
    return list(
        Account.objects.filter(descendant_links__descendant=account, descendant_links__depth__gt=0)
        .order_by("-descendant_links__depth")
        .only("id", "name", "code")
    )


def account_children(user: User, account: Account) -> QuerySet:
    return (
        visible_accounts(user)
        .filter(parent=account)
        .select_related("owner", "channel")
        .annotate(subsidiary_count=_subsidiary_count())
        .order_by("name")
    )


def account_group_ids(account_id: int) -> QuerySet:
    """Ids of every account in the customer group of ``account_id`` (its top account's whole subtree), as a
    subquery the database resolves within the same statement."""
    top = AccountClosure.objects.filter(descendant_id=account_id).order_by("-depth").values("ancestor_id")[:1]
    return AccountClosure.objects.filter(ancestor_id=Subquery(top)).values("descendant_id")


def account_team(account: Account) -> QuerySet:
    return (
        AccountMembership.objects.filter(account=account)
        .select_related("user", "user__team")
        .order_by("role", "user__last_name")
    )
