"""``kamdesk account grant|revoke|handover``: account teams and ownership from the shell.

The operator acts as the system (actor=None); the account services validate and audit every change.
"""

from django.core.management.base import BaseCommand, CommandError

from kamdesk.accounts.models import Access, Account, AccountMembership, TeamRole
from kamdesk.accounts.services import account_handover, membership_remove, membership_set
from kamdesk.core.errors import ServiceError
from kamdesk.users.management.cli_support import choice, command_error, team_by_name, user_by_email


def account_by_code(code: str) -> Account:
    account = Account.objects.filter(code=code.strip()).first()
    if account is None:
        raise CommandError(f"No account with the code {code!r}.")
    return account


class Command(BaseCommand):
    help = "Put users on an account's team, take them off, or hand the account over to a new owner."

    def add_arguments(self, parser):
        actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")

        grant = actions.add_parser("grant", help="Add a user to the account team (or change their role/access).")
        grant.add_argument("code", metavar="ACCOUNT_CODE")
        grant.add_argument("email", metavar="EMAIL")
        grant.add_argument("--role", required=True, help=f"One of: {', '.join(TeamRole.values)}.")
        grant.add_argument("--access", required=True, help="read or edit.")

        revoke = actions.add_parser("revoke", help="Take a user off the account team.")
        revoke.add_argument("code", metavar="ACCOUNT_CODE")
        revoke.add_argument("email", metavar="EMAIL")

        handover = actions.add_parser("handover", help="Give the account to a new owner.")
        handover.add_argument("code", metavar="ACCOUNT_CODE")
        handover.add_argument("email", metavar="EMAIL", nargs="?", help="The new owner (or use --team).")
        handover.add_argument("--team", metavar="TEAM", help="Hand over to this team: its lead becomes the owner.")
        handover.add_argument("--reason", required=True, help="Why; kept in the account's history.")
        handover.add_argument(
            "--include-subsidiaries",
            action="store_true",
            help="Also hand over the subsidiaries the previous owner owns.",
        )
        handover.add_argument(
            "--keep-previous-owner",
            action="store_true",
            help="Keep the previous owner on the account team with read access.",
        )

    def handle(self, *args, action: str, **options):
        account = account_by_code(options["code"])
        if action == "handover" and options.get("team"):
            if options["email"]:
                raise CommandError("Give either a new owner's EMAIL or --team, not both.")
            user = None
        elif options.get("email"):
            user = user_by_email(options["email"])
        else:
            raise CommandError("Give the user's EMAIL.")
        try:
            if action == "grant":
                self.grant(account, user, role=options["role"], access=options["access"])
            elif action == "revoke":
                self.revoke(account, user)
            else:
                self.handover(account, user, options)
        except ServiceError as exc:
            raise command_error(exc) from exc

    def grant(self, account: Account, user, *, role: str, access: str) -> None:
        membership = membership_set(
            actor=None,
            account_id=account.pk,
            user=user,
            role=choice(role, TeamRole.values, "role"),
            access=choice(access, Access.values, "access level"),
        )
        self.stdout.write(
            f"{user.email} is on the team of {account.code} ({account.name}) as "
            f"{membership.get_role_display()} with {membership.get_access_display().lower()} access."
        )

    def revoke(self, account: Account, user) -> None:
        membership = AccountMembership.objects.filter(account=account, user=user).first()
        if membership is None:
            raise CommandError(f"{user.email} is not on the team of {account.code}; nothing to revoke.")
        membership_remove(actor=None, account_id=account.pk, membership_id=membership.pk)
        self.stdout.write(f"{user.email} is no longer on the team of {account.code} ({account.name}).")

    def handover(self, account: Account, user, options: dict) -> None:
        moved = account_handover(
            actor=None,
            account_id=account.pk,
            new_owner=user,
            team=team_by_name(options["team"]) if options.get("team") else None,
            reason=options["reason"],
            include_subsidiaries=options["include_subsidiaries"],
            keep_previous_owner=options["keep_previous_owner"],
        )
        codes = ", ".join(a.code for a in moved)
        owner = moved[0].owner
        self.stdout.write(f"{owner.email} now owns {len(moved)} account{'s' if len(moved) != 1 else ''}: {codes}.")
