"""Every change to store checks and their photos goes through these functions (access, validation, audit).

A store check is an activity of kind "store check" plus what the visit found (StoreCheck); the activity
itself is written by the activity services. Access follows the account: changing a store check or its
photos needs edit access to it. ``actor=None`` is the system (the operator's CLI, the demo).

Score: entered by the person (0-100), or — when left empty — computed as the average of the price and
display compliance figures that were given, rounded to a whole number (half up); with neither given there
is no score. A computed score follows later changes of the compliance figures; an entered one stays.
"""

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.conf import settings
from django.core.files import File
from django.db import transaction

from kamdesk.accounts.models import Account
from kamdesk.activities import photos
from kamdesk.activities.models import Activity, ActivityKind, StoreCheck, StoreCheckPhoto
from kamdesk.activities.services import _refuse_viewer, activity_create, activity_update, editable_activity
from kamdesk.audit.services import audit_record, diff, snapshot
from kamdesk.core.errors import NotFound, ServiceError
from kamdesk.core.services import validate
from kamdesk.sales.models import Product
from kamdesk.users.models import User

STORE_FIELDS = ["store_name", "store_number", "store_address", "store_city"]
PERCENT_FIELDS = {
    "shelf_share_pct": "Shelf share",
    "price_compliance_pct": "Price compliance",
    "display_compliance_pct": "Display compliance",
}
STORE_CHECK_AUDITED = [*STORE_FIELDS, *PERCENT_FIELDS, "score", "out_of_stock_products"]
MAX_OUT_OF_STOCK = 500
MAX_PHOTOS = 50
HUNDRED = Decimal(100)


# --- checks ---------------------------------------------------------------------------------------------------


def _percent(field: str, label: str, value) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise ServiceError(f"{label} must be a number.", {field: ["Enter a number from 0 to 100."]}) from None
    if not number.is_finite() or not 0 <= number <= HUNDRED:
        raise ServiceError(
            f"{label} must be between 0 and 100 %; {value} was given.", {field: ["Enter a number from 0 to 100."]}
        )
    return number.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def _entered_score(value) -> int | None:
    if value is None or value == "":
        return None
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        number = None
    if number is None or not number.is_finite() or number != number.to_integral_value() or not 0 <= number <= 100:
        raise ServiceError(
            f"The score must be a whole number from 0 to 100; {value} was given.",
            {"score": ["Enter a whole number from 0 to 100, or leave it empty to compute it."]},
        )
    return int(number)


def computed_score(price_compliance_pct: Decimal | None, display_compliance_pct: Decimal | None) -> int | None:
    """The average of the compliance figures given, rounded half up; None without any."""
    figures = [Decimal(v) for v in (price_compliance_pct, display_compliance_pct) if v is not None]
    if not figures:
        return None
    return int((sum(figures) / len(figures)).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def _products(items) -> list[Product]:
    """The out-of-stock products, given as products or ids; every one must exist."""
    ids = {item.pk if isinstance(item, Product) else item for item in items or []}
    if len(ids) > MAX_OUT_OF_STOCK:
        raise ServiceError(
            f"At most {MAX_OUT_OF_STOCK} out-of-stock products per store check.",
            {"out_of_stock_products": [f"{len(ids)} given."]},
        )
    bad = sorted(str(i) for i in ids if not isinstance(i, int) or isinstance(i, bool) or i < 1)
    if bad:
        raise ServiceError(
            "Products are named by their id.", {"out_of_stock_products": [f"Not an id: {', '.join(bad)}."]}
        )
    found = list(Product.objects.filter(pk__in=ids))
    missing = sorted(ids - {product.pk for product in found})
    if missing:
        listed = ", ".join(str(i) for i in missing[:20])
        raise ServiceError(
            f"Unknown product{'s' if len(missing) > 1 else ''}: {listed}.",
            {"out_of_stock_products": [f"No product with id {listed}."]},
        )
    return found


def _check_kind(activity: Activity) -> None:
    if activity.kind != ActivityKind.STORE_CHECK:
        raise ServiceError(
            f"Only a store check has store-check details; this activity is a {activity.get_kind_display().lower()}.",
            {"kind": ["Change the activity's kind to store check first."]},
        )


# --- store checks ---------------------------------------------------------------------------------------------


def store_check_save(
    *,
    actor: User | None,
    activity_id: int,
    store_name: str,
    store_number: str = "",
    store_address: str = "",
    store_city: str = "",
    out_of_stock_products=(),
    shelf_share_pct=None,
    price_compliance_pct=None,
    display_compliance_pct=None,
    score=None,
) -> StoreCheck:
    """Record (or replace) what the store check of ``activity_id`` found."""
    with transaction.atomic():
        activity = editable_activity(actor, activity_id)
        _check_kind(activity)
        store_check = StoreCheck.objects.filter(activity=activity).first()
        created = store_check is None
        if created:
            store_check = StoreCheck(activity=activity)
        before = {} if created else snapshot(store_check, STORE_CHECK_AUDITED)
        values = {
            "store_name": (store_name or "").strip(),
            "store_number": (store_number or "").strip(),
            "store_address": (store_address or "").strip(),
            "store_city": (store_city or "").strip(),
        }
        if not values["store_name"]:
            raise ServiceError("Name the store that was checked.", {"store_name": ["This field is required."]})
        given = {
            "shelf_share_pct": shelf_share_pct,
            "price_compliance_pct": price_compliance_pct,
            "display_compliance_pct": display_compliance_pct,
        }
        values.update({name: _percent(name, label, given[name]) for name, label in PERCENT_FIELDS.items()})
        entered = _entered_score(score)
        values["score_entered"] = entered is not None
        values["score"] = (
            entered
            if entered is not None
            else computed_score(values["price_compliance_pct"], values["display_compliance_pct"])
        )
        products = _products(out_of_stock_products)
        for name, value in values.items():
            setattr(store_check, name, value)
        validate(store_check, exclude=["activity"])
        store_check.save()
        store_check.out_of_stock_products.set(products)
        changes = diff(before, snapshot(store_check, STORE_CHECK_AUDITED))
        if changes:
            audit_record(
                actor=actor,
                action="create" if created else "update",
                obj=store_check,
                account_id=activity.account_id,
                changes=changes,
            )
    return store_check


def store_check_create(
    *, actor: User | None, account: Account, activity: dict, store_check: dict
) -> tuple[Activity, StoreCheck]:
    """Log a store check — the activity and its findings — in one step."""
    _refuse_viewer(actor)
    with transaction.atomic():
        new = activity_create(actor=actor, account=account, **{**activity, "kind": ActivityKind.STORE_CHECK})
        return new, store_check_save(actor=actor, activity_id=new.pk, **store_check)


def store_check_update(
    *, actor: User | None, activity_id: int, activity: dict, store_check: dict
) -> tuple[Activity, StoreCheck]:
    """Change a store check's activity and its findings together; the activity stays a store check."""
    with transaction.atomic():
        changed = activity_update(
            actor=actor, activity_id=activity_id, **{**activity, "kind": ActivityKind.STORE_CHECK}
        )
        return changed, store_check_save(actor=actor, activity_id=activity_id, **store_check)


# --- photos ---------------------------------------------------------------------------------------------------


def _store_check_for_change(actor: User | None, activity_id: int) -> StoreCheck:
    activity = editable_activity(actor, activity_id)
    _check_kind(activity)
    store_check = StoreCheck.objects.select_for_update().filter(activity=activity).first()
    if store_check is None:
        raise ServiceError(
            "Record the store first: photos belong to a store check's details.",
            {"file": ["Save the store-check details, then add photos."]},
        )
    store_check.activity = activity
    return store_check


def _read(upload: File | bytes) -> bytes:
    """The upload's bytes; its declared size is checked first so an oversized file is never read whole."""
    if isinstance(upload, bytes | bytearray):
        return bytes(upload)
    if getattr(upload, "size", None) is not None:
        photos.check_size(upload.size)
    upload.seek(0)
    return upload.read(settings.STORE_CHECK_PHOTO_MAX_BYTES + 1)


def photo_add(*, actor: User | None, activity_id: int, upload: File | bytes, caption: str = "") -> StoreCheckPhoto:
    """Check the picture by its content, store a clean copy under a random name and record it."""
    caption = (caption or "").strip()
    if len(caption) > 200:
        raise ServiceError("A caption has at most 200 characters.", {"caption": [f"{len(caption)} characters."]})
    with transaction.atomic():
        store_check = _store_check_for_change(actor, activity_id)
        if store_check.photos.count() >= MAX_PHOTOS:
            raise ServiceError(
                f"A store check holds at most {MAX_PHOTOS} photos; remove one first.", {"file": ["Too many photos."]}
            )
        checked = photos.check_photo(_read(upload))
        name = photos.store(checked)
        try:
            photo = StoreCheckPhoto(
                store_check=store_check,
                file=name,
                caption=caption,
                content_type=checked.content_type,
                size=len(checked.content),
                width=checked.width,
                height=checked.height,
                uploaded_by=actor if getattr(actor, "pk", None) else None,
            )
            validate(photo, exclude=["store_check", "uploaded_by"])
            photo.save()
            audit_record(
                actor=actor,
                action="create",
                obj=photo,
                account_id=store_check.activity.account_id,
                changes={"caption": [None, caption], "size": [None, photo.size]},
                note=f"Photo of store check {store_check.activity.subject}"[:500],
            )
        except BaseException:
            photos.remove(name)  # nothing half-written: no file without its record
            raise
    return photo


def photo_remove(*, actor: User | None, activity_id: int, photo_id: int) -> None:
    with transaction.atomic():
        store_check = _store_check_for_change(actor, activity_id)
        photo = StoreCheckPhoto.objects.filter(pk=photo_id, store_check=store_check).first()
        if photo is None:
            raise NotFound("Photo not found.")
        name = photo.file
        audit_record(
            actor=actor,
            action="delete",
            obj=photo,
            account_id=store_check.activity.account_id,
            changes={"caption": [photo.caption, None]},
            note=f"Photo of store check {store_check.activity.subject}"[:500],
        )
        photo.delete()
        # The file goes only once the record is gone for good.
        transaction.on_commit(lambda: photos.remove(name))
