"""What the ``task`` and ``activity`` commands share: aligned tables and JSON output."""

import json


def table(header: list[str], rows: list[list[str]]) -> str:
    widths = [max(len(str(row[i])) for row in [header, *rows]) for i in range(len(header))]
    lines = [
        "  ".join(str(cell).ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
        for row in [header, *rows]
    ]
    return "\n".join(lines) + "\n"


def as_json(items: list[dict]) -> str:
    return json.dumps(items, ensure_ascii=False, indent=2, default=str) + "\n"
