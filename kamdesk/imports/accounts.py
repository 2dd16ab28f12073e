"""Importing accounts, matched by their ERP code. Writes go through account_create/account_update."""

from kamdesk.accounts.models import Account, AccountKind, Channel, Stage, Tier, tier_label
from kamdesk.accounts.services import account_create, account_update
from kamdesk.imports.base import (
    CREATED,
    UNCHANGED,
    UPDATED,
    CellError,
    Importer,
    Row,
    choice_parser,
    chunks,
    decimal_parser,
    first_by_key,
    int_parser,
    parse_tags,
    place_in_tree,
    text,
)
from kamdesk.users.models import User

# Columns holding a plain model field of the same name, checked by the model's own validation.
PLAIN_COLUMNS = (
    "code",
    "name",
    "legal_name",
    "kind",
    "industry",
    "country",
    "region",
    "currency",
    "tier",
    "stage",
    "credit_limit",
    "payment_terms_days",
    "website",
)
# Choice columns: an empty cell means "the default" for a new account and "leave as is" for an update.
DEFAULTED_COLUMNS = ("kind", "tier", "stage")


def _iso_code(length: int, example: str, what: str):
    def parse(cell: str) -> str:
        code = cell.strip().upper()
        if code and not (len(code) == length and code.isascii() and code.isalpha()):
            raise CellError(f"“{cell}” is not a {what} code: use the {length}-letter ISO code, e.g. {example}.")
        return code

    return parse


def _website(cell: str) -> str:
    """Like the web form: an address without a scheme is taken as https."""
    if cell and "://" not in cell:
        return f"https://{cell}"
    return cell


class AccountImporter(Importer):
    key_column = "code"
    reference_column = "parent_code"
    field_columns = {"parent": "parent_code", "owner": "owner_email", "channel": "channel", "tags": "tags"}

    # --- preload: everything validation needs, in a fixed number of queries ----------------------------

    def preload(self, rows: list[Row]) -> None:
        self.load_users_and_access()
        self.channels: dict[str, Channel] = {}
        for channel in Channel.objects.all():
            self.channels[channel.code.lower()] = channel
            self.channels[channel.name.lower()] = channel
        self.code_of: dict[int, str] = {}
        self.id_of: dict[str, int] = {}
        self.parent_id_of: dict[int, int | None] = {}
        for pk, code, parent_id in Account.objects.values_list("id", "code", "parent_id"):
            self.code_of[pk], self.id_of[code], self.parent_id_of[pk] = code, pk, parent_id
        codes = sorted({row.cells.get("code", "") for row in rows} & set(self.id_of))
        self.existing: dict[str, Account] = {}
        for part in chunks(codes):
            for account in Account.objects.filter(code__in=part).prefetch_related("tags"):
                self.existing[account.code] = account
        self.parsers = {
            "code": text,
            "name": text,
            "legal_name": text,
            "parent_code": text,
            "owner_email": self.parse_user,
            "kind": choice_parser(AccountKind.choices, "kind"),
            "channel": self._channel,
            "industry": text,
            "country": _iso_code(2, "DE", "country"),
            "region": text,
            "currency": _iso_code(3, "EUR", "currency"),
            "tier": choice_parser([(v, tier_label(v)) for v in Tier.values] + Tier.choices, "tier"),
            "stage": choice_parser(Stage.choices, "stage"),
            "credit_limit": decimal_parser(self.decimal_comma),
            "payment_terms_days": int_parser(0, 32767),
            "website": _website,
            "tags": parse_tags,
        }

    def _channel(self, cell: str) -> Channel | None:
        if not cell:
            return None
        try:
            return self.channels[cell.strip().lower()]
        except KeyError:
            known = ", ".join(sorted({f"{c.code} ({c.name})" for c in self.channels.values()}))
            raise CellError(f"Unknown channel “{cell}”. Use a channel code or name: {known}.") from None

    # --- parse: each cell on its own -------------------------------------------------------------------

    def parse(self, row: Row) -> None:
        row.key = row.cells.get("code", "")
        self.parse_cells(row, self.parsers)
        if not row.key:
            row.reject("code", "The code is required: it identifies the account.")
        if "name" in row.cells and not row.values.get("name"):
            row.reject("name", "The name is required.")
        self.check_model_fields(row, Account(), PLAIN_COLUMNS)

    # --- resolve: parents, loops, order ----------------------------------------------------------------

    def resolve(self, rows: list[Row]) -> None:
        first = first_by_key(rows)
        for row in rows:
            if row.ok:
                self._resolve_parent(row, first)
        place_in_tree(rows, "parent_code", self._stored_parent_code, "The parents make a loop")

    def _stored_parent_code(self, code: str) -> str | None:
        pk = self.id_of.get(code)
        return self.code_of.get(self.parent_id_of.get(pk)) if pk else None

    def _resolve_parent(self, row: Row, first: dict[str, Row]) -> None:
        parent_code = row.values.get("parent_code")
        if not parent_code:
            return
        if parent_code == row.key:
            row.reject("parent_code", "An account cannot be its own parent.")
            return
        if parent_code in first:
            row.depends_on = first[parent_code]
            return
        parent_id = self.id_of.get(parent_code)
        existing = self.existing.get(row.key)
        keeps_parent = existing is not None and existing.parent_id == parent_id
        if parent_id is None or not (self.can_see(parent_id) or keeps_parent):
            row.reject("parent_code", f"No account has the code “{parent_code}”, in kamdesk or in this file.")

    # --- plan: compare with what is stored, check access -----------------------------------------------

    def plan(self, row: Row) -> None:
        account = self.existing.get(row.key)
        row.existing = account
        if account is None:
            self._plan_create(row)
        elif not self.can_see(account.pk):
            row.reject("code", f"The code “{row.key}” belongs to an account you cannot see or change.")
        else:
            self._plan_update(row, account)

    def _plan_create(self, row: Row) -> None:
        if self.actor is not None and self.actor.is_read_only:
            row.reject("code", "Viewers cannot create accounts.")
            return
        changes = {
            column: value
            for column, value in row.values.items()
            if not (column in DEFAULTED_COLUMNS and value is None) and column != "owner_email"
        }
        owner = row.values.get("owner_email")
        if owner is not None:
            if not self._check_owner(row, owner):
                return
            changes["owner"] = owner
        row.changes, row.outcome = changes, CREATED

    def _plan_update(self, row: Row, account: Account) -> None:
        changes = self._differences(row, account)
        if not changes:
            row.outcome = UNCHANGED
            return
        if not self.can_edit(account.pk):
            row.reject("code", f"You have read-only access to the account “{row.key}”.")
            return
        if "owner" in changes and changes["owner"] is not None and not self._check_owner(row, changes["owner"]):
            return
        row.changes, row.outcome = changes, UPDATED

    def _differences(self, row: Row, account: Account) -> dict:
        stored = {
            "name": account.name,
            "legal_name": account.legal_name,
            "kind": account.kind,
            "industry": account.industry,
            "country": account.country,
            "region": account.region,
            "currency": account.currency,
            "tier": account.tier,
            "stage": account.stage,
            "credit_limit": account.credit_limit,
            "payment_terms_days": account.payment_terms_days,
            "website": account.website,
            "parent_code": self.code_of.get(account.parent_id),
            "tags": sorted(tag.name for tag in account.tags.all()),
        }
        changes = {}
        for column, value in row.values.items():
            if column in DEFAULTED_COLUMNS and value is None:
                continue
            if column == "owner_email":
                if (value.pk if value else None) != account.owner_id:
                    changes["owner"] = value
            elif column == "channel":
                if (value.pk if value else None) != account.channel_id:
                    changes["channel"] = value
            elif column == "parent_code":
                if (value or None) != stored["parent_code"]:
                    changes["parent_code"] = value or None
            elif column != "code" and value != stored[column]:
                changes[column] = value
        return changes

    def _check_owner(self, row: Row, owner: User) -> bool:
        if not owner.is_active:
            row.reject("owner_email", f"The owner {owner.email} is not an active user.")
            return False
        if not self.may_assign_owner(owner):
            row.reject("owner_email", "You can only assign accounts to yourself or the people you lead.")
            return False
        return True

    # --- write: through the services -------------------------------------------------------------------

    def write(self, row: Row) -> None:
        values = dict(row.changes)
        tags = values.pop("tags", None)
        values.pop("code", None)
        if "parent_code" in values:
            parent_code = values.pop("parent_code")
            # Fetched now, not preloaded: moves earlier in this import may have changed its depth.
            values["parent"] = Account.objects.get(code=parent_code) if parent_code else None
        if row.outcome == CREATED:
            account = account_create(actor=self.actor, tags=tags, code=row.key, **values)
            self.id_of[row.key] = account.pk
            self.code_of[account.pk] = row.key
        else:
            account_update(actor=self.actor, account_id=row.existing.pk, tags=tags, **values)
