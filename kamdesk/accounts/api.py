"""Accounts, their hierarchy, handover and account team in the REST API.

Reads start from the access scope (selectors); writes go through the account services. A hidden account
answers 404 exactly like a missing one, on every route.
"""

from django.db import transaction
from django.db.models import Exists, OuterRef, Prefetch, QuerySet
from django.http import HttpRequest
from ninja import Query, Router, Status
from ninja.pagination import paginate

from kamdesk.access.scope import visible_accounts, visible_users
from kamdesk.accounts.models import Account, AccountMembership, Channel, Tag
from kamdesk.accounts.schemas import (
    AccountIn,
    AccountOut,
    AccountPatch,
    AccountQuery,
    HandoverIn,
    HandoverOut,
    MembershipIn,
    MembershipOut,
)
from kamdesk.accounts.selectors import account_children, account_detail, account_list, account_team
from kamdesk.accounts.services import (
    account_create,
    account_delete,
    account_handover,
    account_update,
    editable_account,
    membership_remove,
    membership_set,
)
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
from kamdesk.users.models import Team, User

router = Router(tags=["accounts"])


# --- helpers ------------------------------------------------------------------------------------------------


def _with_parent_visibility(queryset: QuerySet, user: User) -> QuerySet:
    """Mark whether the user may see each account's parent, so its code is shown only then."""
    return queryset.annotate(parent_visible=Exists(visible_accounts(user).filter(pk=OuterRef("parent_id"))))


def _visible_account(user: User, account_id: int) -> Account:
    try:
        account = account_detail(user, account_id)
    except Account.DoesNotExist:
        raise NotFound("Account not found.") from None
    account.parent_visible = (
        account.parent_id is not None and visible_accounts(user).filter(pk=account.parent_id).exists()
    )
    return account


def _account_after_write(user: User, account: Account) -> Account:
    """The saved account as the user now sees it; if the change took it out of their reach (no owner any
    more, moved out of the hierarchy they see), what was saved, without the hidden parent's code."""
    try:
        return _visible_account(user, account.pk)
    except NotFound:
        account.subsidiary_count = account.descendant_links.filter(depth__gt=0).count()
        account.parent_visible = False
        return account


def referenced_account(user: User, account_id: int, field: str = "account_id") -> Account:
    """The account a request body names by id, if the user can see it; else a field error (a hidden account
    reads like a missing one)."""
    account = visible_accounts(user).filter(pk=account_id).first()
    if account is None:
        raise ServiceError("That account does not exist.", {field: ["Unknown account."]})
    return account


def _parent(user: User, parent_id: int | None) -> Account | None:
    if parent_id is None:
        return None
    parent = visible_accounts(user).filter(pk=parent_id).first()
    if parent is None:
        raise ServiceError("The parent account does not exist.", {"parent_id": ["Unknown account."]})
    return parent


def _user(user: User, user_id: int | None, field: str) -> User | None:
    if user_id is None:
        return None
    found = visible_users(user).filter(pk=user_id).first()
    if found is None:
        raise ServiceError("That user does not exist.", {field: ["Unknown user."]})
    return found


def _team(team_id: int) -> Team:
    team = Team.objects.select_related("lead").filter(pk=team_id).first()
    if team is None:
        raise ServiceError("That team does not exist.", {"team_id": ["Unknown team."]})
    return team


def _channel(code: str | None) -> Channel | None:
    if code is None:
        return None
    channel = Channel.objects.filter(code=code).first()
    if channel is None:
        raise ServiceError("That channel does not exist.", {"channel": [f"Unknown channel code {code!r}."]})
    return channel


def _service_fields(user: User, data: dict, current: Account | None = None) -> dict:
    """Turn the API's references (ids, codes) into the objects the services take.

    A reference sent back unchanged is not looked up again: an account whose parent the user cannot see
    can still be saved as it was read.
    """
    fields = dict(data)
    if "parent_id" in fields:
        parent_id = fields.pop("parent_id")
        if current is None or parent_id != current.parent_id:
            fields["parent"] = _parent(user, parent_id)
    if "owner_id" in fields:
        owner_id = fields.pop("owner_id")
        if current is None or owner_id != current.owner_id:
            fields["owner"] = _user(user, owner_id, "owner_id")
    if "channel" in fields:
        fields["channel"] = _channel(fields["channel"])
    return fields


# --- accounts -------------------------------------------------------------------------------------------------


@router.get("", response={200: list[AccountOut], **UNAUTHORIZED, 422: ValidationErrorOut}, summary="List accounts")
@paginate(Paginated)
def list_accounts(request: HttpRequest, filters: Query[AccountQuery]):
    """The accounts you may see, filtered and sorted like the web list."""
    user = current_user(request)
    account_filter, accounts = account_list(user, filter_params(filters))
    check_filters(account_filter)
    return _with_parent_visibility(accounts, user)


@router.post("", response={201: AccountOut, **WRITE_ERRORS}, summary="Create an account")
def create_account(request: HttpRequest, payload: AccountIn):
    user = current_user(request)
    require_writer(user)
    data = payload.model_dump()
    if "owner_id" not in payload.model_fields_set:
        data.pop("owner_id")  # the service's default: the creator (admins: nobody)
    tags = data.pop("tags")
    with transaction.atomic():
        account = account_create(actor=user, tags=tags, **_service_fields(user, data))
    return Status(201, _account_after_write(user, account))


@router.get("/{account_id}", response={200: AccountOut, **READ_ERRORS}, summary="Get an account")
def get_account(request: HttpRequest, account_id: ObjectId):
    return _visible_account(current_user(request), account_id)


@router.patch("/{account_id}", response={200: AccountOut, **WRITE_ERRORS}, summary="Change an account")
def update_account(request: HttpRequest, account_id: ObjectId, payload: AccountPatch):
    user = current_user(request)
    current = _visible_account(user, account_id)
    require_writer(user)
    data = payload.model_dump(exclude_unset=True)
    tags = data.pop("tags", None)
    with transaction.atomic():
        editable_account(user, account_id)  # 403 for read-only access, before looking at the references
        account = account_update(actor=user, account_id=account_id, tags=tags, **_service_fields(user, data, current))
    return _account_after_write(user, account)


@router.delete("/{account_id}", response={204: None, **WRITE_ERRORS}, summary="Delete an account")
def delete_account(request: HttpRequest, account_id: ObjectId):
    """Admins only, and only for accounts without subsidiaries or stakeholders; deactivate otherwise."""
    user = current_user(request)
    _visible_account(user, account_id)
    require_writer(user)
    account_delete(actor=user, account_id=account_id)
    return Status(204, None)


@router.get(
    "/{account_id}/children",
    response={200: list[AccountOut], **READ_ERRORS},
    summary="List an account's direct subsidiaries",
)
@paginate(Paginated)
def list_children(request: HttpRequest, account_id: ObjectId):
    user = current_user(request)
    account = _visible_account(user, account_id)
    children = account_children(user, account).select_related("parent", "owner")
    children = children.prefetch_related(Prefetch("tags", queryset=Tag.objects.order_by("name")))
    return _with_parent_visibility(children, user)


@router.post(
    "/{account_id}/handover",
    response={200: HandoverOut, **WRITE_ERRORS},
    summary="Hand an account over to a new owner",
)
def handover_account(request: HttpRequest, account_id: ObjectId, payload: HandoverIn):
    user = current_user(request)
    _visible_account(user, account_id)
    require_writer(user)
    with transaction.atomic():
        editable_account(user, account_id)
        new_owner = _user(user, payload.new_owner_id, "new_owner_id") if payload.new_owner_id else None
        team = _team(payload.team_id) if payload.team_id else None
        moved = account_handover(
            actor=user,
            account_id=account_id,
            new_owner=new_owner,
            team=team,
            reason=payload.reason,
            include_subsidiaries=payload.include_subsidiaries,
            transfer_contacts=payload.transfer_contacts,
            keep_previous_owner=payload.keep_previous_owner,
        )
    owner = moved[0].owner
    return {"new_owner_id": owner.pk, "new_owner_name": str(owner), "handed_over": moved}


# --- account team -------------------------------------------------------------------------------------------------


@router.get(
    "/{account_id}/team",
    response={200: list[MembershipOut], **READ_ERRORS},
    summary="List an account's team",
)
@paginate(Paginated)
def list_team(request: HttpRequest, account_id: ObjectId):
    return account_team(_visible_account(current_user(request), account_id))


@router.post(
    "/{account_id}/team",
    response={200: MembershipOut, 201: MembershipOut, **WRITE_ERRORS},
    summary="Add a user to an account's team (or change their role and access)",
)
def set_team_member(request: HttpRequest, account_id: ObjectId, payload: MembershipIn):
    """201 when the user joins the team, 200 when their role or access on it changed."""
    user = current_user(request)
    _visible_account(user, account_id)
    require_writer(user)
    with transaction.atomic():
        editable_account(user, account_id)
        member = _user(user, payload.user_id, "user_id")
        joined = not AccountMembership.objects.filter(account_id=account_id, user=member).exists()
        membership = membership_set(
            actor=user, account_id=account_id, user=member, role=payload.role, access=payload.access
        )
    return Status(201 if joined else 200, membership)


@router.delete(
    "/{account_id}/team/{membership_id}",
    response={204: None, **WRITE_ERRORS},
    summary="Remove a user from an account's team",
)
def remove_team_member(request: HttpRequest, account_id: ObjectId, membership_id: ObjectId):
    user = current_user(request)
    _visible_account(user, account_id)
    require_writer(user)
    membership_remove(actor=user, account_id=account_id, membership_id=membership_id)
    return Status(204, None)
