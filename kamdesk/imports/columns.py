"""The columns of the account, contact and product files, shared by the importers and the exports, and the rule
that keeps a text cell from running as a spreadsheet formula.

Export and import are each other's inverse: what an export writes, an import reads back unchanged.
"""

ACCOUNTS = "accounts"
CONTACTS = "contacts"
PRODUCTS = "products"
KINDS = (ACCOUNTS, CONTACTS, PRODUCTS)

ACCOUNT_COLUMNS = (
    "code",
    "name",
    "legal_name",
    "parent_code",
    "owner_email",
    "kind",
    "channel",
    "industry",
    "country",
    "region",
    "currency",
    "tier",
    "stage",
    "credit_limit",
    "payment_terms_days",
    "website",
    "tags",
)
CONTACT_COLUMNS = (
    "email",
    "first_name",
    "last_name",
    "title",
    "department",
    "phone",
    "mobile",
    "account_code",
    "reports_to_email",
    "buying_role",
    "influence",
    "attitude",
    "owner_email",
    "level",
)
PRODUCT_COLUMNS = (
    "sku",
    "name",
    "category",
    "sub_category",
    "brand",
    "unit",
    "pack_size",
    "list_price",
    "standard_cost",
    "active",
)
COLUMNS = {ACCOUNTS: ACCOUNT_COLUMNS, CONTACTS: CONTACT_COLUMNS, PRODUCTS: PRODUCT_COLUMNS}
REQUIRED_COLUMNS = {ACCOUNTS: ("code", "name"), CONTACTS: ("email", "account_code"), PRODUCTS: ("sku", "name")}
# Columns shown only to the roles allowed to see costs (settings.COST_VISIBLE_ROLES).
COST_COLUMNS = {PRODUCTS: ("standard_cost",)}

# Spreadsheet programs treat a cell starting with one of these as a formula (tab and carriage return
# can hide one behind white space).
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
GUARD = "'"


def header_key(text: str) -> str:
    """How a header cell is matched: trimmed, case-insensitive, spaces and hyphens read as underscores."""
    return text.replace("\ufeff", "").strip().lower().replace(" ", "_").replace("-", "_")


def _looks_like_formula(text: str) -> bool:
    """True when the text, after any leading apostrophes, starts like a formula."""
    return text.lstrip(GUARD)[:1] in FORMULA_TRIGGERS


def guard_csv(text: str) -> str:
    """A CSV cell that cannot run as a formula: one apostrophe in front of anything that would (and of
    text that already starts with apostrophes before such a character, so that unguard() is exact)."""
    return GUARD + text if _looks_like_formula(text) else text


def guard_xlsx(text: str) -> str:
    """XLSX cells are written as strings, so a formula-like text is safe as it is. An apostrophe is added
    only where the import would otherwise lose something: before apostrophes (the import strips one) and
    before a leading tab or carriage return (the import trims white space around cells)."""
    return GUARD + text if _looks_like_formula(text) and text[0] in (GUARD, "\t", "\r") else text


def unguard(text: str) -> str:
    """Undo guard_csv()/guard_xlsx(): strip one leading apostrophe when what follows starts like a formula."""
    return text[1:] if text.startswith(GUARD) and _looks_like_formula(text[1:]) else text
