"""Shapes of activities, tasks and task comments in the REST API."""

from datetime import date, datetime
from typing import Annotated, Literal

from ninja import Field, Schema
from pydantic import AfterValidator

from kamdesk.activities.filters import DUE_CHOICES, TASK_SCOPES
from kamdesk.activities.models import Activity, ActivityKind, ActivityStatus, Task, TaskPriority, TaskStatus
from kamdesk.core.api import InputSchema, ObjectId, SearchText, Text, Unset

Ids = Annotated[list[ObjectId], Field(max_length=200)]


def _plausible(value: datetime) -> datetime:
    # Far-off years overflow when converted between time zones; no activity is logged for them.
    if not 1900 <= value.year <= 2999:
        raise ValueError("must be between the years 1900 and 2999")
    return value


When = Annotated[datetime, AfterValidator(_plausible)]
LongText = Text(50000)


class ActivityOut(Schema):
    id: int
    account_id: int
    account_code: str
    account_name: str
    kind: ActivityKind
    status: ActivityStatus
    starts_at: datetime
    ends_at: datetime | None
    location: str
    subject: str
    agenda: str = Field(description="Markdown.")
    notes: str = Field(description="Markdown.")
    outcome: str
    next_steps: str = Field(description="One step a line.")
    our_participant_ids: list[int]
    their_participant_ids: list[int] = Field(description="The customer's people taking part that you may see.")
    created_by_id: int | None
    created_at: datetime
    updated_at: datetime

    @staticmethod
    def resolve_account_code(obj: Activity) -> str:
        return obj.account.code

    @staticmethod
    def resolve_account_name(obj: Activity) -> str:
        return obj.account.name

    @staticmethod
    def resolve_our_participant_ids(obj: Activity) -> list[int]:
        return sorted(user.pk for user in obj.our_participants.all())

    @staticmethod
    def resolve_their_participant_ids(obj: Activity) -> list[int]:
        return sorted(contact.pk for contact in getattr(obj, "visible_their_participants", []))


class ActivityIn(InputSchema):
    account_id: ObjectId = Field(description="An account you can edit.")
    kind: ActivityKind = ActivityKind.MEETING
    status: ActivityStatus = ActivityStatus.PLANNED
    starts_at: When
    ends_at: When | None = None
    location: Text(200) = ""
    subject: Text(200, min_length=1)
    agenda: LongText = ""
    notes: LongText = ""
    outcome: LongText = ""
    next_steps: LongText = ""
    our_participant_ids: Ids = []
    their_participant_ids: Ids = Field([], description="Contacts of the account's customer group you can see.")


class ActivityPatch(InputSchema):
    """Only the fields sent change; the account cannot change."""

    kind: ActivityKind = Unset()
    status: ActivityStatus = Unset()
    starts_at: When = Unset()
    ends_at: When | None = Unset()
    location: Text(200) = Unset()
    subject: Text(200, min_length=1) = Unset()
    agenda: LongText = Unset()
    notes: LongText = Unset()
    outcome: LongText = Unset()
    next_steps: LongText = Unset()
    our_participant_ids: Ids = Unset()
    their_participant_ids: Ids = Unset()


class ActivityQuery(Schema):
    q: SearchText | None = Field(None, description="Search in subject and location.")
    account: ObjectId | None = Field(None, description="Activities of this account id.")
    include_subsidiaries: bool | None = Field(None, description="With account: its subsidiaries' activities too.")
    kind: list[ActivityKind] | None = None
    status: ActivityStatus | None = None
    participant: ObjectId | None = Field(None, description="One of our participants (user id).")
    date_from: date | None = Field(None, alias="from", description="Starting on or after this day.")
    date_to: date | None = Field(None, alias="to", description="Starting on or before this day.")


class TaskOut(Schema):
    id: int
    title: str
    description: str
    account_id: int
    account_code: str
    account_name: str
    owner_id: int
    owner_name: str
    due_date: date | None
    priority: TaskPriority
    status: TaskStatus
    completed_at: datetime | None
    activity_id: int | None = Field(description="The activity whose next steps created the task.")
    created_by_id: int | None
    created_at: datetime
    updated_at: datetime

    @staticmethod
    def resolve_account_code(obj: Task) -> str:
        return obj.account.code

    @staticmethod
    def resolve_account_name(obj: Task) -> str:
        return obj.account.name

    @staticmethod
    def resolve_owner_name(obj: Task) -> str:
        return str(obj.owner)


class TaskIn(InputSchema):
    account_id: ObjectId = Field(description="An account you can edit.")
    title: Text(200, min_length=1)
    description: LongText = ""
    owner_id: ObjectId | None = Field(None, description="Someone who can see the account; you when left out.")
    due_date: date | None = None
    priority: TaskPriority = TaskPriority.NORMAL
    activity_id: ObjectId | None = Field(None, description="An activity of the same account this task follows up.")


class TaskPatch(InputSchema):
    """Only the fields sent change. ``status`` done completes, open reopens, cancelled cancels;
    ``owner_id`` reassigns."""

    title: Text(200, min_length=1) = Unset()
    description: LongText = Unset()
    due_date: date | None = Unset()
    priority: TaskPriority = Unset()
    status: TaskStatus = Unset()
    owner_id: ObjectId = Unset()


class TaskQuery(Schema):
    q: SearchText | None = Field(None, description="Search in title and description.")
    scope: Literal[tuple(key for key, _ in TASK_SCOPES)] | None = Field(
        None, description="mine, team (you and the people below you) or all you can see (default)."
    )
    owner: ObjectId | None = Field(None, description="Owner's user id.")
    status: TaskStatus | None = None
    priority: TaskPriority | None = None
    due: Literal[tuple(key for key, _ in DUE_CHOICES)] | None = None
    due_before: date | None = Field(None, description="Due on or before this day.")
    account: ObjectId | None = None
    include_subsidiaries: bool | None = None
    activity: ObjectId | None = None


class CommentIn(InputSchema):
    text: Text(10000, min_length=1)


class CommentOut(Schema):
    id: int
    task_id: int
    author_id: int | None
    author_name: str | None
    text: str
    created_at: datetime

    @staticmethod
    def resolve_author_name(obj) -> str | None:
        return str(obj.author) if obj.author_id else None
