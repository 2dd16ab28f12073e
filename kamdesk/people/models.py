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


class Level(models.TextChoices):
    """Where a stakeholder sits in the customer's hierarchy; the communication plan sets a cadence per level."""

    C_LEVEL = "c_level", "C-level"
    DIRECTOR = "director", "Director / VP"
    HEAD = "head", "Head / manager"
    BUYER = "buyer", "Buyer / category manager"
    OPERATIONAL = "operational", "Operational"
    OTHER = "other", "Other"


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
    level = models.CharField(max_length=20, choices=Level.choices, blank=True)
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
        indexes = [
            models.Index(fields=["account", "last_name"]),
            models.Index(fields=["last_name"]),
            # The few high-influence detractors still at the customer (My day's alerts): without it, reading
            # them for a portfolio reads every stakeholder.
            models.Index(
                fields=["account"],
                condition=models.Q(has_left=False, attitude__lte=-2, influence__gte=4),
                name="contact_detractor_account",
            ),
        ]
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


# --- communication plan: cadence per level, planned touchpoints, coverage snapshots ----------------------------


class CadenceRule(models.Model):
    """The account's contact cadence for one level of stakeholders (a contact's own cadence overrides it)."""

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="cadence_rules")
    level = models.CharField(max_length=20, choices=Level.choices)
    cadence_days = models.PositiveSmallIntegerField(choices=Cadence.choices)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["account", "level"]
        constraints = [models.UniqueConstraint(fields=["account", "level"], name="cadencerule_account_level")]

    def __str__(self):
        return f"{self.get_level_display()}: {self.get_cadence_days_display()}"


class TouchpointKind(models.TextChoices):
    BUSINESS_REVIEW = "business_review", "Business review"
    EXECUTIVE_MEETING = "executive_meeting", "Executive meeting"
    NEWSLETTER = "newsletter", "Newsletter"
    EVENT = "event", "Event"
    OTHER = "other", "Other"


class TouchpointStatus(models.TextChoices):
    PLANNED = "planned", "Planned"
    HELD = "held", "Held"
    CANCELLED = "cancelled", "Cancelled"
    MISSED = "missed", "Missed"


class PlannedTouchpoint(models.Model):
    """A contact the communication plan schedules: a review, an executive meeting (our executives with
    theirs), a newsletter, an event. Held means it took place, usually as a logged activity."""

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="planned_touchpoints")
    kind = models.CharField(max_length=20, choices=TouchpointKind.choices, default=TouchpointKind.BUSINESS_REVIEW)
    title = models.CharField(max_length=200)
    planned_on = models.DateField("planned date")
    our_people = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="planned_touchpoints", verbose_name="our people"
    )
    their_people = models.ManyToManyField(
        Contact, blank=True, related_name="planned_touchpoints", verbose_name="their people"
    )
    status = models.CharField(max_length=10, choices=TouchpointStatus.choices, default=TouchpointStatus.PLANNED)
    held_on = models.DateField("held on", null=True, blank=True)
    held_by = models.ForeignKey(
        "activities.Activity",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="touchpoints",
        help_text="The logged activity in which the touchpoint took place.",
    )
    notes = models.TextField(blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["planned_on", "id"]
        indexes = [models.Index(fields=["account", "planned_on"], name="touchpoint_account_planned")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status="held", held_on__isnull=False) | ~models.Q(status="held"),
                name="touchpoint_held_has_date",
            ),
        ]

    def __str__(self):
        return self.title


class CoverageSnapshot(models.Model):
    """One account's coverage on one day (with its subsidiaries), kept for the trend. Written by the daily job."""

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="coverage_snapshots")
    taken_on = models.DateField()
    score = models.PositiveSmallIntegerField(null=True, blank=True, help_text="0-100; empty without key people.")
    compliance = models.PositiveSmallIntegerField(null=True, blank=True, help_text="% of stakeholders in cadence.")
    key_stakeholders = models.PositiveIntegerField(default=0)
    without_owner = models.PositiveIntegerField(default=0)
    out_of_cadence = models.PositiveIntegerField(default=0)
    single_threaded = models.PositiveIntegerField(default=0)
    risky_detractors = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["account", "taken_on"]
        constraints = [models.UniqueConstraint(fields=["account", "taken_on"], name="coveragesnapshot_account_day")]

    def __str__(self):
        return f"{self.account_id} {self.taken_on}: {self.score}"
