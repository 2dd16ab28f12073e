"""The commercial charts as Vega-Lite v6 specifications, built here once and used twice: embedded in the
pages (rendered in the browser by vega-embed from the installed static files) and rendered to SVG on the
server (vl-convert) for reports and downloads.

Specs carry their data inline (never a URL), numbers as plain floats and labels as text, so both paths draw
exactly the same picture and nothing is fetched from anywhere.
"""

from collections.abc import Iterable
from decimal import Decimal

import vl_convert

SCHEMA = "https://vega.github.io/schema/vega-lite/v6.json"
VEGA_LITE_VERSION = "6.4"  # the newest the installed converter bundles; the page loads vega-lite 6.x
WIDTH, HEIGHT = 640, 280
MONEY_FORMAT = ",.0f"
SHARE_FORMAT = ".0%"
COLOURS = {
    "This year": "#1f6feb",
    "Last year": "#8b949e",
    "Target": "#d29922",
    "With target": "#8250df",
    "total": "#1f6feb",
    "increase": "#2da44e",
    "decrease": "#cf222e",
}
COLOURS_SERIES = ("This year", "Last year", "Target")
HHI_THRESHOLDS = ((1500, "moderately concentrated"), (2500, "highly concentrated"))


def _number(value) -> float | None:
    """Decimal / numpy values as plain floats for the JSON spec (None stays a gap)."""
    return None if value is None else float(value)


def _base(title: str, description: str, data: list[dict]) -> dict:
    return {
        "$schema": SCHEMA,
        "title": title,
        "description": description,
        "width": WIDTH,
        "height": HEIGHT,
        "data": {"values": data},
        "config": {"font": "sans-serif", "view": {"stroke": None}, "axis": {"labelFontSize": 11}},
    }


def _legend_scale(series: Iterable[str]) -> dict:
    names = list(series)
    return {"domain": names, "range": [COLOURS[name] for name in names]}


def trend_chart(points: Iterable, *, title: str = "Revenue by month", currency: str = "") -> dict:
    """This year, last year and the target month by month. ``points`` have month (a date), this_year,
    last_year, target and with_target (None where there is nothing). "With target" — this year's actual of
    the accounts that have a target that month, what the target compares with — is drawn only where it
    differs from this year's actual."""
    points = list(points)
    series_names = list(COLOURS_SERIES)
    with_target = any(getattr(p, "with_target", None) is not None and p.with_target != p.this_year for p in points)
    if with_target:
        series_names.append("With target")
    values = []
    for order, point in enumerate(points):
        label = point.month.strftime("%b %Y")
        amounts = [
            ("This year", point.this_year),
            ("Last year", point.last_year),
            ("Target", point.target),
        ]
        if with_target:
            amounts.append(("With target", point.with_target))
        for series, amount in amounts:
            if amount is not None:
                values.append({"month": label, "order": order, "series": series, "value": _number(amount)})
    description = "this year against last year and the target"
    if with_target:
        description += ", and the actual of the accounts with a target"
    spec = _base(title, f"{title}: {description}.", values)
    y_title = f"Amount ({currency})" if currency else "Amount"
    spec["encoding"] = {
        "x": {"field": "month", "type": "ordinal", "sort": {"field": "order"}, "title": None},
        "y": {"field": "value", "type": "quantitative", "title": y_title, "axis": {"format": "~s"}},
        "color": {"field": "series", "type": "nominal", "title": None, "scale": _legend_scale(series_names)},
        "strokeDash": {
            "field": "series",
            "type": "nominal",
            "scale": {"domain": series_names, "range": [[1, 0], [4, 2], [6, 4], [2, 2]][: len(series_names)]},
        },
        "tooltip": [
            {"field": "month", "title": "Month"},
            {"field": "series", "title": "Series"},
            {"field": "value", "title": "Amount", "format": MONEY_FORMAT},
        ],
    }
    spec["mark"] = {"type": "line", "point": True}
    return spec


def waterfall_chart(lines: Iterable, *, title: str = "P&L", currency: str = "") -> dict:
    """The P&L as a waterfall: totals (the first line and every subtotal) stand on zero, the lines between
    step up or down from the running total. ``lines`` have label, amount and is_subtotal."""
    values, running = [], Decimal(0)
    for order, line in enumerate(lines):
        amount = Decimal(line.amount)
        if order == 0 or line.is_subtotal:
            start, end, kind = Decimal(0), amount, "total"
        else:
            start, end, kind = running, running + amount, "increase" if amount >= 0 else "decrease"
        running = end
        values.append(
            {
                "label": line.label,
                "order": order,
                "start": _number(start),
                "end": _number(end),
                "amount": _number(amount),
                "kind": kind,
                "text": f"{amount:,.0f}",
            }
        )
    spec = _base(title, f"{title} as a waterfall from gross sales to contribution.", values)
    x = {"field": "label", "type": "ordinal", "sort": {"field": "order"}, "title": None, "axis": {"labelAngle": -30}}
    y_title = f"Amount ({currency})" if currency else "Amount"
    spec["layer"] = [
        {
            "mark": {"type": "bar"},
            "encoding": {
                "x": x,
                "y": {"field": "start", "type": "quantitative", "title": y_title, "axis": {"format": "~s"}},
                "y2": {"field": "end"},
                "color": {
                    "field": "kind",
                    "type": "nominal",
                    "title": None,
                    "scale": _legend_scale(("total", "increase", "decrease")),
                    "legend": None,
                },
                "tooltip": [
                    {"field": "label", "title": "Line"},
                    {"field": "amount", "title": "Amount", "format": MONEY_FORMAT},
                ],
            },
        },
        {
            "mark": {"type": "text", "dy": -6, "fontSize": 10},
            "encoding": {
                "x": x,
                "y": {"field": "end", "type": "quantitative"},
                "text": {"field": "text"},
            },
        },
    ]
    return spec


def pareto_chart(rows: Iterable, *, title: str = "Pareto curve of revenue") -> dict:
    """Cumulative share of revenue against the share of customers, largest first. ``rows`` have name,
    account_share and cumulative_share (0..1)."""
    values = [{"name": "", "customers": 0.0, "revenue": 0.0}]
    values += [
        {"name": row.name, "customers": _number(row.account_share), "revenue": _number(row.cumulative_share)}
        for row in rows
    ]
    spec = _base(title, f"{title}: the share of revenue brought by the largest customers.", values)
    spec["layer"] = [
        {
            "mark": {"type": "line", "point": len(values) <= 60, "interpolate": "linear"},
            "encoding": {
                "x": {
                    "field": "customers",
                    "type": "quantitative",
                    "title": "Share of customers (largest first)",
                    "axis": {"format": SHARE_FORMAT, "tickCount": 10},
                    "scale": {"domain": [0, 1]},
                },
                "y": {
                    "field": "revenue",
                    "type": "quantitative",
                    "title": "Cumulative share of revenue",
                    "axis": {"format": SHARE_FORMAT},
                    "scale": {"domain": [0, 1]},
                },
                "tooltip": [
                    {"field": "name", "title": "Customer"},
                    {"field": "customers", "title": "Customers", "format": ".1%"},
                    {"field": "revenue", "title": "Revenue", "format": ".1%"},
                ],
            },
        },
        {
            # The 80/20 reference: 20 % of the customers.
            "data": {"values": [{"x": 0.2, "label": "top 20 %"}]},
            "mark": {"type": "rule", "strokeDash": [4, 4], "color": "#8b949e"},
            "encoding": {"x": {"field": "x", "type": "quantitative"}},
        },
        {
            "data": {"values": [{"x": 0.2, "label": "top 20 %"}]},
            "mark": {"type": "text", "align": "left", "dx": 4, "y": 10, "color": "#57606a"},
            "encoding": {"x": {"field": "x", "type": "quantitative"}, "text": {"field": "label"}},
        },
    ]
    return spec


def mix_chart(rows: Iterable, *, title: str = "Mix") -> dict:
    """Horizontal bars, largest first, each labelled with its amount. ``rows`` have label and revenue."""
    values = [
        {"label": row.label, "order": order, "value": _number(row.revenue), "text": f"{Decimal(row.revenue):,.0f}"}
        for order, row in enumerate(rows)
    ]
    spec = _base(title, f"{title} by net sales.", values)
    spec["height"] = max(60, 24 * len(values))
    y = {"field": "label", "type": "nominal", "sort": {"field": "order"}, "title": None}
    spec["layer"] = [
        {
            "mark": {"type": "bar", "color": COLOURS["total"]},
            "encoding": {
                "y": y,
                "x": {"field": "value", "type": "quantitative", "title": "Net sales", "axis": {"format": "~s"}},
                "tooltip": [
                    {"field": "label", "title": "Item"},
                    {"field": "value", "title": "Net sales", "format": MONEY_FORMAT},
                ],
            },
        },
        {
            "mark": {"type": "text", "align": "left", "dx": 4, "fontSize": 10},
            "encoding": {"y": y, "x": {"field": "value", "type": "quantitative"}, "text": {"field": "text"}},
        },
    ]
    return spec


def hhi_trend_chart(rows: Iterable, *, title: str = "Concentration (HHI) by quarter") -> dict:
    """The HHI quarter by quarter, with the usual thresholds. ``rows`` have label and hhi."""
    values = [
        {"quarter": row.label, "order": order, "hhi": _number(row.hhi), "text": f"{row.hhi:,.0f}"}
        for order, row in enumerate(rows)
    ]
    spec = _base(title, f"{title}, 0 to 10,000: higher means more dependent on few customers.", values)
    x = {"field": "quarter", "type": "ordinal", "sort": {"field": "order"}, "title": None, "axis": {"labelAngle": 0}}
    thresholds = [{"hhi": level, "label": label} for level, label in HHI_THRESHOLDS]
    spec["layer"] = [
        {
            "mark": {"type": "line", "point": True, "color": COLOURS["total"]},
            "encoding": {
                "x": x,
                "y": {"field": "hhi", "type": "quantitative", "title": "HHI", "scale": {"domain": [0, 10_000]}},
                "tooltip": [
                    {"field": "quarter", "title": "Quarter"},
                    {"field": "hhi", "title": "HHI", "format": ",.0f"},
                ],
            },
        },
        {
            "mark": {"type": "text", "dy": -10, "fontSize": 10},
            "encoding": {"x": x, "y": {"field": "hhi", "type": "quantitative"}, "text": {"field": "text"}},
        },
        {
            "data": {"values": thresholds},
            "mark": {"type": "rule", "strokeDash": [4, 4], "color": "#8b949e"},
            "encoding": {"y": {"field": "hhi", "type": "quantitative"}},
        },
        {
            "data": {"values": thresholds},
            "mark": {"type": "text", "align": "right", "dy": -5, "x": "width", "color": "#57606a", "fontSize": 10},
            "encoding": {"y": {"field": "hhi", "type": "quantitative"}, "text": {"field": "label"}},
        },
    ]
    return spec


def svg(spec: dict) -> str:
    """The chart as a standalone SVG document, rendered on the server; remote data is never loaded."""
    return vl_convert.vegalite_to_svg(spec, vl_version=VEGA_LITE_VERSION, allowed_base_urls=[])
