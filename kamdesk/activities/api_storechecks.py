"""Store checks, their photos and the per-account store-check trend in the REST API.

Reads start from the access scope (selectors); writes go through the services. An activity or account the
user may not see answers 404; a viewer's change answers 403, and so does a change on a read-only account.
Photos are uploaded as multipart/form-data and checked by their content; downloads stream the stored copy.
"""

from datetime import datetime
from decimal import Decimal

from django.db import transaction
from django.http import HttpRequest
from django.urls import reverse
from ninja import Field, File, Form, Query, Router, Schema, Status, UploadedFile

from kamdesk.accounts.models import Account
from kamdesk.accounts.selectors import account_detail
from kamdesk.activities import selectors_storechecks, services_storechecks
from kamdesk.activities.api import _activity
from kamdesk.activities.models import StoreCheck, StoreCheckPhoto
from kamdesk.activities.views_storechecks import SAFE_TYPES, photo_response
from kamdesk.core.api import READ_ERRORS, WRITE_ERRORS, InputSchema, ObjectId, Text, current_user, require_writer
from kamdesk.core.errors import NotFound, ServiceError

router = Router(tags=["store_checks"])

# The services name the model's field; the API names products by id.
API_FIELDS = {"out_of_stock_products": "out_of_stock_product_ids", "file": "file"}


# --- shapes -------------------------------------------------------------------------------------------------


class ProductRefOut(Schema):
    id: int
    sku: str
    name: str


class StoreCheckOut(Schema):
    activity_id: int
    account_id: int
    store_name: str
    store_number: str
    store_address: str
    store_city: str
    out_of_stock_products: list[ProductRefOut]
    shelf_share_pct: Decimal | None
    price_compliance_pct: Decimal | None
    display_compliance_pct: Decimal | None
    score: int | None = Field(description="0-100; entered, or computed from the compliance figures.")
    score_entered: bool = Field(description="False when the score was computed (average of price and display).")
    photo_count: int
    updated_at: datetime

    @staticmethod
    def resolve_account_id(obj: StoreCheck) -> int:
        return obj.activity.account_id

    @staticmethod
    def resolve_out_of_stock_products(obj: StoreCheck) -> list:
        return list(obj.out_of_stock_products.all())

    @staticmethod
    def resolve_photo_count(obj: StoreCheck) -> int:
        return len(obj.photos.all())


Percent = Decimal | None


class StoreCheckIn(InputSchema):
    store_name: Text(200, min_length=1)
    store_number: Text(40) = ""
    store_address: Text(300) = ""
    store_city: Text(100) = ""
    out_of_stock_product_ids: list[ObjectId] = Field([], max_length=services_storechecks.MAX_OUT_OF_STOCK)
    shelf_share_pct: Percent = Field(None, description="0-100.")
    price_compliance_pct: Percent = Field(None, description="0-100.")
    display_compliance_pct: Percent = Field(None, description="0-100.")
    score: int | None = Field(None, description="0-100; leave out (or null) to compute it from the compliance figures.")


class PhotoOut(Schema):
    id: int
    caption: str
    content_type: str
    size: int
    width: int
    height: int
    uploaded_by_id: int | None
    uploaded_at: datetime
    url: str = Field(description="Where the picture is downloaded (signed-in users who may see the account).")

    @staticmethod
    def resolve_url(obj: StoreCheckPhoto) -> str:
        return reverse("api:get_store_check_photo", args=[obj.store_check_id, obj.pk])


class TrendMonthOut(Schema):
    month: str = Field(description="YYYY-MM.")
    checks: int
    out_of_stock_per_check: Decimal | None
    shelf_share_pct: Decimal | None
    price_compliance_pct: Decimal | None
    display_compliance_pct: Decimal | None
    score: Decimal | None

    @staticmethod
    def resolve_month(obj) -> str:
        return obj.month.strftime("%Y-%m")


class TrendOut(Schema):
    account_id: int
    include_subsidiaries: bool
    months: list[TrendMonthOut]


class TrendQuery(Schema):
    months: int = Field(
        selectors_storechecks.DEFAULT_MONTHS, ge=1, le=36, description="How many months, ending with this one."
    )
    include_subsidiaries: bool = Field(False, description="The account's subsidiaries' store checks too.")


# --- helpers ------------------------------------------------------------------------------------------------


def _renamed(error: ServiceError) -> ServiceError:
    fields = {API_FIELDS.get(name, name): messages for name, messages in error.field_errors.items()}
    return type(error)(error.message, fields)


def _store_check(user, activity_id: int) -> StoreCheck:
    try:
        return selectors_storechecks.store_check_detail(user, activity_id)
    except StoreCheck.DoesNotExist:
        _activity(user, activity_id)  # 404 "Activity not found." when the activity itself is hidden or missing
        raise NotFound("This activity has no store-check details yet.") from None


def _photo(user, activity_id: int, photo_id: int) -> StoreCheckPhoto:
    try:
        return selectors_storechecks.visible_photo(user, activity_id, photo_id)
    except StoreCheckPhoto.DoesNotExist:
        raise NotFound("Photo not found.") from None


# --- store check --------------------------------------------------------------------------------------------


@router.get(
    "/activities/{activity_id}/store-check", response={200: StoreCheckOut, **READ_ERRORS}, summary="Get a store check"
)
def get_store_check(request: HttpRequest, activity_id: ObjectId):
    return _store_check(current_user(request), activity_id)


@router.put(
    "/activities/{activity_id}/store-check",
    response={200: StoreCheckOut, **WRITE_ERRORS},
    summary="Record a store check",
)
def put_store_check(request: HttpRequest, activity_id: ObjectId, payload: StoreCheckIn):
    """Replace what the store check found. The activity must be of kind store_check; a score left out is
    computed as the average of the price and display compliance given."""
    user = current_user(request)
    _activity(user, activity_id)
    require_writer(user)
    data = payload.model_dump()
    data["out_of_stock_products"] = data.pop("out_of_stock_product_ids")
    try:
        services_storechecks.store_check_save(actor=user, activity_id=activity_id, **data)
    except ServiceError as exc:
        raise _renamed(exc) from None
    return _store_check(user, activity_id)


# --- photos ---------------------------------------------------------------------------------------------------


@router.get(
    "/activities/{activity_id}/photos", response={200: list[PhotoOut], **READ_ERRORS}, summary="List store-check photos"
)
def list_store_check_photos(request: HttpRequest, activity_id: ObjectId):
    return list(_store_check(current_user(request), activity_id).photos.all())


@router.post(
    "/activities/{activity_id}/photos", response={201: PhotoOut, **WRITE_ERRORS}, summary="Upload a store-check photo"
)
def upload_store_check_photo(
    request: HttpRequest, activity_id: ObjectId, file: File[UploadedFile], caption: Form[Text(200)] = ""
):
    """multipart/form-data with ``file`` (JPEG, PNG or WebP — checked by content, not by name) and an optional
    ``caption``. The stored copy is re-encoded without metadata (EXIF, GPS)."""
    user = current_user(request)
    _activity(user, activity_id)
    require_writer(user)
    with transaction.atomic():
        try:
            photo = services_storechecks.photo_add(actor=user, activity_id=activity_id, upload=file, caption=caption)
        except ServiceError as exc:
            raise _renamed(exc) from None
    return Status(201, photo)


@router.get(
    "/activities/{activity_id}/photos/{photo_id}",
    response=READ_ERRORS,
    summary="Download a store-check photo",
    openapi_extra={
        "responses": {
            200: {
                "description": "The picture, inline.",
                "content": {t: {"schema": {"type": "string", "format": "binary"}} for t in sorted(SAFE_TYPES)},
            }
        }
    },
)
def get_store_check_photo(request: HttpRequest, activity_id: ObjectId, photo_id: ObjectId):
    return photo_response(_photo(current_user(request), activity_id, photo_id))


@router.delete(
    "/activities/{activity_id}/photos/{photo_id}",
    response={204: None, **WRITE_ERRORS},
    summary="Delete a store-check photo",
)
def delete_store_check_photo(request: HttpRequest, activity_id: ObjectId, photo_id: ObjectId):
    user = current_user(request)
    _photo(user, activity_id, photo_id)
    require_writer(user)
    services_storechecks.photo_remove(actor=user, activity_id=activity_id, photo_id=photo_id)
    return Status(204, None)


# --- trend ------------------------------------------------------------------------------------------------------


@router.get(
    "/accounts/{account_id}/store-check-trend",
    response={200: TrendOut, **READ_ERRORS},
    summary="An account's store-check trend",
)
def get_store_check_trend(request: HttpRequest, account_id: ObjectId, filters: Query[TrendQuery]):
    """Done store checks month by month (months without checks included): number of checks, out-of-stock
    products per check and the averages of shelf share, price and display compliance and score."""
    try:
        account = account_detail(current_user(request), account_id)
    except Account.DoesNotExist:
        raise NotFound("Account not found.") from None
    include = filters.include_subsidiaries
    trend = selectors_storechecks.store_check_trend(account, include_subsidiaries=include, months=filters.months)
    return {"account_id": account.pk, "include_subsidiaries": include, "months": trend}
