"""What every part of the REST API shares: authentication, the error shape, pagination and the small types
that keep bad input out (and away from the database).

Errors always answer JSON: ``{"detail": "...", "errors": [{"field": ..., "message": ...}]}`` for 400/422,
``{"detail": "..."}`` for 401/403/404.
"""

from typing import Annotated, Any

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse
from django.utils.datastructures import MultiValueDict
from ninja import Field, NinjaAPI, Schema
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.pagination import LimitOffsetPagination
from ninja.security import APIKeyCookie, HttpBearer
from ninja.utils import check_csrf
from pydantic import AfterValidator, ConfigDict, StringConstraints

from kamdesk.core.errors import NotFound, PermissionDenied, ServiceError
from kamdesk.users.models import User
from kamdesk.users.services import token_authenticate

# Database ids are 64-bit; anything larger cannot name a record and must not reach the database driver.
MAX_ID = 2**63 - 1
UNSAFE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}

# --- input types ------------------------------------------------------------------------------------------


def _no_nul(value: str) -> str:
    # PostgreSQL refuses NUL characters in text; refuse them here with a clear message instead.
    if "\x00" in value:
        raise ValueError("must not contain NUL characters")
    return value


def Text(max_length: int, *, min_length: int = 0) -> Any:
    """A string with surrounding blanks removed, a length limit and no NUL characters."""
    return Annotated[
        str,
        StringConstraints(strip_whitespace=True, min_length=min_length or None, max_length=max_length),
        AfterValidator(_no_nul),
    ]


ObjectId = Annotated[int, Field(ge=1, le=MAX_ID)]
SearchText = Text(200)


def _drop_default(schema: dict) -> None:
    schema.pop("default", None)


def Unset() -> Any:
    """Default of a PATCH field: absent means 'leave unchanged'. Not shown in the schema, and an explicit
    null is still refused when the field's type does not allow it."""
    return Field(None, json_schema_extra=_drop_default)


class InputSchema(Schema):
    """A request body: unknown fields are refused, so a misspelt field is an error, not a silent no-op."""

    model_config = ConfigDict(extra="forbid")


# --- output schemas -------------------------------------------------------------------------------------


class ErrorOut(Schema):
    detail: str


class FieldErrorOut(Schema):
    field: str | None = Field(description="Name of the offending field or parameter; null for the whole request.")
    message: str


class ValidationErrorOut(Schema):
    detail: str
    errors: list[FieldErrorOut]


# Response declarations shared by the routes; each route adds its own success answers.
UNAUTHORIZED = {401: ErrorOut}
READ_ERRORS = {401: ErrorOut, 404: ErrorOut, 422: ValidationErrorOut}
WRITE_ERRORS = {400: ValidationErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ValidationErrorOut}

# --- authentication -------------------------------------------------------------------------------------


class BearerTokenAuth(HttpBearer):
    """Personal API tokens for scripts: ``Authorization: Bearer kd_...``. No CSRF: browsers never send it."""

    def authenticate(self, request: HttpRequest, token: str) -> User | None:
        user = token_authenticate(token.strip())
        request.authenticated_by_token = user is not None
        return user


class SessionCookieAuth(APIKeyCookie):
    """The browser's signed-in session; every unsafe method must carry the CSRF token.

    CSRF is checked only once the session is known to be signed in, so an anonymous request answers 401
    (not 403) and a script sending a bearer token is never asked for a CSRF token.
    """

    param_name = settings.SESSION_COOKIE_NAME

    def _get_key(self, request: HttpRequest) -> str | None:
        return request.COOKIES.get(self.param_name)

    def authenticate(self, request: HttpRequest, key: str | None) -> User | None:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return None
        if self.csrf and request.method in UNSAFE_METHODS and check_csrf(request) is not None:
            raise HttpError(403, "CSRF check failed: send the csrftoken cookie's value in the X-CSRFToken header.")
        return user


def api_auth() -> list:
    # Bearer first: a script's token must not be judged by the session rules.
    return [BearerTokenAuth(), SessionCookieAuth(csrf=True)]


def current_user(request: HttpRequest) -> User:
    return request.auth


def authenticated_by_token(request: HttpRequest) -> bool:
    return getattr(request, "authenticated_by_token", False)


def require_writer(user: User) -> None:
    """Viewers read; they never change anything."""
    if user.is_read_only:
        raise PermissionDenied("Your role (viewer) has read-only access.")


# --- pagination -------------------------------------------------------------------------------------------


class Paginated(LimitOffsetPagination):
    """``?limit=`` (1-500, default 50) and ``?offset=``; answers ``{"items": [...], "count": N}`` where N is
    the total after filtering."""

    class Input(Schema):
        limit: int = Field(50, ge=1, le=500, description="Page size (at most 500).")
        offset: int = Field(0, ge=0, le=2**31 - 1, description="Number of items to skip.")

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(max_limit=500, **kwargs)


# --- filters ------------------------------------------------------------------------------------------------


def filter_params(query: Schema) -> MultiValueDict:
    """Validated query parameters as the form data a FilterSet expects (lists stay lists)."""
    data = MultiValueDict()
    for name, value in query.model_dump(exclude_none=True).items():
        values = value if isinstance(value, list) else [value]
        data.setlist(name, [_filter_value(v) for v in values])
    return data


def _filter_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(getattr(value, "value", value))


class InvalidFilters(ServiceError):
    """Query parameters a FilterSet refused; their names are the parameters' own."""


def check_filters(filterset) -> None:
    """A filter value the FilterSet refuses (unknown owner, channel, ...) is a 422, never silently ignored."""
    if not filterset.is_valid():
        raise InvalidFilters("Some filters are not valid.", dict(filterset.errors))


# --- errors ---------------------------------------------------------------------------------------------------

# Services name model fields; the API names references by id.
FIELD_NAMES = {
    "parent": "parent_id",
    "owner": "owner_id",
    "account": "account_id",
    "reports_to": "reports_to_id",
    "other_accounts": "other_account_ids",
    "user": "user_id",
    "new_owner": "new_owner_id",
    "team": "team_id",
    "our_participants": "our_participant_ids",
    "their_participants": "their_participant_ids",
    "activity": "activity_id",
}


def _field_errors(field_errors: dict[str, list[str]], *, rename: bool = True) -> list[dict]:
    errors = []
    for field, messages in field_errors.items():
        name = None if field in ("__all__", None) else FIELD_NAMES.get(field, field) if rename else field
        errors.extend({"field": name, "message": str(message)} for message in messages)
    return errors


def _service_error(request: HttpRequest, exc: ServiceError, api: NinjaAPI) -> HttpResponse:
    errors = _field_errors(exc.field_errors, rename=not isinstance(exc, InvalidFilters))
    errors = errors or [{"field": None, "message": exc.message}]
    return api.create_response(request, {"detail": exc.message, "errors": errors}, status=422)


def _permission_denied(request: HttpRequest, exc: PermissionDenied, api: NinjaAPI) -> HttpResponse:
    return api.create_response(request, {"detail": exc.message}, status=403)


def _not_found(request: HttpRequest, exc: NotFound, api: NinjaAPI) -> HttpResponse:
    return api.create_response(request, {"detail": exc.message}, status=404)


def _validation_error(request: HttpRequest, exc: NinjaValidationError, api: NinjaAPI) -> HttpResponse:
    errors = [{"field": _location(error.get("loc", ())), "message": error.get("msg", "")} for error in exc.errors]
    return api.create_response(request, {"detail": "The request is not valid.", "errors": errors}, status=422)


def _location(loc: tuple) -> str | None:
    # ("body", "payload", "tags", 0) -> "tags.0"; ("query", "limit") -> "limit". The source and the
    # handler's argument name mean nothing to the caller.
    parts = [str(part) for part in loc]
    if parts and parts[0] in ("body", "query", "path", "header", "cookie", "form"):
        parts = parts[1:]
    if len(parts) > 1 and parts[0] in ("payload", "filters", "ninja_pagination"):
        parts = parts[1:]
    return ".".join(parts) or None


def _http_error(request: HttpRequest, exc: HttpError, api: NinjaAPI) -> HttpResponse:
    if exc.status_code == 400:
        # The only 400 the API gives: a body that is not JSON at all.
        detail = "The request body is not valid JSON."
        body = {"detail": detail, "errors": [{"field": None, "message": detail}]}
        return api.create_response(request, body, status=400)
    if isinstance(exc, AuthenticationError):
        detail = "Authentication required: sign in, or send a personal API token as 'Authorization: Bearer ...'."
        response = api.create_response(request, {"detail": detail}, status=401)
        response["WWW-Authenticate"] = 'Bearer realm="kamdesk"'
        return response
    return api.create_response(request, {"detail": str(exc)}, status=exc.status_code)


def _body_too_large(request: HttpRequest, exc: RequestDataTooBig, api: NinjaAPI) -> HttpResponse:
    detail = f"The request body is too large (at most {settings.DATA_UPLOAD_MAX_MEMORY_SIZE} bytes)."
    return api.create_response(request, {"detail": detail, "errors": [{"field": None, "message": detail}]}, status=400)


def install_error_handlers(api: NinjaAPI) -> None:
    """Every refusal answers the same JSON shape; nothing a caller sends should turn into a 500."""
    for exc_class, handler in (
        (ServiceError, _service_error),
        (PermissionDenied, _permission_denied),
        (NotFound, _not_found),
        (NinjaValidationError, _validation_error),
        (HttpError, _http_error),
        (RequestDataTooBig, _body_too_large),
    ):
        api.add_exception_handler(exc_class, lambda request, exc, h=handler: h(request, exc, api))
