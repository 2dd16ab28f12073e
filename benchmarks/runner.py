"""The benchmark behind ``kamdesk bench``: page speed and SQL query counts over real HTTP.

For each size it
1. prepares a database with the demo portfolio (``python -m benchmarks.runner prepare`` in a subprocess
   pointed at the bench database; a portfolio already there with the same size, seed and scale is reused),
2. starts gunicorn on a free localhost port — one sync worker, production settings, with
   ``KAMDESK_QUERY_HEADERS=1`` so that every response carries ``X-Query-Count`` and ``Server-Timing``,
3. signs in a team lead (the one who sees the most accounts) and the admin, and requests each page a few
   times to warm up, then ``requests`` times measuring the server time (from ``Server-Timing``), the
   client's round trip and the query count.

The orchestrating process never opens the bench database itself; everything that does runs in the
subprocesses, so the bench never touches the database of the shell it runs in.
"""

import argparse
import http.client
import json
import math
import os
import re
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode, urlsplit

BASE_DIR = Path(__file__).resolve().parent.parent
DEFAULT_REQUESTS = 50
DEFAULT_WARMUP = 5
BENCH_TOKEN_NAME = "kamdesk bench"
SERVER_START_TIMEOUT = 60  # seconds
REQUEST_TIMEOUT = 60
ROLES = ("team_lead", "admin")
KAM = "kam"  # with --activities: the focus group's KAM, measured on the relationship pages only
ROLE_LABELS = {"team_lead": "Team lead", "admin": "Admin", KAM: "KAM"}
DIGEST_TARGET_SECONDS = 30


class BenchError(Exception):
    """The benchmark cannot run or a page did not answer as it must; the message says what to do."""


@dataclass(frozen=True)
class Page:
    key: str
    label: str
    auth: str  # "session" (a signed-in browser) or "token" (a script with an API token)
    target_p95_ms: float  # the goal at size M
    optional: bool = False  # a page this installation may not have yet: a 404 skips it instead of failing


PAGES = (
    Page("accounts_list", "Accounts list", "session", 50),
    Page("filtered_list", "Accounts list, filtered", "session", 50),
    Page("account_360", "Account 360", "session", 60),
    Page("api_list", "API accounts list", "token", 50),
)
# The commercial pages read monthly roll-ups, never sales lines: their cost must not grow with the lines.
COMMERCIAL_PAGES = (
    Page("dashboard", "Portfolio dashboard", "session", 150, optional=True),
    Page("commercial", "Account commercial tab", "session", 150, optional=True),
    Page("concentration", "Concentration", "session", 150, optional=True),
)
# With --activities: a KAM's day, and the global account's timeline and relationship map. A page whose URL
# name this installation does not have yet is reported as not available.
ACTIVITY_PAGES = (
    Page("my_day", "My day", "session", 80, optional=True),
    Page("timeline", "Account timeline", "session", 80, optional=True),
    Page("relationship_map", "Relationship map", "session", 80, optional=True),
)
ALL_PAGES = PAGES + COMMERCIAL_PAGES + ACTIVITY_PAGES
SALES_LINES_RATIO_TARGET = 1.2  # p95 with the most sales lines over p95 with the fewest


# --- statistics ------------------------------------------------------------------------------------------


def percentile(values, p: float) -> float:
    """The p-th percentile (0-100) with linear interpolation between the two nearest ranks."""
    if not values:
        raise ValueError("percentile of no values")
    if not 0 <= p <= 100:
        raise ValueError(f"percentile must be between 0 and 100, not {p}")
    ordered = sorted(values)
    rank = (len(ordered) - 1) * p / 100
    low, high = math.floor(rank), math.ceil(rank)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def summarise(values) -> dict:
    return {"p50": round(percentile(values, 50), 2), "p95": round(percentile(values, 95), 2)}


# --- the bench database -------------------------------------------------------------------------------------


def default_database_url(size: str, scale: float, sales_lines: int | None = None) -> str:
    suffix = "" if scale == 1 else f"-x{scale:g}"
    suffix += f"-{sales_lines}-lines" if sales_lines else ""
    return f"sqlite:///{BASE_DIR / 'var' / f'bench-{size}{suffix}.sqlite3'}"


def describe_database(url: str) -> str:
    """'sqlite var/bench-S.sqlite3' or 'postgresql kamdesk_bench': the URL without credentials."""
    parts = urlsplit(url)
    if parts.scheme.startswith("sqlite"):
        path = Path(parts.path[1:] if parts.path.startswith("//") else parts.path.lstrip("/"))
        shown = path.relative_to(BASE_DIR) if path.is_absolute() and path.is_relative_to(BASE_DIR) else path
        return f"sqlite {shown}"
    vendor = "postgresql" if parts.scheme.startswith(("postgres", "pgsql")) else parts.scheme
    return f"{vendor} {parts.path.strip('/')}"


def check_database_url(url: str) -> None:
    parts = urlsplit(url)
    if not parts.scheme:
        raise BenchError(f"{url!r} is not a database URL (e.g. postgres://postgres@127.0.0.1:5432/kamdesk_bench).")
    if parts.scheme.startswith("sqlite"):
        if parts.path.strip("/") in ("", ":memory:"):
            raise BenchError("The bench needs a database file the server process can open, not an in-memory one.")
    elif parts.path.strip("/") in ("", "test"):
        raise BenchError(
            "Give the bench its own database (e.g. .../kamdesk_bench): it replaces the data it finds there, "
            "and 'test' belongs to the test suite."
        )


def subprocess_environment(database_url: str, **extra: str) -> dict:
    """The environment of the prepare step and the server: same secret key (sessions must match), the
    bench database, production settings over plain HTTP on localhost."""
    from django.conf import settings

    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings",
        DATABASE_URL=database_url,
        SECRET_KEY=settings.SECRET_KEY,
        DEBUG="false",
        KAMDESK_TESTING="false",
        HTTPS="false",
        ALLOWED_HOSTS="127.0.0.1,localhost",
        PYTHONPATH=os.pathsep.join(filter(None, [str(BASE_DIR), env.get("PYTHONPATH")])),
    )
    env.update(extra)
    return env


def prepare_database(
    size: str, seed: int, scale: float, database_url: str, sales_lines: int | None = None, activities: int | None = None
) -> dict:
    """Run the prepare step in a subprocess; returns what it reports (users, sessions, tokens, page paths)."""
    argv = [sys.executable, "-m", "benchmarks.runner", "prepare", f"--size={size}", f"--seed={seed}"]
    argv.append(f"--scale={scale}")
    if sales_lines:
        argv.append(f"--sales-lines={sales_lines}")
    if activities is not None:
        argv.append(f"--activities={activities}")
    return _step(argv, database_url, "Preparing the bench database")


def measure_digest(database_url: str) -> dict:
    """Run the digest step in a subprocess: every user's daily digest, timed."""
    argv = [sys.executable, "-m", "benchmarks.runner", "digest"]
    return _step(argv, database_url, "Sending the digests")


def _step(argv: list[str], database_url: str, what: str) -> dict:
    """A step in a subprocess on the bench database; its report is the last line it prints (JSON)."""
    result = subprocess.run(
        argv, cwd=BASE_DIR, env=subprocess_environment(database_url), capture_output=True, text=True
    )
    if result.returncode != 0:
        last_lines = "\n".join(result.stderr.strip().splitlines()[-15:])
        raise BenchError(f"{what} failed:\n{last_lines}")
    try:
        return json.loads(result.stdout.strip().splitlines()[-1])
    except (IndexError, json.JSONDecodeError) as exc:
        output = (result.stdout + result.stderr)[-2000:]
        raise BenchError(f"{what}: the step printed no report:\n{output}") from exc


# --- the server ---------------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    """gunicorn with one sync worker: each request runs alone, so its timing is the server's own."""

    def __init__(self, database_url: str):
        self.database_url = database_url
        self.port = free_port()
        self.process: subprocess.Popen | None = None
        self.log = tempfile.TemporaryFile(mode="w+")  # noqa: SIM115 (closed in __exit__, after the server)

    def __enter__(self) -> "Server":
        argv = [
            sys.executable,
            "-m",
            "gunicorn",
            "config.wsgi:application",
            "--chdir",
            str(BASE_DIR),
            "--bind",
            f"127.0.0.1:{self.port}",
            "--workers",
            "1",
            "--timeout",
            "120",
            "--log-level",
            "warning",
        ]
        env = subprocess_environment(self.database_url, KAMDESK_QUERY_HEADERS="1")
        self.process = subprocess.Popen(argv, cwd=BASE_DIR, env=env, stdout=self.log, stderr=subprocess.STDOUT)
        self._wait_until_ready()
        return self

    def __exit__(self, *exc_info) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log.close()

    def output(self) -> str:
        self.log.seek(0)
        return "\n".join(self.log.read().strip().splitlines()[-20:])

    def _wait_until_ready(self) -> None:
        deadline = time.monotonic() + SERVER_START_TIMEOUT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise BenchError(f"The server stopped at start-up:\n{self.output()}")
            try:
                if get(self.port, "/healthz", {}).status == 200:
                    return
            except OSError:
                pass
            time.sleep(0.2)
        raise BenchError(f"The server did not answer /healthz within {SERVER_START_TIMEOUT} s:\n{self.output()}")


# --- requests -------------------------------------------------------------------------------------------------


@dataclass
class Answer:
    status: int
    reason: str
    headers: http.client.HTTPMessage
    body: bytes
    round_trip_ms: float


def get(port: int, path: str, headers: dict) -> Answer:
    """One GET on a fresh connection (gunicorn's sync worker closes it after each answer); no redirects."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=REQUEST_TIMEOUT)
    try:
        started = time.perf_counter()
        connection.request("GET", path, headers=headers)
        response = connection.getresponse()
        body = response.read()
        elapsed = (time.perf_counter() - started) * 1000
        return Answer(response.status, response.reason, response.headers, body, elapsed)
    finally:
        connection.close()


SERVER_TIMING = re.compile(r"\bapp;dur=([0-9.]+)")


def _check_answer(answer: Answer, page: Page, path: str, role: str) -> tuple[float, int]:
    """(server time in ms, query count) of a good answer; BenchError for anything else."""
    where = f"{page.label} ({path}) as {ROLE_LABELS[role].lower()}"
    if answer.status != 200:
        location = answer.headers.get("Location")
        hint = f" → {location}" if location else ""
        excerpt = answer.body[:300].decode("utf-8", "replace").strip()
        raise BenchError(f"{where} answered {answer.status} {answer.reason}{hint}; the benchmark needs 200.\n{excerpt}")
    timing = SERVER_TIMING.search(answer.headers.get("Server-Timing", ""))
    count = answer.headers.get("X-Query-Count")
    if timing is None or count is None:
        raise BenchError(
            f"{where} answered without X-Query-Count/Server-Timing headers: the server must run with "
            "KAMDESK_QUERY_HEADERS=1 (kamdesk.core.middleware.QueryCountMiddleware)."
        )
    return float(timing.group(1)), int(count)


@dataclass
class Samples:
    server_ms: list[float]
    round_trip_ms: list[float]
    queries: list[int]
    sizes: list[int]


def measure_user(port: int, paths: dict, user: dict, role: str, requests: int, warmup: int) -> dict:
    """Every page of one user, in rounds (one request per page per round): a burst of other work on the
    machine then slows all pages a little instead of one page a lot. An optional page that answers 404 is
    skipped, with a note (and measured once it exists)."""
    pages = [page for page in ALL_PAGES if page.key in paths]
    samples = {page.key: Samples([], [], [], []) for page in pages}
    skipped: dict[str, dict] = {
        page.key: {"path": None, "skipped": "not available (no such page in this installation yet)"}
        for page in pages
        if paths[page.key] is None
    }
    for round_number in range(warmup + requests):
        for page in pages:
            if page.key in skipped:
                continue
            path = paths[page.key]
            answer = get(port, path, _headers(page, user))
            if page.optional and answer.status == 404 and round_number == 0:
                skipped[page.key] = {"path": path, "skipped": f"{path} answered 404 Not Found (not built yet)"}
                continue
            server_ms, queries = _check_answer(answer, page, path, role)
            if round_number >= warmup:
                sample = samples[page.key]
                sample.server_ms.append(server_ms)
                sample.round_trip_ms.append(answer.round_trip_ms)
                sample.queries.append(queries)
                sample.sizes.append(len(answer.body))
    return {page.key: skipped.get(page.key) or _page_result(page, paths[page.key], samples[page.key]) for page in pages}


def _page_result(page: Page, path: str, sample: Samples) -> dict:
    return {
        "path": path,
        "server_ms": summarise(sample.server_ms),
        "round_trip_ms": summarise(sample.round_trip_ms),
        "queries": Counter(sample.queries).most_common(1)[0][0],
        "queries_varied": len(set(sample.queries)) > 1,
        "bytes": max(sample.sizes),
        "target_p95_ms": page.target_p95_ms,
        "meets_target": percentile(sample.server_ms, 95) <= page.target_p95_ms,
    }


def _headers(page: Page, user: dict) -> dict:
    if page.auth == "token":
        return {"Authorization": f"Bearer {user['token']}", "Accept": "application/json"}
    name, value = user["session_cookie"]
    return {"Cookie": f"{name}={value}", "Accept": "text/html"}


# --- one size, several sizes ------------------------------------------------------------------------------


def bench_size(
    size: str,
    *,
    seed: int,
    scale: float,
    requests: int,
    warmup: int,
    database_url: str | None,
    sales_lines: int | None = None,
    activities: int | None = None,
    log=None,
) -> dict:
    """``activities``: None leaves the activity layer out; 0 gives the size's number of activities."""
    log = log or (lambda message: None)
    url = database_url or default_database_url(size, scale, sales_lines)
    check_database_url(url)
    label = size if sales_lines is None else f"{size} with {sales_lines:,} sales lines"
    log(f"Size {label}: preparing {describe_database(url)}…")
    prepared = prepare_database(size, seed, scale, url, sales_lines, activities)
    how = f"generated in {prepared['generation_seconds']:.1f} s" if prepared["generated"] else "reused"
    data = prepared["data"]
    log(
        f"Size {label}: {data['accounts']:,} accounts, {data['contacts']:,} stakeholders, "
        f"{data['products']:,} products, {data['sales_lines']:,} sales lines ({how})."
    )
    pages: dict[str, dict] = {}
    load_before = _load_average()
    with Server(url) as server:
        rounds = f"{warmup} + {requests} rounds over all pages"
        log(f"Size {label}: measuring on http://127.0.0.1:{server.port}/ ({rounds})…")
        try:
            for role in ROLES:
                user = prepared["users"][role]
                pages[role] = measure_user(server.port, prepared["pages"], user, role, requests, warmup)
            if KAM in prepared["users"]:
                kam_paths = {page.key: prepared["pages"][page.key] for page in ACTIVITY_PAGES}
                pages[KAM] = measure_user(server.port, kam_paths, prepared["users"][KAM], KAM, requests, warmup)
        except BenchError as exc:
            server_log = server.output()
            raise BenchError(f"{exc}\nServer log:\n{server_log}" if server_log else str(exc)) from exc
    digest = None
    if activities is not None:
        log(f"Size {label}: sending every user's daily digest…")
        digest = measure_digest(url)
    return {
        "size": size,
        "label": label,
        "sales_lines": data["sales_lines"],
        "scale": scale,
        "database": describe_database(url),
        "data": prepared["data"],
        "generated": prepared["generated"],
        "generation_seconds": prepared["generation_seconds"],
        "generation": prepared["generation"],
        "users": {
            role: {"email": prepared["users"][role]["email"], "visible_accounts": prepared["users"][role]["visible"]}
            for role in prepared["users"]
        },
        "subjects": prepared["subjects"],
        "pages": pages,
        "activities": prepared.get("activities"),
        "digest": digest,
        # Other work on the machine slows every page down; keep the load next to the numbers.
        "load_average": {"before": load_before, "after": _load_average(), "cpus": os.cpu_count()},
    }


def _load_average() -> float | None:
    try:
        return round(os.getloadavg()[0], 2)
    except OSError:  # not available on every platform
        return None


def _measured(run: dict, role: str, page: Page) -> dict | None:
    """A page's result in a run, or None when it was not measured there (skipped, or not in the run)."""
    result = run["pages"][role].get(page.key)
    return None if result is None or "skipped" in result else result


def compare_query_counts(runs: list[dict]) -> list[dict]:
    """Pages whose query count differs between the runs — sizes, numbers of sales lines — (empty: no N+1
    anywhere). A page not measured in every run is left out."""
    differences = []
    for role in ROLES:
        for page in ALL_PAGES:
            results = [_measured(run, role, page) for run in runs]
            if any(result is None for result in results):
                continue
            counts = {run.get("label", run["size"]): r["queries"] for run, r in zip(runs, results, strict=True)}
            if len(set(counts.values())) > 1:
                differences.append({"user": role, "page": page.key, "queries": counts})
    return differences


def sales_line_ratios(runs: list[dict]) -> list[dict]:
    """Per size, user and commercial page: server p95 with the most sales lines over p95 with the fewest."""
    ratios = []
    for size in dict.fromkeys(run["size"] for run in runs):
        variants = sorted((run for run in runs if run["size"] == size), key=lambda run: run["sales_lines"])
        if len(variants) < 2:
            continue
        fewest, most = variants[0], variants[-1]
        for role in ROLES:
            for page in COMMERCIAL_PAGES:
                low, high = _measured(fewest, role, page), _measured(most, role, page)
                if low is None or high is None:
                    continue
                ratio = round(high["server_ms"]["p95"] / low["server_ms"]["p95"], 2)
                ratios.append(
                    {
                        "size": size,
                        "user": role,
                        "page": page.key,
                        "sales_lines": [fewest["sales_lines"], most["sales_lines"]],
                        "p95_ms": [low["server_ms"]["p95"], high["server_ms"]["p95"]],
                        "ratio": ratio,
                        "meets_target": ratio <= SALES_LINES_RATIO_TARGET,
                    }
                )
    return ratios


def run_bench(
    sizes: list[str],
    *,
    seed: int,
    scale: float = 1.0,
    requests: int = DEFAULT_REQUESTS,
    warmup: int = DEFAULT_WARMUP,
    database_url: str | None = None,
    sales_lines: list[int] | None = None,
    activities: int | None = None,
    log=None,
) -> dict:
    """Measure every size, and at each size every number of sales lines asked for (default: the size's);
    with ``activities`` (0: the size's number) also the relationship pages and the daily digest."""
    runs = [
        bench_size(
            size,
            seed=seed,
            scale=scale,
            requests=requests,
            warmup=warmup,
            database_url=database_url,
            sales_lines=lines,
            activities=activities,
            log=log,
        )
        for size in sizes
        for lines in (sales_lines or [None])
    ]
    differences = compare_query_counts(runs) if len(runs) > 1 else []
    return {
        "seed": seed,
        "requests": requests,
        "warmup": warmup,
        "digest_target_seconds": DIGEST_TARGET_SECONDS,
        "runs": runs,
        "query_counts_equal": (not differences) if len(runs) > 1 else None,
        "query_count_differences": differences,
        "sales_line_ratio_target": SALES_LINES_RATIO_TARGET,
        "sales_line_ratios": sales_line_ratios(runs),
    }


def format_report(report: dict) -> str:
    lines = []
    for run in report["runs"]:
        data = run["data"]
        lines.append(
            f"Size {run['size']} on {run['database']}: {data['accounts']:,} accounts, {data['contacts']:,} "
            f"stakeholders, {data['users']} users, {data['products']:,} products, {data['sales_lines']:,} sales "
            f"lines; {report['requests']} measured rounds over all pages after {report['warmup']} warm-up rounds."
        )
        generation = run["generation"]
        if run["generated"] and generation:
            lines.append(
                f"Generated in {run['generation_seconds']:.1f} s; the sales lines took "
                f"{generation['lines_seconds']:.1f} s and the roll-ups {generation['rollup_seconds']:.1f} s."
            )
        load = run["load_average"]
        if load["before"] is not None:
            lines.append(f"Load average {load['before']} before, {load['after']} after, on {load['cpus']} CPUs.")
        subject = run["subjects"]
        lines.append(
            f"Account 360: {subject['account_360']['name']} ({subject['account_360']['subsidiaries']} subsidiaries); "
            f"filtered list: {subject['filtered_list']['rows']} matching accounts."
        )
        lines.extend(_format_activity_data(run))
        for role in run["pages"]:
            user = run["users"][role]
            lines.append("")
            lines.append(f"{ROLE_LABELS[role]} {user['email']} (sees {user['visible_accounts']:,} accounts)")
            lines.append(
                f"  {'page':<26}{'server p50':>12}{'server p95':>12}{'client p50':>12}{'client p95':>12}"
                f"{'queries':>9}{'target p95':>12}"
            )
            for page in ALL_PAGES:
                result = run["pages"][role].get(page.key)
                if result is None:
                    continue
                if "skipped" in result:
                    lines.append(f"  {page.label:<26}skipped: {result['skipped']}")
                    continue
                server, client = result["server_ms"], result["round_trip_ms"]
                timings = "".join(
                    f"{value:>9.1f} ms" for value in (server["p50"], server["p95"], client["p50"], client["p95"])
                )
                varied = "~" if result["queries_varied"] else " "
                target = f"≤ {page.target_p95_ms:g} ms"
                verdict = "ok" if result["meets_target"] else "SLOW"
                lines.append(f"  {page.label:<26}{timings}{result['queries']:>8}{varied}{target:>12}  {verdict}")
        lines.extend(_format_digest(run.get("digest"), report.get("digest_target_seconds", DIGEST_TARGET_SECONDS)))
        lines.append("")
    if report["query_counts_equal"] is not None:
        sizes = " and ".join(run.get("label", run["size"]) for run in report["runs"])
        if report["query_counts_equal"]:
            lines.append(f"Query counts per page are the same at {sizes}.")
        else:
            lines.append(f"Query counts per page differ between {sizes}:")
            for difference in report["query_count_differences"]:
                counts = ", ".join(f"{size}: {n}" for size, n in difference["queries"].items())
                lines.append(f"  {ROLE_LABELS[difference['user']]}, {difference['page']}: {counts}")
    lines.extend(_format_ratios(report))
    return "\n".join(lines).rstrip() + "\n"


def _format_activity_data(run: dict) -> list[str]:
    layer = run.get("activities")
    if not layer:
        return []
    how = f"generated in {layer['seconds']:.1f} s" if layer["generated"] else "reused"
    focus = run["subjects"]["focus"]
    return [
        f"Activities: {layer['activities']:,} over 12 months (+3 weeks planned), {layer['tasks']:,} tasks, "
        f"{layer['participants']:,} stakeholders taking part ({how}).",
        f"Timeline and relationship map: {focus['name']} ({focus['subsidiaries']} subsidiaries, "
        f"{focus['stakeholders']} stakeholders, {focus['activities']:,} activities); My day of its KAM.",
    ]


def _format_digest(digest: dict | None, target: float) -> list[str]:
    if digest is None:
        return []
    if "skipped" in digest:
        return ["", f"Daily digest: skipped: {digest['skipped']}"]
    verdict = "ok" if digest["seconds"] <= target else "SLOW"
    return [
        "",
        f"Daily digest for all {digest['users']} users (all opted in): {digest['seconds']:.1f} s, "
        f"{digest['messages']} messages, {digest['empty']} with nothing to send, {digest['failed']} failed, "
        f"{digest['queries']} queries (target ≤ {target:g} s)  {verdict}",
    ]


def _format_ratios(report: dict) -> list[str]:
    ratios = report["sales_line_ratios"]
    if not ratios:
        return []
    labels = {page.key: page.label for page in ALL_PAGES}
    fewest, most = ratios[0]["sales_lines"]
    lines = [
        "",
        f"Page cost against sales lines: server p95 with {fewest:,} and with {most:,} lines, and their ratio "
        f"(target ≤ {report['sales_line_ratio_target']:g}):",
    ]
    for ratio in ratios:
        low, high = ratio["p95_ms"]
        verdict = "ok" if ratio["meets_target"] else "GROWS"
        lines.append(
            f"  {ratio['size']}  {ROLE_LABELS[ratio['user']]:<10}{labels[ratio['page']]:<26}"
            f"{low:>9.1f} ms{high:>9.1f} ms{ratio['ratio']:>7.2f}  {verdict}"
        )
    return lines


# --- the prepare step (runs inside the subprocess, on the bench database) -----------------------------------


def _session_cookie(user) -> list[str]:
    """A signed-in session for ``user``, made the way Django's own login stores one."""
    from importlib import import_module

    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY

    store = import_module(settings.SESSION_ENGINE).SessionStore()
    store[SESSION_KEY] = user._meta.pk.value_to_string(user)
    store[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    store.create()
    return [settings.SESSION_COOKIE_NAME, store.session_key]


def _ensure_portfolio(size: str, seed: int, scale: float, sales_lines: int | None) -> tuple[bool, float, dict] | None:
    """Make sure the bench database holds this portfolio with these sales. Returns None when it already
    did, else (True, seconds, how the sales generation went). The same portfolio with other sales keeps its
    accounts: only the commercial data is replaced."""
    from benchmarks.generator import (
        holds_only_demo_data,
        plan_demo_sales,
        plan_portfolio,
        portfolio_present,
        refresh_planner_statistics,
        reset_portfolio,
        write_portfolio,
    )
    from benchmarks.sales_generator import account_ids_by_index, replace_sales, sales_present

    portfolio = plan_portfolio(size, seed, scale)
    sales = plan_demo_sales(portfolio, sales_lines)
    present = portfolio_present(portfolio)
    if present and sales_present(sales):
        refresh_planner_statistics()  # cheap, and the database may have been loaded by other means
        return None
    if not holds_only_demo_data():
        raise BenchError(
            "The bench database holds users who are not demo users; refusing to replace its data. "
            "Point --database-url at a database of its own."
        )
    if present:
        summary = replace_sales(sales, account_ids_by_index(portfolio))
        refresh_planner_statistics()
        return True, round(summary.seconds, 2), _generation(summary)
    reset_portfolio()
    summary = write_portfolio(portfolio, sales)
    return True, round(summary.seconds, 2), _generation(summary.sales)


def _generation(sales) -> dict:
    return {
        "lines": sales.lines,
        "seconds": round(sales.seconds, 2),
        "lines_seconds": round(sales.lines_seconds, 2),
        "rollup_seconds": round(sales.rollup_seconds, 2),
    }


def _subjects(lead) -> dict:
    """What to request: the biggest global account the lead sees, and a filter that matches some rows."""
    from django.db.models import Count

    from kamdesk.access.scope import visible_accounts

    visible = visible_accounts(lead)
    group = (
        visible.filter(depth=0)
        .annotate(subtree=Count("descendant_links"))
        .order_by("-subtree", "id")
        .values("id", "name", "subtree")
        .first()
    )
    if group is None or group["subtree"] < 2:
        raise BenchError("The team lead sees no global account with subsidiaries; regenerate the bench database.")
    country = (
        visible.filter(tier="key").exclude(country="").values("country").annotate(n=Count("id")).order_by("-n").first()
    )
    if country is None:
        raise BenchError("The team lead sees no key accounts to filter by; regenerate the bench database.")
    params = {"tier": "key", "country": country["country"], "sort": "-name"}
    return {
        "account_360": {"id": group["id"], "name": group["name"], "subsidiaries": group["subtree"] - 1},
        "filtered_list": {"params": params, "rows": visible.filter(tier="key", country=country["country"]).count()},
    }


def _static_files_stale() -> bool:
    """Production settings serve hashed file names from a manifest: (re)build it when it is missing or
    older than any static source file, so no page fails on a file added since the last build."""
    from django.contrib.staticfiles.finders import get_finders
    from django.contrib.staticfiles.storage import ManifestFilesMixin
    from django.core.files.storage import storages

    storage = storages["staticfiles"]
    if not isinstance(storage, ManifestFilesMixin):
        return False
    manifest = Path(storage.path(storage.manifest_name))
    if not manifest.exists():
        return True
    built = manifest.stat().st_mtime
    return any(
        Path(source.path(name)).stat().st_mtime > built for finder in get_finders() for name, source in finder.list([])
    )


def _pick_lead(leads: list) -> tuple:
    """The team lead who sees the most accounts (among those who see a global account to open)."""
    from kamdesk.access.scope import visible_accounts

    for lead in sorted(leads, key=lambda u: (-visible_accounts(u).count(), u.pk)):
        try:
            return lead, _subjects(lead)
        except BenchError:
            continue
    raise BenchError("No demo team lead sees a global account with subsidiaries; regenerate the bench database.")


def prepare(size: str, seed: int, scale: float, sales_lines: int | None = None, activities: int | None = None) -> dict:
    """Migrate, make sure the portfolio is there (with its activities if asked for), sign the bench users in.
    Runs on the bench database."""
    from django.core.management import call_command
    from django.db import connection

    from benchmarks.generator import DEMO_EMAIL_DOMAIN, database_counts
    from kamdesk.access.scope import visible_accounts
    from kamdesk.users.models import ApiToken, Role, User
    from kamdesk.users.services import token_create

    call_command("migrate", interactive=False, verbosity=0)
    if _static_files_stale():
        call_command("collectstatic", interactive=False, verbosity=0)
    generated, seconds, generation = _ensure_portfolio(size, seed, scale, sales_lines) or (False, None, None)

    demo_users = User.objects.filter(email__iendswith=f"@{DEMO_EMAIL_DOMAIN}", is_active=True)
    lead, subjects = _pick_lead(list(demo_users.filter(role=Role.TEAM_LEAD, team__isnull=False)))
    admin = demo_users.filter(role=Role.ADMIN).order_by("id").first()
    if admin is None:
        raise BenchError("The bench database has no demo admin; regenerate it.")
    layer = None
    bench_users = [("team_lead", lead), ("admin", admin)]
    if activities is not None:
        layer = _ensure_activities(size, seed, scale, activities, visible_accounts(lead))
        subjects["focus"] = layer.pop("focus")
        bench_users.append((KAM, User.objects.get(pk=subjects["focus"]["owner_id"])))
    ApiToken.objects.filter(name=BENCH_TOKEN_NAME).delete()  # the previous run's; this is the bench's database
    users = {}
    for role, user in bench_users:
        _token, secret = token_create(actor=None, user=user, name=BENCH_TOKEN_NAME)
        users[role] = {
            "email": user.email,
            "visible": visible_accounts(user).count(),
            "session_cookie": _session_cookie(user),
            "token": secret,
        }
    return {
        "generated": generated,
        "generation_seconds": seconds,
        "generation": generation,
        "database": connection.vendor,
        "data": dict(database_counts()),
        "users": users,
        "subjects": subjects,
        "pages": {
            "accounts_list": "/accounts/",
            "filtered_list": "/accounts/?" + urlencode(subjects["filtered_list"]["params"]),
            "account_360": f"/accounts/{subjects['account_360']['id']}/",
            "api_list": "/api/v1/accounts",
            "dashboard": "/dashboard/",
            "commercial": f"/accounts/{subjects['account_360']['id']}/commercial/",
            "concentration": "/concentration/",
            **(_activity_paths(subjects["focus"]["id"]) if layer else {}),
        },
        "activities": layer,
    }


def _ensure_activities(size: str, seed: int, scale: float, requested: int, visible) -> dict:
    """Make sure the bench database holds the activity layer (benchmarks/activity_generator.py) around the
    global account the timeline and relationship map are measured on; returns what it holds."""
    from datetime import UTC, datetime

    from django.db.models import Count

    from benchmarks import activity_generator as layer
    from benchmarks.generator import refresh_planner_statistics
    from kamdesk.accounts.models import Account, AccountClosure
    from kamdesk.activities.models import Activity, Task
    from kamdesk.people.models import Contact

    count = layer.activity_count(size, scale, requested)
    focus_id = layer.focus_group(visible)
    if focus_id is None:
        raise BenchError("The team lead sees no global account with subsidiaries; regenerate the bench database.")
    generated, seconds = False, None
    if not layer.activities_present(count, focus_id):
        summary = layer.write_activities(count=count, seed=seed, anchor=datetime.now(UTC), focus_id=focus_id)
        refresh_planner_statistics()
        generated, seconds = True, summary.seconds
    subtree = AccountClosure.objects.filter(ancestor_id=focus_id).values("descendant_id")
    focus = Account.objects.annotate(n=Count("descendant_links")).values("id", "name", "owner_id", "n").get(pk=focus_id)
    return {
        "generated": generated,
        "seconds": seconds,
        "activities": Activity.objects.count(),
        "tasks": Task.objects.count(),
        "participants": Activity.their_participants.through.objects.count(),
        "focus": {
            "id": focus_id,
            "name": focus["name"],
            "owner_id": focus["owner_id"],
            "subsidiaries": focus["n"] - 1,
            "stakeholders": Contact.objects.filter(account_id__in=subtree).count(),
            "activities": Activity.objects.filter(account_id__in=subtree).count(),
        },
    }


def _activity_paths(focus_id: int) -> dict:
    """The relationship pages, by URL name: None for one this installation does not have (yet)."""
    from django.urls import NoReverseMatch, reverse

    def path(name: str, *args, query: str = "") -> str | None:
        try:
            return reverse(name, args=args) + query
        except NoReverseMatch:
            return None

    return {
        "my_day": path("home"),
        "timeline": path("activities:timeline", focus_id, query="?subsidiaries=on"),
        "relationship_map": path("people:relationship_map", focus_id),
    }


def digest() -> dict:
    """Every active user opted in to the daily digest, due now, sent through the in-memory e-mail backend:
    how long the whole run takes. Runs on the bench database; tolerates an installation without digests."""
    import time as clock

    from django.conf import settings
    from django.core import mail
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    try:
        from kamdesk.myday.digest import send_due_digests
        from kamdesk.myday.models import DigestDelivery, DigestPreference
    except ImportError as exc:
        return {"skipped": f"not available ({exc})"}
    from kamdesk.users.models import User

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    users = list(User.objects.filter(is_active=True).values_list("pk", flat=True))
    DigestDelivery.objects.all().delete()  # the previous run's: every digest is due again
    DigestPreference.objects.all().delete()
    DigestPreference.objects.bulk_create([DigestPreference(user_id=pk, enabled=True, send_hour=0) for pk in users])
    mail.outbox = []
    started = clock.perf_counter()
    with CaptureQueriesContext(connection) as queries:
        run = send_due_digests(timezone.now())
    seconds = clock.perf_counter() - started
    return {
        "users": len(users),
        "seconds": round(seconds, 2),
        "messages": len(mail.outbox),
        "sent": len(run.sent),
        "empty": len(run.empty),
        "failed": len(run.failed),
        "queries": len(queries),
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.runner")
    commands = parser.add_subparsers(dest="command", required=True)
    step = commands.add_parser("prepare", help="Prepare the database in DATABASE_URL for a benchmark run.")
    step.add_argument("--size", required=True)
    step.add_argument("--seed", type=int, required=True)
    step.add_argument("--scale", type=float, default=1.0)
    step.add_argument("--sales-lines", type=int, default=None)
    step.add_argument("--activities", type=int, default=None)
    commands.add_parser("digest", help="Time every user's daily digest on the database in DATABASE_URL.")
    args = parser.parse_args(argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from benchmarks.generator import GenerationError

    try:
        if args.command == "digest":
            report = digest()
        else:
            report = prepare(args.size, args.seed, args.scale, args.sales_lines, args.activities)
    except (BenchError, GenerationError) as exc:
        sys.exit(str(exc))
    sys.stdout.write(json.dumps(report) + "\n")


if __name__ == "__main__":
    main()
