"""Activities (meetings, calls, visits, ...) with a customer, and the tasks that follow them up.

Both belong to an account and are visible exactly when the account is (kamdesk.access.scope).
"""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from kamdesk.accounts.models import Account
from kamdesk.people.models import Contact


class ActivityKind(models.TextChoices):
    MEETING = "meeting", "Meeting"
    CALL = "call", "Call"
    EMAIL = "email", "E-mail"
    VISIT = "visit", "Visit"
    SITE_VISIT = "site_visit", "Site visit"
    STORE_CHECK = "store_check", "Store check"
    PRESENTATION = "presentation", "Presentation"
    PRODUCT_BRIEFING = "product_briefing", "Product briefing"
    EXECUTIVE_MEETING = "executive_meeting", "Executive meeting"
    BUSINESS_REVIEW = "business_review", "Business review"


class ActivityStatus(models.TextChoices):
    PLANNED = "planned", "Planned"
    DONE = "done", "Done"
    CANCELLED = "cancelled", "Cancelled"


class Activity(models.Model):
    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="activities")
    kind = models.CharField(max_length=20, choices=ActivityKind.choices, default=ActivityKind.MEETING)
    status = models.CharField(max_length=10, choices=ActivityStatus.choices, default=ActivityStatus.PLANNED)
    starts_at = models.DateTimeField("starts")
    ends_at = models.DateTimeField("ends", null=True, blank=True)
    location = models.CharField(max_length=200, blank=True)
    subject = models.CharField(max_length=200)
    agenda = models.TextField(blank=True, help_text="Markdown.")
    notes = models.TextField(blank=True, help_text="Markdown.")
    outcome = models.TextField(blank=True)
    next_steps = models.TextField("next steps", blank=True, help_text="One step a line; each can become a task.")
    our_participants = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="activities", verbose_name="our participants"
    )
    their_participants = models.ManyToManyField(
        Contact, blank=True, related_name="activities", verbose_name="their participants"
    )
    calendar_uid = models.CharField(
        "calendar UID",
        max_length=255,
        blank=True,
        default="",
        editable=False,
        help_text="The UID of the calendar invitation this activity was logged from; empty when typed in.",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "activities"
        ordering = ["-starts_at", "-id"]
        indexes = [
            models.Index(fields=["account", "-starts_at"], name="activity_account_starts"),
            # Everyone's activities of a few days (My day's meetings, the digest): a range of this index.
            models.Index(fields=["starts_at"], name="activity_starts"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__isnull=True) | Q(ends_at__gte=F("starts_at")), name="activity_ends_after_start"
            ),
            # One activity per invitation and account; the index also makes the lookup by UID cheap.
            models.UniqueConstraint(
                fields=["account", "calendar_uid"], condition=~Q(calendar_uid=""), name="activity_account_calendar_uid"
            ),
        ]

    def __str__(self):
        return self.subject


class TaskPriority(models.TextChoices):
    LOW = "low", "Low"
    NORMAL = "normal", "Normal"
    HIGH = "high", "High"


class TaskStatus(models.TextChoices):
    OPEN = "open", "Open"
    DONE = "done", "Done"
    CANCELLED = "cancelled", "Cancelled"


class Task(models.Model):
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="tasks")
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="tasks")
    due_date = models.DateField("due", null=True, blank=True)
    priority = models.CharField(max_length=10, choices=TaskPriority.choices, default=TaskPriority.NORMAL)
    status = models.CharField(max_length=10, choices=TaskStatus.choices, default=TaskStatus.OPEN)
    completed_at = models.DateTimeField(null=True, blank=True)
    activity = models.ForeignKey(
        Activity,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="tasks",
        help_text="The activity whose next steps created this task.",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = [F("due_date").asc(nulls_last=True), "id"]
        indexes = [
            models.Index(fields=["owner", "status", "due_date"], name="task_owner_status_due"),
            models.Index(fields=["account", "status", "due_date"], name="task_account_status_due"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status="done", completed_at__isnull=False) | (~Q(status="done") & Q(completed_at=None)),
                name="task_completed_when_done",
            ),
        ]

    def __str__(self):
        return self.title

    @property
    def is_open(self) -> bool:
        return self.status == TaskStatus.OPEN

    @property
    def is_overdue(self) -> bool:
        return self.is_open and self.due_date is not None and self.due_date < timezone.localdate()


class TaskComment(models.Model):
    task = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    text = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["task", "created_at"], name="taskcomment_task_created")]

    def __str__(self):
        return f"Comment on {self.task}"


# --- store checks -------------------------------------------------------------------------------------------

PERCENT = [MinValueValidator(0), MaxValueValidator(100)]


def _within_0_100(field: str) -> Q:
    return Q(**{f"{field}__isnull": True}) | Q(**{f"{field}__gte": 0, f"{field}__lte": 100})


class StoreCheck(models.Model):
    """What a store visit found: the store, the products missing from the shelf and how well the store
    follows the agreed shelf share, prices and displays. One per activity of kind store check."""

    activity = models.OneToOneField(Activity, on_delete=models.CASCADE, primary_key=True, related_name="store_check")
    store_name = models.CharField("store", max_length=200)
    store_number = models.CharField("store number", max_length=40, blank=True)
    store_address = models.CharField("address", max_length=300, blank=True)
    store_city = models.CharField("city", max_length=100, blank=True)
    out_of_stock_products = models.ManyToManyField(
        "sales.Product", blank=True, related_name="store_checks_out_of_stock", verbose_name="out-of-stock products"
    )
    shelf_share_pct = models.DecimalField(
        "shelf share %", max_digits=5, decimal_places=2, null=True, blank=True, validators=PERCENT
    )
    price_compliance_pct = models.DecimalField(
        "price compliance %", max_digits=5, decimal_places=2, null=True, blank=True, validators=PERCENT
    )
    display_compliance_pct = models.DecimalField(
        "display compliance %", max_digits=5, decimal_places=2, null=True, blank=True, validators=PERCENT
    )
    score = models.PositiveSmallIntegerField(null=True, blank=True, validators=PERCENT, help_text="0-100.")
    score_entered = models.BooleanField(
        default=False, help_text="True when a person entered the score; False when it was computed."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=_within_0_100("shelf_share_pct"), name="storecheck_shelf_share_0_100"),
            models.CheckConstraint(condition=_within_0_100("price_compliance_pct"), name="storecheck_price_0_100"),
            models.CheckConstraint(condition=_within_0_100("display_compliance_pct"), name="storecheck_display_0_100"),
            models.CheckConstraint(condition=_within_0_100("score"), name="storecheck_score_0_100"),
        ]

    def __str__(self):
        return f"Store check {self.store_name}"


class PhotoType(models.TextChoices):
    JPEG = "image/jpeg", "JPEG"
    PNG = "image/png", "PNG"
    WEBP = "image/webp", "WebP"


class StoreCheckPhoto(models.Model):
    """A photo taken on a store check. The file lives in the photo storage under a random name and is only
    ever served by a view that checks access to the account first (never from a public media URL)."""

    store_check = models.ForeignKey(StoreCheck, on_delete=models.CASCADE, related_name="photos")
    file = models.CharField(max_length=200, unique=True, editable=False, help_text="Name in the photo storage.")
    caption = models.CharField(max_length=200, blank=True)
    content_type = models.CharField(max_length=20, choices=PhotoType.choices)
    size = models.PositiveIntegerField(help_text="Bytes stored.")
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["uploaded_at", "id"]
        indexes = [models.Index(fields=["store_check", "uploaded_at"], name="storecheckphoto_check_uploaded")]

    def __str__(self):
        return self.caption or f"Photo {self.pk}"
