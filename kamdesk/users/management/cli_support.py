"""Small helpers the operator commands (user, team, account) share: finding records by the names an
operator types, and turning a service's refusal into a clear command error."""

import getpass
import sys
from collections.abc import Iterable

from django.core.management.base import CommandError

from kamdesk.core.errors import ServiceError
from kamdesk.users.models import Role, Team, User


def command_error(exc: ServiceError) -> CommandError:
    """The service's message plus each field's reasons, on one line a person can act on."""
    details = [
        f"{field}: {' '.join(messages)}" if field != "__all__" else " ".join(messages)
        for field, messages in exc.field_errors.items()
    ]
    return CommandError(" ".join([exc.message, *(f"({d})" for d in details)]))


def user_by_email(email: str, *, what: str = "user") -> User:
    user = User.objects.filter(email__iexact=email.strip()).select_related("team", "manager").first()
    if user is None:
        raise CommandError(f"No {what} with the e-mail address {email!r}. `kamdesk user list` shows them all.")
    return user


def team_by_name(name: str) -> Team:
    team = Team.objects.filter(name__iexact=name.strip()).first()
    if team is None:
        existing = ", ".join(Team.objects.values_list("name", flat=True)) or "none yet"
        raise CommandError(
            f"No team named {name!r}. Existing teams: {existing}. Create one with `kamdesk team create NAME`."
        )
    return team


def choice(value: str, allowed: Iterable[str], what: str) -> str:
    """``value`` when it is one of ``allowed`` (e.g. a choices class's ``values``), else a command error."""
    allowed = list(allowed)
    if value not in allowed:
        raise CommandError(f"Unknown {what} {value!r}. Choose one of: {', '.join(allowed)}.")
    return value


def role_value(role: str) -> str:
    return choice(role, Role.values, "role")


def read_password(stdin=None, *, from_stdin: bool = False) -> str:
    """A password piped in (first line) or typed twice at a prompt that does not echo it."""
    stdin = stdin or sys.stdin
    if from_stdin or not stdin.isatty():
        password = stdin.readline().rstrip("\r\n")
        if not password:
            raise CommandError("No password on standard input.")
        return password
    password = getpass.getpass("New password: ")
    if password != getpass.getpass("Repeat it: "):
        raise CommandError("The two passwords differ; nothing was changed.")
    return password
