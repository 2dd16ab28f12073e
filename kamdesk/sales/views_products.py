"""Pages of the product catalogue and the account tab "Prices & range".

Reads go through the selectors (the catalogue for any signed-in user, an account only from the access
scope); writes through the services. A hidden account answers 404; a change the user may not make, 403.
Costs and customer pricing terms are shown only to the roles allowed to see them.
"""

import copy
from typing import NoReturn

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as Forbidden
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from kamdesk.access.scope import can_edit_account
from kamdesk.accounts.models import Account
from kamdesk.accounts.views import _account_page, _visible_account
from kamdesk.audit.models import AuditEvent
from kamdesk.core.errors import NotFound, PermissionDenied, ServiceError
from kamdesk.imports.columns import PRODUCTS
from kamdesk.imports.exporting import tabular_response, without_costs
from kamdesk.sales import selectors_products as selectors
from kamdesk.sales.forms_products import ListingForm, PriceAgreementForm, ProductForm, add_errors
from kamdesk.sales.models import PriceAgreement, Product
from kamdesk.sales.services_products import (
    agreed_price,
    listing_delete,
    listing_set,
    may_manage_catalogue,
    may_see_pricing,
    price_agreement_create,
    price_agreement_delete,
    price_agreement_update,
    product_create,
    product_update,
)
from kamdesk.users.models import User

EXPORT_FORMATS = ("csv", "xlsx")
TAB = "sales:account_prices"
HISTORY_LIMIT = 50
ACTIVE_CHOICES = [("", "Active and inactive"), ("true", "Active only"), ("false", "Inactive only")]


def _refuse(error: ServiceError) -> NoReturn:
    if isinstance(error, NotFound):
        raise Http404(error.message) from error
    raise Forbidden(error.message) from error


# --- catalogue ----------------------------------------------------------------------------------------------


def _dress_filter_form(form: forms.Form) -> forms.Form:
    """Friendlier controls for the FilterSet's fields (which the API shares as they are)."""
    fields = form.fields
    fields["q"].widget = forms.TextInput(attrs={"type": "search", "placeholder": "SKU, name or brand"})
    fields["category"].widget = forms.Select(choices=[("", "Any"), *((c, c) for c in selectors.product_categories())])
    fields["brand"].widget = forms.Select(choices=[("", "Any"), *((b, b) for b in selectors.product_brands())])
    fields["active"].widget = forms.Select(choices=ACTIVE_CHOICES)
    fields["sort"].label = "Sort by"
    fields["sort"].widget = forms.Select(choices=list(selectors.SORT_LABELS.items()))
    return form


@login_required
@require_GET
def product_list_view(request: HttpRequest) -> HttpResponse:
    product_filter, products = selectors.product_list(request.user, request.GET)
    form = _dress_filter_form(product_filter.form)
    page = Paginator(products, settings.PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "filter_form": form,
        "filter_fields": [form[name] for name in ("q", "category", "brand", "active", "sort")],
        "page": page,
        "current_sort": (form.cleaned_data.get("sort") if form.is_valid() else None) or "sku",
        "show_costs": may_see_pricing(request.user),
        "can_manage": may_manage_catalogue(request.user),
    }
    return render(request, "sales/product_list.html", context)


@login_required
@require_GET
def product_export_view(request: HttpRequest) -> HttpResponse:
    """Every product matching the list's filters (not only one page), in the import's columns."""
    fmt = request.GET.get("format", "csv").lower()
    if fmt not in EXPORT_FORMATS:
        return HttpResponseBadRequest(
            "Unknown export format; use format=csv or format=xlsx.", content_type="text/plain"
        )
    _filter, products = selectors.product_list(request.user, request.GET)
    if not may_see_pricing(request.user):
        products = without_costs(products)
    return tabular_response(kind=PRODUCTS, queryset=products, fmt=fmt)


def _product_or_404(user: User, pk: int) -> Product:
    try:
        return selectors.product_detail(user, pk)
    except Product.DoesNotExist:
        raise Http404("Product not found.") from None


@login_required
@require_GET
def product_detail_view(request: HttpRequest, pk: int) -> HttpResponse:
    product = _product_or_404(request.user, pk)
    show_costs = may_see_pricing(request.user)
    margin = None
    if show_costs and product.list_price and product.standard_cost is not None:
        margin = (product.list_price - product.standard_cost) / product.list_price * 100
    history = []
    if show_costs:
        events = AuditEvent.objects.filter(object_type="product", object_id=product.pk).select_related("actor")
        history = list(events.order_by("-at", "-id")[:HISTORY_LIMIT])
    context = {
        "product": product,
        "show_costs": show_costs,
        "margin_pct": margin,
        "listing_counts": selectors.product_listing_counts(product, request.user),
        "history": history,
        "can_manage": may_manage_catalogue(request.user),
    }
    return render(request, "sales/product_detail.html", context)


def _require_catalogue_manager(user: User) -> None:
    if not may_manage_catalogue(user):
        raise Forbidden("Only admins and team leads can change the product catalogue.")


def _save_product(form: ProductForm, service, **arguments) -> Product | None:
    try:
        return service(**arguments, **form.service_fields())
    except (PermissionDenied, NotFound) as error:
        _refuse(error)
    except ServiceError as error:
        add_errors(form, error)
    return None


@login_required
@require_http_methods(["GET", "POST"])
def product_create_view(request: HttpRequest) -> HttpResponse:
    _require_catalogue_manager(request.user)
    form = ProductForm(request.POST or None, show_costs=may_see_pricing(request.user))
    if request.method == "POST" and form.is_valid():
        product = _save_product(form, product_create, actor=request.user)
        if product is not None:
            messages.success(request, f"Product {product.sku} added.")
            return redirect("sales:product_detail", pk=product.pk)
    return render(request, "sales/product_form.html", {"form": form, "product": None})


@login_required
@require_http_methods(["GET", "POST"])
def product_edit_view(request: HttpRequest, pk: int) -> HttpResponse:
    product = _product_or_404(request.user, pk)
    _require_catalogue_manager(request.user)
    # The form writes posted values onto its instance while validating; the heading keeps the stored SKU.
    form = ProductForm(request.POST or None, instance=copy.copy(product), show_costs=may_see_pricing(request.user))
    if request.method == "POST" and form.is_valid():
        saved = _save_product(form, product_update, actor=request.user, product_id=product.pk)
        if saved is not None:
            messages.success(request, "Changes saved.")
            return redirect("sales:product_detail", pk=saved.pk)
    return render(request, "sales/product_form.html", {"form": form, "product": product})


# --- account tab: prices & range -----------------------------------------------------------------------------


def _set_expected_prices(agreements: list[PriceAgreement], listings: list, today) -> None:
    """Today's expected price of each listing's product (``listing.expected_price``), from the agreements
    already loaded: no query per listing."""
    by_product, by_category = {}, {}
    for agreement in agreements:
        if agreement.valid_from <= today and (agreement.valid_to is None or agreement.valid_to >= today):
            if agreement.product_id:
                by_product[agreement.product_id] = agreement
            else:
                by_category[agreement.category] = agreement
    for listing in listings:
        product = listing.product
        listing.expected_price = agreed_price(by_product.get(product.pk) or by_category.get(product.category), product)


def _prices_page(
    request: HttpRequest,
    account: Account,
    *,
    agreement_form: PriceAgreementForm | None = None,
    listing_form: ListingForm | None = None,
    status: int = 200,
) -> HttpResponse:
    show_pricing = may_see_pricing(request.user)
    context = _account_page(request, account, TAB, show_pricing=show_pricing)
    today = timezone.localdate()
    listings = list(selectors.account_listings(account))
    context["listings"] = listings
    if show_pricing:
        agreements = list(selectors.account_price_agreements(account))
        current, upcoming, past = selectors.split_by_validity(agreements, today)
        _set_expected_prices(agreements, listings, today)
        context |= {
            "current_agreements": current,
            "upcoming_agreements": upcoming,
            "past_agreements": past,
            "today": today,
        }
    if context["can_edit"]:
        if show_pricing:
            context["agreement_form"] = agreement_form or PriceAgreementForm(initial={"valid_from": today})
        context["listing_form"] = listing_form or ListingForm()
    return render(request, "sales/account_prices.html", context, status=status)


@login_required
@require_GET
def account_prices_view(request: HttpRequest, pk: int) -> HttpResponse:
    return _prices_page(request, _visible_account(request, pk))


def _editable_for_pricing(request: HttpRequest, pk: int) -> Account:
    """The account, if the user may change its pricing: 404 when hidden, 403 when read-only or the role
    may not see pricing terms."""
    account = _visible_account(request, pk)
    if not can_edit_account(request.user, account.pk):
        raise Forbidden("You have read-only access to this account.")
    if not may_see_pricing(request.user):
        raise Forbidden("Your role cannot see or change customer pricing terms.")
    return account


@login_required
@require_POST
def agreement_add_view(request: HttpRequest, pk: int) -> HttpResponse:
    account = _editable_for_pricing(request, pk)
    form = PriceAgreementForm(request.POST)
    if form.is_valid():
        try:
            price_agreement_create(actor=request.user, account_id=account.pk, **form.service_fields())
        except (PermissionDenied, NotFound) as error:
            _refuse(error)
        except ServiceError as error:
            add_errors(form, error)
        else:
            messages.success(request, "Price agreement added.")
            return redirect(TAB, pk=account.pk)
    return _prices_page(request, account, agreement_form=form, status=400)


def _agreement_or_404(account: Account, agreement_id: int) -> PriceAgreement:
    agreement = PriceAgreement.objects.select_related("product").filter(pk=agreement_id, account_id=account.pk).first()
    if agreement is None:
        raise Http404("Price agreement not found.")
    return agreement


@login_required
@require_http_methods(["GET", "POST"])
def agreement_edit_view(request: HttpRequest, pk: int, agreement_id: int) -> HttpResponse:
    account = _editable_for_pricing(request, pk)
    agreement = _agreement_or_404(account, agreement_id)
    if request.method == "POST":
        form = PriceAgreementForm(request.POST)
        if form.is_valid():
            try:
                price_agreement_update(
                    actor=request.user, account_id=account.pk, agreement_id=agreement.pk, **form.service_fields()
                )
            except (PermissionDenied, NotFound) as error:
                _refuse(error)
            except ServiceError as error:
                add_errors(form, error)
            else:
                messages.success(request, "Price agreement saved.")
                return redirect(TAB, pk=account.pk)
    else:
        form = PriceAgreementForm(initial=PriceAgreementForm.initial_for(agreement))
    context = _account_page(request, account, TAB, form=form, agreement=agreement)
    status = 400 if form.is_bound and form.errors else 200
    return render(request, "sales/account_prices_agreement_form.html", context, status=status)


@login_required
@require_POST
def agreement_delete_view(request: HttpRequest, pk: int, agreement_id: int) -> HttpResponse:
    account = _editable_for_pricing(request, pk)
    try:
        price_agreement_delete(actor=request.user, account_id=account.pk, agreement_id=agreement_id)
    except ServiceError as error:
        _refuse(error)
    messages.success(request, "Price agreement deleted.")
    return redirect(TAB, pk=account.pk)


def _editable_for_range(request: HttpRequest, pk: int) -> Account:
    account = _visible_account(request, pk)
    if not can_edit_account(request.user, account.pk):
        raise Forbidden("You have read-only access to this account.")
    return account


@login_required
@require_POST
def listing_set_view(request: HttpRequest, pk: int) -> HttpResponse:
    account = _editable_for_range(request, pk)
    form = ListingForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            listing = listing_set(
                actor=request.user,
                account_id=account.pk,
                product=data["sku"],
                status=data["status"],
                since=data["since"],
            )
        except (PermissionDenied, NotFound) as error:
            _refuse(error)
        except ServiceError as error:
            add_errors(form, error)
        else:
            messages.success(request, f"{listing.product.sku}: {listing.get_status_display().lower()}.")
            return redirect(TAB, pk=account.pk)
    return _prices_page(request, account, listing_form=form, status=400)


@login_required
@require_POST
def listing_delete_view(request: HttpRequest, pk: int, listing_id: int) -> HttpResponse:
    account = _editable_for_range(request, pk)
    try:
        listing_delete(actor=request.user, account_id=account.pk, listing_id=listing_id)
    except ServiceError as error:
        _refuse(error)
    messages.success(request, "Listing removed.")
    return redirect(TAB, pk=account.pk)
