"""``kamdesk digest send [--now ISO] [--user EMAIL] [--dry-run]``: send the daily digests that are due, by
hand (the scheduler does it every 15 minutes). The same rules as the scheduled run: only people who turned
the digest on, once their send hour has come, never twice for one day."""

import json
from datetime import datetime

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from kamdesk.myday.digest import send_due_digests
from kamdesk.users.management.cli_support import user_by_email


def parse_now(text: str | None) -> datetime:
    if not text:
        return timezone.now()
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        raise CommandError(
            f"--now {text!r} is not a date and time: write it as ISO 8601, e.g. 2026-11-24T07:30+01:00."
        ) from None
    return moment if timezone.is_aware(moment) else timezone.make_aware(moment)


class Command(BaseCommand):
    help = "Send the daily digests that are due now (or at --now)."

    def add_arguments(self, parser):
        actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
        send = actions.add_parser("send", help="Send every digest that is due.")
        send.add_argument("--now", metavar="ISO", help="Act as if it were this moment (default: now).")
        send.add_argument("--user", metavar="EMAIL", help="Only this user's digest.")
        send.add_argument("--dry-run", action="store_true", help="Say who would get one; send and record nothing.")
        send.add_argument("--format", choices=("text", "json"), default="text")

    def handle(self, *args, action, now=None, user=None, dry_run=False, format="text", **options):
        moment = parse_now(now)
        person = user_by_email(user) if user else None
        run = send_due_digests(moment, user=person, dry_run=dry_run)
        if format == "json":
            self.stdout.write(json.dumps({**run.as_dict(), "dry_run": dry_run}, indent=2))
        else:
            verb = "Would send" if dry_run else "Sent"
            self.stdout.write(f"{verb} {len(run.sent)} digest(s); {len(run.empty)} with nothing to send.")
            for email in run.sent:
                self.stdout.write(f"  {email}")
        if run.failed:
            raise CommandError(f"Could not send to: {', '.join(run.failed)} (see the log; the next run retries).")
