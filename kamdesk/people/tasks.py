"""Background job of the communication plan: today's coverage snapshot of every account, queued hourly by
``kamdesk scheduler`` (settings.KAMDESK_SCHEDULED_JOBS). A run replaces the day's snapshot, so running it
often only keeps today's point of the trend current."""

from django.utils import timezone
from django_tasks import task

from kamdesk.people.coverage import take_snapshots


@task()
def coverage_snapshots_job() -> int:
    return take_snapshots(timezone.localdate())
