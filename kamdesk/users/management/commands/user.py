"""``kamdesk user create|list|set-password|deactivate|token``: manage users from the shell.

The operator running the command acts as the system (actor=None); the users service still validates
and audits every change.
"""

import sys

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from kamdesk.core.errors import ServiceError
from kamdesk.users.management.cli_support import (
    command_error,
    read_password,
    role_value,
    team_by_name,
    user_by_email,
)
from kamdesk.users.models import Role, User
from kamdesk.users.services import token_create, user_create, user_set_password, user_update

# The label a token created here gets; not a secret.
DEFAULT_TOKEN_NAME = "command line"  # noqa: S105


class Command(BaseCommand):
    help = "Create, list and deactivate users, set passwords and issue API tokens."
    stealth_options = ("stdin",)

    def add_arguments(self, parser):
        actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")

        create = actions.add_parser("create", help="Add a user.")
        create.add_argument("email", metavar="EMAIL")
        create.add_argument("--role", required=True, help=f"One of: {', '.join(Role.values)}.")
        create.add_argument("--team", help="Name of an existing team.")
        create.add_argument("--manager", metavar="EMAIL", help="E-mail of the user's manager.")
        create.add_argument("--first-name", default="")
        create.add_argument("--last-name", default="")
        create.add_argument("--title", default="")
        create.add_argument(
            "--password-stdin", action="store_true", help="Read the password from the first line of stdin."
        )
        create.add_argument(
            "--token", action="store_true", help="Also create an API token; only its secret goes to stdout."
        )

        actions.add_parser("list", help="List every user.")

        set_password = actions.add_parser("set-password", help="Set a user's password (stdin or prompt).")
        set_password.add_argument("email", metavar="EMAIL")

        deactivate = actions.add_parser("deactivate", help="Stop a user from signing in (history is kept).")
        deactivate.add_argument("email", metavar="EMAIL")

        token = actions.add_parser("token", help="Create an API token for a user; prints only its secret.")
        token.add_argument("email", metavar="EMAIL")
        token.add_argument("--name", default=DEFAULT_TOKEN_NAME, help="What the token is for.")

    def handle(self, *args, action: str, **options):
        self.input = options.get("stdin") or sys.stdin
        handler = {
            "create": self.create,
            "list": self.list_users,
            "set-password": self.set_password,
            "deactivate": self.deactivate,
            "token": self.token,
        }[action]
        try:
            handler(**options)
        except ServiceError as exc:
            raise command_error(exc) from exc

    def create(self, *, email, role, team, manager, first_name, last_name, title, password_stdin, token, **_):
        fields = {
            "role": role_value(role),
            "team": team_by_name(team) if team else None,
            "manager": user_by_email(manager, what="manager") if manager else None,
            "first_name": first_name,
            "last_name": last_name,
            "title": title,
        }
        if User.objects.filter(email__iexact=email.strip()).exists():
            raise CommandError(f"A user with the e-mail address {email!r} already exists.")
        password = read_password(self.input, from_stdin=True) if password_stdin else None
        # The user and their token together or not at all.
        with transaction.atomic():
            user = user_create(actor=None, email=email, password=password, **fields)
            secret = token_create(actor=None, user=user, name=DEFAULT_TOKEN_NAME)[1] if token else None
        # With --token, stdout carries only the secret so that scripts can capture it.
        self.note(f"Created {user.email} ({user.get_role_display()}).", aside=token)
        if not password:
            self.note(f"No password yet: set one with `kamdesk user set-password {user.email}`.", aside=token)
        if secret:
            self.stdout.write(secret)

    def note(self, message: str, *, aside: bool) -> None:
        """A message for the person at the terminal; ``aside`` sends it to stderr, uncoloured."""
        if aside:
            self.stderr.write(message, style_func=str)
        else:
            self.stdout.write(message)

    def list_users(self, **_):
        users = User.objects.select_related("team", "manager").order_by("email")
        rows = [
            (
                u.email,
                u.full_name or "-",
                u.role,
                u.team.name if u.team else "-",
                u.manager.email if u.manager else "-",
                "active" if u.is_active else "inactive",
            )
            for u in users
        ]
        header = ("EMAIL", "NAME", "ROLE", "TEAM", "MANAGER", "STATUS")
        widths = [max(len(str(row[i])) for row in [header, *rows]) for i in range(len(header))]
        for row in [header, *rows]:
            self.stdout.write(
                "  ".join(str(cell).ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
            )

    def set_password(self, *, email, **_):
        user = user_by_email(email)
        user_set_password(actor=None, user_id=user.pk, password=read_password(self.input))
        self.stdout.write(f"Password of {user.email} changed.")

    def deactivate(self, *, email, **_):
        user = user_by_email(email)
        if not user.is_active:
            self.stdout.write(f"{user.email} is already inactive.")
            return
        user_update(actor=None, user_id=user.pk, is_active=False)
        self.stdout.write(f"{user.email} can no longer sign in or use API tokens. Their history is kept.")

    def token(self, *, email, name, **_):
        user = user_by_email(email)
        if not user.is_active:
            raise CommandError(f"{user.email} is inactive; a token would not work.")
        _token, secret = token_create(actor=None, user=user, name=name)
        self.stdout.write(secret)
