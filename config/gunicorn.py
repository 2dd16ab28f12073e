"""gunicorn settings for ``kamdesk serve``: one background-job worker and the scheduler of periodic jobs
(``kamdesk scheduler``: the daily digest, ...) start and stop with the web server, so that imports and
scheduled jobs run without a second command. ``kamdesk serve --no-worker`` (or KAMDESK_TASK_WORKER=0)
leaves both out, for installations that run ``kamdesk db_worker`` elsewhere; KAMDESK_SCHEDULER=0 leaves
out only the scheduler (several schedulers are harmless, but one is enough)."""

import os
import subprocess
import sys

_children: list[subprocess.Popen] = []


def on_starting(server):
    if os.environ.get("KAMDESK_TASK_WORKER", "1") == "0":
        return
    argv = [sys.executable, "-m", "kamdesk.cli", "db_worker", "--queue-name", "*", "--interval", "1", "--no-reload"]
    worker = subprocess.Popen(argv)  # noqa: S603 (fixed program and arguments)
    _children.append(worker)
    server.log.info("Background-job worker started (pid %s)", worker.pid)
    if os.environ.get("KAMDESK_SCHEDULER", "1") != "0":
        scheduler = subprocess.Popen([sys.executable, "-m", "kamdesk.cli", "scheduler"])
        _children.append(scheduler)
        server.log.info("Scheduler of periodic jobs started (pid %s)", scheduler.pid)


def on_exit(server):
    running = [child for child in _children if child.poll() is None]
    for child in running:
        child.terminate()
    for child in running:
        try:
            child.wait(timeout=15)
        except subprocess.TimeoutExpired:
            child.kill()
