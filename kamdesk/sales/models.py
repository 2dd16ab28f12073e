"""Products, prices, range, sales facts, their monthly roll-ups, targets and cost lines.

Data flow: sales lines (facts, imported from the ERP) → ``SalesMonthly`` (per account, product and
month) → ``AccountMonthly`` (per account and month). Pages and the API read the roll-ups, never the facts; the imports
refresh the roll-ups for the (account, month) pairs they touched, and ``kamdesk rollups rebuild``
reproduces them exactly from the facts.
"""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from kamdesk.accounts.models import Account, Channel

MONEY = {"max_digits": 18, "decimal_places": 2}
QUANTITY = {"max_digits": 18, "decimal_places": 3}


class Product(models.Model):
    sku = models.CharField("SKU", max_length=40, unique=True)
    name = models.CharField(max_length=200)
    category = models.CharField(max_length=100, blank=True, db_index=True)
    sub_category = models.CharField(max_length=100, blank=True)
    brand = models.CharField(max_length=100, blank=True)
    unit = models.CharField(max_length=20, default="pcs", help_text="Unit of the quantities: pcs, kg, l, ...")
    pack_size = models.DecimalField(**QUANTITY, null=True, blank=True, validators=[MinValueValidator(0)])
    list_price = models.DecimalField(**MONEY, null=True, blank=True, validators=[MinValueValidator(0)])
    standard_cost = models.DecimalField(**MONEY, null=True, blank=True, validators=[MinValueValidator(0)])
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["sku"]

    def __str__(self):
        return f"{self.sku} {self.name}"


class PriceAgreement(models.Model):
    """What an account should pay for a product — or for a whole category — over a period: a discount off
    the list price, or a net price. A product agreement beats a category agreement on the same day."""

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="price_agreements")
    product = models.ForeignKey(Product, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    category = models.CharField(max_length=100, blank=True)
    discount_pct = models.DecimalField(
        max_digits=5, decimal_places=2, null=True, blank=True, validators=[MinValueValidator(0), MaxValueValidator(100)]
    )
    net_price = models.DecimalField(**MONEY, null=True, blank=True, validators=[MinValueValidator(0)])
    valid_from = models.DateField()
    valid_to = models.DateField(null=True, blank=True, help_text="Empty: open-ended.")
    note = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["account", "valid_from"]
        indexes = [models.Index(fields=["account", "product", "valid_from"])]
        constraints = [
            models.CheckConstraint(
                condition=(models.Q(product__isnull=False) & models.Q(category=""))
                | (models.Q(product__isnull=True) & ~models.Q(category="")),
                name="price_agreement_product_xor_category",
            ),
            models.CheckConstraint(
                condition=(models.Q(discount_pct__isnull=False) & models.Q(net_price__isnull=True))
                | (models.Q(discount_pct__isnull=True) & models.Q(net_price__isnull=False)),
                name="price_agreement_discount_xor_net_price",
            ),
            models.CheckConstraint(
                condition=models.Q(valid_to__isnull=True) | models.Q(valid_to__gte=models.F("valid_from")),
                name="price_agreement_valid_range",
            ),
        ]

    def __str__(self):
        subject = self.product.sku if self.product_id else f"category {self.category}"
        return f"{self.account} · {subject} from {self.valid_from}"


class ListingStatus(models.TextChoices):
    LISTED = "listed", "Listed"
    PROPOSED = "proposed", "Proposed"
    DELISTED = "delisted", "Delisted"


class Listing(models.Model):
    """The range: whether an account lists a product, since when."""

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="listings")
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="listings")
    status = models.CharField(max_length=10, choices=ListingStatus.choices)
    since = models.DateField()
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["account", "product"]
        constraints = [models.UniqueConstraint(fields=["account", "product"], name="listing_once_per_product")]

    def __str__(self):
        return f"{self.account} · {self.product.sku}: {self.get_status_display()}"


class SalesImport(models.Model):
    """One import of sales (or cost) lines: who, when, which file, how it went."""

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    kind = models.CharField(max_length=20, default="sales")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    file_name = models.CharField(max_length=255)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    rows_read = models.PositiveIntegerField(default=0)
    rows_written = models.PositiveIntegerField(default=0)
    rows_rejected = models.PositiveIntegerField(default=0)
    summary = models.JSONField(default=dict, blank=True)
    error_report = models.TextField(blank=True, help_text="CSV of the rejected rows: line, column, message.")
    worker = models.CharField(max_length=100, blank=True, help_text="The process running it (import_liveness).")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.kind} import {self.file_name} ({self.get_status_display()})"

    @property
    def duration_seconds(self) -> float | None:
        if self.started_at and self.finished_at:
            return (self.finished_at - self.started_at).total_seconds()
        return None


class SalesLine(models.Model):
    """One invoice or credit-note line from the ERP. Credit notes are negative lines. The (document, line)
    pair identifies it: a corrected re-export replaces the line, never duplicates it."""

    document = models.CharField(max_length=40)
    line = models.PositiveIntegerField()
    date = models.DateField()
    # Every index and database-checked reference costs each import, per line: the lines are read by
    # (document, line) and (account, date) only, and the import checks their accounts and products set-based
    # (a database check per line cost more than the whole insert). Deletes still go through Django, which
    # refuses to delete an account or product with sales (PROTECT).
    account = models.ForeignKey(
        Account, on_delete=models.PROTECT, related_name="+", db_index=False, db_constraint=False
    )
    product = models.ForeignKey(
        Product, on_delete=models.PROTECT, related_name="+", db_index=False, db_constraint=False
    )
    quantity = models.DecimalField(**QUANTITY)
    gross_amount = models.DecimalField(**MONEY)
    discount = models.DecimalField(**MONEY, default=0)
    net_amount = models.DecimalField(**MONEY)
    cost = models.DecimalField(**MONEY, default=0)
    source = models.ForeignKey(
        SalesImport,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )

    class Meta:
        constraints = [models.UniqueConstraint(fields=["document", "line"], name="sales_line_document_line")]
        indexes = [models.Index(fields=["account", "date"])]

    def __str__(self):
        return f"{self.document}/{self.line}"


class RollupSums(models.Model):
    """What every roll-up row sums of its sales lines, and how many lines it sums."""

    quantity = models.DecimalField(**QUANTITY)
    gross_amount = models.DecimalField(**MONEY)
    discount = models.DecimalField(**MONEY)
    net_amount = models.DecimalField(**MONEY)
    cost = models.DecimalField(**MONEY)
    lines = models.PositiveIntegerField()

    class Meta:
        abstract = True


class SalesMonthly(RollupSums):
    """Roll-up of the sales lines per account, product and month (first day of the month)."""

    # Derived data (``rebuild()`` recomputes it): read by account (the unique key starts with it) and by
    # month; no index or database-checked reference of their own for the keys, which imports would pay for.
    account = models.ForeignKey(
        Account, on_delete=models.CASCADE, related_name="+", db_index=False, db_constraint=False
    )
    product = models.ForeignKey(
        Product, on_delete=models.CASCADE, related_name="+", db_index=False, db_constraint=False
    )
    month = models.DateField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["account", "product", "month"], name="sales_monthly_key"),
        ]
        # Covering: the product mix sums a few accounts' months per product from the index alone, without a
        # table row per product and month (their number grows with the data).
        indexes = [
            models.Index(
                fields=["account", "month", "product", "net_amount", "quantity"], name="sales_monthly_by_account"
            )
        ]

    def __str__(self):
        return f"{self.account_id}/{self.product_id}/{self.month:%Y-%m}"


# The account roll-up's columns the dashboards, P&L and concentration read.
PAGE_COLUMNS = ["net_amount", "quantity", "cost", "gross_amount"]


class AccountMonthly(RollupSums):
    """Roll-up per account and month: what dashboards, P&L and concentration read (a few rows per account
    and month, whatever the number of sales lines)."""

    account = models.ForeignKey(  # derived data, read by its unique key (see SalesMonthly)
        Account, on_delete=models.CASCADE, related_name="+", db_index=False, db_constraint=False
    )
    month = models.DateField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["account", "month"], name="account_monthly_key")]
        # Covering indexes: every page reads these few columns, by month (whole portfolio) or by account (a
        # team, an account), straight from the index without visiting the table rows.
        indexes = [
            models.Index(fields=["month", "account", *PAGE_COLUMNS], name="account_monthly_by_month"),
            models.Index(fields=["account", "month", *PAGE_COLUMNS], name="account_monthly_by_account"),
        ]

    def __str__(self):
        return f"{self.account_id}/{self.month:%Y-%m}"


class AccountQuarterly(RollupSums):
    """Roll-up per account and calendar quarter (``quarter`` is its first day), kept with AccountMonthly:
    what concentration reads for its quarterly trend and windows, a third of the monthly rows."""

    account = models.ForeignKey(  # derived data, read by its unique key (see SalesMonthly)
        Account, on_delete=models.CASCADE, related_name="+", db_index=False, db_constraint=False
    )
    quarter = models.DateField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["account", "quarter"], name="account_quarterly_key")]
        indexes = [models.Index(fields=["quarter", "account", *PAGE_COLUMNS], name="account_quarterly_by_quarter")]

    def __str__(self):
        return f"{self.account_id}/{self.quarter:%Y-%m}"


class Metric(models.Model):
    """What a target is set for: revenue, volume, gross margin — an editable list."""

    code = models.SlugField(max_length=40, unique=True)
    name = models.CharField(max_length=80)
    unit = models.CharField(max_length=20, blank=True, help_text="Empty for money in the reporting currency.")

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


class Target(models.Model):
    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="targets")
    metric = models.ForeignKey(Metric, on_delete=models.PROTECT, related_name="+")
    month = models.DateField()
    value = models.DecimalField(**MONEY)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["account", "metric", "month"], name="target_key")]
        # Covering: the pages sum a metric's targets over months per account, from the index alone.
        indexes = [models.Index(fields=["metric", "month", "account", "value"], name="target_by_metric_month")]

    def __str__(self):
        return f"{self.account_id} {self.metric_id} {self.month:%Y-%m}: {self.value}"


class CostType(models.TextChoices):
    TRADE_SPEND = "trade_spend", "Trade spend"
    REBATE = "rebate", "Rebates"
    COST_TO_SERVE = "cost_to_serve", "Cost to serve"


class CostLine(models.Model):
    """A cost booked against an account and month (trade spend, rebates, cost to serve), imported until
    later capabilities compute them. (account, month, type, reference) identifies a line."""

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="+")
    month = models.DateField()
    type = models.CharField(max_length=20, choices=CostType.choices)
    reference = models.CharField(max_length=60, blank=True)
    amount = models.DecimalField(**MONEY)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["account", "month", "type", "reference"], name="cost_line_key"),
        ]
        indexes = [
            models.Index(fields=["month", "account"]),
            # Covering: the portfolio pages sum one type's amounts per account over months.
            models.Index(fields=["type", "month", "account", "amount"], name="cost_line_by_type_month"),
        ]

    def __str__(self):
        return f"{self.account_id} {self.month:%Y-%m} {self.type}: {self.amount}"


class ChannelCostToServe(models.Model):
    """Cost to serve as a share of net sales for a channel, used where no cost-to-serve lines exist."""

    channel = models.OneToOneField(Channel, on_delete=models.CASCADE, related_name="cost_to_serve")
    percent = models.DecimalField(
        max_digits=5, decimal_places=2, validators=[MinValueValidator(0), MaxValueValidator(100)]
    )

    def __str__(self):
        return f"{self.channel}: {self.percent} %"
