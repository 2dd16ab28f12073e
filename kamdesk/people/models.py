from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from kamdesk.accounts.models import Account


class BuyingRole(models.TextChoices):
    DECISION_MAKER = "decision_maker", "Decision maker"
    ECONOMIC_BUYER = "economic_buyer", "Economic buyer"
    TECHNICAL_BUYER = "technical_buyer", "Technical buyer"
    INFLUENCER = "influencer", "Influencer"
    USER = "user", "User"
    GATEKEEPER = "gatekeeper", "Gatekeeper"
    CHAMPION = "champion", "Champion"
    BLOCKER = "blocker", "Blocker"


class Cadence(models.IntegerChoices):
    """Preferred contact cadence, in days between touchpoints."""

    WEEKLY = 7, "Weekly"
    FORTNIGHTLY = 14, "Every two weeks"
    MONTHLY = 30, "Monthly"
    QUARTERLY = 91, "Quarterly"
    HALF_YEARLY = 182, "Twice a year"
    YEARLY = 365, "Yearly"


ATTITUDE_LABELS = {-2: "Detractor", -1: "Sceptic", 0: "Neutral", 1: "Supporter", 2: "Advocate"}


class Contact(models.Model):
    """A stakeholder at a customer. Someone who left is flagged, never deleted: the history stays."""

    email = models.EmailField(unique=True, null=True, blank=True)
    first_name = models.CharField(max_length=80, blank=True)
    last_name = models.CharField(max_length=80)
    title = models.CharField(max_length=120, blank=True)
    department = models.CharField(max_length=120, blank=True)
    phone = models.CharField(max_length=40, blank=True)
    mobile = models.CharField(max_length=40, blank=True)
    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="contacts")
    other_accounts = models.ManyToManyField(
        Account,
        blank=True,
        related_name="affiliated_contacts",
        help_text="Further accounts the person belongs to, e.g. a parent and a subsidiary.",
    )
    reports_to = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="direct_reports"
    )
    buying_role = models.CharField(max_length=20, choices=BuyingRole.choices, blank=True)
    influence = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    attitude = models.SmallIntegerField(null=True, blank=True, validators=[MinValueValidator(-2), MaxValueValidator(2)])
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="owned_contacts",
        verbose_name="relationship owner",
    )
    cadence_days = models.PositiveSmallIntegerField(choices=Cadence.choices, null=True, blank=True)
    has_left = models.BooleanField("left the company", default=False)
    notes = models.TextField(blank=True)
    last_contacted_at = models.DateTimeField(
        "last contact", null=True, blank=True, help_text="Start of the latest done activity they took part in."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["last_name", "first_name"]
        indexes = [models.Index(fields=["account", "last_name"]), models.Index(fields=["last_name"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(influence__isnull=True) | models.Q(influence__gte=1, influence__lte=5),
                name="contact_influence_1_5",
            ),
            models.CheckConstraint(
                condition=models.Q(attitude__isnull=True) | models.Q(attitude__gte=-2, attitude__lte=2),
                name="contact_attitude_range",
            ),
        ]

    def __str__(self):
        return self.full_name

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    @property
    def attitude_label(self) -> str:
        return ATTITUDE_LABELS.get(self.attitude, "Unknown")
