"""Importing contacts (stakeholders), matched by their e-mail address. Writes go through
contact_create/contact_update."""

from kamdesk.accounts.models import Account
from kamdesk.imports.base import (
    CREATED,
    UNCHANGED,
    UPDATED,
    Importer,
    Row,
    choice_parser,
    chunks,
    first_by_key,
    int_parser,
    parse_email,
    place_in_tree,
    text,
)
from kamdesk.people.models import ATTITUDE_LABELS, BuyingRole, Contact, Level
from kamdesk.people.services import contact_create, contact_update, visible_contacts
from kamdesk.users.models import User

PLAIN_COLUMNS = (
    "email",
    "first_name",
    "last_name",
    "title",
    "department",
    "phone",
    "mobile",
    "buying_role",
    "influence",
    "attitude",
    "level",
)
CHANGEABLE_COLUMNS = (
    "first_name",
    "last_name",
    "title",
    "department",
    "phone",
    "mobile",
    "buying_role",
    "influence",
    "attitude",
    "level",
)


class ContactImporter(Importer):
    key_column = "email"
    reference_column = "reports_to_email"
    field_columns = {"account": "account_code", "reports_to": "reports_to_email", "owner": "owner_email"}

    # --- preload ---------------------------------------------------------------------------------------

    def preload(self, rows: list[Row]) -> None:
        self.load_users_and_access()
        self.id_of: dict[str, int] = {}
        self.email_of: dict[int, str] = {}
        self.boss_id_of: dict[int, int | None] = {}
        for pk, email, boss_id in Contact.objects.values_list("id", "email", "reports_to_id"):
            self.boss_id_of[pk] = boss_id
            if email:
                self.id_of[email.lower()] = pk
                self.email_of[pk] = email.lower()
        ids = sorted({self.id_of[key] for row in rows if (key := row.cells.get("email", "").lower()) in self.id_of})
        self.existing: dict[str, Contact] = {}
        for part in chunks(ids):
            for contact in Contact.objects.filter(pk__in=part):
                self.existing[contact.email.lower()] = contact
        self._preload_accounts(rows)
        self.visible_contacts = (
            None if self.actor is None else set(visible_contacts(self.actor).values_list("id", flat=True))
        )
        self.parsers = {
            "email": parse_email,
            "first_name": text,
            "last_name": text,
            "title": text,
            "department": text,
            "phone": text,
            "mobile": text,
            "account_code": text,
            "reports_to_email": parse_email,
            "buying_role": choice_parser(BuyingRole.choices, "buying role", blank=""),
            "influence": int_parser(1, 5),
            "attitude": int_parser(-2, 2, labels={label: value for value, label in ATTITUDE_LABELS.items()}),
            "owner_email": self.parse_user,
            "level": choice_parser(Level.choices, "level", blank=""),
        }

    def _preload_accounts(self, rows: list[Row]) -> None:
        """The accounts the file names and those the matched contacts belong to today."""
        self.accounts: dict[str, Account] = {}
        self.account_code_of: dict[int, str] = {}
        codes = sorted({row.cells.get("account_code", "") for row in rows} - {""})
        current = sorted({contact.account_id for contact in self.existing.values()})
        for field, keys in (("code__in", codes), ("pk__in", current)):
            for part in chunks(keys):
                for account in Account.objects.filter(**{field: part}).only("id", "code", "name"):
                    self.accounts[account.code] = account
                    self.account_code_of[account.pk] = account.code

    def _can_see_contact(self, contact_id: int) -> bool:
        return self.visible_contacts is None or contact_id in self.visible_contacts

    # --- parse -----------------------------------------------------------------------------------------

    def parse(self, row: Row) -> None:
        self.parse_cells(row, self.parsers)
        row.key = row.values.get("email") or ""
        if not row.cells.get("email"):
            row.reject("email", "The e-mail address is required: it identifies the contact.")
        if not row.values.get("account_code"):
            row.reject("account_code", "The account_code is required: it names the contact's account.")
        if "last_name" in row.cells and not row.values.get("last_name"):
            row.reject("last_name", "The last name is required.")
        self.check_model_fields(row, Contact(), PLAIN_COLUMNS)

    # --- resolve: account, manager, loops, order -------------------------------------------------------

    def resolve(self, rows: list[Row]) -> None:
        first = first_by_key(rows)
        for row in rows:
            if row.ok:
                self._resolve_account(row)
                self._resolve_manager(row, first)
        place_in_tree(rows, "reports_to_email", self._stored_manager_email, "The reporting lines make a loop")

    def _stored_manager_email(self, email: str) -> str | None:
        pk = self.id_of.get(email)
        return self.email_of.get(self.boss_id_of.get(pk)) if pk else None

    def _resolve_account(self, row: Row) -> None:
        code = row.values["account_code"]
        account = self.accounts.get(code)
        existing = self.existing.get(row.key)
        keeps_account = existing is not None and account is not None and existing.account_id == account.pk
        if account is None or not (self.can_see(account.pk) or keeps_account):
            row.reject("account_code", f"No account has the code “{code}”.")

    def _resolve_manager(self, row: Row, first: dict[str, Row]) -> None:
        manager = row.values.get("reports_to_email")
        if not manager:
            return
        if manager == row.key:
            row.reject("reports_to_email", "A person cannot report to themselves.")
            return
        if manager in first:
            row.depends_on = first[manager]
            return
        manager_id = self.id_of.get(manager)
        existing = self.existing.get(row.key)
        keeps_manager = existing is not None and existing.reports_to_id == manager_id
        if manager_id is None or not (self._can_see_contact(manager_id) or keeps_manager):
            row.reject(
                "reports_to_email", f"No contact has the e-mail address “{manager}”, in kamdesk or in this file."
            )

    # --- plan ------------------------------------------------------------------------------------------

    def plan(self, row: Row) -> None:
        contact = self.existing.get(row.key)
        row.existing = contact
        if contact is None:
            self._plan_create(row)
        elif not self._can_see_contact(contact.pk):
            row.reject("email", f"The e-mail “{row.key}” belongs to a contact you cannot see or change.")
        else:
            self._plan_update(row, contact)

    def _plan_create(self, row: Row) -> None:
        if self.actor is not None and self.actor.is_read_only:
            row.reject("email", "Viewers cannot add contacts.")
            return
        account = self.accounts[row.values["account_code"]]
        if not self.can_edit(account.pk):
            row.reject("account_code", f"You cannot add contacts to the account “{account.code}”: read-only access.")
            return
        if not row.values.get("last_name"):
            row.reject("last_name", "A new contact needs a last name.")
            return
        changes = {column: row.values[column] for column in CHANGEABLE_COLUMNS if column in row.values}
        changes["account"] = account
        if row.values.get("reports_to_email"):
            changes["reports_to_email"] = row.values["reports_to_email"]
        if row.values.get("owner_email") is not None:
            if not self._check_owner(row, row.values["owner_email"]):
                return
            changes["owner"] = row.values["owner_email"]
        row.changes, row.outcome = changes, CREATED

    def _plan_update(self, row: Row, contact: Contact) -> None:
        changes = self._differences(row, contact)
        if not changes:
            row.outcome = UNCHANGED
            return
        current_code = self.account_code_of.get(contact.account_id, "")
        if not self.can_edit(contact.account_id):
            row.reject("email", f"You have read-only access to this contact's account “{current_code}”.")
            return
        if "account" in changes and not self.can_edit(changes["account"].pk):
            row.reject("account_code", f"You cannot move contacts to the account “{changes['account'].code}”.")
            return
        if changes.get("owner") is not None and not self._check_owner(row, changes["owner"]):
            return
        row.changes, row.outcome = changes, UPDATED

    def _differences(self, row: Row, contact: Contact) -> dict:
        changes = {}
        for column in CHANGEABLE_COLUMNS:
            if column in row.values and row.values[column] != getattr(contact, column):
                changes[column] = row.values[column]
        account = self.accounts[row.values["account_code"]]
        if account.pk != contact.account_id:
            changes["account"] = account
        if "reports_to_email" in row.values:
            manager = row.values["reports_to_email"] or None
            if self.id_of.get(manager) != contact.reports_to_id or (manager and manager not in self.id_of):
                changes["reports_to_email"] = manager
        if "owner_email" in row.values:
            owner = row.values["owner_email"]
            if (owner.pk if owner else None) != contact.owner_id:
                changes["owner"] = owner
        return changes

    def _check_owner(self, row: Row, owner: User) -> bool:
        if not owner.is_active:
            row.reject("owner_email", f"The relationship owner {owner.email} is not an active user.")
            return False
        return True

    # --- write -----------------------------------------------------------------------------------------

    def write(self, row: Row) -> None:
        values = dict(row.changes)
        if "reports_to_email" in values:
            manager = values.pop("reports_to_email")
            # Fetched now: the manager may have been created or moved earlier in this import.
            values["reports_to"] = Contact.objects.get(pk=self.id_of[manager]) if manager else None
        if row.outcome == CREATED:
            contact = contact_create(actor=self.actor, email=row.key, **values)
            self.id_of[row.key] = contact.pk
        else:
            contact_update(actor=self.actor, contact_id=row.existing.pk, **values)
