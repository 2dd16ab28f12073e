"""gunicorn settings for ``kamdesk serve``: one background-job worker starts and stops with the web server,
so that imports and scheduled jobs run without a second command. ``kamdesk serve --no-worker`` (or
KAMDESK_TASK_WORKER=0) leaves it out, for installations that run ``kamdesk db_worker`` elsewhere."""

import os
import subprocess
import sys

_worker: subprocess.Popen | None = None


def on_starting(server):
    global _worker
    if os.environ.get("KAMDESK_TASK_WORKER", "1") != "0":
        argv = [sys.executable, "-m", "kamdesk.cli", "db_worker", "--queue-name", "*", "--interval", "1", "--no-reload"]
        _worker = subprocess.Popen(argv)  # noqa: S603 (fixed program and arguments)
        server.log.info("Background-job worker started (pid %s)", _worker.pid)


def on_exit(server):
    if _worker is not None and _worker.poll() is None:
        _worker.terminate()
        try:
            _worker.wait(timeout=15)
        except subprocess.TimeoutExpired:
            _worker.kill()
