"""Production settings and the SQLite set-up, checked in real processes with a clean environment.

Under pytest the settings switch to test mode (fast hashing, plain HTTP, a throwaway secret), so every
check here runs Django in a subprocess that sees only the variables a production host would set.
"""

import os
import secrets
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
KAMDESK = str(Path(sys.executable).parent / "kamdesk")
# Django's own entry point: unlike the kamdesk command, it never supplies a local secret key.
DJANGO_ADMIN = [PYTHON, "-m", "django"]


def clean_env(tmp_path: Path, **variables: str) -> dict[str, str]:
    """A production host's environment: no test switches, a file database in ``tmp_path``."""
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(tmp_path),
        "LANG": "C.UTF-8",
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "PYTHONPATH": str(REPO),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'kamdesk.sqlite3'}",
    }
    env.update(variables)
    return env


def production_env(tmp_path: Path, **variables: str) -> dict[str, str]:
    defaults = {"DEBUG": "false", "SECRET_KEY": secrets.token_urlsafe(50), "ALLOWED_HOSTS": "kam.example.com"}
    return clean_env(tmp_path, **{**defaults, **variables})


def run(args: list[str], env: dict[str, str], timeout: int = 120) -> subprocess.CompletedProcess:
    return subprocess.run(args, env=env, cwd=REPO, capture_output=True, text=True, timeout=timeout)


def django_eval(env: dict[str, str], code: str) -> str:
    """Run ``code`` after django.setup() in a fresh process; return what it printed."""
    script = f"import django; django.setup()\n{textwrap.dedent(code)}"
    result = run([PYTHON, "-c", script], env)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


# --- production checks ---------------------------------------------------------------------------


def test_check_deploy_passes_with_production_settings(tmp_path):
    result = run([*DJANGO_ADMIN, "check", "--deploy", "--fail-level", "WARNING"], production_env(tmp_path))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout
    assert "WARNINGS" not in result.stdout + result.stderr


def test_check_deploy_does_flag_a_weak_secret_so_the_clean_result_means_something(tmp_path):
    env = production_env(tmp_path, SECRET_KEY="too-short")
    result = run([*DJANGO_ADMIN, "check", "--deploy", "--fail-level", "WARNING"], env)
    assert result.returncode != 0
    assert "security.W009" in result.stdout + result.stderr


@pytest.mark.parametrize(
    "command",
    [
        [PYTHON, "-c", "import config.wsgi"],  # what gunicorn loads
        [*DJANGO_ADMIN, "check"],
    ],
)
def test_production_refuses_to_start_without_a_secret_key(tmp_path, command):
    env = production_env(tmp_path)
    del env["SECRET_KEY"]
    result = run(command, env)
    assert result.returncode != 0
    assert "SECRET_KEY must be set in the environment when DEBUG is off." in result.stderr


def test_production_hashes_passwords_with_argon2_and_hardens_https(tmp_path):
    output = django_eval(
        production_env(tmp_path),
        """
        from django.conf import settings
        from django.contrib.auth.hashers import make_password
        print(settings.TESTING, settings.PASSWORD_HASHERS[0])
        print(make_password("correct-horse-battery-staple").split("$")[0])
        print(settings.SESSION_COOKIE_SECURE, settings.CSRF_COOKIE_SECURE, settings.SECURE_SSL_REDIRECT)
        print(settings.SECURE_HSTS_SECONDS > 0, settings.DEBUG)
        """,
    )
    assert output.splitlines() == [
        "False django.contrib.auth.hashers.Argon2PasswordHasher",
        "argon2",
        "True True True",
        "True False",
    ]


# --- SQLite ----------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def migrated_sqlite(tmp_path_factory):
    """A production-like environment with a migrated SQLite file database."""
    tmp_path = tmp_path_factory.mktemp("sqlite")
    env = production_env(tmp_path)
    result = run([KAMDESK, "migrate", "--noinput", "-v", "0"], env, timeout=300)
    assert result.returncode == 0, result.stderr
    return env


def test_sqlite_runs_in_wal_mode_with_a_busy_timeout(migrated_sqlite):
    output = django_eval(
        migrated_sqlite,
        """
        from django.db import connection
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA journal_mode")
            mode = cursor.fetchone()[0]
            cursor.execute("PRAGMA busy_timeout")
            timeout = cursor.fetchone()[0]
        print(mode, timeout)
        """,
    )
    mode, timeout = output.split()
    assert mode == "wal"
    assert int(timeout) >= 5000  # milliseconds


WRITER = """
import os, sys, time
from pathlib import Path

import django

django.setup()
from django.db import transaction
from kamdesk.users.models import Team

writer, rounds, gate = sys.argv[1], int(sys.argv[2]), Path(sys.argv[3])
Team.objects.exists()  # open the connection before the start signal
(gate / f"ready-{writer}").touch()
while not (gate / "go").exists():
    time.sleep(0.01)
for n in range(rounds):
    # Read first, then write, in one transaction: the pattern that fails with "database is locked"
    # when a plain deferred transaction has to upgrade its lock while another writer holds it.
    with transaction.atomic():
        existing = Team.objects.count()
        team = Team.objects.create(name=f"writer {writer} round {n} after {existing}")
        time.sleep(0.005)
        Team.objects.filter(pk=team.pk).update(name=f"writer {writer} round {n}")
print("done", writer)
"""


def test_concurrent_writers_never_see_database_is_locked(migrated_sqlite, tmp_path):
    script = tmp_path / "writer.py"
    script.write_text(WRITER)
    gate = tmp_path / "gate"
    gate.mkdir()
    writers, rounds = ["a", "b", "c"], 40
    processes = [
        subprocess.Popen(
            [PYTHON, str(script), name, str(rounds), str(gate)],
            env=migrated_sqlite,
            cwd=REPO,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for name in writers
    ]
    deadline = time.monotonic() + 120
    while not all((gate / f"ready-{name}").exists() for name in writers):
        assert time.monotonic() < deadline, "writers did not start"
        assert all(p.poll() is None for p in processes), [p.communicate() for p in processes]
        time.sleep(0.05)
    (gate / "go").touch()
    results = [p.communicate(timeout=180) for p in processes]

    for (stdout, stderr), process in zip(results, processes, strict=True):
        assert "database is locked" not in stderr
        assert process.returncode == 0, stderr
        assert stdout.startswith("done")
    count = django_eval(
        migrated_sqlite,
        """
        from kamdesk.users.models import Team
        print(Team.objects.filter(name__startswith="writer ").count())
        """,
    )
    assert int(count) == len(writers) * rounds
