"""``kamdesk scheduler``: queues the jobs of KAMDESK_SCHEDULED_JOBS when due (tests run queued jobs at once),
never twice for one interval — not on a restart, not with two schedulers."""

import io
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.db import connection

from kamdesk.myday.models import DigestDelivery, ScheduledJob
from kamdesk.myday.scheduler import run_due_jobs, scheduled_jobs
from kamdesk.myday.services import digest_preference_set
from tests.activities_factories import make_task
from tests.factories import make_account, make_user

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 11, 24, 9, 0, tzinfo=ZoneInfo("UTC"))
DIGEST_JOB = {"task": "kamdesk.myday.tasks.send_digests_job", "every_minutes": 15}


@pytest.fixture(autouse=True)
def only_the_digest_job(settings):
    """The installation's setting, reduced to the job under test."""
    assert settings.KAMDESK_SCHEDULED_JOBS["daily-digest"] == DIGEST_JOB
    settings.KAMDESK_SCHEDULED_JOBS = {"daily-digest": DIGEST_JOB}


@pytest.fixture
def opted_in():
    kam = make_user("kam", email="early@example.com")
    digest_preference_set(actor=kam, user=kam, enabled=True, send_hour=0)
    make_task(make_account(owner=kam), kam, title="Send the price list", due_date=datetime.now(ZoneInfo("UTC")).date())
    return kam


def test_the_digest_job_is_configured():
    jobs = {job.name: job for job in scheduled_jobs()}
    assert jobs["daily-digest"].every == timedelta(minutes=15)


def test_scheduler_once_queues_and_runs_the_digest_job_and_not_twice(opted_in):
    out = io.StringIO()
    call_command("scheduler", "--once", stdout=out)
    assert "queued daily-digest" in out.getvalue()
    assert [m.to for m in mail.outbox] == [["early@example.com"]]
    assert DigestDelivery.objects.filter(user=opted_in).count() == 1
    job = ScheduledJob.objects.get(name="daily-digest")
    assert job.next_run_at - job.last_enqueued_at == timedelta(minutes=15)

    out = io.StringIO()
    call_command("scheduler", "--once", stdout=out)  # a restart within the interval queues nothing
    assert out.getvalue() == "" and len(mail.outbox) == 1
    assert ScheduledJob.objects.get(name="daily-digest").last_enqueued_at == job.last_enqueued_at


def test_each_interval_is_claimed_by_exactly_one_scheduler(opted_in):
    assert run_due_jobs(NOW) == ["daily-digest"]
    assert run_due_jobs(NOW) == []  # a second scheduler at the same moment
    assert run_due_jobs(NOW + timedelta(minutes=14)) == []
    assert run_due_jobs(NOW + timedelta(minutes=15)) == ["daily-digest"]
    assert len(mail.outbox) == 1  # the job ran twice; the digest went out once


def test_a_job_that_cannot_be_queued_is_given_back(settings, monkeypatch):
    job = next(job for job in scheduled_jobs() if job.name == "daily-digest")

    def broken(*args, **kwargs):
        raise ConnectionError("queue down")

    monkeypatch.setattr(type(job.task), "enqueue", broken)
    assert run_due_jobs(NOW, [job]) == []
    assert ScheduledJob.objects.get(name="daily-digest").next_run_at == NOW
    monkeypatch.undo()
    assert run_due_jobs(NOW, [job]) == ["daily-digest"]


@pytest.mark.parametrize(
    "spec, message",
    [
        ({"task": "kamdesk.myday.tasks.nothing_here", "every_minutes": 5}, "cannot import"),
        ({"task": "kamdesk.myday.digest.send_due_digests", "every_minutes": 5}, "not a django-tasks task"),
        ({"task": "kamdesk.myday.tasks.send_digests_job", "every_minutes": 0}, "every_minutes"),
    ],
)
def test_a_wrong_job_setting_stops_the_scheduler_with_its_reason(settings, spec, message):
    settings.KAMDESK_SCHEDULED_JOBS = {"broken": spec}
    with pytest.raises(ImproperlyConfigured, match=message):
        call_command("scheduler", "--once")


def test_claims_are_one_conditional_update(opted_in):
    from django.test.utils import CaptureQueriesContext

    run_due_jobs(NOW)
    with CaptureQueriesContext(connection) as queries:
        assert run_due_jobs(NOW + timedelta(minutes=1)) == []
    updates = [q["sql"] for q in queries if q["sql"].startswith("UPDATE")]
    assert len(updates) == 1 and "next_run_at" in updates[0]


def test_the_loop_queues_on_each_pass_until_it_is_stopped(opted_in, monkeypatch):
    """The long-running form: a pass, a wait, a pass ... until SIGTERM/SIGINT sets the stop flag."""
    from kamdesk.myday.management.commands import scheduler as command

    passes = []
    real_pass = command.Command._pass

    def counting_pass(self, jobs):
        passes.append(1)
        real_pass(self, jobs)
        if len(passes) == 2:
            self._stop()

    monkeypatch.setattr(command.Command, "_pass", counting_pass)
    monkeypatch.setattr(command, "close_old_connections", lambda: None)  # the test's transaction stays open
    monkeypatch.setattr(command.time, "sleep", lambda seconds: None)
    out = io.StringIO()
    call_command("scheduler", "--interval", "1", stdout=out)
    assert len(passes) == 2
    assert "Scheduler running 1 job(s)" in out.getvalue() and out.getvalue().count("queued daily-digest") == 1
