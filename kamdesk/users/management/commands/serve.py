"""``kamdesk serve``: run kamdesk under gunicorn, the production web server.

Defaults suit one machine (127.0.0.1:8000, a few worker processes with threads); behind a reverse proxy
pass ``--host``/``--port`` as the proxy expects. The static files manifest is built first if missing.
"""

import os
import shutil
import sys

from django.conf import settings
from django.contrib.staticfiles.storage import ManifestFilesMixin
from django.core.files.storage import storages
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

DEFAULT_WORKERS = int(os.environ.get("WEB_CONCURRENCY", "2"))
DEFAULT_THREADS = 4


def static_manifest_missing() -> bool:
    """True when the static files storage needs a manifest (production) and none has been built."""
    storage = storages["staticfiles"]
    return isinstance(storage, ManifestFilesMixin) and not storage.exists(storage.manifest_name)


def bind_address(host: str, port: int) -> str:
    if ":" in host and not host.startswith("["):  # a bare IPv6 address
        host = f"[{host}]"
    return f"{host}:{port}"


def gunicorn_argv(*, host: str, port: int, workers: int, threads: int) -> list[str]:
    """The gunicorn command line: the .venv's own gunicorn, access log on stdout, and the hooks that run
    the background-job worker beside it (config/gunicorn.py)."""
    executable = shutil.which("gunicorn", path=os.path.dirname(sys.executable))
    program = [executable] if executable else [sys.executable, "-m", "gunicorn"]
    return [
        *program,
        "config.wsgi:application",
        "--config",
        "python:config.gunicorn",
        "--chdir",
        str(settings.BASE_DIR),
        "--bind",
        bind_address(host, port),
        "--workers",
        str(workers),
        "--threads",
        str(threads),
        # A worker silent for this long is stuck and gets replaced; large imports need some room.
        "--timeout",
        "120",
        "--graceful-timeout",
        "20",
        # Recycle workers now and then so that a slow leak can never grow without bound.
        "--max-requests",
        "2000",
        "--max-requests-jitter",
        "200",
        "--access-logfile",
        "-",
        "--error-logfile",
        "-",
        # One fixed control socket per home directory would make two servers on a machine collide.
        "--no-control-socket",
    ]


def positive(value: str) -> int:
    number = int(value)
    if number < 1:
        raise ValueError(value)
    return number


def port_number(value: str) -> int:
    number = int(value)
    if not 1 <= number <= 65535:
        raise ValueError(value)
    return number


class Command(BaseCommand):
    help = "Serve kamdesk with gunicorn (default http://127.0.0.1:8000)."
    requires_system_checks = []  # run below, before the server replaces this process

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1", help="Address to listen on (default 127.0.0.1).")
        parser.add_argument("--port", type=port_number, default=8000, help="Port to listen on (default 8000).")
        parser.add_argument(
            "--workers",
            type=positive,
            default=DEFAULT_WORKERS,
            help=f"Worker processes (default {DEFAULT_WORKERS}, or $WEB_CONCURRENCY).",
        )
        parser.add_argument(
            "--threads", type=positive, default=DEFAULT_THREADS, help=f"Threads per worker (default {DEFAULT_THREADS})."
        )
        parser.add_argument(
            "--no-worker",
            action="store_true",
            help="Do not start the background-job worker (run `kamdesk db_worker` elsewhere).",
        )

    def handle(self, *args, host: str, port: int, workers: int, threads: int, no_worker: bool, **options):
        if no_worker:
            os.environ["KAMDESK_TASK_WORKER"] = "0"
        self.check()
        self.check_migrations()
        if static_manifest_missing():
            self.stdout.write("Collecting static files (first start)…")
            call_command("collectstatic", interactive=False, verbosity=0)
        argv = gunicorn_argv(host=host, port=port, workers=workers, threads=threads)
        self.stdout.write(f"kamdesk on http://{bind_address(host, port)}/  (Ctrl+C stops it)")
        sys.stdout.flush()
        sys.stderr.flush()
        try:
            # gunicorn takes over this process, so signals from a terminal or a supervisor reach it directly.
            os.execv(argv[0], argv)  # noqa: S606 (fixed program, arguments from validated options)
        except OSError as exc:
            raise CommandError(f"Could not start gunicorn ({argv[0]}): {exc}") from exc
