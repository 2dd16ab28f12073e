"""Telling an import that is still running from one whose process is gone.

An import records the process that runs it (``SalesImport.worker``: host, process id and the process's
start time). If that process is killed, crashes or the server restarts, its transaction never commits —
nothing of the import was written — but its record would say "running" for ever. ``fail_abandoned()``
marks such records failed, with a message saying so; the import pages and API call it before they read.

Only a process on this machine can be checked; an import run by another machine (several app servers
sharing one database) keeps its status until that machine looks at it.
"""

import os
import socket
from pathlib import Path

from django.utils import timezone

from kamdesk.sales.models import SalesImport

ABANDONED = (
    "The import stopped without finishing: the process running it ended (it was stopped, crashed or the "
    "server restarted). Nothing of it was written and the stored data is unchanged; import the file again."
)


def this_process() -> str:
    """How this process is recorded: host, process id and start time (a reused process id has another)."""
    return f"{socket.gethostname()}:{os.getpid()}:{_start_time(os.getpid())}"


def _start_time(pid: int) -> str:
    """The process's start time in clock ticks after boot (Linux); "" where /proc does not tell."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return ""
    return stat.rsplit(")", 1)[1].split()[19]  # field 22; the name in parentheses may hold spaces


def is_gone(worker: str) -> bool:
    """True when the recorded process ran on this machine and is no longer there."""
    try:
        host, pid_text, started = worker.rsplit(":", 2)
        pid = int(pid_text)
    except ValueError:
        return False  # not recorded (an import from before this was kept): cannot tell
    if host != socket.gethostname():
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        pass  # there, but another user's
    return bool(started) and _start_time(pid) != started


def fail_abandoned() -> int:
    """Mark failed every running import whose process is gone; returns how many."""
    running = SalesImport.objects.filter(status=SalesImport.Status.RUNNING).values_list("pk", "worker", "summary")
    gone = [(pk, summary) for pk, worker, summary in running if is_gone(worker)]
    for pk, summary in gone:
        summary = {key: value for key, value in (summary or {}).items() if key != "progress"}
        summary |= {"outcome": ABANDONED, "errors": [{"line": None, "column": None, "message": ABANDONED}]}
        SalesImport.objects.filter(pk=pk, status=SalesImport.Status.RUNNING).update(
            status=SalesImport.Status.FAILED, finished_at=timezone.now(), summary=summary
        )
    return len(gone)
