"""The communication plan in the REST API: an account's coverage (score, gaps, compliance, trend), its cadence
per level, planned touchpoints and the overdue contacts of the caller's portfolio.

Reads start from the access scope; writes go through the services. A record the user may not see answers 404;
a viewer's change, or a change to a read-only account, answers 403.
"""

from contextlib import contextmanager
from datetime import date, datetime
from typing import Annotated

from django.db import transaction
from django.http import HttpRequest
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate
from pydantic import AfterValidator

from kamdesk.access.scope import visible_accounts, visible_users
from kamdesk.accounts.api import referenced_account
from kamdesk.accounts.models import Account
from kamdesk.accounts.selectors import account_detail
from kamdesk.activities.models import Activity
from kamdesk.core.api import (
    READ_ERRORS,
    UNAUTHORIZED,
    WRITE_ERRORS,
    InputSchema,
    ObjectId,
    Paginated,
    Text,
    Unset,
    ValidationErrorOut,
    current_user,
    require_writer,
)
from kamdesk.core.errors import NotFound, ServiceError
from kamdesk.people import coverage, services_coverage, touchpoints
from kamdesk.people.models import (
    Cadence,
    CadenceRule,
    Contact,
    Level,
    PlannedTouchpoint,
    TouchpointKind,
    TouchpointStatus,
)
from kamdesk.users.models import User

router = Router(tags=["coverage"])


def _plausible(value: date) -> date:
    if not 2000 <= value.year <= 2100:
        raise ValueError("must be a date between the years 2000 and 2100")
    return value


Day = Annotated[date, AfterValidator(_plausible)]
Ids = Annotated[list[ObjectId], Field(max_length=200)]

# --- shapes -------------------------------------------------------------------------------------------------------


class ContactRef(Schema):
    id: int
    full_name: str
    account_id: int
    buying_role: str
    level: str
    influence: int | None
    attitude: int | None
    owner_id: int | None


class CadenceRowOut(Schema):
    contact: ContactRef
    cadence_days: int | None = Field(description="Effective: the contact's own, the account's plan, or default.")
    last_contact: date | None
    next_due: date | None
    days_overdue: int | None = Field(description="Days past the due date; null when never contacted.")
    overdue: bool


class GapsOut(Schema):
    without_owner: list[ContactRef]
    out_of_cadence: list[CadenceRowOut]
    single_threaded: list[ContactRef]
    risky_detractors: list[ContactRef]


class TrendPointOut(Schema):
    date: date
    score: int | None
    compliance: int | None


class CoverageOut(Schema):
    account_id: int
    include_subsidiaries: bool
    score: int | None = Field(description="0-100: influence-weighted key stakeholders with owner and in cadence.")
    key_stakeholders: int
    compliance: int | None = Field(description="% of current stakeholders contacted within their cadence.")
    stakeholders_with_cadence: int
    in_cadence: int
    touchpoints_due: int
    touchpoints_on_time: int
    touchpoint_compliance: int | None
    gaps: GapsOut
    cadence: list[CadenceRowOut]
    trend: list[TrendPointOut]


class CadenceRuleOut(Schema):
    account_id: int
    level: Level
    cadence_days: Cadence


class CadenceRuleIn(InputSchema):
    level: Level
    cadence_days: Cadence = Field(description="Days between contacts: 7, 14, 30, 91, 182 or 365.")


class CadenceRulePut(InputSchema):
    cadence_days: Cadence


class TouchpointOut(Schema):
    id: int
    account_id: int
    kind: TouchpointKind
    title: str
    planned_on: date
    status: TouchpointStatus
    held_on: date | None
    held_by_id: int | None = Field(description="The activity in which it took place.")
    our_people_ids: list[int]
    their_people_ids: list[int]
    notes: str
    created_at: datetime
    updated_at: datetime

    @staticmethod
    def resolve_our_people_ids(obj: PlannedTouchpoint) -> list[int]:
        return sorted(user.pk for user in obj.our_people.all())

    @staticmethod
    def resolve_their_people_ids(obj: PlannedTouchpoint) -> list[int]:
        return sorted(contact.pk for contact in obj.their_people.all())


class TouchpointIn(InputSchema):
    account_id: ObjectId = Field(description="An account you can edit.")
    kind: TouchpointKind = TouchpointKind.BUSINESS_REVIEW
    title: Text(200, min_length=1)
    planned_on: Day
    status: TouchpointStatus = Field(TouchpointStatus.PLANNED, description="planned or missed.")
    our_people_ids: Ids = []
    their_people_ids: Ids = Field([], description="Contacts of the account's customer group you can see.")
    notes: Text(20000) = ""


class TouchpointPatch(InputSchema):
    kind: TouchpointKind = Unset()
    title: Text(200, min_length=1) = Unset()
    planned_on: Day = Unset()
    status: TouchpointStatus = Unset()
    our_people_ids: Ids = Unset()
    their_people_ids: Ids = Unset()
    notes: Text(20000) = Unset()


class HeldIn(InputSchema):
    activity_id: ObjectId | None = Field(None, description="A done activity of the customer group.")
    held_on: Day | None = Field(None, description="Default: the activity's day, else today.")


class CancelIn(InputSchema):
    reason: Text(500) = ""


class TouchpointQuery(Schema):
    account: ObjectId | None = Field(None, description="Touchpoints of this account id.")
    include_subsidiaries: bool = Field(False, description="With account: its subsidiaries' touchpoints too.")
    status: TouchpointStatus | None = None
    kind: TouchpointKind | None = None
    planned_from: Day | None = None
    planned_to: Day | None = None


class OverdueQuery(Schema):
    account: ObjectId | None = Field(None, description="Only this account's stakeholders.")
    owner: ObjectId | None = Field(None, description="Only stakeholders this user is the relationship owner of.")


class OverdueContactOut(CadenceRowOut):
    account_name: str


# --- helpers ------------------------------------------------------------------------------------------------------

# The services name model fields; the API names people and the activity by id.
API_FIELD_NAMES = {"our_people": "our_people_ids", "their_people": "their_people_ids", "held_by": "activity_id"}


@contextmanager
def _api_field_names():
    try:
        yield
    except ServiceError as exc:
        exc.field_errors = {API_FIELD_NAMES.get(name, name): errors for name, errors in exc.field_errors.items()}
        raise


def _account(user: User, account_id: int) -> Account:
    try:
        return account_detail(user, account_id)
    except Account.DoesNotExist:
        raise NotFound("Account not found.") from None


def _touchpoint(user: User, touchpoint_id: int) -> PlannedTouchpoint:
    try:
        return touchpoints.touchpoint_detail(user, touchpoint_id)
    except PlannedTouchpoint.DoesNotExist:
        raise NotFound("Touchpoint not found.") from None


def _level(value: str) -> str:
    # The level is read after the account: a hidden account answers 404 whatever the level says.
    if value not in Level.values:
        raise NotFound(f"Unknown level; use one of: {', '.join(Level.values)}.")
    return value


def _users(user: User, ids: list[int]) -> list[User]:
    users = list(visible_users(user).filter(pk__in=set(ids)))
    if len(users) != len(set(ids)):
        raise ServiceError("Unknown user.", {"our_people_ids": ["One or more users do not exist."]})
    return users


def _contacts(ids: list[int]) -> list[Contact]:
    # The service checks visibility and the customer group; a missing id reads like a hidden one.
    contacts = list(Contact.objects.filter(pk__in=set(ids)))
    if len(contacts) != len(set(ids)):
        raise ServiceError(
            "Some people are not contacts you can see.",
            {"their_people_ids": ["One or more contacts do not exist or belong to an account outside your access."]},
        )
    return contacts


def _people(user: User, data: dict) -> dict:
    people = {}
    if "our_people_ids" in data:
        people["our_people"] = _users(user, data.pop("our_people_ids"))
    if "their_people_ids" in data:
        people["their_people"] = _contacts(data.pop("their_people_ids"))
    return people


def _contact_ref(contact: Contact) -> dict:
    return {
        "id": contact.pk,
        "full_name": contact.full_name,
        "account_id": contact.account_id,
        "buying_role": contact.buying_role,
        "level": contact.level,
        "influence": contact.influence,
        "attitude": contact.attitude,
        "owner_id": contact.owner_id,
    }


def _row(row: coverage.CadenceRow) -> dict:
    return {
        "contact": _contact_ref(row.contact),
        "cadence_days": row.cadence_days,
        "last_contact": row.last_contact,
        "next_due": row.next_due,
        "days_overdue": row.days_overdue,
        "overdue": row.overdue,
    }


# --- coverage -----------------------------------------------------------------------------------------------------


@router.get("/accounts/{account_id}/coverage", response={200: CoverageOut, **READ_ERRORS}, summary="Get coverage")
def get_coverage(request: HttpRequest, account_id: ObjectId, include_subsidiaries: bool = True):
    """Score, gaps, cadence compliance, touchpoints held on time and the daily trend of the last year."""
    account = _account(current_user(request), account_id)
    result = coverage.account_coverage(account, include_subsidiaries=include_subsidiaries)
    assessment = result.assessment
    return {
        "account_id": account.pk,
        "include_subsidiaries": include_subsidiaries,
        "score": assessment.score,
        "key_stakeholders": len(assessment.key),
        "compliance": assessment.compliance,
        "stakeholders_with_cadence": assessment.judged,
        "in_cadence": assessment.in_cadence,
        "touchpoints_due": result.touchpoints_due,
        "touchpoints_on_time": result.touchpoints_on_time,
        "touchpoint_compliance": result.touchpoint_compliance,
        "gaps": {
            "without_owner": [_contact_ref(c) for c in assessment.without_owner],
            "out_of_cadence": [_row(row) for row in assessment.out_of_cadence],
            "single_threaded": [_contact_ref(c) for c in assessment.single_threaded],
            "risky_detractors": [_contact_ref(c) for c in assessment.risky_detractors],
        },
        "cadence": [_row(row) for row in assessment.rows],
        "trend": [{"date": s.taken_on, "score": s.score, "compliance": s.compliance} for s in result.trend],
    }


@router.get(
    "/coverage/overdue-contacts",
    response={200: list[OverdueContactOut], **UNAUTHORIZED, 422: ValidationErrorOut},
    summary="List overdue contacts",
)
@paginate(Paginated)
def list_overdue_contacts(request: HttpRequest, filters: Query[OverdueQuery]):
    """Stakeholders of the accounts you may see who are past their cadence, most overdue first."""
    rows = coverage.overdue_contacts(current_user(request), owner_id=filters.owner, account_id=filters.account)
    return [{**_row(row), "account_name": row.contact.account.name} for row in rows]


# --- cadence rules ------------------------------------------------------------------------------------------------


@router.get(
    "/accounts/{account_id}/cadence-rules", response={200: list[CadenceRuleOut], **READ_ERRORS}, summary="List rules"
)
def list_cadence_rules(request: HttpRequest, account_id: ObjectId):
    """The account's own cadence per level; levels without a rule follow the parent account or the default."""
    account = _account(current_user(request), account_id)
    return list(CadenceRule.objects.filter(account=account).order_by("level"))


@router.post(
    "/accounts/{account_id}/cadence-rules", response={201: CadenceRuleOut, **WRITE_ERRORS}, summary="Set a rule"
)
def create_cadence_rule(request: HttpRequest, account_id: ObjectId, payload: CadenceRuleIn):
    user = current_user(request)
    _account(user, account_id)
    require_writer(user)
    rule = services_coverage.cadence_rule_set(
        actor=user, account_id=account_id, level=payload.level, cadence_days=payload.cadence_days
    )
    return Status(201, rule)


@router.get(
    "/accounts/{account_id}/cadence-rules/{level}", response={200: CadenceRuleOut, **READ_ERRORS}, summary="Get a rule"
)
def get_cadence_rule(request: HttpRequest, account_id: ObjectId, level: str):
    account = _account(current_user(request), account_id)
    rule = CadenceRule.objects.filter(account=account, level=_level(level)).first()
    if rule is None:
        raise NotFound("This account has no cadence rule for that level.")
    return rule


@router.put(
    "/accounts/{account_id}/cadence-rules/{level}", response={200: CadenceRuleOut, **WRITE_ERRORS}, summary="Put a rule"
)
def put_cadence_rule(request: HttpRequest, account_id: ObjectId, level: str, payload: CadenceRulePut):
    user = current_user(request)
    _account(user, account_id)
    require_writer(user)
    return services_coverage.cadence_rule_set(
        actor=user, account_id=account_id, level=_level(level), cadence_days=payload.cadence_days
    )


@router.delete(
    "/accounts/{account_id}/cadence-rules/{level}", response={204: None, **WRITE_ERRORS}, summary="Delete a rule"
)
def delete_cadence_rule(request: HttpRequest, account_id: ObjectId, level: str):
    user = current_user(request)
    _account(user, account_id)
    require_writer(user)
    services_coverage.cadence_rule_delete(actor=user, account_id=account_id, level=_level(level))
    return Status(204, None)


# --- touchpoints --------------------------------------------------------------------------------------------------


@router.get(
    "/touchpoints",
    response={200: list[TouchpointOut], **UNAUTHORIZED, 422: ValidationErrorOut},
    summary="List touchpoints",
)
@paginate(Paginated)
def list_touchpoints(request: HttpRequest, filters: Query[TouchpointQuery]):
    """Planned touchpoints of the accounts you may see, by planned date."""
    user = current_user(request)
    items = touchpoints.with_people(touchpoints.visible_touchpoints(user))
    if filters.account is not None:
        account = visible_accounts(user).filter(pk=filters.account).first()
        if account is None:
            return []
        items = items.filter(account_id__in=coverage.scope_ids(account, filters.include_subsidiaries))
    for name, lookup in (
        ("status", "status"),
        ("kind", "kind"),
        ("planned_from", "planned_on__gte"),
        ("planned_to", "planned_on__lte"),
    ):
        value = getattr(filters, name)
        if value is not None:
            items = items.filter(**{lookup: value})
    return items.order_by("planned_on", "id")


@router.post("/touchpoints", response={201: TouchpointOut, **WRITE_ERRORS}, summary="Plan a touchpoint")
def create_touchpoint(request: HttpRequest, payload: TouchpointIn):
    user = current_user(request)
    require_writer(user)
    data = payload.model_dump()
    with transaction.atomic(), _api_field_names():
        account = referenced_account(user, data.pop("account_id"))
        touchpoint = touchpoints.touchpoint_create(actor=user, account=account, **_people(user, data), **data)
    return Status(201, _touchpoint(user, touchpoint.pk))


@router.get("/touchpoints/{touchpoint_id}", response={200: TouchpointOut, **READ_ERRORS}, summary="Get a touchpoint")
def get_touchpoint(request: HttpRequest, touchpoint_id: ObjectId):
    return _touchpoint(current_user(request), touchpoint_id)


@router.patch(
    "/touchpoints/{touchpoint_id}", response={200: TouchpointOut, **WRITE_ERRORS}, summary="Change a touchpoint"
)
def update_touchpoint(request: HttpRequest, touchpoint_id: ObjectId, payload: TouchpointPatch):
    user = current_user(request)
    _touchpoint(user, touchpoint_id)
    require_writer(user)
    data = payload.model_dump(exclude_unset=True)
    with transaction.atomic(), _api_field_names():
        touchpoints.editable_touchpoint(user, touchpoint_id)  # 403 for read-only access, before the references
        touchpoints.touchpoint_update(actor=user, touchpoint_id=touchpoint_id, **_people(user, data), **data)
    return _touchpoint(user, touchpoint_id)


@router.post("/touchpoints/{touchpoint_id}/held", response={200: TouchpointOut, **WRITE_ERRORS}, summary="Mark held")
def hold_touchpoint(request: HttpRequest, touchpoint_id: ObjectId, payload: HeldIn):
    """It took place: in a done activity of the customer group, and/or on a day (not in the future)."""
    user = current_user(request)
    _touchpoint(user, touchpoint_id)
    require_writer(user)
    activity = None
    if payload.activity_id is not None:
        activity = Activity.objects.filter(pk=payload.activity_id).first()
        if activity is None:
            raise ServiceError("That activity does not exist.", {"activity_id": ["Unknown activity."]})
    with _api_field_names():
        touchpoints.touchpoint_mark_held(
            actor=user, touchpoint_id=touchpoint_id, activity=activity, held_on=payload.held_on
        )
    return _touchpoint(user, touchpoint_id)


@router.post("/touchpoints/{touchpoint_id}/cancel", response={200: TouchpointOut, **WRITE_ERRORS}, summary="Cancel")
def cancel_touchpoint(request: HttpRequest, touchpoint_id: ObjectId, payload: CancelIn):
    user = current_user(request)
    _touchpoint(user, touchpoint_id)
    require_writer(user)
    touchpoints.touchpoint_cancel(actor=user, touchpoint_id=touchpoint_id, reason=payload.reason)
    return _touchpoint(user, touchpoint_id)


@router.delete("/touchpoints/{touchpoint_id}", response={204: None, **WRITE_ERRORS}, summary="Delete a touchpoint")
def delete_touchpoint(request: HttpRequest, touchpoint_id: ObjectId):
    """For plans made by mistake; one that will not happen is cancelled instead."""
    user = current_user(request)
    _touchpoint(user, touchpoint_id)
    require_writer(user)
    touchpoints.touchpoint_delete(actor=user, touchpoint_id=touchpoint_id)
    return Status(204, None)
