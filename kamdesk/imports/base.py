"""What the account and contact importers share: the row being imported, the value parsers and the
hierarchy checks (references inside the file, loops, parents-first order).

An importer validates every row before anything is written: ``parse`` types each cell, ``resolve``
links references (a parent or a manager further down the file is fine), ``plan`` compares with what is
stored and checks access, and ``write`` calls the service. None of the validation steps queries the
database per row; ``preload`` fetches what they need in bulk.
"""

import re
from collections.abc import Callable, Hashable, Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import models

from kamdesk.access.scope import EDIT, people_under, visible_accounts
from kamdesk.core.errors import ServiceError
from kamdesk.users.models import Role, User

CREATED = "created"
UPDATED = "updated"
UNCHANGED = "unchanged"
REJECTED = "rejected"

LOOKUP_CHUNK = 500  # keys per IN (...) query: well below every database's parameter limit


class CellError(ValueError):
    """A cell's text cannot be turned into a value; the message says what is accepted."""


@dataclass(eq=False)
class Row:
    """One data row of the file and everything learnt about it on its way in."""

    line: int
    cells: dict[str, str]  # column -> text, for the known columns the file has
    key: str = ""  # the natural key: an account's code, a contact's e-mail
    values: dict = field(default_factory=dict)  # column -> typed value
    errors: list[tuple[str | None, str]] = field(default_factory=list)
    existing: models.Model | None = None
    changes: dict = field(default_factory=dict)  # what the service is asked to set
    outcome: str = ""
    depends_on: "Row | None" = None  # the row of the file this one refers to (parent, manager)
    depth: int = 0  # distance from the top of the hierarchy after the import: parents go first

    @property
    def ok(self) -> bool:
        return not self.errors

    def reject(self, column: str | None, message: str) -> None:
        self.errors.append((column, message))
        self.outcome = REJECTED

    def reject_for_service(self, error: ServiceError, column_of: dict[str, str]) -> None:
        """A service refused the write: each field message under the column it comes from."""
        placed = False
        for field_name, messages in error.field_errors.items():
            for message in messages:
                self.reject(column_of.get(field_name, field_name if field_name != "__all__" else None), message)
                placed = True
        if not placed:
            self.reject(None, error.message)


class Importer:
    """Base of the account and contact importers. Subclasses fill in the steps."""

    key_column = ""
    reference_column = ""  # the column naming another row of the same kind (parent, manager)
    field_columns: dict[str, str] = {}  # model field -> column, to place service errors

    def __init__(self, *, actor: User | None, decimal_comma: bool = False):
        self.actor = actor
        self.decimal_comma = decimal_comma  # how ambiguous amounts in this file are read
        self.id_of: dict[str, int] = {}  # natural key -> primary key of every stored record (preload)

    # The steps, in the order run_import calls them.
    def preload(self, rows: list[Row]) -> None:
        raise NotImplementedError

    def parse(self, row: Row) -> None:
        raise NotImplementedError

    def resolve(self, rows: list[Row]) -> None:
        raise NotImplementedError

    def plan(self, row: Row) -> None:
        raise NotImplementedError

    def write(self, row: Row) -> None:
        raise NotImplementedError

    # Shared lookups, loaded once by preload().
    def load_users_and_access(self) -> None:
        """Users by e-mail, and the ids of the accounts the actor may see and edit (None: all of them)."""
        self.users = {user.email.lower(): user for user in User.objects.all()}
        if self.actor is None:
            self.visible = self.editable = None  # the system acts on every account
        else:
            self.visible = set(visible_accounts(self.actor).values_list("id", flat=True))
            self.editable = set(visible_accounts(self.actor, EDIT).values_list("id", flat=True))

    def can_see(self, account_id: int) -> bool:
        return self.visible is None or account_id in self.visible

    def can_edit(self, account_id: int) -> bool:
        return self.editable is None or account_id in self.editable

    def parse_user(self, cell: str) -> User | None:
        """A user named by e-mail address; empty gives None."""
        email = parse_email(cell)
        if not email:
            return None
        if email not in self.users:
            raise CellError(f"No user has the e-mail address “{email}”.")
        return self.users[email]

    # Shared helpers.
    def exists(self, key: str) -> bool:
        """Whether a record with this natural key is stored (or was created earlier in this import)."""
        return key in self.id_of

    def parse_cells(self, row: Row, parsers: dict[str, Callable[[str], object]]) -> None:
        """Type every cell of the row the file has a column for; collect one error per bad cell."""
        for column, parse in parsers.items():
            if column not in row.cells:
                continue
            try:
                row.values[column] = parse(row.cells[column])
            except CellError as exc:
                row.reject(column, str(exc))

    def check_model_fields(self, row: Row, instance: models.Model, columns: Iterable[str]) -> None:
        """Run the model's own field checks (length, format, range) on the given columns — no queries."""
        meta = instance._meta
        failed = {column for column, _ in row.errors}
        checked = [
            c
            for c in columns
            if c in row.values and c not in failed and (row.values[c] is not None or meta.get_field(c).null)
        ]
        for column in checked:
            setattr(instance, column, row.values[column])
        exclude = [f.name for f in meta.fields if f.name not in checked]
        try:
            instance.clean_fields(exclude=exclude)
        except ValidationError as exc:
            for name, messages in exc.message_dict.items():
                for message in messages:
                    row.reject(name, message)

    def may_assign_owner(self, owner: User) -> bool:
        """The same rule the account service applies: admins (and the system) assign anyone, team leads
        the people they lead, everyone else only themselves."""
        actor = self.actor
        if actor is None or actor.is_admin:
            return True
        if actor.role == Role.TEAM_LEAD:
            return owner.pk in people_under(actor)
        return owner.pk == actor.pk


# --- value parsers -----------------------------------------------------------------------------------


def text(value: str) -> str:
    return value


def choice_parser(choices: Iterable[tuple[str, str]], what: str, blank: str | None = None) -> Callable[[str], object]:
    """Accepts a stored value or its label, in any case. An empty cell gives ``blank``."""
    aliases: dict[str, str] = {}
    shown: dict[str, str] = {}  # value -> how the message lists it (with its first label)
    for value, label in choices:
        aliases[str(value).lower()] = value
        aliases[str(label).lower()] = value
        shown.setdefault(value, f"{value} ({label})" if str(label).lower() != str(value).lower() else str(value))

    def parse(cell: str):
        if not cell:
            return blank
        try:
            return aliases[cell.strip().lower()]
        except KeyError:
            raise CellError(f"Unknown {what} “{cell}”. Use one of: {', '.join(shown.values())}.") from None

    return parse


def parse_email(cell: str) -> str:
    """An e-mail address in lower case; empty stays empty."""
    if not cell:
        return ""
    address = cell.strip().lower()
    try:
        validate_email(address)
    except ValidationError:
        raise CellError(f"“{cell}” is not a valid e-mail address.") from None
    return address


def int_parser(low: int, high: int, labels: dict[str, int] | None = None) -> Callable[[str], int | None]:
    """Whole numbers from ``low`` to ``high`` ("30" and "30.0" alike); optional labels for the numbers."""
    names = list(labels or {})
    by_name = {name.lower(): number for name, number in (labels or {}).items()}

    def parse(cell: str) -> int | None:
        if not cell:
            return None
        if cell.lower() in by_name:
            return by_name[cell.lower()]
        try:
            number = Decimal(cell.replace(" ", ""))
        except InvalidOperation:
            number = None
        if number is None or not number.is_finite() or number != number.to_integral_value():
            accepted = f" or one of {', '.join(names)}" if names else ""
            raise CellError(f"“{cell}” is not a whole number{accepted}.")
        if not low <= number <= high:
            raise CellError(f"{int(number)} is out of range: use a whole number from {low} to {high}.")
        return int(number)

    return parse


_GROUPING = re.compile(r"[ \u00a0\u202f']")  # spaces, no-break spaces and apostrophes group thousands


def decimal_parser(decimal_comma: bool) -> Callable[[str], Decimal | None]:
    """Amounts as spreadsheets write them: 1234.5, 1,234.50, 1.234,50, 1 234,50.

    With both "," and "." the later one is the decimal mark. A single mark followed by exactly three
    digits ("1,500") is ambiguous: it is read by the file's convention — a ";"-separated CSV (what Excel
    writes where "," is the decimal mark) reads "1,500" as 1.5, any other file as 1500.
    """

    def parse(cell: str) -> Decimal | None:
        if not cell:
            return None
        number = _GROUPING.sub("", cell)
        if "," in number and "." in number:
            mark = "," if number.rfind(",") > number.rfind(".") else "."
        elif number.count(",") == 1 or number.count(".") == 1:
            mark = "," if "," in number else "."
            whole, _, fraction = number.partition(mark)
            if len(fraction) == 3 and len(whole.lstrip("-")) <= 3 and (mark == ",") != decimal_comma:
                mark = ""  # "1,500" in a comma-decimal-free file: a thousands separator
        else:
            mark = ""  # no mark, or a mark repeated (1,000,000): it groups thousands
        grouping = {",", "."} - {mark}
        for char in grouping:
            number = number.replace(char, "")
        number = number.replace(mark, ".") if mark else number
        try:
            value = Decimal(number)
        except InvalidOperation:
            raise CellError(f"“{cell}” is not a number.") from None
        if not value.is_finite():
            raise CellError(f"“{cell}” is not a number.")
        return value

    return parse


def parse_tags(cell: str) -> list[str]:
    """Tags separated by ";" or ",", trimmed, each once, sorted (the order of tags carries no meaning)."""
    tags = sorted({part.strip() for part in re.split(r"[;,]", cell) if part.strip()})
    too_long = [tag for tag in tags if len(tag) > 60]
    if too_long:
        raise CellError(f"The tag “{too_long[0][:20]}…” is longer than 60 characters.")
    return tags


# --- hierarchy ---------------------------------------------------------------------------------------


def first_by_key(rows: list) -> dict:
    """The first row of the file for each natural key: the row a reference to that key means."""
    first: dict = {}
    for row in rows:
        if row.key:
            first.setdefault(row.key, row)
    return first


def place_in_tree(rows: list, link_column: str, stored_link: Callable[[str], str | None], loop_message: str) -> None:
    """Check the links between the good rows (a parent code, a manager's e-mail) together with what is
    stored: a row on a loop is rejected, naming the loop; every other row learns its depth, so that rows
    can be written parents first."""
    ok_rows = {row.key: row for row in rows if row.ok}

    def link_of(key: str) -> str | None:
        row = ok_rows.get(key)
        if row is not None and link_column in row.values:
            return row.values[link_column] or None
        return stored_link(key)

    loops = find_loops(list(ok_rows), link_of)
    for key, loop in loops.items():
        if key in ok_rows:
            ok_rows[key].reject(link_column, f"{loop_message}: {' → '.join(loop)}.")
    for key, depth in depths(list(ok_rows), link_of, set(loops)).items():
        if key in ok_rows:
            ok_rows[key].depth = depth


def find_loops(starts: Iterable[Hashable], parent_of: Callable[[Hashable], Hashable | None]) -> dict:
    """``{node: loop}`` for every node that sits on a loop of ``parent_of``; ``loop`` lists the nodes
    from that node round to itself (A, B, A)."""
    on_loop: dict = {}
    done: set = set()
    for start in starts:
        path: list = []
        position: dict = {}
        node = start
        while node is not None and node not in done:
            if node in position:
                loop = path[position[node] :]
                for i, member in enumerate(loop):
                    on_loop[member] = [*loop[i:], *loop[:i], member]
                break
            position[node] = len(path)
            path.append(node)
            node = parent_of(node)
        done.update(path)
    return on_loop


def depths(nodes: Iterable[Hashable], parent_of: Callable[[Hashable], Hashable | None], skip: set) -> dict:
    """Distance of each node from the top of its hierarchy; nodes in ``skip`` (those on loops) and
    anything above them are not followed."""
    known: dict = {}
    for start in nodes:
        chain: list = []
        seen: set = set()
        node = start
        while node is not None and node not in known and node not in skip and node not in seen:
            chain.append(node)
            seen.add(node)
            node = parent_of(node)
        base = known.get(node, 0 if node in skip else -1)
        for offset, member in enumerate(reversed(chain), start=1):
            known[member] = base + offset
    return known


def chunks(keys: list, size: int = LOOKUP_CHUNK) -> Iterator[list]:
    for start in range(0, len(keys), size):
        yield keys[start : start + size]
