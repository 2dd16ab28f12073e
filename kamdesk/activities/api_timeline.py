"""The account timeline in the REST API: ``GET /api/v1/accounts/{id}/timeline``.

The same selector as the Timeline tab: newest first, one page per call, and ``next`` — the cursor to pass as
``before`` for the next (older) page, null on the last one. A hidden account answers 404.
"""

from datetime import date, datetime
from typing import Annotated

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema
from pydantic import field_validator

from kamdesk.accounts.models import Account
from kamdesk.accounts.selectors import account_detail
from kamdesk.activities.timeline import MAX_LIMIT, PAGE_SIZE, TYPES, Cursor, Entry, InvalidCursor, TimelineQuery
from kamdesk.activities.timeline import account_timeline as timeline_page
from kamdesk.core.api import READ_ERRORS, ObjectId, Text, current_user
from kamdesk.core.errors import NotFound, ServiceError

router = Router(tags=["activities"])


class TimelineQueryIn(Schema):
    types: list[Text(60)] | None = Field(
        None,
        description=f"Entry types, repeated or comma-separated: {', '.join(TYPES)}. Default: all of them.",
    )
    include_subsidiaries: bool = Field(False, description="Entries of the account's subsidiaries too.")
    date_from: date | None = Field(None, alias="from", description="On or after this day.")
    date_to: date | None = Field(None, alias="to", description="On or before this day.")
    before: Text(70) | None = Field(None, description="The previous page's `next`: entries older than it.")
    limit: Annotated[int, Field(ge=1, le=MAX_LIMIT)] = Field(PAGE_SIZE, description=f"At most {MAX_LIMIT}.")

    @field_validator("types")
    @classmethod
    def known_types(cls, value: list[str] | None) -> list[str] | None:
        if value is None:
            return None
        names = [part.strip() for item in value for part in item.split(",") if part.strip()]
        unknown = sorted(set(names) - set(TYPES))
        if unknown:
            raise ValueError(f"unknown type {', '.join(unknown)}; use {', '.join(TYPES)}")
        return names


class TimelineEntryOut(Schema):
    at: datetime
    type: str = Field(description=f"One of {', '.join(TYPES)}.")
    label: str = Field(description="What happened, e.g. “Meeting · done”, “Task completed”, “Stakeholder changed”.")
    title: str
    account_id: int
    account_name: str
    actor: str
    url: str = Field(description="The page of the activity or task; empty for changes.")
    details: list[str]
    cursor: str = Field(description="Pass as `before` to continue after this entry.")

    @staticmethod
    def resolve_cursor(obj: Entry) -> str:
        return str(obj.cursor)


class TimelineOut(Schema):
    items: list[TimelineEntryOut]
    next: str | None = Field(description="Cursor of the next (older) page; null on the last page.")


def _query(filters: TimelineQueryIn) -> TimelineQuery:
    errors = {}
    before = None
    if filters.before:
        try:
            before = Cursor.parse(filters.before)
        except InvalidCursor as exc:
            errors["before"] = [str(exc)]
    if filters.date_from and filters.date_to and filters.date_to < filters.date_from:
        errors["to"] = ["The end of the range cannot be before its start."]
    if errors:
        raise ServiceError("Some filters are not valid.", errors)
    return TimelineQuery(
        types=frozenset(filters.types or ()),
        include_subsidiaries=filters.include_subsidiaries,
        since=filters.date_from,
        until=filters.date_to,
        before=before,
        limit=filters.limit,
    )


@router.get(
    "/accounts/{account_id}/timeline",
    response={200: TimelineOut, **READ_ERRORS},
    summary="An account's timeline",
)
def account_timeline(request: HttpRequest, account_id: ObjectId, filters: Query[TimelineQueryIn]):
    """Activities, business reviews, tasks (created, completed, comments) and audited changes of the account,
    newest first."""
    user = current_user(request)
    try:
        account = account_detail(user, account_id)
    except Account.DoesNotExist:
        raise NotFound("Account not found.") from None
    query = _query(filters)
    page = timeline_page(user, account, query)
    return {"items": page.entries, "next": str(page.next_cursor) if page.next_cursor else None}
