"""Shapes of accounts, account teams and handovers in the REST API.

References travel as ids (``owner_id``, ``parent_id``, ``user_id``) or codes (``channel``); the names next to
them (``owner_name``, ``parent_code``) are read-only conveniences.
"""

from datetime import datetime
from decimal import Decimal
from typing import Annotated, Literal

from ninja import Field, Schema

from kamdesk.accounts.filters import ORDERING
from kamdesk.accounts.models import Access, Account, AccountKind, AccountMembership, Stage, TeamRole, Tier
from kamdesk.core.api import InputSchema, ObjectId, SearchText, Text, Unset

Code = Text(40, min_length=1)
Name = Text(200, min_length=1)
ChannelCode = Text(40, min_length=1)
Money = Annotated[Decimal, Field(ge=0, max_digits=18, decimal_places=2)]
Days = Annotated[int, Field(ge=0, le=32767)]
TagName = Text(60, min_length=1)
Tags = Annotated[list[TagName], Field(max_length=50)]
LongText = Text(20000)
SortKey = Literal[tuple(ORDERING)]


class AccountRef(Schema):
    id: int
    code: str
    name: str


class AccountOut(Schema):
    id: int
    code: str
    name: str
    legal_name: str
    parent_id: int | None
    parent_code: str | None = Field(description="Null at the top of the hierarchy or when the parent is not yours.")
    depth: int = Field(description="Levels below the top of the hierarchy (0 = top level).")
    subsidiary_count: int = Field(description="Subsidiaries at every level below.")
    kind: AccountKind
    channel: str | None = Field(description="Channel code.")
    channel_name: str | None
    industry: str
    country: str
    region: str
    currency: str
    credit_limit: Decimal | None
    payment_terms_days: int | None
    website: str
    description: str
    tags: list[str]
    owner_id: int | None
    owner_name: str | None
    tier: Tier
    tier_label: str
    stage: Stage
    is_active: bool
    created_at: datetime
    updated_at: datetime

    @staticmethod
    def resolve_parent_code(obj: Account) -> str | None:
        # A subsidiary's team does not necessarily see the parent: name it only when they do.
        if obj.parent_id is None or not getattr(obj, "parent_visible", False):
            return None
        return obj.parent.code

    @staticmethod
    def resolve_subsidiary_count(obj: Account) -> int:
        return getattr(obj, "subsidiary_count", 0)

    @staticmethod
    def resolve_channel(obj: Account) -> str | None:
        return obj.channel.code if obj.channel_id else None

    @staticmethod
    def resolve_channel_name(obj: Account) -> str | None:
        return obj.channel.name if obj.channel_id else None

    @staticmethod
    def resolve_tags(obj: Account) -> list[str]:
        return sorted(tag.name for tag in obj.tags.all())

    @staticmethod
    def resolve_owner_name(obj: Account) -> str | None:
        return str(obj.owner) if obj.owner_id else None


class AccountIn(InputSchema):
    code: Code = Field(description="ERP / customer code, unique.")
    name: Name
    legal_name: Text(200) = ""
    parent_id: ObjectId | None = None
    kind: AccountKind = AccountKind.CUSTOMER
    channel: ChannelCode | None = Field(None, description="Channel code.")
    industry: Text(100) = ""
    country: Text(2) = Field("", description="ISO 3166-1 alpha-2 code.")
    region: Text(100) = ""
    currency: Text(3) = Field("", description="ISO 4217 code.")
    credit_limit: Money | None = None
    payment_terms_days: Days | None = None
    website: Text(200) = ""
    description: LongText = ""
    tags: Tags = []
    owner_id: ObjectId | None = Field(None, description="Defaults to you (admins: no owner).")
    tier: Tier = Tier.GROWTH
    stage: Stage = Stage.TARGET
    is_active: bool = True


class AccountPatch(InputSchema):
    """Only the fields sent change; ``parent_id: null`` moves the account to the top level."""

    code: Code = Unset()
    name: Name = Unset()
    legal_name: Text(200) = Unset()
    parent_id: ObjectId | None = Unset()
    kind: AccountKind = Unset()
    channel: ChannelCode | None = Unset()
    industry: Text(100) = Unset()
    country: Text(2) = Unset()
    region: Text(100) = Unset()
    currency: Text(3) = Unset()
    credit_limit: Money | None = Unset()
    payment_terms_days: Days | None = Unset()
    website: Text(200) = Unset()
    description: LongText = Unset()
    tags: Tags = Unset()
    owner_id: ObjectId | None = Unset()
    tier: Tier = Unset()
    stage: Stage = Unset()
    is_active: bool = Unset()


class AccountQuery(Schema):
    """The accounts list's filters: the same as the web list's."""

    q: SearchText | None = Field(None, description="Search in name, code and legal name.")
    code: Text(40) | None = Field(None, description="Exact ERP code (case-insensitive).")
    owner: ObjectId | None = Field(None, description="Owner's user id.")
    team: ObjectId | None = Field(None, description="Team id of the owner.")
    tier: list[Tier] | None = None
    stage: list[Stage] | None = None
    kind: list[AccountKind] | None = None
    channel: list[ChannelCode] | None = Field(None, description="Channel codes.")
    country: Text(2) | None = None
    parent: ObjectId | None = Field(None, description="Direct subsidiaries of this account id.")
    include_children: bool | None = Field(None, description="With parent: subsidiaries at every level.")
    top_level: bool | None = None
    active: bool | None = None
    tag: Text(60) | None = None
    sort: SortKey | None = Field(None, description="Sort key; prefix with - to reverse.")


class MembershipOut(Schema):
    id: int
    account_id: int
    user_id: int
    user_name: str
    user_email: str
    role: TeamRole
    access: Access
    created_at: datetime

    @staticmethod
    def resolve_user_name(obj: AccountMembership) -> str:
        return str(obj.user)

    @staticmethod
    def resolve_user_email(obj: AccountMembership) -> str:
        return obj.user.email


class MembershipIn(InputSchema):
    """Adds the user to the account team, or changes their role and access if already on it."""

    user_id: ObjectId
    role: TeamRole
    access: Access = Access.READ


class HandoverIn(InputSchema):
    new_owner_id: ObjectId | None = Field(None, description="The new owner; or give team_id instead.")
    team_id: ObjectId | None = Field(None, description="Hand over to this team: its lead becomes the owner.")
    reason: Text(1000, min_length=1)
    include_subsidiaries: bool = Field(False, description="Also subsidiaries owned by the same person.")
    transfer_contacts: bool = Field(True, description="Move the previous owner's stakeholder relationships.")
    keep_previous_owner: bool = Field(False, description="Keep the previous owner on the team with read access.")


class HandoverOut(Schema):
    new_owner_id: int
    new_owner_name: str
    handed_over: list[AccountRef]
