"""The daily e-mail digest (who wants it, what was sent) and the scheduler's record of its jobs.

Both "sent once" rules live in the database: a DigestDelivery row per user and local date (unique), and a
ScheduledJob row per job whose next run is claimed by one conditional UPDATE — so two schedulers or two
workers racing never send a digest twice or queue a job twice.
"""

from django.conf import settings
from django.core.validators import MaxValueValidator
from django.db import models


class DigestPreference(models.Model):
    """Opt-in: nobody gets the digest until they ask for it."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="digest_preference")
    enabled = models.BooleanField("send me the daily digest", default=False)
    send_hour = models.PositiveSmallIntegerField(
        "send at (hour)",
        default=7,
        validators=[MaxValueValidator(23)],
        help_text="Hour of the day in your time zone, 0–23.",
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.CheckConstraint(condition=models.Q(send_hour__lte=23), name="digest_send_hour_0_23")]

    def __str__(self):
        return f"Digest for {self.user}: {'on' if self.enabled else 'off'} at {self.send_hour:02d}:00"


class DigestDelivery(models.Model):
    """A user's digest for one local date. ``sent_at`` is empty when there was nothing to send: the day
    is settled all the same, so a later run does not send one."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="digest_deliveries")
    date = models.DateField(help_text="The day in the user's time zone.")
    sent_at = models.DateTimeField(null=True, blank=True)
    tasks = models.PositiveIntegerField(default=0)
    meetings = models.PositiveIntegerField(default=0)
    contacts = models.PositiveIntegerField(default=0)
    alerts = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-date", "user_id"]
        constraints = [models.UniqueConstraint(fields=["user", "date"], name="digest_once_per_day")]
        verbose_name_plural = "digest deliveries"

    def __str__(self):
        return f"Digest {self.date} for user {self.user_id}"


class ScheduledJob(models.Model):
    """When a job of settings.KAMDESK_SCHEDULED_JOBS last ran and is next due."""

    name = models.CharField(max_length=100, unique=True)
    last_enqueued_at = models.DateTimeField(null=True, blank=True)
    next_run_at = models.DateTimeField()

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name
