"""Reads of the product catalogue, of an account's price agreements and of its range.

The catalogue is shared by every signed-in user (its costs are shown only to the roles allowed to see
them: the views and the API decide what to show). Agreements and listings belong to an account: callers
pass an account they got from the access scope (``visible_account``).
"""

import django_filters as filters
from django.db.models import Case, Count, IntegerField, Q, QuerySet, Value, When
from django.utils import timezone

from kamdesk.access.scope import visible_accounts
from kamdesk.accounts.models import Account
from kamdesk.sales.models import Listing, ListingStatus, PriceAgreement, Product
from kamdesk.users.models import User

ORDERING = {
    "sku": ("sku",),
    "-sku": ("-sku",),
    "name": ("name", "sku"),
    "-name": ("-name", "-sku"),
    "category": ("category", "sub_category", "sku"),
    "-category": ("-category", "-sub_category", "-sku"),
    "brand": ("brand", "sku"),
    "-brand": ("-brand", "-sku"),
    "list_price": ("list_price", "sku"),
    "-list_price": ("-list_price", "-sku"),
}
SORT_LABELS = {
    "sku": "SKU (A–Z)",
    "-sku": "SKU (Z–A)",
    "name": "Name (A–Z)",
    "-name": "Name (Z–A)",
    "category": "Category (A–Z)",
    "-category": "Category (Z–A)",
    "brand": "Brand (A–Z)",
    "-brand": "Brand (Z–A)",
    "list_price": "List price (lowest first)",
    "-list_price": "List price (highest first)",
}


class ProductFilter(filters.FilterSet):
    """The one FilterSet behind the products page, its export and the API's query parameters."""

    q = filters.CharFilter(method="search", label="Search")
    sku = filters.CharFilter(field_name="sku", lookup_expr="iexact", label="SKU")
    category = filters.CharFilter(field_name="category", lookup_expr="iexact", label="Category")
    sub_category = filters.CharFilter(field_name="sub_category", lookup_expr="iexact", label="Sub-category")
    brand = filters.CharFilter(field_name="brand", lookup_expr="iexact", label="Brand")
    active = filters.BooleanFilter(field_name="is_active", label="Active")
    sort = filters.ChoiceFilter(choices=[(key, key) for key in ORDERING], method="noop", empty_label="sku")

    class Meta:
        model = Product
        fields: list[str] = []

    def search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(sku__icontains=value) | Q(name__icontains=value) | Q(brand__icontains=value))

    def noop(self, queryset, name, value):
        return queryset

    def filter_queryset(self, queryset):
        # Runs after validation; an invalid sort value falls back to the default order.
        ordering = ORDERING.get(self.form.cleaned_data.get("sort") or "sku", ORDERING["sku"])
        return super().filter_queryset(queryset).order_by(*ordering)


def products_for(user: User) -> QuerySet:
    """The catalogue, for any active signed-in user; nothing for anyone else."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return Product.objects.none()
    return Product.objects.all()


def product_list(user: User, params=None) -> tuple[ProductFilter, QuerySet]:
    product_filter = ProductFilter(params or {}, queryset=products_for(user))
    return product_filter, product_filter.qs


def product_detail(user: User, product_id: int) -> Product:
    """Product.DoesNotExist when missing (or the user is not signed in)."""
    return products_for(user).get(pk=product_id)


def product_by_sku(user: User, sku: str) -> Product | None:
    return products_for(user).filter(sku=sku.strip()).first()


def product_categories() -> list[str]:
    """The catalogue's categories, for filters and agreement forms (a few dozen at most)."""
    return list(Product.objects.exclude(category="").order_by("category").values_list("category", flat=True).distinct())


def product_brands() -> list[str]:
    return list(Product.objects.exclude(brand="").order_by("brand").values_list("brand", flat=True).distinct())


def visible_account(user: User, account_id: int) -> Account:
    """Account.DoesNotExist when hidden or missing."""
    return visible_accounts(user).get(pk=account_id)


def account_price_agreements(account: Account) -> QuerySet:
    """An account's agreements, newest validity first."""
    return (
        PriceAgreement.objects.filter(account_id=account.pk)
        .select_related("product")
        .order_by("-valid_from", "category", "product__sku", "id")
    )


def split_by_validity(agreements, today=None) -> tuple[list, list, list]:
    """(current, upcoming, past) agreements as of ``today``; valid_to is the last day of validity."""
    today = today or timezone.localdate()
    current, upcoming, past = [], [], []
    for agreement in agreements:
        if agreement.valid_from > today:
            upcoming.append(agreement)
        elif agreement.valid_to is not None and agreement.valid_to < today:
            past.append(agreement)
        else:
            current.append(agreement)
    return current, upcoming, past


def account_listings(account: Account, status: str | None = None) -> QuerySet:
    """An account's range: listed first, then proposed, then delisted, each by SKU."""
    listings = Listing.objects.filter(account_id=account.pk).select_related("product")
    if status:
        listings = listings.filter(status=status)
    order = {ListingStatus.LISTED: 0, ListingStatus.PROPOSED: 1, ListingStatus.DELISTED: 2}
    rank = Case(*(When(status=s, then=Value(n)) for s, n in order.items()), output_field=IntegerField())
    return listings.annotate(status_rank=rank).order_by("status_rank", "product__sku")


def product_listing_counts(product: Product, user: User) -> dict[str, int]:
    """How many of the user's accounts list, are proposed or have delisted the product."""
    rows = (
        Listing.objects.filter(product_id=product.pk, account_id__in=visible_accounts(user).values("id"))
        .order_by()
        .values("status")
        .annotate(n=Count("id"))
    )
    counts = dict.fromkeys(ListingStatus.values, 0)
    for status, count in rows.values_list("status", "n"):
        counts[status] = count
    return counts
