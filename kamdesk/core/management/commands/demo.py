"""``kamdesk demo``: create the database, load the demo portfolio (with its products, sales, targets and
costs) once, print the logins and serve it."""

import io
import random
from datetime import timedelta

from django.contrib.auth.hashers import check_password
from django.core.management import call_command, get_commands
from django.core.management.base import BaseCommand, CommandError
from django.db.models import ProtectedError
from django.utils import timezone
from PIL import Image, ImageDraw

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
from kamdesk.activities import photos
from kamdesk.activities.models import StoreCheckPhoto
from kamdesk.activities.services_storechecks import photo_add, store_check_create
from kamdesk.sales.models import Product, SalesLine
from kamdesk.users.models import Role, User

ALL_LOGINS_UP_TO = 25  # beyond this many demo users, show a few per role
LOGINS_PER_ROLE = 4
STORE_CHECK_ACCOUNTS = 3  # a few strategic and key accounts get a half-year of monthly store checks
STORE_CHECK_MONTHS = 6


def shelf_picture(seed: int) -> bytes:
    """A store shelf drawn by Pillow (no image files ship with kamdesk): rows of coloured packs, some gaps."""
    rng = random.Random(seed)
    image = Image.new("RGB", (480, 320), (236, 236, 230))
    draw = ImageDraw.Draw(image)
    for row in range(4):
        top = 20 + row * 75
        draw.rectangle((10, top + 60, 470, top + 66), fill=(120, 110, 100))  # the shelf board
        for slot in range(11):
            if rng.random() < 0.12:
                continue  # an empty facing: out of stock
            colour = rng.choice([(200, 40, 40), (30, 90, 170), (240, 190, 30), (40, 140, 70), (250, 250, 250)])
            left = 16 + slot * 41
            draw.rectangle((left, top + 8, left + 34, top + 58), fill=colour, outline=(60, 60, 60))
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def load_demo_store_checks(seed: int) -> int:
    """Monthly store checks with findings and a photo for a few accounts, through the services (the system
    acting); returns how many were logged."""
    rng = random.Random(seed)
    accounts = list(
        Account.objects.filter(parent=None, tier__in=["strategic", "key"])
        .exclude(owner=None)
        .order_by("-tier", "code")[:STORE_CHECK_ACCOUNTS]
    )
    products = list(Product.objects.order_by("sku").values_list("pk", flat=True)[:40])
    logged = 0
    for account in accounts:
        for month in range(STORE_CHECK_MONTHS):
            when = timezone.now() - timedelta(days=30 * month + rng.randint(1, 20))
            price, display = rng.randint(70, 100), rng.randint(55, 95)
            activity, _check = store_check_create(
                actor=None,
                account=account,
                activity={
                    "status": "done",
                    "starts_at": when,
                    "subject": "Store check",
                    "our_participants": [account.owner],
                },
                store_check={
                    "store_name": f"{account.name} flagship store",
                    "store_number": f"{100 + month}",
                    "out_of_stock_products": rng.sample(products, k=min(len(products), rng.randint(0, 4))),
                    "shelf_share_pct": rng.randint(15, 45),
                    "price_compliance_pct": price,
                    "display_compliance_pct": display,
                },
            )
            if month == 0:
                photo_add(
                    actor=None, activity_id=activity.pk, upload=shelf_picture(seed + activity.pk), caption="Shelf"
                )
            logged += 1
    return logged


def remove_demo_photo_files() -> None:
    """The photo files go with the activities a reset deletes (the rows cascade; files need removing)."""
    for name in StoreCheckPhoto.objects.values_list("file", flat=True).iterator():
        photos.remove(name)


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
        remove_demo_photo_files()
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
        store_checks = load_demo_store_checks(seed)
        self.stdout.write(self.style.SUCCESS(f"Store checks: {store_checks} with their findings and a shelf photo."))
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
