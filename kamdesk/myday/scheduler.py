"""A small scheduler for periodic jobs: django-tasks runs queued jobs but has no periodic ones.

``settings.KAMDESK_SCHEDULED_JOBS`` names each job: the dotted path of a django-tasks task and how often it
runs (``every_minutes``). ``run_due_jobs(now)`` queues every job whose time has come; ``kamdesk scheduler``
calls it every minute. Each job has a ScheduledJob row whose next run is claimed by one conditional UPDATE
(``next_run_at <= now``): of two schedulers — or one restarted — exactly one queues the job.
"""

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import import_string
from django_tasks.base import Task

from kamdesk.myday.models import ScheduledJob

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Job:
    name: str
    task: Task
    every: timedelta


def scheduled_jobs() -> list[Job]:
    """The configured jobs; a wrong entry stops the scheduler with a message saying which and why."""
    jobs = []
    for name, spec in getattr(settings, "KAMDESK_SCHEDULED_JOBS", {}).items():
        path, minutes = spec.get("task"), spec.get("every_minutes")
        try:
            target = import_string(path)
        except ImportError as exc:
            raise ImproperlyConfigured(f"KAMDESK_SCHEDULED_JOBS[{name!r}]: cannot import {path!r} ({exc}).") from exc
        if not isinstance(target, Task):
            raise ImproperlyConfigured(f"KAMDESK_SCHEDULED_JOBS[{name!r}]: {path!r} is not a django-tasks task.")
        if not isinstance(minutes, int) or minutes < 1:
            raise ImproperlyConfigured(f"KAMDESK_SCHEDULED_JOBS[{name!r}]: every_minutes must be a whole number ≥ 1.")
        jobs.append(Job(name, target, timedelta(minutes=minutes)))
    return jobs


def _claim(job: Job, now: datetime) -> bool:
    """True for the one scheduler that moves the job's next run on from a time that has come."""
    ScheduledJob.objects.get_or_create(name=job.name, defaults={"next_run_at": now})
    return bool(
        ScheduledJob.objects.filter(name=job.name, next_run_at__lte=now).update(
            last_enqueued_at=now, next_run_at=now + job.every
        )
    )


def run_due_jobs(now: datetime, jobs: list[Job] | None = None) -> list[str]:
    """Queue every job whose time has come; the names of those queued."""
    queued = []
    for job in scheduled_jobs() if jobs is None else jobs:
        if not _claim(job, now):
            continue
        try:
            job.task.enqueue()
        except Exception:  # the queue is down: give the run back so the next tick tries again
            log.exception("Scheduled job %s could not be queued", job.name)
            ScheduledJob.objects.filter(name=job.name).update(next_run_at=now)
            continue
        queued.append(job.name)
    return queued
