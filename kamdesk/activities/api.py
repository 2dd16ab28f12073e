"""Activities and tasks in the REST API.

Reads start from the access scope (selectors); writes go through the services. A record the user may not
see answers 404; a viewer's change answers 403, and so does a change to a record of a read-only account.
"""

from django.db import transaction
from django.http import HttpRequest
from ninja import Query, Router, Status
from ninja.pagination import paginate

from kamdesk.access.scope import visible_users
from kamdesk.accounts.api import referenced_account
from kamdesk.accounts.services import editable_account
from kamdesk.activities import selectors, services
from kamdesk.activities.models import Activity, Task, TaskStatus
from kamdesk.activities.schemas import (
    ActivityIn,
    ActivityOut,
    ActivityPatch,
    ActivityQuery,
    CommentIn,
    CommentOut,
    TaskIn,
    TaskOut,
    TaskPatch,
    TaskQuery,
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
from kamdesk.people.models import Contact
from kamdesk.users.models import User

activities_router = Router(tags=["activities"])
tasks_router = Router(tags=["tasks"])

# --- references in request bodies ------------------------------------------------------------------------------


def _users(user: User, ids: list[int], field: str) -> list[User]:
    users = list(visible_users(user).filter(pk__in=set(ids)))
    if len(users) != len(set(ids)):
        raise ServiceError("Unknown user.", {field: ["One or more users do not exist."]})
    return users


def _user(user: User, user_id: int | None, field: str = "owner_id") -> User | None:
    if user_id is None:
        return None
    return _users(user, [user_id], field)[0]


def _contacts(ids: list[int]) -> list[Contact]:
    # The service refuses contacts the user may not see with the same message as missing ones.
    contacts = list(Contact.objects.filter(pk__in=set(ids)))
    if len(contacts) != len(set(ids)):
        raise ServiceError(
            "Some participants are not contacts you can see.",
            {
                "their_participant_ids": [
                    "One or more contacts do not exist or belong to an account outside your access."
                ]
            },
        )
    return contacts


def _activity(user: User, activity_id: int) -> Activity:
    try:
        return selectors.activity_detail(user, activity_id)
    except Activity.DoesNotExist:
        raise NotFound("Activity not found.") from None


def _task(user: User, task_id: int) -> Task:
    try:
        return selectors.task_detail(user, task_id)
    except Task.DoesNotExist:
        raise NotFound("Task not found.") from None


# --- activities --------------------------------------------------------------------------------------------------


@activities_router.get(
    "", response={200: list[ActivityOut], **UNAUTHORIZED, 422: ValidationErrorOut}, summary="List activities"
)
@paginate(Paginated)
def list_activities(request: HttpRequest, filters: Query[ActivityQuery]):
    """Activities of the accounts you may see, newest first."""
    user = current_user(request)
    activity_filter, activities = selectors.activity_list(user, filter_params(filters))
    check_filters(activity_filter)
    return selectors.with_participants(activities, user)


@activities_router.post("", response={201: ActivityOut, **WRITE_ERRORS}, summary="Log an activity")
def create_activity(request: HttpRequest, payload: ActivityIn):
    """A done activity updates the last contact of each of their participants."""
    user = current_user(request)
    require_writer(user)
    data = payload.model_dump()
    with transaction.atomic():
        account = referenced_account(user, data.pop("account_id"))
        editable_account(user, account.pk)
        activity = services.activity_create(
            actor=user,
            account=account,
            our_participants=_users(user, data.pop("our_participant_ids"), "our_participant_ids"),
            their_participants=_contacts(data.pop("their_participant_ids")),
            **data,
        )
    return Status(201, _activity(user, activity.pk))


@activities_router.get("/{activity_id}", response={200: ActivityOut, **READ_ERRORS}, summary="Get an activity")
def get_activity(request: HttpRequest, activity_id: ObjectId):
    return _activity(current_user(request), activity_id)


@activities_router.patch("/{activity_id}", response={200: ActivityOut, **WRITE_ERRORS}, summary="Change an activity")
def update_activity(request: HttpRequest, activity_id: ObjectId, payload: ActivityPatch):
    user = current_user(request)
    _activity(user, activity_id)
    require_writer(user)
    data = payload.model_dump(exclude_unset=True)
    with transaction.atomic():
        services.editable_activity(user, activity_id)  # 403 for read-only access, before the references
        if "our_participant_ids" in data:
            data["our_participants"] = _users(user, data.pop("our_participant_ids"), "our_participant_ids")
        if "their_participant_ids" in data:
            data["their_participants"] = _contacts(data.pop("their_participant_ids"))
        services.activity_update(actor=user, activity_id=activity_id, **data)
    return _activity(user, activity_id)


# --- tasks -------------------------------------------------------------------------------------------------------


@tasks_router.get("", response={200: list[TaskOut], **UNAUTHORIZED, 422: ValidationErrorOut}, summary="List tasks")
@paginate(Paginated)
def list_tasks(request: HttpRequest, filters: Query[TaskQuery]):
    """Tasks of the accounts you may see, soonest due first."""
    user = current_user(request)
    task_filter, tasks = selectors.task_list(user, filter_params(filters))
    check_filters(task_filter)
    return tasks


@tasks_router.post("", response={201: TaskOut, **WRITE_ERRORS}, summary="Create a task")
def create_task(request: HttpRequest, payload: TaskIn):
    user = current_user(request)
    require_writer(user)
    data = payload.model_dump()
    with transaction.atomic():
        account = referenced_account(user, data.pop("account_id"))
        editable_account(user, account.pk)
        activity = None
        activity_id = data.pop("activity_id")
        if activity_id is not None:
            activity = selectors.visible_activities(user).filter(pk=activity_id).first()
            if activity is None:
                raise ServiceError("That activity does not exist.", {"activity_id": ["Unknown activity."]})
        owner = _user(user, data.pop("owner_id")) or user
        task = services.task_create(actor=user, account=account, owner=owner, activity=activity, **data)
    return Status(201, _task(user, task.pk))


@tasks_router.get("/{task_id}", response={200: TaskOut, **READ_ERRORS}, summary="Get a task")
def get_task(request: HttpRequest, task_id: ObjectId):
    return _task(current_user(request), task_id)


@tasks_router.patch("/{task_id}", response={200: TaskOut, **WRITE_ERRORS}, summary="Change a task")
def update_task(request: HttpRequest, task_id: ObjectId, payload: TaskPatch):
    """Its owner may complete or reopen it even with read access to the account; other changes need edit access."""
    user = current_user(request)
    current = _task(user, task_id)
    require_writer(user)
    data = payload.model_dump(exclude_unset=True)
    status = data.pop("status", None)
    owner_id = data.pop("owner_id", None)
    with transaction.atomic():
        if data:
            services.task_update(actor=user, task_id=task_id, **data)
        if owner_id is not None and owner_id != current.owner_id:
            services.task_reassign(actor=user, task_id=task_id, owner=_user(user, owner_id))
        if status is not None and status != current.status:
            if status == TaskStatus.DONE:
                if current.status != TaskStatus.OPEN:
                    services.task_reopen(actor=user, task_id=task_id)
                services.task_complete(actor=user, task_id=task_id)
            elif status == TaskStatus.OPEN:
                services.task_reopen(actor=user, task_id=task_id)
            else:
                if current.status != TaskStatus.OPEN:
                    services.task_reopen(actor=user, task_id=task_id)
                services.task_update(actor=user, task_id=task_id, status=status)
    return _task(user, task_id)


@tasks_router.get(
    "/{task_id}/comments", response={200: list[CommentOut], **READ_ERRORS}, summary="List a task's comments"
)
def list_task_comments(request: HttpRequest, task_id: ObjectId):
    return list(_task(current_user(request), task_id).comments.all())


@tasks_router.post("/{task_id}/comments", response={201: CommentOut, **WRITE_ERRORS}, summary="Comment on a task")
def add_task_comment(request: HttpRequest, task_id: ObjectId, payload: CommentIn):
    user = current_user(request)
    _task(user, task_id)
    require_writer(user)
    comment = services.task_comment_add(actor=user, task_id=task_id, text=payload.text)
    return Status(201, comment)
