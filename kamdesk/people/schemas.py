"""Shapes of stakeholders (contacts) in the REST API."""

from datetime import datetime
from typing import Annotated, Literal

from ninja import Field, Schema
from pydantic import field_validator

from kamdesk.core.api import InputSchema, ObjectId, SearchText, Text, Unset
from kamdesk.people.filters import ORDERING
from kamdesk.people.models import BuyingRole, Cadence, Contact, Level

Email = Text(254)
Influence = Annotated[int, Field(ge=1, le=5, description="1 (low) to 5 (high).")]
Attitude = Annotated[int, Field(ge=-2, le=2, description="-2 (detractor) to +2 (advocate).")]
AccountIds = Annotated[list[ObjectId], Field(max_length=100)]
SortKey = Literal[tuple(ORDERING)]


class ContactOut(Schema):
    id: int
    email: str | None
    first_name: str
    last_name: str
    full_name: str
    title: str
    department: str
    phone: str
    mobile: str
    account_id: int | None = Field(description="Main account; null when that account is not yours.")
    account_code: str | None
    account_name: str | None
    other_account_ids: list[int] = Field(description="Further accounts of yours the person belongs to.")
    reports_to_id: int | None = Field(description="Null when none, or when that contact is not yours.")
    reports_to_name: str | None
    buying_role: BuyingRole | None
    level: Level | None = Field(description="C-level, director, ...: the communication plan's cadence per level.")
    influence: int | None
    attitude: int | None
    attitude_label: str
    owner_id: int | None = Field(description="Our relationship owner.")
    owner_name: str | None
    cadence_days: Cadence | None = Field(description="Preferred days between contacts.")
    has_left: bool
    notes: str
    last_contacted_at: datetime | None = Field(
        description="Start of the latest done activity they took part in; null: never. Read-only: logging a "
        "done activity sets it."
    )
    created_at: datetime
    updated_at: datetime

    # The API shows only what the user may see: a contact reached through a further account may have its
    # main account, or its manager, outside the user's accounts. The list and detail routes annotate
    # account_visible / reports_to_visible and prefetch only the visible further accounts.

    @staticmethod
    def resolve_account_id(obj: Contact) -> int | None:
        return obj.account_id if getattr(obj, "account_visible", False) else None

    @staticmethod
    def resolve_account_code(obj: Contact) -> str | None:
        return obj.account.code if getattr(obj, "account_visible", False) else None

    @staticmethod
    def resolve_account_name(obj: Contact) -> str | None:
        return obj.account.name if getattr(obj, "account_visible", False) else None

    @staticmethod
    def resolve_other_account_ids(obj: Contact) -> list[int]:
        return sorted(account.pk for account in getattr(obj, "visible_other_accounts", []))

    @staticmethod
    def resolve_reports_to_id(obj: Contact) -> int | None:
        return obj.reports_to_id if getattr(obj, "reports_to_visible", False) else None

    @staticmethod
    def resolve_reports_to_name(obj: Contact) -> str | None:
        return str(obj.reports_to) if getattr(obj, "reports_to_visible", False) else None

    @staticmethod
    def resolve_buying_role(obj: Contact) -> str | None:
        return obj.buying_role or None

    @staticmethod
    def resolve_level(obj: Contact) -> str | None:
        return obj.level or None

    @staticmethod
    def resolve_owner_name(obj: Contact) -> str | None:
        return str(obj.owner) if obj.owner_id else None


class _ContactFields(InputSchema):
    @field_validator("email", check_fields=False)
    @classmethod
    def blank_email_is_none(cls, value: str | None) -> str | None:
        # Contacts without an e-mail address store none (the address is unique when given).
        return value.lower() if value else None


class ContactIn(_ContactFields):
    email: Email | None = None
    first_name: Text(80) = ""
    last_name: Text(80, min_length=1)
    title: Text(120) = ""
    department: Text(120) = ""
    phone: Text(40) = ""
    mobile: Text(40) = ""
    account_id: ObjectId = Field(description="Main account (one you can edit).")
    other_account_ids: AccountIds = []
    reports_to_id: ObjectId | None = None
    buying_role: BuyingRole | None = None
    level: Level | None = None
    influence: Influence | None = None
    attitude: Attitude | None = None
    owner_id: ObjectId | None = None
    cadence_days: Cadence | None = None
    has_left: bool = False
    notes: Text(20000) = ""


class ContactPatch(_ContactFields):
    """Only the fields sent change."""

    email: Email | None = Unset()
    first_name: Text(80) = Unset()
    last_name: Text(80, min_length=1) = Unset()
    title: Text(120) = Unset()
    department: Text(120) = Unset()
    phone: Text(40) = Unset()
    mobile: Text(40) = Unset()
    account_id: ObjectId = Unset()
    other_account_ids: AccountIds = Unset()
    reports_to_id: ObjectId | None = Unset()
    buying_role: BuyingRole | None = Unset()
    level: Level | None = Unset()
    influence: Influence | None = Unset()
    attitude: Attitude | None = Unset()
    owner_id: ObjectId | None = Unset()
    cadence_days: Cadence | None = Unset()
    has_left: bool = Unset()
    notes: Text(20000) = Unset()


class ContactQuery(Schema):
    """The contacts list's filters: the same as the web list's."""

    q: SearchText | None = Field(None, description="Search in name, e-mail, title and account name.")
    email: Email | None = Field(None, description="Exact e-mail address (case-insensitive).")
    account: ObjectId | None = Field(None, description="Contacts of this account id.")
    include_subsidiaries: bool | None = Field(None, description="With account: its subsidiaries' contacts too.")
    account_code: Text(40) | None = None
    buying_role: list[BuyingRole] | None = None
    owner: ObjectId | None = Field(None, description="Relationship owner's user id.")
    min_influence: Influence | None = None
    has_left: bool | None = None
    sort: SortKey | None = None
