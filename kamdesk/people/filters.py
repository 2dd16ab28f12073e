"""The one FilterSet behind the contacts list page, its export and the API's query parameters."""

import django_filters as filters
from django.db.models import Q

from kamdesk.accounts.models import AccountClosure
from kamdesk.people.models import BuyingRole, Contact
from kamdesk.users.models import User

ORDERING = {
    "name": ("last_name", "first_name", "id"),
    "-name": ("-last_name", "-first_name", "-id"),
    "account": ("account__name", "last_name"),
    "-account": ("-account__name", "last_name"),
    "influence": ("-influence", "last_name"),
    "updated": ("updated_at", "id"),
    "-updated": ("-updated_at", "-id"),
}


class ContactFilter(filters.FilterSet):
    q = filters.CharFilter(method="search", label="Search")
    email = filters.CharFilter(field_name="email", lookup_expr="iexact")
    account = filters.NumberFilter(method="filter_account", label="Account id")
    include_subsidiaries = filters.BooleanFilter(method="noop", label="Include subsidiaries (with account)")
    account_code = filters.CharFilter(field_name="account__code", lookup_expr="iexact", label="Account code")
    buying_role = filters.MultipleChoiceFilter(choices=BuyingRole.choices)
    owner = filters.ModelChoiceFilter(queryset=User.objects.filter(is_active=True), label="Relationship owner")
    min_influence = filters.NumberFilter(field_name="influence", lookup_expr="gte", label="Influence at least")
    has_left = filters.BooleanFilter(field_name="has_left", label="Left the company")
    sort = filters.ChoiceFilter(choices=[(k, k) for k in ORDERING], method="noop", empty_label="name")

    class Meta:
        model = Contact
        fields: list[str] = []

    def search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        q = Q(last_name__icontains=value) | Q(first_name__icontains=value) | Q(email__icontains=value)
        return queryset.filter(q | Q(title__icontains=value) | Q(account__name__icontains=value))

    def filter_account(self, queryset, name, value):
        if self.form.cleaned_data.get("include_subsidiaries"):
            subtree = AccountClosure.objects.filter(ancestor_id=value).values("descendant_id")
            return queryset.filter(account_id__in=subtree)
        return queryset.filter(Q(account_id=value) | Q(other_accounts__id=value)).distinct()

    def noop(self, queryset, name, value):
        return queryset

    def filter_queryset(self, queryset):
        # Runs after validation; an invalid sort value falls back to the default order.
        ordering = ORDERING.get(self.form.cleaned_data.get("sort") or "name", ORDERING["name"])
        return super().filter_queryset(queryset).order_by(*ordering)
