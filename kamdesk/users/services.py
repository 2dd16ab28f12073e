"""Users, teams and API tokens. Only admins manage users; every user manages their own tokens."""

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from kamdesk.audit.services import audit_record, diff, snapshot
from kamdesk.core.errors import NotFound, PermissionDenied, ServiceError
from kamdesk.core.services import apply_fields, validate
from kamdesk.users.models import ApiToken, CalendarFeedToken, Team, User

USER_FIELDS = [
    "email",
    "first_name",
    "last_name",
    "title",
    "manager",
    "team",
    "role",
    "time_zone",
    "is_active",
]


def _require_admin(actor: User | None) -> None:
    # actor=None is the system itself (first set-up, the demo generator, the CLI run by the operator).
    if actor is not None and not actor.is_admin:
        raise PermissionDenied("Only admins can manage users and teams.")


def _check_manager_chain(user: User, manager: User | None) -> None:
    seen, current = set(), manager
    while current is not None and current.pk not in seen:
        if user.pk and current.pk == user.pk:
            raise ServiceError("This would make a reporting loop.", {"manager": ["Creates a loop."]})
        seen.add(current.pk)
        current = current.manager


def user_create(*, actor: User | None, email: str, password: str | None = None, **fields) -> User:
    _require_admin(actor)
    user = User(email=(email or "").strip().lower())
    apply_fields(user, fields, set(USER_FIELDS))
    if password:
        _validate_password(password, user)
        user.set_password(password)
    else:
        user.set_unusable_password()
    validate(user, exclude=["password"])
    with transaction.atomic():
        user.save()
        audit_record(actor=actor, action="create", obj=user, changes=diff({}, snapshot(user, USER_FIELDS)))
    return user


def user_update(*, actor: User | None, user_id: int, **fields) -> User:
    _require_admin(actor)
    with transaction.atomic():
        user = User.objects.select_for_update().filter(pk=user_id).first()
        if user is None:
            raise NotFound("User not found.")
        before = snapshot(user, USER_FIELDS)
        if "manager" in fields:
            _check_manager_chain(user, fields["manager"])
        apply_fields(user, fields, set(USER_FIELDS))
        if "email" in fields:
            user.email = user.email.strip().lower()
        validate(user, exclude=["password"])
        user.save()
        changes = diff(before, snapshot(user, USER_FIELDS))
        if changes:
            audit_record(actor=actor, action="update", obj=user, changes=changes)
    return user


def user_set_password(*, actor: User | None, user_id: int, password: str) -> None:
    if actor is not None and actor.pk != user_id:
        _require_admin(actor)
    user = User.objects.filter(pk=user_id).first()
    if user is None:
        raise NotFound("User not found.")
    _validate_password(password, user)
    user.set_password(password)
    user.save(update_fields=["password"])
    audit_record(actor=actor, action="password_change", obj=user)


def _validate_password(password: str, user: User) -> None:
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise ServiceError("The password is too weak.", {"password": list(exc.messages)}) from exc


def team_create(*, actor: User | None, name: str, lead: User | None = None) -> Team:
    _require_admin(actor)
    team = Team(name=name.strip(), lead=lead)
    validate(team)
    with transaction.atomic():
        team.save()
        audit_record(actor=actor, action="create", obj=team, changes=diff({}, snapshot(team, ["name", "lead"])))
    return team


def token_create(*, actor: User, user: User, name: str) -> tuple[ApiToken, str]:
    """A new personal API token; returns it with its secret, which is never stored nor shown again."""
    if actor is not None and actor.pk != user.pk:
        _require_admin(actor)
    if not name.strip():
        raise ServiceError("Give the token a name.", {"name": ["Required."]})
    secret = ApiToken.new_secret()
    token = ApiToken.objects.create(
        user=user, name=name.strip()[:80], digest=ApiToken.digest_of(secret), hint=secret[:8]
    )
    audit_record(actor=actor, action="token_create", obj=user, changes={"token": [None, token.name]})
    return token, secret


def token_revoke(*, actor: User, token_id: int) -> ApiToken:
    tokens = ApiToken.objects.all() if actor.is_admin else ApiToken.objects.filter(user=actor)
    token = tokens.filter(pk=token_id).first()
    if token is None:
        raise NotFound("Token not found.")
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        audit_record(actor=actor, action="token_revoke", obj=token.user, changes={"token": [token.name, None]})
    return token


def token_authenticate(secret: str) -> User | None:
    """The active user behind a bearer secret, stamping the token's last use; None if unknown/revoked."""
    if not secret or not secret.startswith(ApiToken.PREFIX):
        return None
    token = (
        ApiToken.objects.select_related("user")
        .filter(digest=ApiToken.digest_of(secret), revoked_at=None, user__is_active=True)
        .first()
    )
    if token is None:
        return None
    now = timezone.now()
    # Stamp at most once a minute: a busy script should not turn every read into a write.
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user


# --- private calendar feed ----------------------------------------------------------------------------


def calendar_feed_create(*, actor: User, user: User) -> tuple[CalendarFeedToken, str]:
    """A new feed token for ``user`` (revoking any live one); returns it with its secret, shown only once."""
    if actor is not None and actor.pk != user.pk:
        _require_admin(actor)
    secret = CalendarFeedToken.new_secret()
    with transaction.atomic():
        now = timezone.now()
        revoked = CalendarFeedToken.objects.filter(user=user, revoked_at=None).update(revoked_at=now)
        token = CalendarFeedToken.objects.create(
            user=user, digest=CalendarFeedToken.digest_of(secret), hint=secret[:12]
        )
        changes = {"calendar_feed": ["revoked" if revoked else None, "created"]}
        audit_record(actor=actor, action="calendar_feed_create", obj=user, changes=changes)
    return token, secret


def calendar_feed_revoke(*, actor: User, user: User) -> int:
    """Revoke the user's live feed token; returns how many were revoked (0 or 1)."""
    if actor is not None and actor.pk != user.pk:
        _require_admin(actor)
    with transaction.atomic():
        revoked = CalendarFeedToken.objects.filter(user=user, revoked_at=None).update(revoked_at=timezone.now())
        if revoked:
            audit_record(
                actor=actor, action="calendar_feed_revoke", obj=user, changes={"calendar_feed": ["live", "revoked"]}
            )
    return revoked


def calendar_feed_user(secret: str) -> User | None:
    """The active user behind a feed secret, stamping the token's last use; None if unknown or revoked."""
    if not secret or not secret.startswith(CalendarFeedToken.PREFIX) or len(secret) > 100:
        return None
    token = (
        CalendarFeedToken.objects.select_related("user")
        .filter(digest=CalendarFeedToken.digest_of(secret), revoked_at=None, user__is_active=True)
        .first()
    )
    if token is None:
        return None
    now = timezone.now()
    # Clients poll every few minutes; stamping once an hour is enough to tell a live feed from a dead one.
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 3600:
        CalendarFeedToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user
