"""Background jobs of "My day": the daily digest run, queued every few minutes by ``kamdesk scheduler``
(settings.KAMDESK_SCHEDULED_JOBS). A run sends only the digests that are due, so running it often is cheap
and running it twice sends nothing twice."""

from django.utils import timezone
from django_tasks import task

from kamdesk.myday.digest import send_due_digests


@task()
def send_digests_job() -> dict:
    return send_due_digests(timezone.now()).as_dict()
