"""The operator commands: ``kamdesk user``, ``kamdesk team``, ``kamdesk account`` and ``kamdesk serve``."""

import io
import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import override_settings

from kamdesk.accounts.models import AccountMembership
from kamdesk.audit.models import AuditEvent
from kamdesk.users.management.commands.serve import bind_address, gunicorn_argv, static_manifest_missing
from kamdesk.users.models import Team, User
from kamdesk.users.services import token_authenticate

REPO = Path(__file__).resolve().parent.parent
KAMDESK = str(Path(sys.executable).parent / "kamdesk")
STRONG_PASSWORD = "tangerine-bicycle-orbit-42"


def run(*args, stdin: str | None = None) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    options = {"stdout": out, "stderr": err}
    if stdin is not None:
        options["stdin"] = io.StringIO(stdin)
    call_command(*args, **options)
    return out.getvalue(), err.getvalue()


# --- kamdesk user ----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_user_create_with_team_manager_and_names(world):
    out, _ = run(
        "user",
        "create",
        "New.Kam@Example.com",
        "--role",
        "kam",
        "--team",
        "north",
        "--manager",
        "LEAD@example.com",
        "--first-name",
        "Nia",
        "--last-name",
        "Novak",
        "--title",
        "KAM DACH",
    )
    user = User.objects.get(email="new.kam@example.com")
    assert (user.role, user.team, user.manager, user.full_name, user.title) == (
        "kam",
        world.team,
        world.lead,
        "Nia Novak",
        "KAM DACH",
    )
    assert not user.has_usable_password()
    assert "Created new.kam@example.com (Key account manager)." in out
    assert "kamdesk user set-password" in out
    event = AuditEvent.objects.get(action="create", object_type="user", object_id=user.pk)
    assert event.actor is None


@pytest.mark.django_db
def test_user_create_with_token_prints_only_the_secret_on_stdout(db):
    out, err = run("user", "create", "bot@example.com", "--role", "viewer", "--token")
    secret = out.strip()
    assert out.count("\n") == 1 and " " not in secret
    assert token_authenticate(secret) == User.objects.get(email="bot@example.com")
    assert "Created bot@example.com" in err


@pytest.mark.django_db
def test_user_create_reads_the_password_from_stdin(db):
    run("user", "create", "ann@example.com", "--role", "kam", "--password-stdin", stdin=STRONG_PASSWORD + "\n")
    assert User.objects.get(email="ann@example.com").check_password(STRONG_PASSWORD)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("args", "stdin", "message"),
    [
        (["--role", "emperor"], None, "Unknown role 'emperor'. Choose one of: admin, team_lead, kam"),
        (["--role", "kam", "--team", "Atlantis"], None, "No team named 'Atlantis'. Existing teams: North."),
        (["--role", "kam", "--manager", "nobody@example.com"], None, "No manager with the e-mail address"),
        (["--role", "kam", "--password-stdin"], "short\n", "The password is too weak."),
        (["--role", "kam", "--password-stdin"], "", "No password on standard input."),
    ],
)
def test_user_create_refuses_bad_input_clearly_and_creates_nothing(world, args, stdin, message):
    before = User.objects.count()
    with pytest.raises(CommandError, match=message.replace(".", r"\.").replace("(", r"\(")):
        run("user", "create", "someone@example.com", *args, stdin=stdin)
    assert User.objects.count() == before


@pytest.mark.django_db
def test_user_create_refuses_a_duplicate_email_in_any_case(world):
    with pytest.raises(CommandError, match="already exists"):
        run("user", "create", "KAM.A@example.com", "--role", "kam")
    assert User.objects.filter(email__iexact="kam.a@example.com").count() == 1


@pytest.mark.django_db
def test_user_create_refuses_an_invalid_email(db):
    with pytest.raises(CommandError, match="email: Enter a valid email address"):
        run("user", "create", "not-an-address", "--role", "kam")
    assert not User.objects.exists()


@pytest.mark.django_db
def test_user_list_shows_everyone_with_role_team_and_manager(world):
    out, _ = run("user", "list")
    lines = out.splitlines()
    assert lines[0].split() == ["EMAIL", "NAME", "ROLE", "TEAM", "MANAGER", "STATUS"]
    row = next(line for line in lines if line.startswith("kam.a@example.com"))
    assert "kam" in row and "North" in row and "lead@example.com" in row and "active" in row
    assert len(lines) == 1 + User.objects.count()


@pytest.mark.django_db
def test_set_password_from_stdin_and_weak_passwords_refused(world):
    run("user", "set-password", "kam.a@example.com", stdin=STRONG_PASSWORD + "\n")
    world.kam_a.refresh_from_db()
    assert world.kam_a.check_password(STRONG_PASSWORD)
    with pytest.raises(CommandError, match="too short"):
        run("user", "set-password", "kam.a@example.com", stdin="abc\n")
    world.kam_a.refresh_from_db()
    assert world.kam_a.check_password(STRONG_PASSWORD)
    with pytest.raises(CommandError, match=r"No user with the e-mail address 'ghost@example\.com'"):
        run("user", "set-password", "ghost@example.com", stdin=STRONG_PASSWORD)


@pytest.mark.django_db
def test_deactivate_stops_login_and_tokens_but_keeps_the_user(world):
    secret = run("user", "token", "kam.a@example.com", "--name", "sync")[0].strip()
    assert token_authenticate(secret) == world.kam_a
    out, _ = run("user", "deactivate", "kam.a@example.com")
    assert "can no longer sign in" in out
    world.kam_a.refresh_from_db()
    assert not world.kam_a.is_active
    assert token_authenticate(secret) is None
    assert AuditEvent.objects.filter(action="update", object_id=world.kam_a.pk, changes__has_key="is_active").exists()
    assert "already inactive" in run("user", "deactivate", "kam.a@example.com")[0]
    with pytest.raises(CommandError, match="inactive"):
        run("user", "token", "kam.a@example.com")


@pytest.mark.django_db
def test_user_command_needs_an_action(db):
    with pytest.raises(CommandError):
        run("user")


# --- kamdesk team ----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_team_create_with_lead_and_list(world):
    out, _ = run("team", "create", "Key Accounts South", "--lead", "lead@example.com")
    assert "Created team Key Accounts South led by lead@example.com." in out
    team = Team.objects.get(name="Key Accounts South")
    assert team.lead == world.lead
    assert AuditEvent.objects.filter(action="create", object_type="team", object_id=team.pk).exists()
    listing = run("team", "list")[0]
    assert "North  (lead@example.com, 3 members)" in listing
    assert "Key Accounts South  (lead@example.com, 0 members)" in listing


@pytest.mark.django_db
def test_team_create_refuses_duplicates_and_unknown_leads(world):
    with pytest.raises(CommandError, match=r"A team named 'north' already exists\."):
        run("team", "create", "north")
    with pytest.raises(CommandError, match="No team lead with the e-mail address"):
        run("team", "create", "East", "--lead", "ghost@example.com")
    assert list(Team.objects.values_list("name", flat=True)) == ["North"]


# --- kamdesk account -------------------------------------------------------------------------------


@pytest.mark.django_db
def test_account_grant_puts_a_user_on_the_team_and_changes_their_access(world):
    out, _ = run("account", "grant", "G-001", "kam.b@example.com", "--role", "finance", "--access", "read")
    assert "kam.b@example.com is on the team of G-001 (Globex Holding) as Finance with read access." in out
    membership = AccountMembership.objects.get(account=world.global_account, user=world.kam_b)
    assert (membership.role, membership.access) == ("finance", "read")
    run("account", "grant", "G-001", "KAM.B@example.com", "--role", "sales", "--access", "edit")
    membership.refresh_from_db()
    assert (membership.role, membership.access) == ("sales", "edit")
    events = AuditEvent.objects.filter(object_type="accountmembership", account=world.global_account)
    assert [e.action for e in events.order_by("id")] == ["create", "update"]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["NOPE", "kam.b@example.com", "--role", "sales", "--access", "read"], "No account with the code 'NOPE'."),
        (["G-001", "ghost@example.com", "--role", "sales", "--access", "read"], "No user with the e-mail address"),
        (
            ["G-001", "kam.b@example.com", "--role", "boss", "--access", "read"],
            "Unknown role 'boss'. Choose one of: kam",
        ),
        (["G-001", "kam.b@example.com", "--role", "sales", "--access", "all"], "Unknown access level 'all'"),
        (["G-001", "kam.b@example.com", "--role", "sales"], "--access"),
    ],
)
def test_account_grant_refuses_bad_input_clearly(world, args, message):
    with pytest.raises(CommandError, match=message.replace(".", r"\.")):
        run("account", "grant", *args)
    assert not AccountMembership.objects.exists()


@pytest.mark.django_db
def test_account_grant_refuses_inactive_users(world):
    world.kam_b.is_active = False
    world.kam_b.save()
    with pytest.raises(CommandError, match="Only active users can join an account team"):
        run("account", "grant", "G-001", "kam.b@example.com", "--role", "sales", "--access", "read")


@pytest.mark.django_db
def test_account_revoke_takes_a_user_off_the_team(world):
    run("account", "grant", "B-001", "viewer@example.com", "--role", "specialist", "--access", "read")
    out, _ = run("account", "revoke", "B-001", "viewer@example.com")
    assert "no longer on the team of B-001" in out
    assert not AccountMembership.objects.filter(user=world.viewer).exists()
    assert AuditEvent.objects.filter(object_type="accountmembership", action="delete").exists()
    with pytest.raises(CommandError, match="is not on the team of B-001"):
        run("account", "revoke", "B-001", "viewer@example.com")


@pytest.mark.django_db
def test_account_handover_moves_ownership_with_reason_and_subsidiaries(world):
    out, _ = run(
        "account", "handover", "G-001", "kam.b@example.com", "--reason", "Parental leave", "--include-subsidiaries"
    )
    assert "kam.b@example.com now owns 2 accounts: G-001, G-001-DE." in out
    world.global_account.refresh_from_db()
    world.subsidiary.refresh_from_db()
    assert world.global_account.owner == world.subsidiary.owner == world.kam_b
    notes = set(AuditEvent.objects.filter(action="handover").values_list("note", flat=True))
    assert notes == {"Parental leave"}


@pytest.mark.django_db
def test_account_handover_without_subsidiaries_and_keeping_the_previous_owner(world):
    run("account", "handover", "G-001", "kam.b@example.com", "--reason", "Reorg", "--keep-previous-owner")
    world.subsidiary.refresh_from_db()
    assert world.subsidiary.owner == world.kam_a
    kept = AccountMembership.objects.get(account=world.global_account, user=world.kam_a)
    assert kept.access == "read"


@pytest.mark.django_db
def test_account_handover_refuses_an_empty_reason_and_the_same_owner(world):
    with pytest.raises(CommandError, match="Say why the account is handed over"):
        run("account", "handover", "G-001", "kam.b@example.com", "--reason", "  ")
    with pytest.raises(CommandError, match="already owns this account"):
        run("account", "handover", "G-001", "kam.a@example.com", "--reason", "No change")
    world.global_account.refresh_from_db()
    assert world.global_account.owner == world.kam_a


# --- kamdesk serve ---------------------------------------------------------------------------------


def test_gunicorn_command_line_uses_the_environments_gunicorn_and_logs_access_to_stdout():
    argv = gunicorn_argv(host="0.0.0.0", port=8123, workers=3, threads=2)
    assert Path(argv[0]).parent == Path(sys.executable).parent
    assert argv[1] == "config.wsgi:application"
    joined = " ".join(argv)
    assert "--bind 0.0.0.0:8123" in joined
    assert "--workers 3" in joined and "--threads 2" in joined
    assert "--access-logfile -" in joined
    assert bind_address("::1", 80) == "[::1]:80"


def test_collectstatic_runs_only_when_the_manifest_is_missing(tmp_path):
    manifest_storage = {
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.ManifestStaticFilesStorage"},
    }
    with override_settings(STORAGES=manifest_storage, STATIC_ROOT=tmp_path):
        assert static_manifest_missing()
        (tmp_path / "staticfiles.json").write_text(json.dumps({"paths": {}, "version": "1.1"}))
        assert not static_manifest_missing()
    # Development storage serves files straight from the apps: nothing to build.
    assert not static_manifest_missing()


def test_serve_rejects_bad_ports():
    with pytest.raises(CommandError, match="--port"):
        call_command("serve", "--port", "70000")


# --- real processes --------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def sqlite_file_env(tmp_path_factory):
    """The environment of a fresh, migrated SQLite file database for commands run as real processes."""
    path = tmp_path_factory.mktemp("cli") / "kamdesk.sqlite3"
    env = {k: v for k, v in os.environ.items() if k not in {"KAMDESK_TESTING", "DEBUG", "HTTPS"}}
    env["DATABASE_URL"] = f"sqlite:///{path}"
    subprocess.run([KAMDESK, "migrate", "--noinput", "-v", "0"], env=env, check=True, cwd=REPO, timeout=300)
    return env


def kamdesk(env, *args, stdin: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([KAMDESK, *args], env=env, input=stdin, capture_output=True, text=True, cwd=REPO, timeout=120)


AUTHENTICATE = (
    "import sys; from kamdesk.users.services import token_authenticate; "
    "user = token_authenticate(sys.stdin.read().strip()); print(user.email if user else 'refused')"
)


def test_kamdesk_user_create_token_can_be_captured_by_a_script(sqlite_file_env):
    created = kamdesk(sqlite_file_env, "user", "create", "robot@example.com", "--role", "viewer", "--token")
    assert created.returncode == 0, created.stderr
    secret = created.stdout.strip()
    assert created.stdout == secret + "\n"
    assert (
        kamdesk(sqlite_file_env, "shell", "--no-imports", "-c", AUTHENTICATE, stdin=secret).stdout.strip()
        == "robot@example.com"
    )
    forged = secret[:-4] + "AAAA"
    assert (
        kamdesk(sqlite_file_env, "shell", "--no-imports", "-c", AUTHENTICATE, stdin=forged).stdout.strip() == "refused"
    )

    duplicate = kamdesk(sqlite_file_env, "user", "create", "robot@example.com", "--role", "viewer")
    assert duplicate.returncode != 0
    assert "already exists" in duplicate.stderr


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(url: str, seconds: float = 30) -> bytes:
    deadline = time.monotonic() + seconds
    while True:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                return response.read()
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.3)


def test_kamdesk_serve_answers_over_http_and_logs_requests(sqlite_file_env):
    port = free_port()
    env = {**sqlite_file_env, "DEBUG": "true"}  # development static files: no collectstatic into the checkout
    server = subprocess.Popen(
        [KAMDESK, "serve", "--port", str(port), "--workers", "1", "--threads", "2"],
        env=env,
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        health = json.loads(wait_for(f"http://127.0.0.1:{port}/healthz"))
        assert health == {"status": "ok"}
        assert b"Log in" in wait_for(f"http://127.0.0.1:{port}/login/")
    finally:
        server.terminate()
        output = server.communicate(timeout=30)[0]
    assert f"kamdesk on http://127.0.0.1:{port}/" in output
    assert '"GET /healthz HTTP/1.1" 200' in output


def test_account_handover_to_a_team(world):
    out = io.StringIO()
    call_command("account", "handover", "X-001", "--team", "North", "--reason", "Reorganisation", stdout=out)
    assert "lead@example.com now owns 1 account" in out.getvalue()
    with pytest.raises(CommandError, match="not both"):
        call_command("account", "handover", "X-001", "kam.a@example.com", "--team", "North", "--reason", "x")
