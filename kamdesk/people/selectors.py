"""Reads of stakeholders; every function starts from what the acting user may see."""

from django.db.models import QuerySet

from kamdesk.people.filters import ContactFilter
from kamdesk.people.models import Contact
from kamdesk.people.services import visible_contacts
from kamdesk.users.models import User


def contact_list(user: User, params=None) -> tuple[ContactFilter, QuerySet]:
    base = visible_contacts(user).select_related("account", "owner", "reports_to")
    contact_filter = ContactFilter(params or {}, queryset=base)
    return contact_filter, contact_filter.qs


def contact_detail(user: User, contact_id: int) -> Contact:
    """Contact.DoesNotExist when hidden or missing."""
    return (
        visible_contacts(user)
        .select_related("account", "owner", "reports_to")
        .prefetch_related("other_accounts")
        .get(pk=contact_id)
    )


def account_stakeholders(account_id: int) -> QuerySet:
    """Stakeholders of an account the caller has already checked the user may see."""
    from django.db.models import Q

    return (
        Contact.objects.filter(Q(account_id=account_id) | Q(other_accounts__id=account_id))
        .distinct()
        .select_related("owner", "reports_to")
        .order_by("has_left", "-influence", "last_name")
    )
