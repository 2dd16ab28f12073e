"""Stakeholders (contacts) in the REST API.

Reads start from the access scope (selectors); writes go through the contact services. A contact the user
may not see answers 404; of a visible contact, the API shows only the accounts and the manager the user may
see too.
"""

from django.db import transaction
from django.db.models import Exists, OuterRef, Prefetch, QuerySet
from django.http import HttpRequest
from ninja import Query, Router, Status
from ninja.pagination import paginate

from kamdesk.access.scope import visible_accounts, visible_users
from kamdesk.accounts.api import referenced_account
from kamdesk.accounts.models import Account
from kamdesk.accounts.services import editable_account
from kamdesk.core.api import (
    READ_ERRORS,
    UNAUTHORIZED,
    WRITE_ERRORS,
    ObjectId,
    Paginated,
    ValidationErrorOut,
    check_filters,
    current_user,
    filter_params,
    require_writer,
)
from kamdesk.core.errors import NotFound, ServiceError
from kamdesk.people.models import Contact
from kamdesk.people.schemas import ContactIn, ContactOut, ContactPatch, ContactQuery
from kamdesk.people.selectors import contact_detail, contact_list
from kamdesk.people.services import contact_create, contact_delete, contact_update, editable_contact, visible_contacts
from kamdesk.users.models import User

router = Router(tags=["contacts"])


# --- what the user may see of a contact ------------------------------------------------------------------------


def _with_visibility(queryset: QuerySet, user: User) -> QuerySet:
    accounts = visible_accounts(user)
    return queryset.annotate(
        account_visible=Exists(accounts.filter(pk=OuterRef("account_id"))),
        reports_to_visible=Exists(visible_contacts(user).filter(pk=OuterRef("reports_to_id"))),
    ).prefetch_related(
        Prefetch("other_accounts", queryset=accounts.only("id"), to_attr="visible_other_accounts"),
    )


def _visible_contact(user: User, contact_id: int) -> Contact:
    try:
        contact = contact_detail(user, contact_id)
    except Contact.DoesNotExist:
        raise NotFound("Contact not found.") from None
    accounts = visible_accounts(user)
    contact.account_visible = accounts.filter(pk=contact.account_id).exists()
    contact.reports_to_visible = (
        contact.reports_to_id is not None and visible_contacts(user).filter(pk=contact.reports_to_id).exists()
    )
    contact.visible_other_accounts = list(accounts.filter(pk__in=[a.pk for a in contact.other_accounts.all()]))
    return contact


# --- references in request bodies ------------------------------------------------------------------------------


def _accounts(user: User, account_ids: list[int]) -> list[Account]:
    accounts = list(visible_accounts(user).filter(pk__in=set(account_ids)))
    if len(accounts) != len(set(account_ids)):
        raise ServiceError("Unknown account.", {"other_account_ids": ["One or more accounts do not exist."]})
    return accounts


def _contact(user: User, contact_id: int | None) -> Contact | None:
    if contact_id is None:
        return None
    contact = visible_contacts(user).filter(pk=contact_id).first()
    if contact is None:
        raise ServiceError("The manager contact does not exist.", {"reports_to_id": ["Unknown contact."]})
    return contact


def _owner(user: User, owner_id: int | None) -> User | None:
    if owner_id is None:
        return None
    owner = visible_users(user).filter(pk=owner_id).first()
    if owner is None:
        raise ServiceError("That user does not exist.", {"owner_id": ["Unknown user."]})
    return owner


def _plain_fields(data: dict, user: User, current: Contact | None = None) -> dict:
    """The contact's own fields, as the service takes them (an owner sent back unchanged is kept as is)."""
    fields = dict(data)
    if "owner_id" in fields:
        owner_id = fields.pop("owner_id")
        if current is None or owner_id != current.owner_id:
            fields["owner"] = _owner(user, owner_id)
    for name in ("buying_role", "level"):  # "no value" is stored as an empty choice
        if name in fields:
            fields[name] = fields[name] or ""
    return fields


def _check_other_accounts_replaceable(user: User, contact: Contact) -> None:
    # Replacing the list would drop the affiliations the user cannot see; refuse rather than lose them.
    if len(contact.visible_other_accounts) != contact.other_accounts.count():
        raise ServiceError(
            "This contact also belongs to accounts outside your access; ask their owners to change the list.",
            {"other_account_ids": ["Cannot be changed by you for this contact."]},
        )


# --- routes -------------------------------------------------------------------------------------------------------


@router.get("", response={200: list[ContactOut], **UNAUTHORIZED, 422: ValidationErrorOut}, summary="List contacts")
@paginate(Paginated)
def list_contacts(request: HttpRequest, filters: Query[ContactQuery]):
    """The stakeholders of the accounts you may see, filtered and sorted like the web list."""
    user = current_user(request)
    contact_filter, contacts = contact_list(user, filter_params(filters))
    check_filters(contact_filter)
    return _with_visibility(contacts, user)


@router.post("", response={201: ContactOut, **WRITE_ERRORS}, summary="Create a contact")
def create_contact(request: HttpRequest, payload: ContactIn):
    user = current_user(request)
    require_writer(user)
    data = payload.model_dump()
    with transaction.atomic():
        account = referenced_account(user, data.pop("account_id"))
        editable_account(user, account.pk)  # 403 when the user may only read that account
        contact = contact_create(
            actor=user,
            account=account,
            other_accounts=_accounts(user, data.pop("other_account_ids")),
            reports_to=_contact(user, data.pop("reports_to_id")),
            **_plain_fields(data, user),
        )
    return Status(201, _visible_contact(user, contact.pk))


@router.get("/{contact_id}", response={200: ContactOut, **READ_ERRORS}, summary="Get a contact")
def get_contact(request: HttpRequest, contact_id: ObjectId):
    return _visible_contact(current_user(request), contact_id)


@router.patch("/{contact_id}", response={200: ContactOut, **WRITE_ERRORS}, summary="Change a contact")
def update_contact(request: HttpRequest, contact_id: ObjectId, payload: ContactPatch):
    user = current_user(request)
    current = _visible_contact(user, contact_id)
    require_writer(user)
    data = payload.model_dump(exclude_unset=True)
    references = {}
    with transaction.atomic():
        editable_contact(user, contact_id)  # 403 for read-only access, before looking at the references
        if "account_id" in data:
            account_id = data.pop("account_id")
            if account_id != current.account_id:
                references["account"] = referenced_account(user, account_id)
        if "reports_to_id" in data:
            reports_to_id = data.pop("reports_to_id")
            if reports_to_id != current.reports_to_id:
                references["reports_to"] = _contact(user, reports_to_id)
        if "other_account_ids" in data:
            _check_other_accounts_replaceable(user, current)
            references["other_accounts"] = _accounts(user, data.pop("other_account_ids"))
        contact_update(actor=user, contact_id=contact_id, **references, **_plain_fields(data, user, current))
    return _visible_contact(user, contact_id)


@router.delete("/{contact_id}", response={204: None, **WRITE_ERRORS}, summary="Delete a contact")
def delete_contact(request: HttpRequest, contact_id: ObjectId):
    """For records made by mistake; someone who left the company is flagged with has_left instead."""
    user = current_user(request)
    _visible_contact(user, contact_id)
    require_writer(user)
    contact_delete(actor=user, contact_id=contact_id)
    return Status(204, None)
