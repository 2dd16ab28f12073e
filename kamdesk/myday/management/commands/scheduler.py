"""``kamdesk scheduler [--once]``: every minute, queue the periodic jobs that are due
(settings.KAMDESK_SCHEDULED_JOBS) as django-tasks jobs for the worker. ``kamdesk serve`` starts one beside
the web server; any number may run — each job is queued once per interval."""

import signal
import time

from django.core.management.base import BaseCommand
from django.db import close_old_connections
from django.utils import timezone

from kamdesk.myday.scheduler import run_due_jobs, scheduled_jobs


class Command(BaseCommand):
    help = "Queue periodic jobs (the daily digest, ...) when they are due; --once for a single pass."

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="Queue what is due now, then stop.")
        parser.add_argument("--interval", type=int, default=60, help="Seconds between passes (default 60).")

    def handle(self, *args, once=False, interval=60, **options):
        jobs = scheduled_jobs()  # a wrong setting stops here, with its reason
        self._stopping = False
        if once:
            self._pass(jobs)
            return
        previous = {number: signal.signal(number, self._stop) for number in (signal.SIGTERM, signal.SIGINT)}
        self.stdout.write(f"Scheduler running {len(jobs)} job(s), checking every {interval} s.")
        try:
            while not self._stopping:
                close_old_connections()  # a long-lived process: drop a connection the database closed meanwhile
                self._pass(jobs)
                deadline = time.monotonic() + max(1, interval)
                while not self._stopping and time.monotonic() < deadline:
                    time.sleep(0.5)
        finally:
            for number, handler in previous.items():
                signal.signal(number, handler)

    def _pass(self, jobs) -> None:
        for name in run_due_jobs(timezone.now(), jobs):
            self.stdout.write(f"{timezone.now():%Y-%m-%d %H:%M:%S} queued {name}")

    def _stop(self, *_):
        self._stopping = True
