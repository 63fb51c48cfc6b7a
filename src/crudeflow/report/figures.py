"""The report's plotly figures, as plain JSON-ready dicts (``{"data": [...], "layout": {...}}``).

Figures are built as dicts rather than ``plotly.graph_objects`` so that the module is typed and
fast; the tests check every figure against plotly's schema with ``go.Figure(fig)``.

Examples
--------
>>> from crudeflow.network.model import toy_network
>>> from crudeflow.solve.plan import plan
>>> net = toy_network()
>>> p = plan(net)
>>> fig = map_figure(net, p)
>>> fig["layout"]["geo"]["resolution"], fig["layout"]["geo"]["scope"]
(50, 'world')
>>> sorted({t["type"] for t in fig["data"]})
['choropleth', 'scattergeo']
"""

from __future__ import annotations

import math
import re
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import pandas as pd

from crudeflow.explanation import country_name
from crudeflow.network.model import Network, Node, Route
from crudeflow.report._assets import ISO3, country_label_points
from crudeflow.report.flows import (
    short_name,
)
from crudeflow.solve.plan import Plan
from crudeflow.watch import crosses_watch, watch_name

__all__ = [
    "CASE_COLOURS",
    "FONT_STACK",
    "Category",
    "map_figure",
    "route_category",
]

Figure = dict[str, Any]
Category = Literal["watch", "bypass", "domestic"]

FONT_STACK = (
    'system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, '
    '"Liberation Sans", "DejaVu Sans", sans-serif'
)
INK = "#1f2933"
MUTED = "#52606d"
CATEGORY_COLOURS: dict[Category, str] = {
    "watch": "#c62828",
    "bypass": "#1565c0",
    "domestic": "#6d5a43",
}
SHUT_IN_COLOUR = "#9aa5b1"
CASE_COLOURS = ("#334e68", "#d9822b", "#2f8f83", "#8e44ad", "#b83280", "#627d98")
NODE_STYLE: dict[str, tuple[str, int, str]] = {
    # kind: (symbol, size, colour)
    "field": ("circle", 11, "#3e2c1c"),
    "hub": ("square", 8, "#52606d"),
    "port": ("diamond", 10, "#243b53"),
    "terminal": ("diamond", 10, "#243b53"),
    "refinery": ("square", 9, "#7b4b94"),
    "border": ("triangle-up", 9, "#52606d"),
    "market": ("star", 15, "#f0b429"),
}
KIND_LABEL = {
    "field": "Field",
    "hub": "Hub",
    "port": "Port",
    "terminal": "Terminal",
    "refinery": "Refinery",
    "border": "Border point",
    "market": "Market",
}
LEGEND_PX = 34
MIN_WIDTH = 1.3
MAX_WIDTH = 13.0


def base_layout(**extra: Any) -> dict[str, Any]:
    """Layout pieces every figure shares: system fonts, white paper, small margins."""
    layout: dict[str, Any] = {
        "font": {"family": FONT_STACK, "size": 13, "color": INK},
        "paper_bgcolor": "#ffffff",
        "plot_bgcolor": "#ffffff",
        "margin": {"l": 10, "r": 10, "t": 10, "b": 10},
        "hoverlabel": {"font": {"family": FONT_STACK, "size": 13}},
    }
    layout.update(extra)
    return layout


def frame_rows(df: pd.DataFrame) -> dict[str, dict[str, Any]]:
    """A DataFrame as ``{index label: {column: value}}`` with string keys.

    Examples
    --------
    >>> frame_rows(pd.DataFrame({"x": [1.5]}, index=["a"]))
    {'a': {'x': 1.5}}
    """
    return {
        str(k): {str(c): v for c, v in row.items()} for k, row in df.to_dict(orient="index").items()
    }


def route_category(route: Route, producer: str, watch: str = "") -> Category:
    """``watch`` when the route crosses the watched country (or lists the watched passage),
    ``domestic`` when it stays in ``producer``, else ``bypass`` (cross-border).

    Examples
    --------
    >>> from crudeflow.network.model import toy_network
    >>> net = toy_network()
    >>> [route_category(r, "KZ", "RU") for r in net.routes]
    ['watch', 'watch', 'bypass']
    >>> [route_category(r, "KZ") for r in net.routes]
    ['bypass', 'bypass', 'bypass']
    """
    if crosses_watch(route, watch):
        return "watch"
    if all(c == producer for c in route.countries):
        return "domestic"
    return "bypass"


def category_name(category: Category, producer: str, watch: str, name: str = "") -> str:
    """Legend name of a route category (``name``: the watch's readable name).

    >>> category_name("watch", "IQ", "HORMUZ", "the Strait of Hormuz")
    'Passes the Strait of Hormuz'
    >>> category_name("bypass", "XX", "")
    'Crosses a border'
    """
    name = name or (country_name(watch) if watch else "")
    return {
        "watch": f"{'Passes' if len(watch) > 2 else 'Crosses'} {name}",
        "bypass": f"Bypasses {name}" if watch else "Crosses a border",
        "domestic": f"Inside {country_name(producer)}",
    }[category]


def _fmt(x: float, digits: int = 1) -> str:
    return "—" if not math.isfinite(x) else f"{x:,.{digits}f}"


def _countries(route: Route) -> str:
    return " → ".join(country_name(c) for c in route.countries) or "—"


def route_hover(route: Route, row: Mapping[str, Any]) -> str:
    """Hover text of a route on the map (HTML allowed by plotly: ``<br>``, ``<b>``)."""
    util = float(row["utilisation"])
    lines = [
        f"<b>{_esc(route.name or route.id)}</b> ({_esc(route.id)})",
        f"{_fmt(float(row['flow_mtpa']))} Mt/yr · {_fmt(float(row['flow_kbd']), 0)} kb/d",
        f"capacity {_fmt(float(row['capacity_mtpa']))} Mt/yr"
        + (f" · used {util:.0%}" if math.isfinite(util) else ""),
        f"{route.mode}, {route.status} · {_esc(_countries(route))}",
        f"tariff {_fmt(route.tariff_usd_per_t)} USD/t",
    ]
    value = float(row["capacity_value_usd_per_t"])
    if value > 1e-6:
        lines.append(f"<b>bottleneck</b>: +1 Mt/yr worth {_fmt(value)} USD/t")
    if str(row.get("closed_by") or ""):
        lines.append(f"closed by '{_esc(str(row['closed_by']))}'")
    return "<br>".join(lines)


def _esc(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


# -- map -----------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class MapBounds:
    """Longitude and latitude ranges of a map, in degrees."""

    lon: tuple[float, float]
    lat: tuple[float, float]


def _merc_y(lat: float) -> float:
    return math.log(math.tan(math.pi / 4 + math.radians(max(min(lat, 85.0), -85.0)) / 2))


def _merc_lat(y: float) -> float:
    return math.degrees(2 * math.atan(math.exp(y)) - math.pi / 2)


def fit_bounds(
    nodes: Sequence[Node], *, pad: float = 0.07, min_span: float = 8.0, aspect: float = 2.2
) -> MapBounds:
    """Bounds around ``nodes`` with a margin, widened so that the Mercator map is ``aspect``
    times wider than high.

    Examples
    --------
    >>> from crudeflow.network.model import toy_network
    >>> fit_bounds(toy_network().nodes)
    MapBounds(lon=(24.65, 55.35), lat=(37.32, 47.58))
    """
    lons = [n.lon for n in nodes] or [0.0]
    lats = [n.lat for n in nodes] or [0.0]
    lo_lon, hi_lon = min(lons), max(lons)
    c_lon = (lo_lon + hi_lon) / 2
    span_x = math.radians(max(hi_lon - lo_lon, min_span) * (1 + 2 * pad))
    y0, y1 = _merc_y(min(lats) - 2.0), _merc_y(max(lats) + 2.0)
    c_y = (y0 + y1) / 2
    span_y = max(y1 - y0, math.radians(min_span * 0.5)) * (1 + 2 * pad)
    if span_x < aspect * span_y:
        span_x = aspect * span_y
    else:
        span_y = span_x / aspect
    half_lon = math.degrees(span_x) / 2
    return MapBounds(
        lon=(round(max(c_lon - half_lon, -180.0), 2), round(min(c_lon + half_lon, 180.0), 2)),
        lat=(round(_merc_lat(c_y - span_y / 2), 2), round(_merc_lat(c_y + span_y / 2), 2)),
    )


def _curve(
    p0: tuple[float, float], p1: tuple[float, float], bend: float, n: int = 24
) -> tuple[list[float], list[float]]:
    """Points of a quadratic Bézier from ``p0`` to ``p1`` (lon, lat) bent sideways by ``bend``.

    The bend is a fraction of the segment length, measured in a local plane where one degree
    of longitude is shortened by cos(latitude); 0 gives a straight line.
    """
    k = math.cos(math.radians((p0[1] + p1[1]) / 2)) or 1.0
    x0, y0 = p0[0] * k, p0[1]
    x1, y1 = p1[0] * k, p1[1]
    dx, dy = x1 - x0, y1 - y0
    cx, cy = (x0 + x1) / 2 - dy * bend, (y0 + y1) / 2 + dx * bend
    xs, ys = [], []
    for i in range(n + 1):
        t = i / n
        x = (1 - t) ** 2 * x0 + 2 * (1 - t) * t * cx + t**2 * x1
        y = (1 - t) ** 2 * y0 + 2 * (1 - t) * t * cy + t**2 * y1
        xs.append(round(x / k, 4))
        ys.append(round(y, 4))
    return xs, ys


def _bearing(p0: tuple[float, float], p1: tuple[float, float]) -> float:
    """Compass bearing (degrees clockwise from north) from ``p0`` to ``p1`` in a local plane."""
    k = math.cos(math.radians((p0[1] + p1[1]) / 2))
    return math.degrees(math.atan2((p1[0] - p0[0]) * k, p1[1] - p0[1])) % 360.0


def width_for(flow_mtpa: float, max_flow: float) -> float:
    """Line width of a route: :data:`MIN_WIDTH` plus a share of the range by flow.

    Examples
    --------
    >>> width_for(0.0, 50.0), width_for(50.0, 50.0)
    (1.3, 13.0)
    """
    if max_flow <= 0 or flow_mtpa <= 0:
        return MIN_WIDTH
    return round(MIN_WIDTH + (MAX_WIDTH - MIN_WIDTH) * min(flow_mtpa / max_flow, 1.0), 2)


def undrawn_routes(network: Network) -> list[Route]:
    """Routes whose two ends share a map point (placeholder coordinates): not drawn."""
    out = []
    for r in network.routes:
        a, b = network.node(r.from_node), network.node(r.to_node)
        if abs(a.lon - b.lon) < 1e-3 and abs(a.lat - b.lat) < 1e-3:
            out.append(r)
    return out


def map_figure(
    network: Network,
    plan: Plan,
    *,
    watch: str | None = None,
    max_flow: float | None = None,
    height: int = 600,
    width: int = 1300,
) -> Figure:
    """A map of the region: country outlines, routes by flow and transit, nodes by kind.

    Parameters
    ----------
    network, plan : Network, Plan
        The network and its solved plan.
    watch : str, optional
        Country or passage whose crossing colours a route red (default: the dataset's
        ``watch``; empty: none).
    max_flow : float, optional
        Flow (Mt/yr) drawn at the widest line; give the same value to every map of a report so
        widths compare. Default: the largest flow of this plan.
    height : int
        Figure height in pixels.
    width : int
        Expected width in pixels (the map fills any width; labels are placed for this one).
    """
    watch = network.meta.watch if watch is None else watch
    producer = network.meta.producer
    routes = plan.routes
    if max_flow is None:
        max_flow = float(routes["flow_mtpa"].max()) if len(routes) else 0.0
    pos = {n.id: (n.lon, n.lat) for n in network.nodes}
    bounds = fit_bounds(network.nodes, aspect=width / (height - LEGEND_PX))
    skip = {r.id for r in undrawn_routes(network)}

    def spot(node_id: str) -> tuple[float, float]:
        lon, lat = pos[node_id]
        return round(lon, 2), round(lat, 2)

    pairs: dict[frozenset[tuple[float, float]], list[str]] = defaultdict(list)
    for r in network.routes:
        if r.id not in skip:
            pairs[frozenset((spot(r.from_node), spot(r.to_node)))].append(r.id)

    data: list[dict[str, Any]] = []
    data.append(_country_tints(network, watch))
    in_legend: set[str] = set()
    arrows: dict[str, list[Any]] = defaultdict(list)
    rows = frame_rows(routes)
    order = sorted(
        (r for r in network.routes if r.id not in skip),
        key=lambda r: (r.status == "operating", float(rows[r.id]["flow_mtpa"])),
    )
    for r in order:
        row = rows[r.id]
        flow = float(row["flow_mtpa"])
        cat = route_category(r, producer, watch)
        colour = CATEGORY_COLOURS[cat]
        same = pairs[frozenset((spot(r.from_node), spot(r.to_node)))]
        k = same.index(r.id)
        bend = (k - (len(same) - 1) / 2) * 0.22
        if spot(r.from_node) > spot(r.to_node):  # same side whatever the direction
            bend = -bend
        p0, p1 = pos[r.from_node], pos[r.to_node]
        lons, lats = _curve(p0, p1, bend)
        operating = r.status == "operating"
        closed = bool(str(row.get("closed_by") or ""))
        style = "dash" if not operating else "dot" if closed else "solid"
        hover = route_hover(r, row)
        name = category_name(cat, producer, watch, watch_name(network, watch))
        in_legend.add(cat)
        in_legend.add(style)
        data.append(
            {
                "type": "scattergeo",
                "mode": "lines",
                "lon": lons,
                "lat": lats,
                "line": {
                    "width": width_for(flow, max_flow),
                    "color": colour,
                    "dash": style,
                },
                "opacity": 0.9 if flow > 1e-6 else 0.6,
                "name": name,
                "legendgroup": cat if style == "solid" else style,
                "showlegend": False,
                "text": [hover] * len(lons),
                "hoverinfo": "text",
            }
        )
        if flow > 1e-6 or style == "dash":
            m = len(lons) // 2
            arrows["lon"].append(lons[m])
            arrows["lat"].append(lats[m])
            arrows["angle"].append(round(_bearing(p0, p1), 1))
            arrows["color"].append(colour)
            arrows["size"].append(round(7 + width_for(flow, max_flow) * 0.9, 1))
            arrows["text"].append(hover)
    for cat in ("watch", "bypass", "domestic"):
        if cat in in_legend:
            data.append(
                _legend_only(
                    category_name(cat, producer, watch, watch_name(network, watch)),
                    CATEGORY_COLOURS[cat],
                    dash="solid",
                    group=cat,
                )
            )
    if "dot" in in_legend:
        data.append(_legend_only("Closed by requirement", "#7b8794", dash="dot", group="dot"))
    data.append(_legend_only("Planned or idle", "#7b8794", dash="dash", group="dash"))
    if arrows:
        data.append(
            {
                "type": "scattergeo",
                "mode": "markers",
                "lon": arrows["lon"],
                "lat": arrows["lat"],
                "marker": {
                    "symbol": "triangle-up",
                    "angle": arrows["angle"],
                    "angleref": "north",
                    "size": arrows["size"],
                    "color": arrows["color"],
                    "line": {"width": 1, "color": "#ffffff"},
                },
                "text": arrows["text"],
                "hoverinfo": "text",
                "showlegend": False,
                "name": "direction",
            }
        )
    data.append(_country_labels(network, watch, bounds))
    data.extend(_node_traces(network, bounds, (width, height - LEGEND_PX)))

    geo = {
        "scope": "world",
        "resolution": 50,
        "projection": {"type": "mercator"},
        "lonaxis": {"range": list(bounds.lon)},
        "lataxis": {"range": list(bounds.lat)},
        "showland": True,
        "landcolor": "#f4f1ea",
        "showocean": True,
        "oceancolor": "#d9e7f1",
        "showlakes": True,
        "lakecolor": "#d9e7f1",
        "showcountries": True,
        "countrycolor": "#8d99a6",
        "countrywidth": 0.8,
        "showcoastlines": True,
        "coastlinecolor": "#7b8da0",
        "coastlinewidth": 0.6,
        "showrivers": False,
        "showframe": False,
        "bgcolor": "#ffffff",
    }
    return {
        "data": data,
        "layout": base_layout(
            geo=geo,
            height=height,
            legend={
                "orientation": "h",
                "x": 0.0,
                "y": 0.0,
                "xanchor": "left",
                "yanchor": "top",
                "font": {"size": 11.5},
                "tracegroupgap": 0,
                "itemsizing": "constant",
            },
            margin={"l": 0, "r": 0, "t": 0, "b": LEGEND_PX},
        ),
    }


def _legend_only(name: str, colour: str, *, dash: str, group: str) -> dict[str, Any]:
    return {
        "type": "scattergeo",
        "mode": "lines",
        "lon": [None],
        "lat": [None],
        "line": {"width": 4, "color": colour, "dash": dash},
        "name": name,
        "legendgroup": group,
        "hoverinfo": "skip",
        "showlegend": True,
    }


def _country_tints(network: Network, watch: str) -> dict[str, Any]:
    """Producer and watched country filled with light tints (a choropleth on the outlines)."""
    producer = network.meta.producer
    codes = [c for c in (producer, watch) if c in ISO3]
    return {
        "type": "choropleth",
        "locationmode": "ISO-3",
        "locations": [ISO3[c] for c in codes],
        "z": [0 if c == producer else 1 for c in codes],
        "zmin": 0,
        "zmax": 1,
        "colorscale": [[0.0, "#f7e6b8"], [1.0, "#f3d3cf"]],
        "showscale": False,
        "marker": {"line": {"width": 0}},
        "text": [country_name(c) for c in codes],
        "hovertemplate": "%{text}<extra></extra>",
        "name": "countries",
        "showlegend": False,
    }


def _country_labels(network: Network, watch: str, bounds: MapBounds) -> dict[str, Any]:
    """Names of the countries the routes cross, at a point inside each country on the map."""
    crossed: list[str] = []
    for r in network.routes:
        for c in r.countries:
            if c not in crossed:
                crossed.append(c)
    for c in (network.meta.producer, watch):
        if c not in crossed:
            crossed.append(c)
    points = country_label_points(crossed)
    lons, lats, texts = [], [], []
    for code in crossed:
        here = [n for n in network.nodes if n.country == code]
        pt = points.get(code)
        mx = 0.12 * (bounds.lon[1] - bounds.lon[0])
        my = 0.12 * (bounds.lat[1] - bounds.lat[0])
        inside = pt is not None and (
            bounds.lon[0] + mx < pt[0] < bounds.lon[1] - mx
            and bounds.lat[0] + my < pt[1] < bounds.lat[1] - my
        )
        if not inside and here and code in (network.meta.producer, watch):
            pt = (sum(n.lon for n in here) / len(here), sum(n.lat for n in here) / len(here) + 1.5)
        elif not inside:
            continue
        assert pt is not None
        if code not in (network.meta.producer, watch) and any(
            abs(n.lon - pt[0]) < 2.0 and abs(n.lat - pt[1]) < 1.2 for n in network.nodes
        ):
            continue  # a small country's name would sit on a node label
        lons.append(round(pt[0], 3))
        lats.append(round(pt[1], 3))
        texts.append(country_name(code).removeprefix("the ").upper())
    return {
        "type": "scattergeo",
        "mode": "text",
        "lon": lons,
        "lat": lats,
        "text": texts,
        "textfont": {"size": 12, "color": "#8c8170", "family": FONT_STACK},
        "hoverinfo": "skip",
        "showlegend": False,
        "name": "country names",
    }


_NODE_LEGEND: tuple[tuple[tuple[str, ...], str], ...] = (
    (("field",), "Fields"),
    (("hub",), "Hubs"),
    (("border",), "Border points"),
    (("refinery",), "Refineries"),
    (("port", "terminal"), "Ports, terminals"),
    (("market",), "Markets"),
)
_HALO = "1px 1px 2px #fff, -1px -1px 2px #fff, 1px -1px 2px #fff, -1px 1px 2px #fff"
_LABEL_PRIORITY = ("field", "terminal", "port", "market", "hub", "border", "refinery")
_LABEL_NOISE = re.compile(
    r"\b(?:Port of|Black Sea Oil Terminal|Oil Terminal|marine terminal|sea terminal|terminal|"
    r"pipeline junction|junction|field)\b"
)
_CHAR_PX = 6.6  # average glyph width of an 11 px system sans font
_LINE_PX = 14.0


def map_label(name: str) -> str:
    """A node's name shortened for a map label.

    Examples
    --------
    >>> map_label("Port of Aktau (oil berths 4, 5, 8)"), map_label("Tengiz field (TCO)")
    ('Aktau', 'Tengiz')
    >>> map_label("Sangachal terminal / Baku (head of BTC)")
    'Sangachal / Baku'
    """
    text = _LABEL_NOISE.sub("", short_name(name))
    text = re.sub(r"\s+", " ", text).strip(" /:,-")
    return text or short_name(name)


@dataclass(frozen=True, slots=True)
class _Box:
    x0: float
    y0: float
    x1: float
    y1: float

    def hits(self, other: _Box) -> bool:
        return not (
            self.x1 <= other.x0 or other.x1 <= self.x0 or self.y1 <= other.y0 or other.y1 <= self.y0
        )


def place_labels(
    points: Sequence[tuple[float, float, str]],
    bounds: MapBounds,
    *,
    plot_width_px: float,
    plot_height_px: float,
) -> list[tuple[float, float, str, str]]:
    """Greedy label placement: right, left, above or below each point, skipping a label that
    would overlap one already placed, a marker or the map edge.

    ``points`` are ``(lon, lat, text)`` in priority order; the result is
    ``(lon, lat, text, plotly textposition)`` for the labels kept. Positions are estimated in
    pixels of the Mercator map filling ``plot_width_px`` × ``plot_height_px``.

    Examples
    --------
    Two close points: each label goes to the side away from the other marker.

    >>> b = MapBounds(lon=(0.0, 20.0), lat=(0.0, 10.0))
    >>> [t for *_, t in place_labels([(5, 5, "A"), (5.2, 5, "B")], b, plot_width_px=1000,
    ...                                     plot_height_px=500)]
    ['middle left', 'middle right']
    """
    x_span = math.radians(bounds.lon[1] - bounds.lon[0])
    y_lo = _merc_y(bounds.lat[0])
    y_span = _merc_y(bounds.lat[1]) - y_lo
    scale = min(plot_width_px / x_span, plot_height_px / y_span)

    def xy(lon: float, lat: float) -> tuple[float, float]:
        return math.radians(lon - bounds.lon[0]) * scale, (_merc_y(lat) - y_lo) * scale

    width_px, height_px = xy(bounds.lon[1], bounds.lat[1])
    edge = _Box(0.0, 0.0, width_px, height_px)
    taken = [_Box(x - 5, y - 5, x + 5, y + 5) for x, y in (xy(lo, la) for lo, la, _ in points)]
    out = []
    for lon, lat, text in points:
        x, y = xy(lon, lat)
        w, hh = len(text) * _CHAR_PX, _LINE_PX
        options = (
            ("middle right", _Box(x + 7, y - hh / 2, x + 7 + w, y + hh / 2)),
            ("middle left", _Box(x - 7 - w, y - hh / 2, x - 7, y + hh / 2)),
            ("top center", _Box(x - w / 2, y + 6, x + w / 2, y + 6 + hh)),
            ("bottom center", _Box(x - w / 2, y - 6 - hh, x + w / 2, y - 6)),
        )
        for position, box in options:
            inside = (
                box.x0 >= edge.x0 and box.x1 <= edge.x1 and box.y0 >= edge.y0 and box.y1 <= edge.y1
            )
            own = _Box(x - 5, y - 5, x + 5, y + 5)
            if inside and not any(box.hits(t) for t in taken if t != own):
                taken.append(box)
                out.append((lon, lat, text, position))
                break
    return out


def _node_traces(
    network: Network, bounds: MapBounds, plot_px: tuple[float, float]
) -> list[dict[str, Any]]:
    """One marker trace per node kind and the node names, placed so they do not overlap."""
    at: dict[tuple[float, float], list[Node]] = defaultdict(list)
    for n in network.nodes:
        at[(round(n.lon, 2), round(n.lat, 2))].append(n)
    hover_at = {
        key: "<br>".join(
            f"<b>{_esc(short_name(n.name))}</b> ({KIND_LABEL.get(n.kind, n.kind).lower()}"
            + (f", {_esc(country_name(n.country))}" if n.country else "")
            + ")"
            for n in nodes
        )
        for key, nodes in at.items()
    }
    traces: list[dict[str, Any]] = []
    for kinds, legend_name in _NODE_LEGEND:
        nodes = [n for n in network.nodes if n.kind in kinds]
        if not nodes:
            continue
        kind = kinds[0]
        symbol, size, colour = NODE_STYLE[kind]
        traces.append(
            {
                "type": "scattergeo",
                "mode": "markers",
                "lon": [n.lon for n in nodes],
                "lat": [n.lat for n in nodes],
                "marker": {
                    "symbol": symbol,
                    "size": size,
                    "color": colour,
                    "line": {"width": 1.2, "color": "#ffffff" if kind != "market" else INK},
                },
                "name": legend_name,
                "text": [hover_at[(round(n.lon, 2), round(n.lat, 2))] for n in nodes],
                "hoverinfo": "text",
            }
        )

    def rank(n: Node) -> int:
        return _LABEL_PRIORITY.index(n.kind) if n.kind in _LABEL_PRIORITY else 99

    candidates = []
    for (lon, lat), nodes in at.items():
        ranked = sorted(nodes, key=rank)
        names = list(dict.fromkeys(map_label(n.name) for n in ranked))
        label = names[0]
        if len(names) > 1 and len(label) + len(names[1]) <= 26:
            label = f"{label} · {names[1]}"
        candidates.append((rank(ranked[0]), -len(nodes), lon, lat, label))
    candidates.sort(key=lambda c: (c[0], c[1]))
    placed = place_labels(
        [(lon, lat, text) for *_, lon, lat, text in candidates],
        bounds,
        plot_width_px=plot_px[0],
        plot_height_px=plot_px[1],
    )
    traces.append(
        {
            "type": "scattergeo",
            "mode": "markers+text",
            "marker": {"size": 9, "opacity": 0},
            "lon": [p[0] for p in placed],
            "lat": [p[1] for p in placed],
            "text": [p[2] for p in placed],
            "textposition": [p[3] for p in placed],
            "textfont": {"size": 11, "color": INK, "family": FONT_STACK, "shadow": _HALO},
            "hoverinfo": "skip",
            "showlegend": False,
            "name": "node names",
        }
    )
    return traces
