"""Reading contacts from vCard files (.vcf, versions 2.1, 3.0 and 4.0) into the same table of text cells
the CSV reader gives, so the contact import checks, previews and writes them exactly like a CSV file.

Each card becomes one row, its line number that of its BEGIN:VCARD:

- email: the first EMAIL (the one marked PREF or WORK when there are several);
- first_name, last_name: from N (or, without N, FN split at its last space);
- title: TITLE; department: the second part of ORG;
- phone: the first work or voice TEL that is not a mobile (CELL) number, else the first other non-CELL TEL;
  blank when the card has only mobile numbers;
- mobile: the first CELL TEL (whatever else it is marked: an export writes CELL;VOICE);
- account_code: the account chosen for the whole file (``account_code``), else the card's organisation
  (ORG) matched, without regard to case, to the code or the name of an account the importing user may
  change. A card whose ORG matches nothing keeps the ORG text, and the import rejects that row naming it.

Columns a vCard does not carry (buying role, influence, attitude, owner, reports-to) are left as they are
for existing contacts. A file that is not valid vCard raises FileError with the line it fails on.
"""

import vobject
from django.db.models import Q
from django.db.models.functions import Lower

from kamdesk.access.scope import EDIT, actor_accounts
from kamdesk.imports.readers import FileError, Table
from kamdesk.users.models import User

SUFFIXES = (".vcf", ".vcard")
COLUMNS = ["email", "first_name", "last_name", "title", "department", "phone", "mobile", "account_code"]


def is_vcard(data: bytes, filename: str) -> bool:
    head = data[:200].lstrip(b"\xef\xbb\xbf \t\r\n").upper()
    return head.startswith(b"BEGIN:VCARD") or filename.lower().endswith(SUFFIXES)


def _text(data: bytes) -> tuple[str, list[str]]:
    try:
        return data.decode("utf-8-sig"), []
    except UnicodeDecodeError:
        warning = "The file is not UTF-8; it was read as Windows-1252. Check accented letters in the preview."
        return data.decode("cp1252", errors="replace"), [warning]


def _values(card, name: str) -> list:
    return card.contents.get(name, [])


def _types(line) -> set[str]:
    # vCard 2.1 writes bare types (";WORK;VOICE"), which vobject keeps apart as singleton parameters.
    return {str(kind).upper() for kind in line.params.get("TYPE", [])} | {
        str(kind).upper() for kind in getattr(line, "singletonparams", [])
    }


def _email(card) -> str:
    lines = _values(card, "email")
    preferred = [line for line in lines if _types(line) & {"PREF", "WORK"}]
    return str((preferred or lines)[0].value).strip() if lines else ""


def _numbers(card) -> tuple[str, str]:
    """(phone, mobile): a CELL number is the mobile only, so that a card exported with both gives both back."""
    lines = [line for line in _values(card, "tel") if str(line.value).strip()]
    cells = [line for line in lines if "CELL" in _types(line)]
    others = [line for line in lines if "CELL" not in _types(line)]
    work = [line for line in others if _types(line) & {"WORK", "VOICE"}]
    return _first_number(work or others), _first_number(cells)


def _first_number(lines: list) -> str:
    return str(lines[0].value).strip() if lines else ""


def _names(card) -> tuple[str, str]:
    name = _values(card, "n")
    if name and isinstance(name[0].value, vobject.vcard.Name):
        value = name[0].value
        given = value.given if isinstance(value.given, str) else " ".join(value.given)
        family = value.family if isinstance(value.family, str) else " ".join(value.family)
        if given.strip() or family.strip():
            return given.strip(), family.strip()
    full = str(_values(card, "fn")[0].value).strip() if _values(card, "fn") else ""
    first, _, last = full.rpartition(" ")
    return first, last


def _organisation(card) -> tuple[str, str]:
    org = _values(card, "org")
    if not org:
        return "", ""
    parts = org[0].value if isinstance(org[0].value, list) else [org[0].value]
    parts = [str(part).strip() for part in parts]
    return parts[0] if parts else "", parts[1] if len(parts) > 1 else ""


def _cards(text: str) -> list[tuple[int, object]]:
    """(line of BEGIN:VCARD, card) for every card; FileError naming the line where the file stops making sense."""
    begins = [number for number, line in enumerate(text.splitlines(), start=1) if line.strip().upper() == "BEGIN:VCARD"]
    cards = []
    try:
        for card in vobject.readComponents(text, validate=False):
            if card.name.upper() != "VCARD":
                raise FileError(f"The file holds a {card.name} where a vCard (BEGIN:VCARD) was expected.")
            cards.append(card)
    except vobject.base.ParseError as exc:
        reason = str(exc.args[0]) if exc.args else str(exc)
        line = _line_of(text, reason)
        where = f" on line {line}" if line else ""
        raise FileError(
            f"The vCard file is malformed{where}: {reason}. Export the contacts again from the address book, "
            "as vCard (.vcf).",
            line,
        ) from None
    except (ValueError, KeyError, IndexError, AttributeError) as exc:
        raise FileError(f"The vCard file cannot be read: {exc}. Export the contacts again as vCard (.vcf).") from None
    if not cards:
        raise FileError("The file holds no vCard (no BEGIN:VCARD … END:VCARD).")
    if len(begins) != len(cards):
        begins = list(range(1, len(cards) + 1))  # odd line structure: fall back to the card's position
    return list(zip(begins, cards, strict=True))


def _line_of(text: str, reason: str) -> int | None:
    """The line vobject failed on, found by its text: vobject's own line numbers are unreliable."""
    _, found, bad = reason.partition("Failed to parse line: ")
    if not found or not bad.strip():
        return None
    lines = text.split("\n")
    return next((number for number, line in enumerate(lines, start=1) if line.strip() == bad.strip()), None)


def _account_codes(actor: User | None, organisations: set[str]) -> dict[str, str]:
    """{lower-case ORG: account code} for the ORGs that name exactly one account the actor may change."""
    wanted = {org.lower() for org in organisations if org}
    if not wanted:
        return {}
    found: dict[str, set[str]] = {}
    accounts = (
        actor_accounts(actor, EDIT)
        .annotate(code_key=Lower("code"), name_key=Lower("name"))
        .filter(Q(code_key__in=wanted) | Q(name_key__in=wanted))
    )
    for code, name in accounts.values_list("code", "name"):
        for key in {code.lower(), name.lower()} & wanted:
            found.setdefault(key, set()).add(code)
    return {key: next(iter(codes)) for key, codes in found.items() if len(codes) == 1}


def read_vcards(data: bytes, *, actor: User | None, account_code: str = "") -> Table:
    """The contacts of a vCard file as a table with the contact import's columns."""
    text, warnings = _text(data)
    text = text.replace("\r\n", "\n").replace("\r", "\n")  # vobject counts a CR LF as two lines
    if not text.strip():
        raise FileError("The file is empty.")
    cards = _cards(text)
    organisations = {_organisation(card)[0] for _line, card in cards}
    codes = {} if account_code else _account_codes(actor, organisations)
    unmatched: set[str] = set()
    rows = []
    for line, card in cards:
        first, last = _names(card)
        org, department = _organisation(card)
        code = account_code or codes.get(org.lower(), org)
        if not account_code and org and org.lower() not in codes:
            unmatched.add(org)
        phone, mobile = _numbers(card)
        rows.append((line, [_email(card), first, last, _title(card), department, phone, mobile, code]))
    if unmatched:
        warnings.append(
            "No account you may change has the code or name "
            + ", ".join(f"“{org}”" for org in sorted(unmatched))
            + "; choose the account for the whole file, or give the cards the account's code as organisation (ORG)."
        )
    description = f"vCard, {len(rows)} card{'s' if len(rows) != 1 else ''}"
    if account_code:
        description += f", all for the account “{account_code}”"
    return Table(
        headers=list(COLUMNS), header_line=0, rows=rows, description=description, warnings=warnings, fixed_columns=True
    )


def _title(card) -> str:
    title = _values(card, "title")
    return str(title[0].value).strip() if title else ""
