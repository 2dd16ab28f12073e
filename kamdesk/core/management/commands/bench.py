"""``kamdesk bench``: measure page speed and SQL query counts over real HTTP (see docs/benchmarks.md)."""

import json

from django.core.management.base import BaseCommand, CommandError

from benchmarks.activity_generator import ACTIVITIES
from benchmarks.generator import DEFAULT_SEED, SIZES
from benchmarks.runner import DEFAULT_REQUESTS, DEFAULT_WARMUP, BenchError, format_report, run_bench
from benchmarks.sales_generator import MAX_SALES_LINES, MIN_SALES_LINES


def positive(value: str) -> int:
    number = int(value)
    if number < 1:
        raise ValueError(value)
    return number


def not_negative(value: str) -> int:
    number = int(value)
    if number < 0:
        raise ValueError(value)
    return number


def scale_factor(value: str) -> float:
    number = float(value)
    if not 0 < number <= 10:
        raise ValueError(value)
    return number


def size_list(value: str) -> list[str]:
    sizes = [part.strip().upper() for part in value.split(",") if part.strip()]
    unknown = [s for s in sizes if s not in SIZES]
    if not sizes or unknown:
        raise ValueError(value)
    return list(dict.fromkeys(sizes))


def sales_line_counts(value: str) -> list[int]:
    """'1000000,5000000' or '1M,5M' or '500k' -> numbers of sales lines, fewest first."""
    factors = {"k": 1_000, "m": 1_000_000}
    counts = []
    for part in (p.strip().lower().replace("_", "") for p in value.split(",")):
        if not part:
            continue
        factor = factors.get(part[-1], 1)
        number = float(part[:-1] if part[-1] in factors else part) * factor
        if number != int(number) or not MIN_SALES_LINES <= number <= MAX_SALES_LINES:
            raise ValueError(value)
        counts.append(int(number))
    if not counts:
        raise ValueError(value)
    return sorted(set(counts))


class Command(BaseCommand):
    help = (
        "Serve kamdesk on a demo portfolio of the given size and measure, over HTTP, the server time, round trip "
        "and SQL query count of the accounts list, a filtered list, the account 360 page, the API list and the "
        "commercial pages (portfolio dashboard, an account's commercial tab, concentration)."
    )
    # This process only orchestrates; the bench database is opened by the subprocesses it starts.
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument("--size", choices=sorted(SIZES), default="S", help="Portfolio size (default S).")
        parser.add_argument(
            "--sizes",
            type=size_list,
            help="Several sizes, e.g. S,M: measures each and reports whether the query counts per page are equal.",
        )
        parser.add_argument("--json", dest="as_json", action="store_true", help="Print one JSON object, no tables.")
        parser.add_argument(
            "--requests",
            type=positive,
            default=DEFAULT_REQUESTS,
            help=f"Measured requests per page and user, in rounds over all pages (default {DEFAULT_REQUESTS}).",
        )
        parser.add_argument(
            "--warmup",
            type=not_negative,
            default=DEFAULT_WARMUP,
            help=f"Unmeasured rounds over all pages first (default {DEFAULT_WARMUP}).",
        )
        parser.add_argument(
            "--database-url",
            help="The bench's own database; its data is replaced. Default: var/bench-<size>.sqlite3.",
        )
        parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help="Portfolio seed.")
        parser.add_argument(
            "--scale", type=scale_factor, default=1.0, help="Shrink or grow the portfolio (default 1, the full size)."
        )
        parser.add_argument(
            "--sales-lines",
            type=sales_line_counts,
            help=(
                "Numbers of sales lines to generate instead of the size's (S 200,000, M 5,000,000), e.g. 1M,5M: "
                "measures each and reports how the commercial pages' p95 grows from the fewest to the most "
                f"(between {MIN_SALES_LINES:,} and {MAX_SALES_LINES:,})."
            ),
        )
        parser.add_argument(
            "--activities",
            type=positive,
            nargs="?",
            const=0,
            metavar="N",
            help=(
                "Also give the portfolio a year of activities and tasks (N, or the size's: "
                + ", ".join(f"{size} {count:,}" for size, count in ACTIVITIES.items())
                + ") and measure My day, the account timeline and the relationship map of a global account with "
                "150 stakeholders, and the daily digest for every user."
            ),
        )

    def handle(
        self,
        *args,
        size,
        sizes,
        as_json: bool,
        requests,
        warmup,
        database_url,
        seed,
        scale,
        sales_lines,
        activities,
        **options,
    ):
        try:
            report = run_bench(
                sizes or [size],
                seed=seed,
                scale=scale,
                requests=requests,
                warmup=warmup,
                database_url=database_url,
                sales_lines=sales_lines,
                activities=activities,
                log=lambda message: self.stderr.write(message),
            )
        except BenchError as exc:
            raise CommandError(str(exc)) from exc
        if as_json:
            self.stdout.write(json.dumps(report, indent=2))
        else:
            self.stdout.write(format_report(report), ending="")
