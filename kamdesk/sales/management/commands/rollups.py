"""``kamdesk rollups rebuild``: recompute every roll-up (monthly and quarterly) from the sales lines.

Imports keep the roll-ups current for the months they touch; a rebuild gives exactly the same rows and is
the repair after sales lines were changed outside kamdesk.
"""

from django.core.management.base import BaseCommand

from kamdesk.sales import rollups
from kamdesk.sales.models import AccountMonthly, AccountQuarterly, SalesMonthly


class Command(BaseCommand):
    help = (
        "Recompute the roll-ups (account × product × month, account × month, account × quarter) from the sales lines."
    )

    def add_arguments(self, parser):
        actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
        actions.add_parser("rebuild", help="Recompute every roll-up row from the sales lines.")

    def handle(self, *args, action: str, **options):
        rollups.rebuild()
        by_product, by_account = SalesMonthly.objects.count(), AccountMonthly.objects.count()
        by_quarter = AccountQuarterly.objects.count()
        self.stdout.write(
            f"Rebuilt the roll-ups: {by_product} rows by account, product and month; "
            f"{by_account} rows by account and month; {by_quarter} rows by account and quarter."
        )
