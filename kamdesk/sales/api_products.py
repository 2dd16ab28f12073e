"""Products, customer price agreements, expected prices and listings in the REST API.

The catalogue is readable by every signed-in user; admins and team leads change it. Agreements, expected
prices and listings belong to an account: a hidden account answers 404 like a missing one. Pricing terms
and costs are for the roles allowed to see costs: for others ``standard_cost`` is null, and the agreement
and expected-price routes answer 403.
"""

import datetime as dt
from decimal import Decimal
from typing import Annotated, Literal

from django.db import transaction
from django.db.models import DecimalField, F, QuerySet, Value
from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate

from kamdesk.accounts.models import Account
from kamdesk.accounts.services import editable_account
from kamdesk.core.api import (
    READ_ERRORS,
    UNAUTHORIZED,
    WRITE_ERRORS,
    ErrorOut,
    InputSchema,
    ObjectId,
    Paginated,
    SearchText,
    Text,
    Unset,
    ValidationErrorOut,
    check_filters,
    current_user,
    filter_params,
    require_writer,
)
from kamdesk.core.errors import NotFound, PermissionDenied, ServiceError
from kamdesk.sales import selectors_products as selectors
from kamdesk.sales.models import Listing, ListingStatus, PriceAgreement, Product
from kamdesk.sales.services_products import (
    expected_price,
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

router = Router(tags=["products"])

Sku = Text(40, min_length=1)
Money = Annotated[Decimal, Field(ge=0, max_digits=18, decimal_places=2)]
Quantity = Annotated[Decimal, Field(ge=0, max_digits=18, decimal_places=3)]
Percent = Annotated[Decimal, Field(ge=0, le=100, max_digits=5, decimal_places=2)]
SortKey = Literal[tuple(selectors.ORDERING)]
PRICING_READ = {**READ_ERRORS, 403: ErrorOut}


# --- shapes --------------------------------------------------------------------------------------------------


class ProductOut(Schema):
    id: int
    sku: str
    name: str
    category: str
    sub_category: str
    brand: str
    unit: str
    pack_size: Decimal | None
    list_price: Decimal | None
    standard_cost: Decimal | None = Field(description="Null for roles that may not see costs.")
    is_active: bool
    created_at: dt.datetime
    updated_at: dt.datetime

    @staticmethod
    def resolve_standard_cost(obj: Product) -> Decimal | None:
        # Set by the routes for the roles allowed to see costs; hidden (null) unless set.
        return getattr(obj, "visible_standard_cost", None)


class ProductQuery(Schema):
    """The products list's filters: the same as the web list's."""

    q: SearchText | None = Field(None, description="Search in SKU, name and brand.")
    sku: Text(40) | None = Field(None, description="Exact SKU (case-insensitive).")
    category: Text(100) | None = None
    sub_category: Text(100) | None = None
    brand: Text(100) | None = None
    active: bool | None = None
    sort: SortKey | None = None


class ProductIn(InputSchema):
    sku: Sku
    name: Text(200, min_length=1)
    category: Text(100) = ""
    sub_category: Text(100) = ""
    brand: Text(100) = ""
    unit: Text(20, min_length=1) = "pcs"
    pack_size: Quantity | None = None
    list_price: Money | None = None
    standard_cost: Money | None = None
    is_active: bool = True


class ProductPatch(InputSchema):
    """Only the fields sent change."""

    sku: Sku = Unset()
    name: Text(200, min_length=1) = Unset()
    category: Text(100) = Unset()
    sub_category: Text(100) = Unset()
    brand: Text(100) = Unset()
    unit: Text(20, min_length=1) = Unset()
    pack_size: Quantity | None = Unset()
    list_price: Money | None = Unset()
    standard_cost: Money | None = Unset()
    is_active: bool = Unset()


class AgreementOut(Schema):
    id: int
    account_id: int
    product_id: int | None
    sku: str | None = Field(description="The product's SKU; null for a category agreement.")
    category: str | None = Field(description="The category; null for a product agreement.")
    discount_pct: Decimal | None
    net_price: Decimal | None
    valid_from: dt.date
    valid_to: dt.date | None = Field(description="Last day of validity (inclusive); null: open-ended.")
    note: str
    created_at: dt.datetime

    @staticmethod
    def resolve_sku(obj: PriceAgreement) -> str | None:
        return obj.product.sku if obj.product_id else None

    @staticmethod
    def resolve_category(obj: PriceAgreement) -> str | None:
        return obj.category or None


class AgreementIn(InputSchema):
    sku: Sku | None = Field(None, description="A product's SKU; or give a category.")
    category: Text(100, min_length=1) | None = Field(None, description="A whole category; or give a SKU.")
    discount_pct: Percent | None = Field(None, description="Discount off the list price; or give a net price.")
    net_price: Money | None = None
    valid_from: dt.date
    valid_to: dt.date | None = None
    note: Text(200) = ""


class AgreementPatch(InputSchema):
    """Only the fields sent change; sending a SKU drops the category (and the other way round), sending a
    net price drops the discount (and the other way round)."""

    sku: Sku | None = Unset()
    category: Text(100, min_length=1) | None = Unset()
    discount_pct: Percent | None = Unset()
    net_price: Money | None = Unset()
    valid_from: dt.date = Unset()
    valid_to: dt.date | None = Unset()
    note: Text(200) = Unset()


class ExpectedPriceQuery(Schema):
    # Optional in the schema so that a hidden account answers 404 before the parameters are judged.
    sku: Sku | None = Field(None, description="The product's SKU (required).")
    date: dt.date | None = Field(None, description="The day (default: today).")


class ExpectedPriceOut(Schema):
    sku: str
    date: dt.date
    price: Decimal | None = Field(description="Per unit; null when the product has no list price and no net price.")
    list_price: Decimal | None
    agreement: AgreementOut | None = Field(description="The agreement behind the price; null: the list price.")


class ListingOut(Schema):
    id: int
    product_id: int
    sku: str
    product_name: str
    status: ListingStatus
    since: dt.date
    updated_at: dt.datetime

    @staticmethod
    def resolve_sku(obj: Listing) -> str:
        return obj.product.sku

    @staticmethod
    def resolve_product_name(obj: Listing) -> str:
        return obj.product.name


class ListingQuery(Schema):
    status: ListingStatus | None = None


class ListingIn(InputSchema):
    sku: Sku
    status: ListingStatus
    since: dt.date | None = Field(None, description="Default: today when the status changes.")


# --- helpers ---------------------------------------------------------------------------------------------------


def _with_costs(products: QuerySet, user: User) -> QuerySet:
    cost = F("standard_cost") if may_see_pricing(user) else Value(None, output_field=DecimalField())
    return products.annotate(visible_standard_cost=cost)


def _product(user: User, product_id: int) -> Product:
    product = _with_costs(selectors.products_for(user), user).filter(pk=product_id).first()
    if product is None:
        raise NotFound("Product not found.")
    return product


def _check_catalogue_write(user: User, fields: dict) -> None:
    require_writer(user)
    if not may_manage_catalogue(user):
        raise PermissionDenied("Only admins and team leads can change the product catalogue.")
    if "standard_cost" in fields and not may_see_pricing(user):
        raise PermissionDenied("Your role cannot see or change costs.")


def _account(user: User, account_id: int) -> Account:
    try:
        return selectors.visible_account(user, account_id)
    except Account.DoesNotExist:
        raise NotFound("Account not found.") from None


def _pricing_account(user: User, account_id: int) -> Account:
    account = _account(user, account_id)
    if not may_see_pricing(user):
        raise PermissionDenied("Your role cannot see customer pricing terms.")
    return account


def _product_by_sku(user: User, sku: str) -> Product:
    product = selectors.product_by_sku(user, sku)
    if product is None:
        raise ServiceError(f"No product has the SKU “{sku}”.", {"sku": ["Unknown SKU."]})
    return product


def _agreement_fields(user: User, data: dict) -> dict:
    """The API's SKU as the product the service takes; a null category as none."""
    fields = dict(data)
    if "sku" in fields:
        sku = fields.pop("sku")
        fields["product"] = _product_by_sku(user, sku) if sku else None
    if "category" in fields:
        fields["category"] = fields["category"] or ""
    return fields


def _sku_named(error: ServiceError) -> ServiceError:
    """The services name the product field; the API calls it sku."""
    if "product" not in error.field_errors:
        return error
    fields = {("sku" if name == "product" else name): messages for name, messages in error.field_errors.items()}
    return type(error)(error.message, fields)


def _agreement(account: Account, agreement_id: int) -> PriceAgreement:
    agreement = PriceAgreement.objects.select_related("product").filter(pk=agreement_id, account_id=account.pk).first()
    if agreement is None:
        raise NotFound("Price agreement not found.")
    return agreement


# --- products ----------------------------------------------------------------------------------------------------


@router.get(
    "/products", response={200: list[ProductOut], **UNAUTHORIZED, 422: ValidationErrorOut}, summary="List products"
)
@paginate(Paginated)
def list_products(request: HttpRequest, filters: Query[ProductQuery]):
    """The catalogue, filtered and sorted like the web list."""
    user = current_user(request)
    product_filter, products = selectors.product_list(user, filter_params(filters))
    check_filters(product_filter)
    return _with_costs(products, user)


@router.get("/products/{product_id}", response={200: ProductOut, **READ_ERRORS}, summary="Get a product")
def get_product(request: HttpRequest, product_id: ObjectId):
    return _product(current_user(request), product_id)


@router.post("/products", response={201: ProductOut, **WRITE_ERRORS}, summary="Create a product")
def create_product(request: HttpRequest, payload: ProductIn):
    """Admins and team leads."""
    user = current_user(request)
    data = payload.model_dump(exclude_unset=True)
    _check_catalogue_write(user, data)
    product = product_create(actor=user, **payload.model_dump())
    return Status(201, _product(user, product.pk))


@router.patch("/products/{product_id}", response={200: ProductOut, **WRITE_ERRORS}, summary="Change a product")
def update_product(request: HttpRequest, product_id: ObjectId, payload: ProductPatch):
    """Admins and team leads."""
    user = current_user(request)
    _product(user, product_id)
    data = payload.model_dump(exclude_unset=True)
    _check_catalogue_write(user, data)
    product_update(actor=user, product_id=product_id, **data)
    return _product(user, product_id)


# --- price agreements -----------------------------------------------------------------------------------------


@router.get(
    "/accounts/{account_id}/price-agreements",
    response={200: list[AgreementOut], **PRICING_READ},
    summary="List an account's price agreements",
)
@paginate(Paginated)
def list_price_agreements(request: HttpRequest, account_id: ObjectId):
    """Current, future and past agreements, latest start first."""
    account = _pricing_account(current_user(request), account_id)
    return selectors.account_price_agreements(account)


@router.post(
    "/accounts/{account_id}/price-agreements",
    response={201: AgreementOut, **WRITE_ERRORS},
    summary="Add a price agreement",
)
def create_price_agreement(request: HttpRequest, account_id: ObjectId, payload: AgreementIn):
    """Needs edit access to the account. An agreement whose validity overlaps another one of the account for
    the same product (or the same category) is refused, naming that agreement."""
    user = current_user(request)
    _pricing_account(user, account_id)
    require_writer(user)
    data = payload.model_dump()
    try:
        with transaction.atomic():
            editable_account(user, account_id)  # 403 for read-only access, before looking at the SKU
            agreement = price_agreement_create(actor=user, account_id=account_id, **_agreement_fields(user, data))
    except ServiceError as error:
        raise _sku_named(error) from error
    return Status(201, agreement)


@router.patch(
    "/accounts/{account_id}/price-agreements/{agreement_id}",
    response={200: AgreementOut, **WRITE_ERRORS},
    summary="Change a price agreement",
)
def update_price_agreement(request: HttpRequest, account_id: ObjectId, agreement_id: ObjectId, payload: AgreementPatch):
    user = current_user(request)
    _agreement(_pricing_account(user, account_id), agreement_id)
    require_writer(user)
    data = payload.model_dump(exclude_unset=True)
    try:
        with transaction.atomic():
            editable_account(user, account_id)
            agreement = price_agreement_update(
                actor=user, account_id=account_id, agreement_id=agreement_id, **_agreement_fields(user, data)
            )
    except ServiceError as error:
        raise _sku_named(error) from error
    return agreement


@router.delete(
    "/accounts/{account_id}/price-agreements/{agreement_id}",
    response={204: None, **WRITE_ERRORS},
    summary="Delete a price agreement",
)
def delete_price_agreement(request: HttpRequest, account_id: ObjectId, agreement_id: ObjectId):
    user = current_user(request)
    _agreement(_pricing_account(user, account_id), agreement_id)
    require_writer(user)
    price_agreement_delete(actor=user, account_id=account_id, agreement_id=agreement_id)
    return Status(204, None)


@router.get(
    "/accounts/{account_id}/expected-price",
    response={200: ExpectedPriceOut, **PRICING_READ},
    summary="The price an account should pay for a product on a day",
)
def get_expected_price(request: HttpRequest, account_id: ObjectId, query: Query[ExpectedPriceQuery]):
    """A product agreement beats a category agreement; without an agreement the list price applies. Net
    price, or list price * (1 - discount/100), in cents."""
    user = current_user(request)
    account = _pricing_account(user, account_id)
    if not query.sku:
        raise ServiceError("Give the product's SKU.", {"sku": ["This parameter is required."]})
    product = _product_by_sku(user, query.sku)
    day = query.date or timezone.localdate()
    price, agreement = expected_price(account, product, day)
    if agreement is not None and agreement.product_id:
        agreement.product = product
    return {"sku": product.sku, "date": day, "price": price, "list_price": product.list_price, "agreement": agreement}


# --- listings ---------------------------------------------------------------------------------------------------


@router.get(
    "/accounts/{account_id}/listings",
    response={200: list[ListingOut], **READ_ERRORS},
    summary="List an account's range",
)
@paginate(Paginated)
def list_listings(request: HttpRequest, account_id: ObjectId, filters: Query[ListingQuery]):
    """Listed, proposed and delisted products of the account, listed first."""
    account = _account(current_user(request), account_id)
    return selectors.account_listings(account, filters.status)


@router.put("/accounts/{account_id}/listings", response={200: ListingOut, **WRITE_ERRORS}, summary="Set a listing")
def set_listing(request: HttpRequest, account_id: ObjectId, payload: ListingIn):
    """Set one product's status in the account's range, by SKU. Needs edit access to the account."""
    user = current_user(request)
    _account(user, account_id)
    require_writer(user)
    with transaction.atomic():
        editable_account(user, account_id)  # 403 for read-only access, before looking at the SKU
        listing = listing_set(
            actor=user,
            account_id=account_id,
            product=_product_by_sku(user, payload.sku),
            status=payload.status,
            since=payload.since,
        )
    return listing
