"""``kamdesk coverage snapshot [--date YYYY-MM-DD]``: store every active account's coverage score and counts
for a day (today by default), for the trend on the Coverage tab. Running it again the same day replaces that
day's snapshot; the scheduler runs it hourly."""

from datetime import date

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from kamdesk.people.coverage import take_snapshots


def _day(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"--date must be a date as YYYY-MM-DD, not {value!r}.") from None


class Command(BaseCommand):
    help = "Coverage of the stakeholders: store today's (or --date's) coverage snapshot of every account."

    def add_arguments(self, parser):
        actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
        snapshot = actions.add_parser("snapshot", help="Store the coverage snapshot of every active account.")
        snapshot.add_argument("--date", help="The day to store (YYYY-MM-DD; default today). Not in the future.")

    def handle(self, *args, action: str, date: str | None = None, **options):
        today = timezone.localdate()
        day = _day(date) if date else today
        if day > today:
            raise CommandError("--date cannot be in the future.")
        count = take_snapshots(day)
        self.stdout.write(f"Stored the coverage snapshot of {count} account{'s' if count != 1 else ''} for {day}.")
