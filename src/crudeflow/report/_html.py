"""Small HTML helpers and the report's stylesheet (system fonts only, nothing fetched)."""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Sequence
from html import escape
from typing import Any

from crudeflow.report.figures import FONT_STACK

__all__ = ["CSS", "Table", "esc", "figure_div", "figure_script", "num", "table_html"]


def esc(text: object) -> str:
    """HTML-escape ``text`` (quotes included).

    Examples
    --------
    >>> esc("via A & B <= 5")
    'via A &amp; B &lt;= 5'
    """
    return escape(str(text), quote=True)


def num(x: float, digits: int = 1, *, dash_zero: bool = False) -> str:
    """A number with thousands separators; ``—`` for NaN (and zero when ``dash_zero``).

    Examples
    --------
    >>> num(1234.56), num(float("nan")), num(0.0, dash_zero=True), num(0.004, 2), num(-0.01)
    ('1,234.6', '—', '—', '0.00', '0.0')
    """
    if not math.isfinite(x) or (dash_zero and abs(x) < 0.5 * 10.0**-digits):
        return "—"
    return f"{round(x, digits) + 0.0:,.{digits}f}"  # + 0.0: never "-0.0"


Table = tuple[Sequence[str], Iterable[Sequence[str]]]


def table_html(
    headers: Sequence[str],
    rows: Iterable[Sequence[str]],
    *,
    numeric: Iterable[int] = (),
    raw: Iterable[int] = (),
    classes: str = "",
    row_classes: Sequence[str] | None = None,
) -> str:
    """A ``<table>``; cells are escaped unless their column index is in ``raw``.

    Examples
    --------
    >>> table_html(["a", "b"], [["x", "1"]], numeric=[1])
    '<table class=""><thead><tr><th>a</th><th class="num">b</th></tr></thead><tbody><tr><td>x</td><td class="num">1</td></tr></tbody></table>'
    """
    num_cols = set(numeric)
    raw_cols = set(raw)
    head = "".join(
        f'<th class="num">{esc(h)}</th>' if i in num_cols else f"<th>{esc(h)}</th>"
        for i, h in enumerate(headers)
    )
    body = []
    for k, row in enumerate(rows):
        cells = "".join(
            (
                f'<td class="num">{c if i in raw_cols else esc(c)}</td>'
                if i in num_cols
                else f"<td>{c if i in raw_cols else esc(c)}</td>"
            )
            for i, c in enumerate(row)
        )
        cls = f' class="{esc(row_classes[k])}"' if row_classes and row_classes[k] else ""
        body.append(f"<tr{cls}>{cells}</tr>")
    return (
        f'<table class="{esc(classes)}"><thead><tr>{head}</tr></thead>'
        f"<tbody>{''.join(body)}</tbody></table>"
    )


def _clean(obj: Any) -> Any:
    """JSON-ready copy: NaN and infinities become ``None``."""
    if isinstance(obj, float):
        return obj if math.isfinite(obj) else None
    if isinstance(obj, dict):
        return {k: _clean(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [_clean(v) for v in obj]
    return obj


def figure_div(fig_id: str, *, height: int, kind: str, aspect: float | None = None) -> str:
    """The empty ``<div>`` a figure is drawn into: ``height`` pixels high, or, with ``aspect``,
    as wide as its card and ``aspect`` times wider than high (at most ``height`` pixels).

    Examples
    --------
    >>> figure_div("f", height=300, kind="bar")
    '<div id="f" class="plot plot-bar" style="height:300px"></div>'
    """
    style = (
        f"height:{int(height)}px"
        if aspect is None
        else f"width:100%;aspect-ratio:{aspect:.4f};max-height:{int(height)}px"
    )
    return f'<div id="{esc(fig_id)}" class="plot plot-{esc(kind)}" style="{style}"></div>'


def figure_script(fig_id: str, fig: dict[str, Any], config: dict[str, Any]) -> str:
    """JavaScript that draws ``fig`` into the div ``fig_id`` (JSON escaped for ``<script>``)."""
    payload = json.dumps(_clean(fig), separators=(",", ":"), allow_nan=False)
    payload = payload.replace("</", "<\\/")
    cfg = json.dumps(config, separators=(",", ":"))
    return (
        f"(function(){{var f={payload};"
        f"Plotly.newPlot({json.dumps(fig_id)},f.data,f.layout,{cfg});}})();"
    )


CSS = """
:root {
  --ink: #1f2933; --muted: #52606d; --faint: #9aa5b1; --line: #e4e7eb; --bg: #f5f7fa;
  --card: #ffffff; --accent: #334e68; --watch: #c62828; --bypass: #1565c0; --good: #2f8f83;
}
* { box-sizing: border-box; }
html { font-family: FONT; color: var(--ink); background: var(--bg); }
body { margin: 0; line-height: 1.45; font-size: 15px; }
header.top { background: #102a43; color: #f0f4f8; padding: 28px 0 22px; }
header.top .wrap > p { margin: 4px 0 0; color: #bcccdc; }
header.top h1 { margin: 0; font-size: 28px; font-weight: 650; letter-spacing: -0.01em; }
.wrap { max-width: 1360px; margin: 0 auto; padding: 0 28px; }
main.wrap { padding-top: 8px; padding-bottom: 40px; }
section { margin-top: 28px; }
h2 { font-size: 21px; margin: 0 0 4px; font-weight: 650; }
h3 { font-size: 16px; margin: 0 0 6px; font-weight: 650; }
p.lead { margin: 0 0 12px; color: var(--muted); max-width: 980px; }
.card { background: var(--card); border: 1px solid var(--line); border-radius: 10px;
        padding: 16px 18px; box-shadow: 0 1px 2px rgba(16,42,67,0.05); }
.grid { display: grid; gap: 16px; grid-template-columns: repeat(auto-fit, minmax(560px, 1fr)); }
.kpis { display: grid; gap: 10px; grid-template-columns: repeat(auto-fit, minmax(125px, 1fr));
        margin: 10px 0 6px; }
.kpi { background: #f8fafc; border: 1px solid var(--line); border-radius: 8px; padding: 10px 12px; }
.kpi .v { font-size: 24px; font-weight: 680; font-variant-numeric: tabular-nums; }
.kpi .u { font-size: 13px; color: var(--muted); margin-left: 3px; }
.kpi .l { font-size: 12.5px; color: var(--muted); font-weight: 600; }
.kpi .s { font-size: 12.5px; color: var(--muted); margin-top: 2px; }
.kpi.watch .v { color: var(--watch); }
.case-title { display: flex; align-items: baseline; gap: 10px; flex-wrap: wrap; }
.swatch { display: inline-block; width: 12px; height: 12px; border-radius: 3px;
          vertical-align: -1px; }
.chips { margin: 4px 0 8px; }
.chip { display: inline-block; font-size: 12.5px; padding: 2px 9px; margin: 2px 4px 2px 0;
        border-radius: 999px; background: #e6f0fa; color: #243b53; border: 1px solid #c6dcef; }
.chip.none { background: #f0f4f8; color: var(--muted); border-color: var(--line); }
.chip.short { background: #fde8e8; border-color: #f5b5b5; color: #8a1c1c; }
ul.findings { margin: 8px 0 0; padding-left: 20px; }
ul.findings li { margin: 3px 0; }
table { border-collapse: collapse; width: 100%; font-size: 13.5px;
        font-variant-numeric: tabular-nums; }
th, td { padding: 6px 8px; border-bottom: 1px solid var(--line); text-align: left;
         vertical-align: top; }
th { font-weight: 600; color: var(--muted); font-size: 12.5px; background: #f8fafc; }
td.num, th.num { text-align: right; }
td.num { white-space: nowrap; }
.grid > * { min-width: 0; }
tr.idle td { color: var(--faint); }
tr.binding td { background: #fff8e6; }
table.compare td:first-child { font-weight: 600; min-width: 190px; }
table.compare td.num { white-space: normal; min-width: 120px; }
table.compare th.num { white-space: normal; }
.bar { display: inline-block; height: 8px; border-radius: 4px; background: var(--accent);
       vertical-align: middle; margin-right: 6px; }
.bar.full { background: var(--watch); }
.bar-wrap { display: inline-block; width: 60px; background: #eef2f6; border-radius: 4px;
            height: 8px; vertical-align: middle; margin-right: 6px; }
.bar-wrap .bar { margin: 0; display: block; }
.caption { font-size: 13px; color: var(--muted); margin: 8px 0 0; }
.caption b { color: var(--ink); }
.note { font-size: 13px; color: #7c5e10; background: #fffbea; border: 1px solid #f8e3a3;
        border-radius: 6px; padding: 6px 10px; margin-top: 8px; }
.tag { display: inline-block; font-size: 11.5px; padding: 0 6px; border-radius: 4px;
       border: 1px solid var(--line); color: var(--muted); margin-left: 4px; }
.tag.watch { color: var(--watch); border-color: #f3c1c1; }
.tag.bypass { color: var(--bypass); border-color: #bcd4ee; }
details { margin-top: 12px; }
details summary { cursor: pointer; color: var(--accent); font-weight: 600; }
.table-scroll { overflow-x: auto; }
pre.cmd { background: #102a43; color: #f0f4f8; padding: 10px 12px; border-radius: 6px;
          overflow-x: auto; font-size: 13px; }
code, pre { font-family: ui-monospace, "SFMono-Regular", Menlo, Consolas, "Liberation Mono",
            "DejaVu Sans Mono", monospace; }
dl.meta { display: grid; grid-template-columns: max-content 1fr; gap: 4px 14px; margin: 8px 0 0;
          font-size: 13.5px; }
dl.meta dt { color: var(--muted); }
dl.meta dd { margin: 0; word-break: break-all; }
footer { color: var(--muted); font-size: 12.5px; padding: 18px 0 30px; }
@media print { header.top { background: #fff; color: #000; } .card { box-shadow: none; } }
""".replace("FONT", FONT_STACK)
