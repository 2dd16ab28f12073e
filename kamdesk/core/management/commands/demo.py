"""``kamdesk demo``: create the database, load the demo portfolio (with its products, sales, targets and
costs) once, print the logins and serve it."""

from django.contrib.auth.hashers import check_password
from django.core.management import call_command, get_commands
from django.core.management.base import BaseCommand, CommandError
from django.db.models import ProtectedError

from benchmarks.generator import (
    DEFAULT_SEED,
    DEMO_EMAIL_DOMAIN,
    DEMO_PASSWORD,
    SIZES,
    GenerationError,
    generate,
    reset_portfolio,
)
from benchmarks.sales_generator import MAX_SALES_LINES, MIN_SALES_LINES, SALES_LINES
from kamdesk.accounts.models import Account
from kamdesk.sales.models import Product, SalesLine
from kamdesk.users.models import Role, User

ALL_LOGINS_UP_TO = 25  # beyond this many demo users, show a few per role
LOGINS_PER_ROLE = 4


def port_number(value: str) -> int:
    number = int(value)
    if not 1 <= number <= 65535:
        raise ValueError(value)
    return number


def sales_line_count(value: str) -> int:
    number = int(value.replace("_", "").replace(",", ""))
    if not MIN_SALES_LINES <= number <= MAX_SALES_LINES:
        raise ValueError(value)
    return number


def existing_demo_logins() -> list[dict]:
    """The demo users already in the database, and whether each still has the demo password."""
    role_labels = dict(Role.choices)
    users = User.objects.filter(email__iendswith=f"@{DEMO_EMAIL_DOMAIN}", is_active=True).select_related("team")
    verdicts: dict[str, bool] = {}  # all demo users start with one shared hash: check each hash once
    logins = []
    for user in users.order_by("id"):  # the order they were created in
        if user.password not in verdicts:
            verdicts[user.password] = check_password(DEMO_PASSWORD, user.password)
        logins.append(
            {
                "email": user.email,
                "role": role_labels.get(user.role, user.role),
                "title": user.title,
                "team": user.team.name if user.team else "",
                "password": DEMO_PASSWORD if verdicts[user.password] else "(changed)",
            }
        )
    return logins


def shown_logins(logins: list[dict]) -> tuple[list[dict], int]:
    """All logins for a small portfolio; otherwise the first few of each role. Returns (shown, left out)."""
    if len(logins) <= ALL_LOGINS_UP_TO:
        return logins, 0
    per_role: dict[str, int] = {}
    shown = []
    for login in logins:
        per_role[login["role"]] = per_role.get(login["role"], 0) + 1
        if per_role[login["role"]] <= LOGINS_PER_ROLE:
            shown.append(login)
    return shown, len(logins) - len(shown)


class Command(BaseCommand):
    help = "Create the database, load the demo portfolio (once), print the demo logins and serve kamdesk."

    def add_arguments(self, parser):
        parser.add_argument(
            "--size",
            choices=sorted(SIZES),
            default="S",
            help=(
                f"S: 320 accounts, 2,400 stakeholders, 300 products, {SALES_LINES['S']:,} sales lines (default); "
                f"M: 3,000 accounts, 30,000 stakeholders, 2,000 products, {SALES_LINES['M']:,} sales lines."
            ),
        )
        parser.add_argument(
            "--sales-lines",
            type=sales_line_count,
            help=f"Generate this many sales lines instead of the size's ({MIN_SALES_LINES:,} to {MAX_SALES_LINES:,}).",
        )
        parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help="Same seed, same portfolio.")
        parser.add_argument("--port", type=port_number, default=8000, help="Port to serve on (default 8000).")
        parser.add_argument("--no-serve", action="store_true", help="Load the data and stop; do not start the server.")
        parser.add_argument(
            "--reset",
            action="store_true",
            help=(
                "Delete every account, stakeholder, user, team, audit event, product and sale first, then load a "
                "fresh portfolio."
            ),
        )

    def handle(self, *args, size: str, seed: int, port: int, no_serve: bool, reset: bool, sales_lines, **options):
        call_command("migrate", interactive=False, verbosity=0)
        self.stdout.write("Database is up to date.")
        if reset:
            self._reset()
        existing = Account.objects.count()
        if existing:
            self.stdout.write(
                f"The database already holds {existing:,} accounts, {Product.objects.count():,} products and "
                f"{SalesLine.objects.count():,} sales lines, so the demo portfolio is not loaded again "
                "(--reset replaces everything with a fresh one)."
            )
            logins = existing_demo_logins()
        else:
            logins = self._generate(size, seed, sales_lines)
        self._print_logins(logins)
        url = f"http://127.0.0.1:{port}/"
        if no_serve:
            self.stdout.write(f"Start the server with `kamdesk serve --port {port}`, then open {url}")
            return
        if "serve" not in get_commands():
            raise CommandError("The `serve` command is not available in this installation.")
        self.stdout.write(f"Open {url} and sign in with one of the logins above.")
        call_command("serve", port=port)

    def _reset(self) -> None:
        try:
            reset_portfolio()
        except ProtectedError as exc:
            raise CommandError(f"Could not delete everything: {exc.args[0]}") from exc
        self.stdout.write("Deleted all accounts, stakeholders, users, teams, audit events, products and sales.")

    def _generate(self, size: str, seed: int, sales_lines: int | None) -> list[dict]:
        self.stdout.write(f"Loading the demo portfolio (size {size}, seed {seed})…")
        try:
            summary = generate(size, seed, sales_lines=sales_lines)
        except GenerationError as exc:
            raise CommandError(str(exc)) from exc
        sales = summary.sales
        self.stdout.write(
            self.style.SUCCESS(
                f"Loaded {summary.accounts:,} accounts, {summary.contacts:,} stakeholders, {summary.users} users "
                f"in {summary.teams} teams and {summary.memberships:,} account-team memberships "
                f"in {summary.seconds - sales.seconds:.1f} s."
            )
        )
        self.stdout.write(
            self.style.SUCCESS(
                f"Sales: {sales.products:,} products, {sales.lines:,} sales lines over three years "
                f"({sales.credit_notes:,} of them credit notes), {sales.listings:,} listings, "
                f"{sales.price_agreements:,} price agreements, {sales.targets:,} monthly targets and "
                f"{sales.cost_lines:,} cost lines in {sales.seconds:.1f} s."
            )
        )
        return summary.logins

    def _print_logins(self, logins: list[dict]) -> None:
        if not logins:
            self.stdout.write("No demo users in this database; sign in with your own account.")
            return
        rank = {label: i for i, (_value, label) in enumerate(Role.choices)}
        logins = sorted(logins, key=lambda login: (rank.get(login["role"], len(rank)), login["team"]))
        shown, left_out = shown_logins(logins)
        self.stdout.write("")
        self.stdout.write(f"Demo logins (password: {DEMO_PASSWORD}):")
        width = max(len(login["email"]) for login in shown)
        role_width = max(len(login["role"]) for login in shown)
        for login in shown:
            note = login["title"] + (f", {login['team']}" if login["team"] else "")
            if login["password"] != DEMO_PASSWORD:
                note += f"  {login['password']}"
            self.stdout.write(f"  {login['email']:<{width}}  {login['role']:<{role_width}}  {note}")
        if left_out:
            self.stdout.write(f"  … and {left_out} more demo users (`kamdesk user list` shows them all).")
        self.stdout.write("")
