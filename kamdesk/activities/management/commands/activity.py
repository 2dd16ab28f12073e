"""``kamdesk activity list --account CODE``: an account's activities (and its subsidiaries'), newest first.

Without ``--as EMAIL`` the operator sees everything; with it, only what that user may see.
"""

from django.core.management.base import BaseCommand, CommandError
from django.utils.timezone import localtime

from kamdesk.access.scope import can_see_account
from kamdesk.accounts.management.commands.account import account_by_code
from kamdesk.activities.management.cli import as_json, table
from kamdesk.activities.models import Activity
from kamdesk.activities.selectors import account_activities
from kamdesk.imports.management.actor import acting_user

LIST_LIMIT = 500


def activity_dict(activity: Activity) -> dict:
    return {
        "id": activity.pk,
        "account_code": activity.account.code,
        "kind": activity.kind,
        "status": activity.status,
        "starts_at": localtime(activity.starts_at).isoformat(),
        "ends_at": activity.ends_at.isoformat() if activity.ends_at else None,
        "subject": activity.subject,
        "location": activity.location,
        "our_participants": [user.email for user in activity.our_participants.all()],
        "their_participants": [contact.full_name for contact in activity.visible_their_participants],
    }


class Command(BaseCommand):
    help = "List an account's activities."

    def add_arguments(self, parser):
        actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
        listing = actions.add_parser("list", help="Activities of an account and its subsidiaries, newest first.")
        listing.add_argument("--account", required=True, metavar="CODE")
        listing.add_argument("--as", dest="as_email", metavar="EMAIL", help="Act as this user.")
        listing.add_argument("--format", choices=("table", "json"), default="table")

    def handle(self, *args, action: str, **options):
        actor = acting_user(options.get("as_email"))
        account = account_by_code(options["account"])
        if actor is not None and not can_see_account(actor, account.pk):
            raise CommandError(f"No account with the code {options['account']!r}.")
        activities = list(account_activities(actor, account)[:LIST_LIMIT])
        if options["format"] == "json":
            self.stdout.write(as_json([activity_dict(a) for a in activities]), ending="")
            return
        if not activities:
            self.stdout.write(f"No activities for {account.code}.")
            return
        rows = [
            [
                str(a.pk),
                f"{localtime(a.starts_at):%Y-%m-%d %H:%M}",
                a.get_kind_display(),
                a.status,
                a.account.code,
                a.subject,
            ]
            for a in activities
        ]
        self.stdout.write(table(["ID", "Starts", "Kind", "Status", "Account", "Subject"], rows), ending="")
