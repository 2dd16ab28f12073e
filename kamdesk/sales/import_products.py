"""Importing the product catalogue, matched by SKU. Writes go through product_create/product_update.

Only admins and team leads (and the system) change the catalogue; for anyone else a row that would
change something is rejected, and a row already as stored is reported unchanged. A user who may not see
costs cannot import them either: a filled ``standard_cost`` cell is a row error for them.
"""

from kamdesk.imports.base import (
    CREATED,
    UNCHANGED,
    UPDATED,
    CellError,
    Importer,
    Row,
    chunks,
    decimal_parser,
    text,
)
from kamdesk.sales.models import Product
from kamdesk.sales.services_products import may_manage_catalogue, may_see_pricing, product_create, product_update

# Columns holding a model field of the same name, checked by the model's own validation.
PLAIN_COLUMNS = (
    "sku",
    "name",
    "category",
    "sub_category",
    "brand",
    "unit",
    "pack_size",
    "list_price",
    "standard_cost",
)
# An empty cell means "the default" for a new product and "leave as is" for an update.
DEFAULTED_COLUMNS = ("unit", "active")
FIELD_OF_COLUMN = {"active": "is_active"}

YES = {"yes", "y", "true", "1", "active"}
NO = {"no", "n", "false", "0", "inactive"}


def parse_yes_no(cell: str) -> bool | None:
    if not cell:
        return None
    word = cell.strip().lower()
    if word in YES:
        return True
    if word in NO:
        return False
    raise CellError(f"“{cell}” is not yes or no. Use yes/no (or true/false, 1/0).")


def _blank_is_default(cell: str) -> str | None:
    return cell or None


class ProductImporter(Importer):
    key_column = "sku"
    field_columns = {"is_active": "active"}

    def preload(self, rows: list[Row]) -> None:
        self.may_manage = may_manage_catalogue(self.actor)
        self.sees_costs = may_see_pricing(self.actor)
        skus = sorted({row.cells.get("sku", "") for row in rows} - {""})
        self.existing: dict[str, Product] = {}
        for part in chunks(skus):
            for product in Product.objects.filter(sku__in=part):
                self.existing[product.sku] = product
        self.id_of = {sku: product.pk for sku, product in self.existing.items()}
        self.parsers = {
            "sku": text,
            "name": text,
            "category": text,
            "sub_category": text,
            "brand": text,
            "unit": _blank_is_default,
            "pack_size": decimal_parser(self.decimal_comma),
            "list_price": decimal_parser(self.decimal_comma),
            "standard_cost": decimal_parser(self.decimal_comma),
            "active": parse_yes_no,
        }

    def parse(self, row: Row) -> None:
        row.key = row.cells.get("sku", "")
        if not self.sees_costs and row.cells.get("standard_cost"):
            row.reject("standard_cost", "Your role cannot see or change costs; leave the standard_cost column empty.")
            row.cells.pop("standard_cost")
        elif not self.sees_costs:
            row.cells.pop("standard_cost", None)  # an empty cost column changes nothing for them
        self.parse_cells(row, self.parsers)
        if not row.key:
            row.reject("sku", "The SKU is required: it identifies the product.")
        if "name" in row.cells and not row.values.get("name"):
            row.reject("name", "The name is required.")
        self.check_model_fields(row, Product(), PLAIN_COLUMNS)

    def resolve(self, rows: list[Row]) -> None:
        """Products refer to no other row."""

    def plan(self, row: Row) -> None:
        product = self.existing.get(row.key)
        row.existing = product
        if product is None:
            self._plan_create(row)
        else:
            self._plan_update(row, product)

    def _fields(self, row: Row) -> dict:
        """The row's values as the service takes them; empty defaulted cells left out."""
        return {
            FIELD_OF_COLUMN.get(column, column): value
            for column, value in row.values.items()
            if not (column in DEFAULTED_COLUMNS and value is None)
        }

    def _plan_create(self, row: Row) -> None:
        if not self.may_manage:
            row.reject("sku", f"No product has the SKU “{row.key}”; only admins and team leads can add products.")
            return
        row.changes, row.outcome = self._fields(row), CREATED

    def _plan_update(self, row: Row, product: Product) -> None:
        changes = {
            name: value
            for name, value in self._fields(row).items()
            if name != "sku" and getattr(product, name) != value
        }
        if not changes:
            row.outcome = UNCHANGED
            return
        if not self.may_manage:
            row.reject("sku", "Only admins and team leads can change the product catalogue.")
            return
        row.changes, row.outcome = changes, UPDATED

    def write(self, row: Row) -> None:
        if row.outcome == CREATED:
            product = product_create(actor=self.actor, **row.changes)
            self.id_of[row.key] = product.pk
        else:
            product_update(actor=self.actor, product_id=row.existing.pk, **row.changes)
