"""The ``kamdesk`` command: Django's management commands plus kamdesk's own (demo, serve, user, account,
import, export, bench). ``kamdesk help`` lists them all.

Local use needs no configuration: without ``SECRET_KEY`` in the environment a random key is generated
once and kept in ``var/secret_key`` (readable by the owner only), and without ``DATABASE_URL`` the SQLite
file ``var/kamdesk.sqlite3`` is used.
"""

import os
import secrets
import sys
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
# Commands that serve this checkout on the local machine only; `serve` for production keeps HTTPS on.
LOCAL_COMMANDS = {"demo", "runserver", "bench"}


def _local_secret_key() -> str:
    path = BASE_DIR / "var" / "secret_key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_urlsafe(50))
    return path.read_text().strip()


def prepare_environment(argv: list[str]) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    if not os.environ.get("SECRET_KEY"):
        os.environ["SECRET_KEY"] = _local_secret_key()
    command = argv[1] if len(argv) > 1 else ""
    if command in LOCAL_COMMANDS:
        # A server started from the CLI on this machine speaks plain HTTP unless told otherwise.
        os.environ.setdefault("HTTPS", "false")
    (BASE_DIR / "var").mkdir(exist_ok=True)


def main(argv: list[str] | None = None) -> None:
    argv = list(sys.argv if argv is None else argv)
    argv[0] = "kamdesk"
    prepare_environment(argv)
    from django.core.management import execute_from_command_line

    execute_from_command_line(argv)


if __name__ == "__main__":
    main()
