"""Keeping the roll-ups in step with the sales lines, set-based in SQL (no row loops in Python): per account,
product and month; per account and month; per account and calendar quarter (summed from the months).

``refresh(pairs)`` recomputes the roll-up rows of the given (account, month) pairs from the facts — what
an import calls for the pairs it touched, inside its transaction. ``rebuild()`` recomputes everything and
gives exactly what the imports kept.
"""

from collections import defaultdict
from collections.abc import Iterable
from datetime import date

from django.db import connection, transaction

from kamdesk.sales.models import AccountMonthly, AccountQuarterly, SalesLine, SalesMonthly
from kamdesk.sales.periods import add_months, quarter_start

WRITE_LOCK = 7_510_001  # PostgreSQL advisory lock key (see lock())
CHUNK = 500  # account ids per statement: well below every database's parameter limit
# The first day of a sales line's month, in each database's SQL.
MONTH_OF_DATE = {"sqlite": "date(date, 'start of month')", "postgresql": "CAST(date_trunc('month', date) AS date)"}
# The first day of a month's calendar quarter (months are first days already).
QUARTER_OF_MONTH = {
    "sqlite": "substr(month, 1, 5) || CASE (CAST(substr(month, 6, 2) AS INTEGER) + 2) / 3 "
    "WHEN 1 THEN '01' WHEN 2 THEN '04' WHEN 3 THEN '07' ELSE '10' END || '-01'",
    "postgresql": "CAST(date_trunc('quarter', month) AS date)",
}

COLUMNS = "account_id, {extra}month, quantity, gross_amount, discount, net_amount, cost, lines"
AMOUNTS = ("quantity", "gross_amount", "discount", "net_amount", "cost", "lines")


def summed_amounts(count: str = "SUM(lines)", of: str = "") -> str:
    """SQL for the roll-up amounts summed, each named after its column: ``count`` gives ``lines`` (COUNT(*)
    over sales lines, SUM(lines) over roll-up rows); ``of`` goes in front of each column (a table alias)."""
    sums = [f"SUM({of}{column}) AS {column}" for column in AMOUNTS if column != "lines"]
    return ", ".join([*sums, f"{count} AS lines"])


def lock(cursor) -> None:
    """Hold, until the transaction ends, the lock of everything that writes sales lines or roll-ups: one at a
    time, so that what an import read of the stored lines (to change the roll-ups) is still true when it
    writes. SQLite's write lock does this already: kamdesk's transactions there begin IMMEDIATE."""
    if connection.vendor == "postgresql":
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [WRITE_LOCK])


def month_start(day: date) -> date:
    return day.replace(day=1)


def next_month(month: date) -> date:
    return date(month.year + (month.month == 12), month.month % 12 + 1, 1)


def refresh(pairs: Iterable[tuple[int, date]]) -> None:
    """Recompute the roll-ups of these (account id, any day of the month) pairs."""
    accounts_by_month: dict[date, set[int]] = defaultdict(set)
    for account_id, day in pairs:
        accounts_by_month[month_start(day)].add(account_id)
    with transaction.atomic(), connection.cursor() as cursor:
        lock(cursor)
        for month, account_ids in sorted(accounts_by_month.items()):
            ids = sorted(account_ids)
            for start in range(0, len(ids), CHUNK):
                _refresh_month(cursor, month, ids[start : start + CHUNK])


def rebuild() -> None:
    """Recompute every roll-up row from the sales lines: one grouped pass over the facts.

    The rows are written in key order, so that an account's rows sit together on disk: pages read one
    account's product roll-ups, and PostgreSQL would otherwise fetch a table page per row."""
    facts, by_product, by_account = (
        SalesLine._meta.db_table,
        SalesMonthly._meta.db_table,
        AccountMonthly._meta.db_table,
    )
    month = MONTH_OF_DATE[connection.vendor]
    with transaction.atomic(), connection.cursor() as cursor:
        lock(cursor)
        cursor.execute(f"DELETE FROM {AccountQuarterly._meta.db_table}")
        cursor.execute(f"DELETE FROM {by_account}")
        cursor.execute(f"DELETE FROM {by_product}")
        cursor.execute(
            f"INSERT INTO {by_product} ({COLUMNS.format(extra='product_id, ')}) "
            f"SELECT account_id, product_id, {month}, {summed_amounts('COUNT(*)')} FROM {facts} "
            f"GROUP BY account_id, product_id, {month} ORDER BY account_id, product_id, {month}"
        )
        cursor.execute(
            f"INSERT INTO {by_account} ({COLUMNS.format(extra='')}) "
            f"SELECT account_id, month, {summed_amounts()} FROM {by_product} GROUP BY account_id, month"
        )
        _insert_quarters(cursor, "", [])


def _insert_quarters(cursor, where: str, params: list) -> None:
    """Sum the account roll-up's months (those ``where`` selects) into calendar quarters."""
    quarter = QUARTER_OF_MONTH[connection.vendor]
    cursor.execute(
        f"INSERT INTO {AccountQuarterly._meta.db_table} (account_id, quarter, {', '.join(AMOUNTS)}) "
        f"SELECT account_id, {quarter}, {summed_amounts()} "
        f"FROM {AccountMonthly._meta.db_table} WHERE 1 = 1{where} GROUP BY account_id, {quarter}",
        params,
    )


def _refresh_month(cursor, month: date, account_ids: list[int] | None) -> None:
    """Replace one month's roll-up rows, for some accounts or (None) for all."""
    facts, by_product, by_account = (
        SalesLine._meta.db_table,
        SalesMonthly._meta.db_table,
        AccountMonthly._meta.db_table,
    )
    only, params = "", []
    if account_ids is not None:
        only = f" AND account_id IN ({', '.join(['%s'] * len(account_ids))})"
        params = list(account_ids)
    quarter = quarter_start(month)
    cursor.execute(f"DELETE FROM {AccountQuarterly._meta.db_table} WHERE quarter = %s{only}", [quarter, *params])
    cursor.execute(f"DELETE FROM {by_account} WHERE month = %s{only}", [month, *params])
    cursor.execute(f"DELETE FROM {by_product} WHERE month = %s{only}", [month, *params])
    cursor.execute(
        f"INSERT INTO {by_product} ({COLUMNS.format(extra='product_id, ')}) "
        f"SELECT account_id, product_id, %s, {summed_amounts('COUNT(*)')} FROM {facts} "
        f"WHERE date >= %s AND date < %s{only} GROUP BY account_id, product_id",
        [month, month, next_month(month), *params],
    )
    cursor.execute(
        f"INSERT INTO {by_account} ({COLUMNS.format(extra='')}) "
        f"SELECT account_id, %s, {summed_amounts()} FROM {by_product} "
        f"WHERE month = %s{only} GROUP BY account_id",
        [month, month, *params],
    )
    _insert_quarters(cursor, f" AND month >= %s AND month < %s{only}", [quarter, add_months(quarter, 3), *params])


def add_changes(cursor, added: str, removed: str) -> int:
    """Bring the roll-ups in line with a change of sales lines, without reading the facts: ``added`` and
    ``removed`` are tables of (account_id, product_id, month, quantity, gross_amount, discount, net_amount,
    cost, lines), one row per roll-up row — the sums of the lines as they are now and as they were. A
    roll-up row left without lines goes. Returns how many (account, month) roll-ups changed.

    Sums and counts add up exactly (PostgreSQL's numeric; SQLite's doubles to far below a cent), so this
    keeps what ``rebuild()`` would compute. The caller holds ``lock()``."""
    cursor.execute(f"SELECT EXISTS (SELECT 1 FROM {removed})")
    anything_removed = cursor.fetchone()[0]
    # The product tables can hold a row per sales line; the account and quarter roll-ups read them summed
    # per account and month once (a few rows per account), not grouped again for each.
    per_account = {table: f"{table}_by_account" for table in (added, removed)}
    for table, summed in per_account.items():
        _sum_per_account_month(cursor, table, summed)
    columns = ", ".join(AMOUNTS)
    quarter = QUARTER_OF_MONTH[connection.vendor]

    # The rows to add to (or take off) each roll-up, from ``added`` or ``removed``. (WHERE 1 = 1: SQLite's
    # upsert parser needs a WHERE before ON CONFLICT.)
    def product_rows(table: str) -> str:
        return f"SELECT account_id, product_id, month, {columns} FROM {table} WHERE 1 = 1"

    def account_rows(table: str) -> str:
        return f"SELECT account_id, month, {columns} FROM {per_account[table]} WHERE 1 = 1"

    def quarter_rows(table: str) -> str:
        summed = per_account[table]
        return f"SELECT account_id, {quarter} AS quarter, {summed_amounts()} FROM {summed} WHERE 1 = 1 GROUP BY 1, 2"

    targets = (
        (SalesMonthly, "account_id, product_id, month", product_rows),
        (AccountMonthly, "account_id, month", account_rows),
        (AccountQuarterly, "account_id, quarter", quarter_rows),
    )
    for model, key, rows in targets:
        table = model._meta.db_table
        add = ", ".join(f"{column} = {table}.{column} + excluded.{column}" for column in AMOUNTS)
        cursor.execute(f"INSERT INTO {table} ({key}, {columns}) {rows(added)} ON CONFLICT ({key}) DO UPDATE SET {add}")
        if anything_removed:
            _subtract(cursor, table, key, rows(removed))
    added_months, removed_months = per_account[added], per_account[removed]
    cursor.execute(
        f"SELECT COUNT(*) FROM (SELECT account_id, month FROM {added_months} "
        f"UNION SELECT account_id, month FROM {removed_months}) t"
    )
    changed = cursor.fetchone()[0]
    for summed in per_account.values():
        cursor.execute(f"DROP TABLE {summed}")
    return changed


def _sum_per_account_month(cursor, table: str, summed: str) -> None:
    """``summed``: the rows of ``table`` summed per account and month."""
    cursor.execute(f"DROP TABLE IF EXISTS {summed}")
    cursor.execute(
        f"CREATE TEMPORARY TABLE {summed} AS SELECT account_id, month, {summed_amounts()} FROM {table} "
        "GROUP BY account_id, month"
    )


def _subtract(cursor, table: str, key: str, rows: str) -> None:
    """Take ``rows`` off the roll-up rows with the same key; delete those left without lines."""
    match = " AND ".join(f"{table}.{column} = gone.{column}" for column in key.split(", "))
    subtract = ", ".join(f"{column} = {table}.{column} - gone.{column}" for column in AMOUNTS)
    cursor.execute(f"UPDATE {table} SET {subtract} FROM ({rows}) AS gone WHERE {match}")
    cursor.execute(f"DELETE FROM {table} WHERE lines = 0 AND ({key}) IN (SELECT {key} FROM ({rows}) AS gone)")
