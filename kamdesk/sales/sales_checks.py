"""Checking one row of a sales or cost file: the cell formats, the references and the business rules.

A checker turns a row's text cells into the tuple that is staged, or records why it cannot. It looks
nothing up in the database per row: account codes, SKUs and the user's access are loaded once.

Sales lines: an invoice line has a net amount of zero or more; a **credit note** line has a negative net
amount, and then its quantity and gross amount must be zero or less too. On both, the net amount may not go
beyond the gross amount (net ≤ gross on an invoice line, net ≥ gross on a credit note), and the discount is
gross - net (to within 0.01; an empty discount is filled in).
"""

from datetime import date
from decimal import Context, Decimal, Inexact, InvalidOperation
from operator import itemgetter

from django.conf import settings

from kamdesk.access.scope import EDIT, visible_accounts
from kamdesk.imports.base import CellError, choice_parser, decimal_parser
from kamdesk.sales.models import CostLine, CostType, Product, SalesLine
from kamdesk.users.models import User

TOLERANCE = Decimal("0.01")
STEPS = {2: Decimal("0.01"), 3: Decimal("0.001")}
EXACT = Context(prec=18, traps=[Inexact, InvalidOperation])  # the columns hold 18 digits
MAX_INT = 2**31 - 1
CREDIT_NOTE = "A credit note line (negative net amount)"
NOT_ISO_DATE = "“{}” is not a date in the form YYYY-MM-DD (e.g. 2025-03-31)."


class Checker:
    """What the import engine needs to know about one kind of file."""

    kind = ""
    columns: tuple[str, ...] = ()  # every known column, in the documented order
    required: tuple[str, ...] = ()
    target = None  # the model the rows go into
    key: tuple[str, ...] = ()  # identifies a stored row: a re-import updates it
    values: tuple[str, ...] = ()  # what an update replaces
    column_types: dict[str, str] = {}  # SQL types of the staged columns
    key_description = ""  # "document and line", for the duplicate message
    refreshes_rollups = False
    records_source = False  # the target has a source_id column naming the import
    checks_in_bulk = False  # a CSV file may be checked in SQL first (sales_bulk)

    def __init__(self, *, actor: User | None, positions: dict[str, int], decimal_comma: bool):
        self.actor = actor
        self.positions = positions
        self.decimal_comma = decimal_comma
        self.width = max(positions.values(), default=-1) + 1
        self._get = self.cells_getter()
        self._slow_number = decimal_parser(decimal_comma)
        self._load_accounts()

    # --- shared lookups ------------------------------------------------------------------------------------

    def _load_accounts(self) -> None:
        """Account codes -> ids, and which of them the actor may change (None: all — the system)."""
        from kamdesk.accounts.models import Account

        self.account_ids: dict[str, int] = dict(Account.objects.values_list("code", "id"))
        if self.actor is None:
            self.visible = self.editable = None
        else:
            self.visible = set(visible_accounts(self.actor).values_list("id", flat=True))
            self.editable = set(visible_accounts(self.actor, EDIT).values_list("id", flat=True))

    def may_edit(self, account_id: int) -> bool:
        return self.editable is None or account_id in self.editable

    def account(self, code: str, errors: list) -> int | None:
        """The id of the account with this code that the actor may change. A hidden account reads exactly
        like a missing one."""
        if not code:
            errors.append(("account_code", "The account code is missing."))
            return None
        account_id = self.account_ids.get(code)
        if account_id is None or (self.visible is not None and account_id not in self.visible):
            errors.append(("account_code", f"No account has the code “{code}”."))
            return None
        if not self.may_edit(account_id):
            errors.append(("account_code", f"You may not change the data of account “{code}” (read-only access)."))
            return None
        return account_id

    def number(self, text: str, column: str, places: int, errors: list, *, required: bool = True) -> Decimal | None:
        """A decimal with at most ``places`` decimal places that fits the database column."""
        if not text:
            if required:
                errors.append((column, f"The {column} is missing."))
            return None
        try:
            value = Decimal(text) if not self.decimal_comma else self._slow_number(text)
        except InvalidOperation:
            try:
                value = self._slow_number(text)
            except CellError as exc:
                errors.append((column, str(exc)))
                return None
        except CellError as exc:
            errors.append((column, str(exc)))
            return None
        if not value.is_finite():
            errors.append((column, f"“{text}” is not a number."))
            return None
        try:
            # One call checks both limits of the column: no digit lost, at most 18 digits in all.
            return value.quantize(STEPS[places], context=EXACT)
        except Inexact:
            errors.append((column, f"“{text}” has more than {places} decimal places."))
        except InvalidOperation:
            errors.append((column, f"“{text}” is too large."))
        return None

    def cells_getter(self):
        """A function giving a row's cells of ``columns``, in that order ("" for a column the file lacks).

        It expects the row to end with an extra "" (see ``check_row``) that the lacking columns point at."""
        return itemgetter(*(self.positions.get(column, -1) for column in self.columns))

    def check_row(self, cells: list[str], errors: list) -> tuple | None:
        """``check`` of a row as read; a row shorter than the header (a workbook row) is padded."""
        if len(cells) < self.width:
            cells = cells + [""] * (self.width - len(cells))
        cells.append("")
        return self.check(self._get(cells), errors)

    def check(self, cells: tuple[str, ...], errors: list) -> tuple | None:
        """The staged values of a row (without its line number) from its cells of ``columns``, or None with
        ``errors`` filled in."""
        raise NotImplementedError


class SalesChecker(Checker):
    kind = "sales"
    columns = (
        "document",
        "line",
        "date",
        "account_code",
        "sku",
        "quantity",
        "gross_amount",
        "discount",
        "net_amount",
        "cost",
        "currency",
    )
    required = ("document", "line", "date", "account_code", "sku", "quantity", "gross_amount", "net_amount", "cost")
    target = SalesLine
    key = ("document", "line")
    values = ("date", "account_id", "product_id", "quantity", "gross_amount", "discount", "net_amount", "cost")
    column_types = {
        "document": "varchar(40)",
        "line": "integer",
        "date": "date",
        "account_id": "bigint",
        "product_id": "bigint",
        "quantity": "numeric(18, 3)",
        "gross_amount": "numeric(18, 2)",
        "discount": "numeric(18, 2)",
        "net_amount": "numeric(18, 2)",
        "cost": "numeric(18, 2)",
    }
    key_description = "document and line"
    refreshes_rollups = True
    records_source = True
    checks_in_bulk = True

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.product_ids: dict[str, int] = dict(Product.objects.values_list("sku", "id"))
        self.currency = settings.REPORTING_CURRENCY.upper()

    def check(self, cells: tuple[str, ...], errors: list) -> tuple | None:
        document, line, day, code, sku, quantity, gross, discount, net, cost, currency = cells
        document = self._document(document, errors)
        line = self._line(line, errors)
        day = parse_iso_date(day, "date", errors)
        account_id = self.account(code, errors)
        product_id = self._product(sku, errors)
        quantity = self.number(quantity, "quantity", 3, errors)
        gross = self.number(gross, "gross_amount", 2, errors)
        discount = self.number(discount, "discount", 2, errors, required=False)
        net = self.number(net, "net_amount", 2, errors)
        cost = self.number(cost, "cost", 2, errors)
        if currency and currency.upper() != self.currency:
            errors.append(
                (
                    "currency",
                    f"The amounts are in “{currency}”, not in the reporting currency {self.currency}; "
                    f"convert them to {self.currency} first.",
                )
            )
        if quantity is not None and gross is not None and net is not None:
            discount = self._rules(quantity, gross, discount, net, errors)
        if errors:
            return None
        return (document, line, day, account_id, product_id, quantity, gross, discount, net, cost)

    def _document(self, text: str, errors: list) -> str | None:
        if not text:
            errors.append(("document", "The document number is missing."))
        elif len(text) > 40:
            errors.append(("document", "The document number is longer than 40 characters."))
        elif "\x00" in text:
            errors.append(("document", "The document number contains a NUL character."))
        else:
            return text
        return None

    def _line(self, text: str, errors: list) -> int | None:
        try:
            number = int(text)
        except ValueError:
            number = None
        if number is None or not 0 <= number <= MAX_INT:
            message = "The line number is missing." if not text else f"“{text}” is not a line number (0 or more)."
            errors.append(("line", message))
            return None
        return number

    def _product(self, sku: str, errors: list) -> int | None:
        if not sku:
            errors.append(("sku", "The SKU is missing."))
            return None
        product_id = self.product_ids.get(sku)
        if product_id is None:
            errors.append(("sku", f"No product has the SKU “{sku}”."))
        return product_id

    @staticmethod
    def _rules(quantity: Decimal, gross: Decimal, discount: Decimal | None, net: Decimal, errors: list) -> Decimal:
        """Invoice and credit-note rules; returns the discount (filled in when the file leaves it empty)."""
        before = len(errors)
        if net < 0:  # a credit note line
            if quantity > 0:
                errors.append(("quantity", f"{CREDIT_NOTE} needs a quantity of 0 or less, not {_plain(quantity)}."))
            if gross > 0:
                errors.append(("gross_amount", f"{CREDIT_NOTE} needs a gross amount of 0 or less, not {gross}."))
            elif net < gross:
                errors.append(("net_amount", f"The net amount ({net}) credits more than the gross amount ({gross})."))
        else:
            if quantity < 0:
                errors.append(
                    (
                        "quantity",
                        f"The quantity {_plain(quantity)} is negative on an invoice line; a credit note line has a "
                        "negative net amount.",
                    )
                )
            if net > gross:
                errors.append(("net_amount", f"The net amount ({net}) is more than the gross amount ({gross})."))
        expected = gross - net
        if discount is None:
            return expected
        if abs(discount - expected) > TOLERANCE and len(errors) == before:  # else it would repeat the error
            errors.append(("discount", f"The discount ({discount}) is not gross minus net ({expected})."))
        return discount


class CostChecker(Checker):
    kind = "costs"
    columns = ("account_code", "month", "type", "reference", "amount")
    required = ("account_code", "month", "type", "amount")
    target = CostLine
    key = ("account_id", "month", "type", "reference")
    values = ("amount",)
    column_types = {
        "account_id": "bigint",
        "month": "date",
        "type": "varchar(20)",
        "reference": "varchar(60)",
        "amount": "numeric(18, 2)",
    }
    key_description = "account, month, type and reference"

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self._type = choice_parser(CostType.choices, "cost type")

    def check(self, cells: tuple[str, ...], errors: list) -> tuple | None:
        code, month, kind, reference, amount = cells
        account_id = self.account(code, errors)
        month = parse_month(month, errors)
        kind = self._cost_type(kind, errors)
        if len(reference) > 60 or "\x00" in reference:
            errors.append(("reference", "The reference is longer than 60 characters or contains a NUL character."))
        amount = self.number(amount, "amount", 2, errors)
        if errors:
            return None
        return (account_id, month, kind, reference, amount)

    def _cost_type(self, text: str, errors: list) -> str | None:
        if not text:
            errors.append(("type", "The cost type is missing."))
            return None
        try:
            return self._type(text)
        except CellError as exc:
            errors.append(("type", str(exc)))
            return None


def _plain(quantity: Decimal) -> str:
    """A quantity without trailing zeros: 1.500 -> 1.5, -2.000 -> -2."""
    return format(quantity.normalize(), "f")


CHECKERS: dict[str, type[Checker]] = {SalesChecker.kind: SalesChecker, CostChecker.kind: CostChecker}


def parse_iso_date(text: str, column: str, errors: list) -> date | None:
    if not text:
        errors.append((column, "The date is missing."))
        return None
    if len(text) == 10 and text[4] == "-" and text[7] == "-":
        try:
            return date.fromisoformat(text)
        except ValueError:
            pass
    errors.append((column, NOT_ISO_DATE.format(text)))
    return None


def parse_month(text: str, errors: list) -> date | None:
    """A month as YYYY-MM (a first-of-month date YYYY-MM-01, as a workbook date cell gives, is accepted)."""
    if not text:
        errors.append(("month", "The month is missing."))
        return None
    candidate = text + "-01" if len(text) == 7 else text
    if len(candidate) == 10 and candidate[4] == "-" and candidate[7] == "-" and candidate.endswith("-01"):
        try:
            return date.fromisoformat(candidate)
        except ValueError:
            pass
    errors.append(("month", f"“{text}” is not a month in the form YYYY-MM (e.g. 2025-03)."))
    return None
