"""Sales import throughput against the raw baseline, measured in the same run on the same file.

    python -m benchmarks.sales_import_bench --lines 1000000
    python -m benchmarks.sales_import_bench --lines 1000000 \\
        --database-url postgres://postgres@127.0.0.1:5432/kamdesk_bench

What one run does (each measured step in a subprocess of its own, so its peak memory is its own):

1. **prepare**: migrate the bench database and make sure it holds accounts and products — the demo
   portfolio's if present, else the demo portfolio of size M is loaded (SQLite default:
   var/bench-sales-import.sqlite3) and products are created where there are none.
2. **generate** an N-line sales CSV with those codes (invoice lines and some credit notes).
3. **baseline**: load the file into a bare table without any checks — PostgreSQL ``COPY ... FROM STDIN``
   of the file's bytes, SQLite ``csv.reader`` + ``executemany`` in one transaction.
4. **import**: ``kamdesk.sales.sales_import.import_file`` — every row checked, upserted idempotently by
   (document, line), roll-ups refreshed — into a table without these lines (all created).
5. **re-import** of the same file: all unchanged.
6. **clean up**: the bench's lines are deleted and their roll-ups refreshed.

Reported: rows/s of each step, their ratio (the import must reach at least half the baseline's rate) and
each step's peak resident memory (``resource.getrusage``).
"""

import argparse
import csv
import json
import os
import random
import re
import resource
import subprocess
import sys
import time
from datetime import date, timedelta
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
DOCUMENT_PREFIX = "BENCH-"
BENCH_SKU_PREFIX = "BENCH-SKU-"
BARE_TABLE = "bench_raw_sales"
HEADER = (
    "document",
    "line",
    "date",
    "account_code",
    "sku",
    "quantity",
    "gross_amount",
    "discount",
    "net_amount",
    "cost",
)


# --- the parent process -------------------------------------------------------------------------------


def default_database_url() -> str:
    return f"sqlite:///{BASE_DIR / 'var' / 'bench-sales-import.sqlite3'}"


def run(lines: int, database_url: str, workdir: Path, seed: int = 1) -> dict:
    """Run every step; returns the figures."""
    workdir.mkdir(parents=True, exist_ok=True)
    codes = _step(database_url, "prepare")
    path = workdir / f"sales-{lines}.csv"
    started = time.monotonic()
    generate_csv(path, lines, codes["accounts"], codes["products"], seed)
    generated_in = time.monotonic() - started
    try:
        baseline = _step(database_url, "baseline", str(path))
        first = _step(database_url, "import", str(path))
        again = _step(database_url, "import", str(path))
    finally:
        _step(database_url, "cleanup")
    return {
        "database": database_url.split("://", 1)[0],
        "lines": lines,
        "file_bytes": path.stat().st_size,
        "generated_in_s": round(generated_in, 1),
        "baseline": baseline,
        "import": first,
        "reimport": again,
        "import_vs_baseline": round(first["rows_per_s"] / baseline["rows_per_s"], 3),
        "reimport_vs_baseline": round(again["rows_per_s"] / baseline["rows_per_s"], 3),
    }


def _step(database_url: str, step: str, *args: str) -> dict:
    env = os.environ | {"DATABASE_URL": database_url, "DJANGO_SETTINGS_MODULE": "config.settings"}
    env.setdefault("SECRET_KEY", "bench-only-" + "x" * 40)
    result = subprocess.run(
        [sys.executable, "-m", "benchmarks.sales_import_bench", "--step", step, *args],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise RuntimeError(f"step {step} failed:\n{result.stderr[-4000:]}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def generate_csv(path: Path, lines: int, accounts: list[str], products: list[str], seed: int = 1) -> None:
    """N sales lines over three years: about 2 % credit notes, a few lines per document."""
    rng = random.Random(seed)
    first_day = date(2023, 1, 1)
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        document, line_no, day, account = 0, 0, first_day, accounts[0]
        for _ in range(lines):
            if line_no == 0 or rng.random() < 0.25:
                document, line_no = document + 1, 0
                day = first_day + timedelta(days=rng.randrange(3 * 365))
                account = rng.choice(accounts)
            line_no += 1
            quantity = rng.randint(1, 48)
            price = rng.randint(150, 9000)  # cents
            gross = quantity * price
            discount = gross * rng.choice((0, 0, 5, 10, 15)) // 100
            net = gross - discount
            cost = net * rng.randint(45, 75) // 100
            sign = -1 if rng.random() < 0.02 else 1  # a credit note line
            writer.writerow(
                (
                    f"{DOCUMENT_PREFIX}{document:08d}",
                    line_no,
                    day.isoformat(),
                    account,
                    rng.choice(products),
                    sign * quantity,
                    _money(sign * gross),
                    _money(sign * discount),
                    _money(sign * net),
                    _money(sign * cost),
                )
            )


def _money(cents: int) -> str:
    sign = "-" if cents < 0 else ""
    cents = abs(cents)
    return f"{sign}{cents // 100}.{cents % 100:02d}"


# --- the steps (each in its own subprocess, on the bench database) ------------------------------------


def _setup_django() -> None:
    import django

    django.setup()


def _peak_rss_mb() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)  # KiB on Linux


def step_prepare() -> dict:
    from django.core.management import call_command

    from kamdesk.accounts.models import Account
    from kamdesk.sales.models import Product

    call_command("migrate", verbosity=0, interactive=False)
    if not Account.objects.exists():
        # The M portfolio's accounts and users only: the import is measured against an empty sales table.
        from benchmarks.generator import plan_portfolio, write_portfolio

        write_portfolio(plan_portfolio("M"))
    if not Product.objects.exists():
        Product.objects.bulk_create(
            Product(sku=f"{BENCH_SKU_PREFIX}{n:05d}", name=f"Bench product {n}", category="Bench") for n in range(2000)
        )
    return {
        "accounts": list(Account.objects.order_by("code").values_list("code", flat=True)),
        "products": list(Product.objects.order_by("sku").values_list("sku", flat=True)),
    }


def step_baseline(path: str) -> dict:
    """The raw load: no checks, no keys, no roll-ups."""
    from django.db import connection, transaction

    columns = (
        "document varchar(40), line integer, date date, account_code varchar(40), sku varchar(40), "
        "quantity numeric(18, 3), gross_amount numeric(18, 2), discount numeric(18, 2), "
        "net_amount numeric(18, 2), cost numeric(18, 2)"
    )
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {BARE_TABLE}")
        cursor.execute(f"CREATE TABLE {BARE_TABLE} ({columns})")
    started = time.monotonic()
    if connection.vendor == "postgresql":
        rows = _copy_file(connection, path)
    else:
        rows = _executemany_file(connection, transaction, path)
    seconds = time.monotonic() - started
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE {BARE_TABLE}")
    return _figures(rows, seconds)


def _copy_file(connection, path: str) -> int:
    with connection.cursor() as cursor, Path(path).open("rb") as handle:
        with cursor.cursor.copy(f"COPY {BARE_TABLE} FROM STDIN WITH (FORMAT csv, HEADER true)") as copy:
            while block := handle.read(1 << 20):
                copy.write(block)
        cursor.execute(f"SELECT COUNT(*) FROM {BARE_TABLE}")
        return cursor.fetchone()[0]


def _executemany_file(connection, transaction, path: str) -> int:
    with Path(path).open(newline="", encoding="utf-8") as handle, transaction.atomic(), connection.cursor() as cursor:
        reader = csv.reader(handle)
        next(reader)
        rows = 0
        while batch := [row for _, row in zip(range(10_000), reader, strict=False)]:
            cursor.executemany(f"INSERT INTO {BARE_TABLE} VALUES ({', '.join(['%s'] * 10)})", batch)
            rows += len(batch)
        return rows


def step_import(path: str) -> dict:
    from django.db import connection

    from kamdesk.sales.sales_import import import_file

    statements = StatementTimes()
    started = time.monotonic()
    with connection.execute_wrapper(statements), Path(path).open("rb") as handle:
        report = import_file("sales", handle, Path(path).name, actor=None)
    seconds = time.monotonic() - started
    if report.rejected or not report.written:
        raise RuntimeError(f"the bench file was not imported cleanly: {report.as_dict()['errors'][:5]}")
    figures = _figures(report.rows, seconds)
    figures.update(created=report.created, updated=report.updated, unchanged=report.unchanged)
    figures["rollup_months"] = report.rollup_months
    figures["statements"] = statements.slowest(seconds)
    return figures


class StatementTimes:
    """Seconds spent in each kind of SQL statement (what it does to which table), for ``--breakdown``."""

    SHOWN = 10
    PATTERN = re.compile(
        r"\s*(INSERT INTO|CREATE TEMPORARY TABLE|CREATE INDEX|DELETE FROM|UPDATE|DROP TABLE(?: IF EXISTS)?)"
        r"\s+(\w+)|\s*(SELECT)\b.*?\bFROM\s+\(?\s*(?:SELECT\b.*?\bFROM\s+)?(\w+)",
        re.IGNORECASE | re.DOTALL,
    )

    def __init__(self):
        self.seconds: dict[str, float] = {}

    def __call__(self, execute, sql, params, many, context):
        started = time.monotonic()
        try:
            return execute(sql, params, many, context)
        finally:
            label = self.label(sql)
            self.seconds[label] = self.seconds.get(label, 0.0) + time.monotonic() - started

    @classmethod
    def label(cls, sql: str) -> str:
        match = cls.PATTERN.match(sql)
        if not match:
            return sql.split(None, 1)[0].upper()
        verb, table = (match.group(1), match.group(2)) if match.group(1) else (match.group(3), match.group(4))
        return f"{verb.upper()} {'… FROM ' if verb.upper() == 'SELECT' else ''}{table}"

    def slowest(self, total: float) -> list[tuple[str, float]]:
        """The SHOWN costliest kinds, then the rest of the time: reading the file, COPY and Python."""
        ranked = sorted(self.seconds.items(), key=lambda item: -item[1])
        shown = [(label, round(seconds, 2)) for label, seconds in ranked[: self.SHOWN]]
        others = sum(seconds for _label, seconds in ranked[self.SHOWN :])
        if others:
            shown.append(("other SQL statements", round(others, 2)))
        shown.append(
            ("outside SQL statements (reading the file, COPY, Python)", round(total - sum(self.seconds.values()), 2))
        )
        return shown


def step_cleanup() -> dict:
    """Delete the bench's lines and bring the roll-ups they touched back in line."""
    from django.db import connection, transaction

    from kamdesk.sales import rollups
    from kamdesk.sales.models import Product, SalesLine

    lines = SalesLine.objects.filter(document__startswith=DOCUMENT_PREFIX)
    with transaction.atomic():
        pairs = set(lines.values_list("account_id", "date__year", "date__month").distinct())
        deleted, _ = lines.delete()
        rollups.refresh((account_id, date(year, month, 1)) for account_id, year, month in pairs)
        # Products the prepare step made for the bench go too; a catalogue that was there stays.
        Product.objects.filter(sku__startswith=BENCH_SKU_PREFIX).delete()
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {BARE_TABLE}")
    return {"deleted": deleted}


def _figures(rows: int, seconds: float) -> dict:
    return {
        "rows": rows,
        "seconds": round(seconds, 2),
        "rows_per_s": round(rows / seconds) if seconds else 0,
        "peak_rss_mb": _peak_rss_mb(),
    }


def format_report(result: dict, breakdown: bool = False) -> str:
    lines = [
        f"{result['lines']:,} lines ({result['file_bytes'] / 1e6:.0f} MB) on {result['database']}",
        f"{'step':<12}{'rows/s':>12}{'seconds':>10}{'peak RSS MB':>14}",
    ]
    for name in ("baseline", "import", "reimport"):
        step = result[name]
        lines.append(f"{name:<12}{step['rows_per_s']:>12,}{step['seconds']:>10}{step['peak_rss_mb']:>14}")
    lines.append(
        f"import / baseline = {result['import_vs_baseline']:.2f}, re-import / baseline = "
        f"{result['reimport_vs_baseline']:.2f} (target ≥ 0.50)"
    )
    if breakdown:
        for name in ("import", "reimport"):
            lines.append(f"where the {name} spent its {result[name]['seconds']} s:")
            lines += [f"  {seconds:>8.2f} s  {label}" for label, seconds in result[name]["statements"]]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--lines", type=int, default=100_000)
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL") or default_database_url())
    parser.add_argument("--workdir", type=Path, default=BASE_DIR / "var" / "bench-sales")
    parser.add_argument("--json", action="store_true")
    parser.add_argument(
        "--breakdown", action="store_true", help="Also print where the imports spent their time, per SQL statement."
    )
    parser.add_argument("--step", choices=["prepare", "baseline", "import", "cleanup"], help=argparse.SUPPRESS)
    parser.add_argument("path", nargs="?", help=argparse.SUPPRESS)
    options = parser.parse_args(argv)
    if options.step:
        _setup_django()
        steps = {"prepare": step_prepare, "baseline": step_baseline, "import": step_import, "cleanup": step_cleanup}
        result = steps[options.step](options.path) if options.path else steps[options.step]()
        print(json.dumps(result))
        return
    result = run(options.lines, options.database_url, options.workdir)
    print(json.dumps(result, indent=2) if options.json else format_report(result, options.breakdown))


if __name__ == "__main__":
    main()
