"""The one FilterSet behind the accounts list page, its export and the API's query parameters."""

import django_filters as filters
from django.db.models import Q

from kamdesk.accounts.models import Account, AccountClosure, AccountKind, Channel, Stage, Tier
from kamdesk.users.models import Team, User

ORDERING = {
    "name": ("name", "id"),
    "-name": ("-name", "-id"),
    "code": ("code",),
    "-code": ("-code",),
    "owner": ("owner__last_name", "owner__first_name", "name"),
    "-owner": ("-owner__last_name", "-owner__first_name", "-name"),
    "tier": ("tier", "name"),
    "-tier": ("-tier", "name"),
    "stage": ("stage", "name"),
    "-stage": ("-stage", "name"),
    "country": ("country", "name"),
    "-country": ("-country", "name"),
    "updated": ("updated_at", "id"),
    "-updated": ("-updated_at", "-id"),
}


class AccountFilter(filters.FilterSet):
    q = filters.CharFilter(method="search", label="Search")
    code = filters.CharFilter(field_name="code", lookup_expr="iexact", label="ERP code")
    owner = filters.ModelChoiceFilter(queryset=User.objects.filter(is_active=True), label="Owner")
    team = filters.ModelChoiceFilter(queryset=Team.objects.all(), field_name="owner__team", label="Team")
    tier = filters.MultipleChoiceFilter(choices=Tier.choices)
    stage = filters.MultipleChoiceFilter(choices=Stage.choices)
    kind = filters.MultipleChoiceFilter(choices=AccountKind.choices)
    channel = filters.ModelMultipleChoiceFilter(
        queryset=Channel.objects.all(), to_field_name="code", field_name="channel__code"
    )
    country = filters.CharFilter(field_name="country", lookup_expr="iexact", label="Country (ISO code)")
    parent = filters.NumberFilter(method="filter_parent", label="Parent account id")
    parent_code = filters.CharFilter(method="filter_parent_code", label="Parent account (ERP code)")
    include_children = filters.BooleanFilter(method="noop", label="Include subsidiaries at every level (with parent)")
    top_level = filters.BooleanFilter(method="filter_top_level", label="Top-level accounts only")
    active = filters.BooleanFilter(field_name="is_active", label="Active")
    tag = filters.CharFilter(field_name="tags__name", lookup_expr="iexact", distinct=True, label="Tag")
    sort = filters.ChoiceFilter(choices=[(k, k) for k in ORDERING], method="noop", label="Sort by", empty_label="name")

    class Meta:
        model = Account
        fields: list[str] = []

    def search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(name__icontains=value) | Q(code__icontains=value) | Q(legal_name__icontains=value))

    def filter_parent(self, queryset, name, value):
        if self.form.cleaned_data.get("include_children"):
            subtree = AccountClosure.objects.filter(ancestor_id=value, depth__gt=0).values("descendant_id")
            return queryset.filter(id__in=subtree)
        return queryset.filter(parent_id=value)

    def filter_parent_code(self, queryset, name, value):
        parent_id = Account.objects.filter(code__iexact=value.strip()).values_list("id", flat=True).first()
        return self.filter_parent(queryset, name, parent_id) if parent_id else queryset.none()

    def filter_top_level(self, queryset, name, value):
        return queryset.filter(parent__isnull=True) if value else queryset

    def noop(self, queryset, name, value):
        return queryset

    def filter_queryset(self, queryset):
        # Runs after validation; an invalid sort value falls back to the default order.
        ordering = ORDERING.get(self.form.cleaned_data.get("sort") or "name", ORDERING["name"])
        return super().filter_queryset(queryset).order_by(*ordering)
