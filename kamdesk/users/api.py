"""Users and teams (read only) and the caller's own API tokens in the REST API.

Managing users and teams stays in the web UI and the CLI. Tokens are managed by their owner; a new token
can only be made from a signed-in session, so that a leaked token cannot mint further ones.
"""

from django.db.models import Count, Q, QuerySet
from django.http import HttpRequest
from ninja import Query, Router, Status
from ninja.pagination import paginate

from kamdesk.access.scope import visible_users
from kamdesk.core.api import (
    READ_ERRORS,
    UNAUTHORIZED,
    WRITE_ERRORS,
    ObjectId,
    Paginated,
    ValidationErrorOut,
    authenticated_by_token,
    current_user,
)
from kamdesk.core.errors import NotFound, PermissionDenied
from kamdesk.users.models import ApiToken, Team, User
from kamdesk.users.schemas import TeamOut, TokenCreatedOut, TokenIn, TokenOut, UserOut, UserQuery
from kamdesk.users.services import token_create, token_revoke

users_router = Router(tags=["users"])
teams_router = Router(tags=["users"])
tokens_router = Router(tags=["tokens"])


# --- users ----------------------------------------------------------------------------------------------------


def _filter_users(users: QuerySet, query: UserQuery) -> QuerySet:
    if query.q:
        users = users.filter(
            Q(first_name__icontains=query.q) | Q(last_name__icontains=query.q) | Q(email__icontains=query.q)
        )
    if query.role:
        users = users.filter(role__in=[role.value for role in query.role])
    if query.team is not None:
        users = users.filter(team_id=query.team)
    if query.active is not None:
        users = users.filter(is_active=query.active)
    return users.order_by("last_name", "first_name", "id")


@users_router.get("", response={200: list[UserOut], **UNAUTHORIZED, 422: ValidationErrorOut}, summary="List users")
@paginate(Paginated)
def list_users(request: HttpRequest, filters: Query[UserQuery]):
    return _filter_users(visible_users(current_user(request)), filters)


@users_router.get("/me", response={200: UserOut, **UNAUTHORIZED}, summary="The signed-in user")
def get_me(request: HttpRequest):
    return visible_users(current_user(request)).get(pk=current_user(request).pk)


@users_router.get("/{user_id}", response={200: UserOut, **READ_ERRORS}, summary="Get a user")
def get_user(request: HttpRequest, user_id: ObjectId):
    user = visible_users(current_user(request)).filter(pk=user_id).first()
    if user is None:
        raise NotFound("User not found.")
    return user


# --- teams ----------------------------------------------------------------------------------------------------


@teams_router.get("", response={200: list[TeamOut], **UNAUTHORIZED, 422: ValidationErrorOut}, summary="List teams")
@paginate(Paginated)
def list_teams(request: HttpRequest):
    return Team.objects.select_related("lead").annotate(member_count=Count("members")).order_by("name", "id")


# --- own API tokens ---------------------------------------------------------------------------------------------


def _own_tokens(user: User) -> QuerySet:
    return ApiToken.objects.filter(user=user).order_by("-created_at", "-id")


@tokens_router.get(
    "", response={200: list[TokenOut], **UNAUTHORIZED, 422: ValidationErrorOut}, summary="List my tokens"
)
@paginate(Paginated)
def list_tokens(request: HttpRequest):
    """Your personal API tokens, revoked ones included; secrets are never shown again."""
    return _own_tokens(current_user(request))


@tokens_router.post("", response={201: TokenCreatedOut, **WRITE_ERRORS}, summary="Create a token")
def create_token(request: HttpRequest, payload: TokenIn):
    """Answers the secret once. Only from a signed-in session (with its CSRF token), not with another token."""
    user = current_user(request)
    if authenticated_by_token(request):
        raise PermissionDenied("Create API tokens from a signed-in session, not with another token.")
    token, secret = token_create(actor=user, user=user, name=payload.name)
    token.secret = secret
    return Status(201, token)


@tokens_router.delete("/{token_id}", response={204: None, **WRITE_ERRORS}, summary="Revoke a token")
def revoke_token(request: HttpRequest, token_id: ObjectId):
    user = current_user(request)
    if not _own_tokens(user).filter(pk=token_id).exists():
        raise NotFound("Token not found.")
    token_revoke(actor=user, token_id=token_id)
    return Status(204, None)
