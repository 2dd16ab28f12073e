"""Shapes of users, teams and personal API tokens in the REST API."""

from datetime import datetime

from ninja import Field, Schema

from kamdesk.core.api import InputSchema, ObjectId, SearchText, Text
from kamdesk.users.models import ApiToken, Role, Team, User


class UserOut(Schema):
    id: int
    email: str
    first_name: str
    last_name: str
    full_name: str
    title: str
    role: Role
    team_id: int | None
    team_name: str | None
    manager_id: int | None
    manager_name: str | None
    is_active: bool

    @staticmethod
    def resolve_team_name(obj: User) -> str | None:
        return obj.team.name if obj.team_id else None

    @staticmethod
    def resolve_manager_name(obj: User) -> str | None:
        return str(obj.manager) if obj.manager_id else None


class UserQuery(Schema):
    q: SearchText | None = Field(None, description="Search in name and e-mail.")
    role: list[Role] | None = None
    team: ObjectId | None = Field(None, description="Team id.")
    active: bool | None = Field(None, description="Inactive users are listed for admins only.")


class TeamOut(Schema):
    id: int
    name: str
    lead_id: int | None
    lead_name: str | None
    member_count: int

    @staticmethod
    def resolve_lead_name(obj: Team) -> str | None:
        return str(obj.lead) if obj.lead_id else None


class TokenOut(Schema):
    id: int
    name: str
    hint: str = Field(description="First characters of the secret, to recognise it.")
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None
    is_active: bool

    @staticmethod
    def resolve_is_active(obj: ApiToken) -> bool:
        return obj.is_active


class TokenCreatedOut(TokenOut):
    secret: str = Field(description="Send as 'Authorization: Bearer <secret>'. Shown this once; store it safely.")


class TokenIn(InputSchema):
    name: Text(80, min_length=1) = Field(description="What the token is for, e.g. the script using it.")
