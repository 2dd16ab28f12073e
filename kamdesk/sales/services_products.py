"""Every change to the product catalogue, to customer price agreements and to the range (listings) goes
through these functions: they check access, validate, write in one transaction and record the audit event.

- The catalogue belongs to no account: admins and team leads change it (and the system, ``actor=None``);
  everyone else reads it. Its audit events carry no account.
- Price agreements and listings belong to an account: changing them needs edit access to it. Pricing terms
  are also hidden from roles that may not see costs, so those roles cannot change agreements either.
"""

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from kamdesk.access.scope import can_see_costs
from kamdesk.accounts.models import Account
from kamdesk.accounts.services import editable_account
from kamdesk.audit.services import audit_record, diff, snapshot
from kamdesk.core.errors import NotFound, PermissionDenied, ServiceError
from kamdesk.core.services import apply_fields, validate
from kamdesk.sales.models import Listing, ListingStatus, PriceAgreement, Product
from kamdesk.users.models import Role, User

CENT = Decimal("0.01")
PRODUCT_FIELDS = [
    "sku",
    "name",
    "category",
    "sub_category",
    "brand",
    "unit",
    "pack_size",
    "list_price",
    "standard_cost",
    "is_active",
]
COST_FIELDS = {"standard_cost"}
CATALOGUE_ROLES = (Role.ADMIN, Role.TEAM_LEAD)
AGREEMENT_FIELDS = ["product", "category", "discount_pct", "net_price", "valid_from", "valid_to", "note"]
LISTING_FIELDS = ["product", "status", "since"]


# --- who may do what -------------------------------------------------------------------------------------


def may_manage_catalogue(actor: User | None) -> bool:
    """Admins and team leads (and the system) change products; everyone else reads them."""
    return actor is None or (actor.is_active and actor.role in CATALOGUE_ROLES)


def may_see_pricing(actor: User | None) -> bool:
    """Costs and customer pricing terms: the system and the roles allowed to see costs."""
    return actor is None or can_see_costs(actor)


def _require_catalogue_manager(actor: User | None) -> None:
    if not may_manage_catalogue(actor):
        raise PermissionDenied("Only admins and team leads can change the product catalogue.")


def _require_pricing(actor: User | None) -> None:
    if not may_see_pricing(actor):
        raise PermissionDenied("Your role cannot see or change customer pricing terms.")


# --- products --------------------------------------------------------------------------------------------


def _clean_product_fields(fields: dict) -> dict:
    cleaned = dict(fields)
    for name in ("sku", "name", "category", "sub_category", "brand", "unit"):
        if isinstance(cleaned.get(name), str):
            cleaned[name] = cleaned[name].strip()
    return cleaned


def product_create(*, actor: User | None, **fields) -> Product:
    _require_catalogue_manager(actor)
    product = Product()
    apply_fields(product, _clean_product_fields(fields), set(PRODUCT_FIELDS))
    validate(product)
    with transaction.atomic():
        product.save()
        audit_record(actor=actor, action="create", obj=product, changes=diff({}, snapshot(product, PRODUCT_FIELDS)))
    return product


def product_update(*, actor: User | None, product_id: int, **fields) -> Product:
    _require_catalogue_manager(actor)
    with transaction.atomic():
        product = Product.objects.select_for_update().filter(pk=product_id).first()
        if product is None:
            raise NotFound("Product not found.")
        before = snapshot(product, PRODUCT_FIELDS)
        apply_fields(product, _clean_product_fields(fields), set(PRODUCT_FIELDS))
        validate(product)
        changes = diff(before, snapshot(product, PRODUCT_FIELDS))
        if changes:
            product.save()
            audit_record(actor=actor, action="update", obj=product, changes=changes)
    return product


# --- price agreements ------------------------------------------------------------------------------------


def _describe(agreement: PriceAgreement) -> str:
    """How a person recognises an agreement: what it covers, its terms and its validity."""
    subject = f"SKU {agreement.product.sku}" if agreement.product_id else f"the category “{agreement.category}”"
    terms = f"net price {agreement.net_price}" if agreement.net_price is not None else f"{agreement.discount_pct} % off"
    until = agreement.valid_to.isoformat() if agreement.valid_to else "open-ended"
    return f"{subject}, {terms}, valid {agreement.valid_from.isoformat()} to {until}"


def _check_terms(agreement: PriceAgreement) -> None:
    """What the database constraints say, as messages a person can act on (before the database says it)."""
    errors: dict[str, list[str]] = {}
    if (agreement.product_id is None) == (not agreement.category):
        errors["product"] = ["Choose either a product or a category (not both)."]
    if (agreement.discount_pct is None) == (agreement.net_price is None):
        errors["discount_pct"] = ["Give either a discount % or a net price (not both)."]
    if agreement.valid_from and agreement.valid_to and agreement.valid_to < agreement.valid_from:
        errors["valid_to"] = ["The end date must be on or after the start date."]
    if errors:
        raise ServiceError("Please correct the highlighted fields.", errors)
    if agreement.category and not Product.objects.filter(category=agreement.category).exists():
        raise ServiceError(
            f"No product has the category “{agreement.category}”.",
            {"category": ["Unknown category: use one of the catalogue's categories."]},
        )


def _check_overlap(agreement: PriceAgreement) -> None:
    """Two agreements of one account for the same product (or the same category) may not be valid on the
    same day: the price would be ambiguous. ``valid_to`` is inclusive; an empty one runs forever."""
    same_subject = Q(product_id=agreement.product_id) if agreement.product_id else Q(category=agreement.category)
    clashes = PriceAgreement.objects.filter(same_subject, account_id=agreement.account_id).filter(
        Q(valid_to__isnull=True) | Q(valid_to__gte=agreement.valid_from)
    )
    if agreement.valid_to is not None:
        clashes = clashes.filter(valid_from__lte=agreement.valid_to)
    if agreement.pk:
        clashes = clashes.exclude(pk=agreement.pk)
    clash = clashes.select_related("product").order_by("valid_from").first()
    if clash is not None:
        message = f"The validity overlaps the existing agreement for {_describe(clash)}."
        raise ServiceError(message, {"valid_from": [message]})


def _save_agreement(agreement: PriceAgreement) -> None:
    _check_terms(agreement)
    validate(agreement, exclude=["account", "product"])
    _check_overlap(agreement)
    agreement.save()


def price_agreement_create(*, actor: User | None, account_id: int, **fields) -> PriceAgreement:
    """``fields``: product or category, discount_pct or net_price, valid_from, valid_to (None: open-ended),
    note."""
    with transaction.atomic():
        account = editable_account(actor, account_id)  # locks the account: overlap checks run one at a time
        _require_pricing(actor)
        agreement = PriceAgreement(account=account)
        apply_fields(agreement, {"category": "", **fields}, set(AGREEMENT_FIELDS))
        agreement.category = (agreement.category or "").strip()
        _save_agreement(agreement)
        audit_record(
            actor=actor,
            action="create",
            obj=agreement,
            account_id=account.pk,
            changes=diff({}, snapshot(agreement, AGREEMENT_FIELDS)),
        )
    return agreement


def _editable_agreement(actor: User | None, account_id: int, agreement_id: int) -> PriceAgreement:
    account = editable_account(actor, account_id)
    _require_pricing(actor)
    agreement = PriceAgreement.objects.select_related("product").filter(pk=agreement_id, account_id=account.pk).first()
    if agreement is None:
        raise NotFound("Price agreement not found.")
    return agreement


def price_agreement_update(*, actor: User | None, account_id: int, agreement_id: int, **fields) -> PriceAgreement:
    """Only the fields given change; setting one side of a pair (product/category, discount/net price)
    clears the other."""
    with transaction.atomic():
        agreement = _editable_agreement(actor, account_id, agreement_id)
        before = snapshot(agreement, AGREEMENT_FIELDS)
        fields = _with_pairs_cleared(fields)
        apply_fields(agreement, fields, set(AGREEMENT_FIELDS))
        agreement.category = (agreement.category or "").strip()
        _save_agreement(agreement)
        changes = diff(before, snapshot(agreement, AGREEMENT_FIELDS))
        if changes:
            audit_record(actor=actor, action="update", obj=agreement, account_id=account_id, changes=changes)
    return agreement


def _with_pairs_cleared(fields: dict) -> dict:
    """Choosing a product drops the category (and so on), unless the caller set both on purpose."""
    fields = dict(fields)
    if fields.get("product") is not None:
        fields.setdefault("category", "")
    if fields.get("category"):
        fields.setdefault("product", None)
    if fields.get("net_price") is not None:
        fields.setdefault("discount_pct", None)
    if fields.get("discount_pct") is not None:
        fields.setdefault("net_price", None)
    return fields


def price_agreement_delete(*, actor: User | None, account_id: int, agreement_id: int) -> None:
    with transaction.atomic():
        agreement = _editable_agreement(actor, account_id, agreement_id)
        audit_record(
            actor=actor,
            action="delete",
            obj=agreement,
            account_id=account_id,
            changes=diff(snapshot(agreement, AGREEMENT_FIELDS), {}),
        )
        agreement.delete()


def applicable_agreement(account: Account, product: Product, day: dt.date) -> PriceAgreement | None:
    """The agreement setting ``product``'s price for ``account`` on ``day``: a product agreement beats a
    category agreement. Overlaps are refused when saving, so there is at most one of each."""
    subject = Q(product_id=product.pk)
    if product.category:
        subject |= Q(product__isnull=True, category=product.category)
    candidates = PriceAgreement.objects.filter(subject, account_id=account.pk, valid_from__lte=day).filter(
        Q(valid_to__isnull=True) | Q(valid_to__gte=day)
    )
    found = list(candidates[:2])
    return next((a for a in found if a.product_id), found[0] if found else None)


def agreed_price(agreement: PriceAgreement | None, product: Product) -> Decimal | None:
    """The net price, or the list price less the discount, in cents; None when no price can be known."""
    if agreement is not None and agreement.net_price is not None:
        return agreement.net_price.quantize(CENT, rounding=ROUND_HALF_UP)
    if product.list_price is None:
        return None
    price = product.list_price
    if agreement is not None:
        price = price * (Decimal(100) - agreement.discount_pct) / Decimal(100)
    return price.quantize(CENT, rounding=ROUND_HALF_UP)


def expected_price(account: Account, product: Product, day: dt.date) -> tuple[Decimal | None, PriceAgreement | None]:
    """What ``account`` should pay for one unit of ``product`` on ``day``, and the agreement behind it
    (None: the list price applies). The caller has checked that the user may see the account's pricing."""
    agreement = applicable_agreement(account, product, day)
    return agreed_price(agreement, product), agreement


# --- listings ---------------------------------------------------------------------------------------------


def listing_set(
    *, actor: User | None, account_id: int, product: Product, status: str, since: dt.date | None = None
) -> Listing:
    """Record whether the account lists, is proposed or has delisted ``product``. ``since`` defaults to
    today when the status changes; setting the same status and date again changes nothing."""
    if status not in ListingStatus.values:
        raise ServiceError(
            f"Unknown status “{status}”.", {"status": [f"Use one of: {', '.join(ListingStatus.values)}."]}
        )
    with transaction.atomic():
        account = editable_account(actor, account_id)
        listing = Listing.objects.select_for_update().filter(account_id=account.pk, product_id=product.pk).first()
        before = snapshot(listing, LISTING_FIELDS) if listing else {}
        if listing is None:
            listing = Listing(account=account, product=product)
        if since is None and listing.status != status:
            since = timezone.localdate()
        listing.status = status
        if since is not None:
            listing.since = since
        validate(listing, exclude=["account", "product"])
        changes = diff(before, snapshot(listing, LISTING_FIELDS))
        if changes:
            listing.save()
            audit_record(
                actor=actor,
                action="update" if before else "create",
                obj=listing,
                account_id=account.pk,
                changes=changes,
            )
    return listing


def listing_delete(*, actor: User | None, account_id: int, listing_id: int) -> None:
    """For a listing recorded by mistake; a product the customer stopped taking is marked delisted."""
    with transaction.atomic():
        account = editable_account(actor, account_id)
        listing = Listing.objects.select_related("product").filter(pk=listing_id, account_id=account.pk).first()
        if listing is None:
            raise NotFound("Listing not found.")
        audit_record(
            actor=actor,
            action="delete",
            obj=listing,
            account_id=account.pk,
            changes=diff(snapshot(listing, LISTING_FIELDS), {}),
        )
        listing.delete()
