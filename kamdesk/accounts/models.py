from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models


class AccountKind(models.TextChoices):
    CUSTOMER = "customer", "Customer"
    PROSPECT = "prospect", "Prospect"
    DISTRIBUTOR = "distributor", "Distributor"
    ASSOCIATION = "association", "Association / KOL body"
    PUBLIC_AUTHORITY = "public_authority", "Public authority"


class Tier(models.TextChoices):
    STRATEGIC = "strategic", "Strategic"
    KEY = "key", "Key"
    GROWTH = "growth", "Growth"
    MAINTAIN = "maintain", "Maintain"


def tier_label(value: str) -> str:
    """Tier labels are an installation setting (TIER_LABELS); the stored values never change."""
    return settings.TIER_LABELS.get(value, Tier(value).label if value in Tier.values else value)


class Stage(models.TextChoices):
    """Lifecycle: a key account is developed to partner status and then handed over to maintenance."""

    TARGET = "target", "Target"
    DEVELOPING = "developing", "Developing"
    KEY = "key", "Key"
    STRATEGIC_PARTNER = "strategic_partner", "Strategic partner"
    MAINTENANCE = "maintenance", "Maintenance"


class Channel(models.Model):
    """The editable list of trade channels (retail chain, pharmacy, hospital, ...)."""

    code = models.SlugField(max_length=40, unique=True)
    name = models.CharField(max_length=80, unique=True)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


class Tag(models.Model):
    name = models.CharField(max_length=60, unique=True)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


class Account(models.Model):
    code = models.CharField("ERP code", max_length=40, unique=True)
    name = models.CharField(max_length=200)
    legal_name = models.CharField(max_length=200, blank=True)
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="children")
    depth = models.PositiveSmallIntegerField(default=0, editable=False)
    kind = models.CharField(max_length=20, choices=AccountKind.choices, default=AccountKind.CUSTOMER)
    channel = models.ForeignKey(Channel, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    industry = models.CharField(max_length=100, blank=True)
    country = models.CharField(max_length=2, blank=True, help_text="ISO 3166-1 alpha-2 code")
    region = models.CharField(max_length=100, blank=True)
    currency = models.CharField(max_length=3, blank=True, help_text="ISO 4217 code")
    credit_limit = models.DecimalField(
        max_digits=18, decimal_places=2, null=True, blank=True, validators=[MinValueValidator(0)]
    )
    payment_terms_days = models.PositiveSmallIntegerField(null=True, blank=True)
    website = models.URLField(blank=True)
    description = models.TextField(blank=True)
    tags = models.ManyToManyField(Tag, blank=True, related_name="accounts")
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="owned_accounts",
    )
    tier = models.CharField(max_length=20, choices=Tier.choices, default=Tier.GROWTH)
    stage = models.CharField(max_length=20, choices=Stage.choices, default=Stage.TARGET)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        indexes = [
            models.Index(fields=["name"]),
            models.Index(fields=["owner", "name"]),
            models.Index(fields=["tier", "name"]),
            models.Index(fields=["parent"]),
        ]

    def __str__(self):
        return self.name

    @property
    def tier_label(self) -> str:
        return tier_label(self.tier)


class AccountClosure(models.Model):
    """Every (ancestor, descendant) pair of the hierarchy, self included at depth 0.

    Lets access, "include children" filters and roll-ups reach a whole subtree with one indexed join,
    whatever the depth. Maintained only by the account services.
    """

    ancestor = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="descendant_links")
    descendant = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="ancestor_links")
    depth = models.PositiveSmallIntegerField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["ancestor", "descendant"], name="account_closure_pair")]
        indexes = [models.Index(fields=["descendant", "ancestor"])]

    def __str__(self):
        return f"{self.ancestor_id} → {self.descendant_id} ({self.depth})"


class TeamRole(models.TextChoices):
    KAM = "kam", "Key account manager"
    GLOBAL_KAM = "global_kam", "Global key account manager"
    EXECUTIVE_SPONSOR = "executive_sponsor", "Executive sponsor"
    SALES = "sales", "Sales"
    SPECIALIST = "specialist", "Specialist"
    CUSTOMER_SERVICE = "customer_service", "Customer service"
    FINANCE = "finance", "Finance"


class Access(models.TextChoices):
    READ = "read", "Read"
    EDIT = "edit", "Edit"


class AccountMembership(models.Model):
    """A user on an account's team, with their role there and what they may do."""

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=20, choices=TeamRole.choices)
    access = models.CharField(max_length=4, choices=Access.choices, default=Access.READ)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["account", "role"]
        constraints = [models.UniqueConstraint(fields=["account", "user"], name="membership_once_per_account")]
        indexes = [models.Index(fields=["user", "access"])]

    def __str__(self):
        return f"{self.user} — {self.get_role_display()} on {self.account}"
