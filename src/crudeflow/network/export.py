"""Export a :class:`~crudeflow.network.model.Network` as CSV tables, GeoJSON or a PyPSA folder.

Three formats, one façade (:func:`export_network`, used by ``crudeflow network export``):

``csv`` (:func:`export_csv`)
    Tidy flat tables for spreadsheets: ``nodes.csv``, ``routes.csv`` (capacity in Mt/yr *and*
    kb/d), ``supply.csv`` and ``markets.csv`` (one row per market and Brent year, with the price
    in USD/t). Empty cells mean "not given".

``geojson`` (:func:`export_geojson`)
    An RFC 7946 ``FeatureCollection``: a ``Point`` per node and a straight ``LineString`` per
    route from its from-node to its to-node. Positions are ``[longitude, latitude]`` (WGS 84),
    as RFC 7946 requires; there is no ``crs`` member.

``pypsa`` (:func:`export_pypsa`)
    A CSV folder that ``pypsa.Network(folder)`` imports (checked against PyPSA 1.4), describing
    the single-year planning LP of :func:`crudeflow.solve.plan.plan` for one year.

Every export refuses to overwrite: an existing file, or a folder that is not empty, is
written only with ``force=True`` (``--force``). Writes are atomic (see :mod:`crudeflow._io`):
a folder is filled as a temporary sibling and renamed into place, a file is renamed over the
old one, so an interrupted export never leaves half a file.

Barrels appear only through a grade's barrels per tonne: a route's kb/d uses the route's grade
(the dataset's default grade when the route names none), via :func:`crudeflow.units.mtpa_to_kbd`.

PyPSA mapping
-------------
PyPSA is an energy-system tool; here its "power" unit is **Mt/yr of crude, not MW**, and its
cost unit is **USD per tonne**, so an objective value is USD m per year. The folder holds:

===================  ==========================================================================
PyPSA file           crudeflow meaning
===================  ==========================================================================
``network.csv``      the dataset title; ``srid`` 4326 (x, y are WGS 84 longitude, latitude)
``snapshots.csv``    one snapshot named by the year, weight 1 (one year of flow)
``carriers.csv``     ``crude`` (buses, generators) and each route mode used (links)
``buses.csv``        one bus per node: ``x`` = lon, ``y`` = lat, carrier ``crude``, unit ``Mt/yr``
``links.csv``        one link per route: ``bus0`` = from, ``bus1`` = to, ``p_nom`` = capacity
                     (Mt/yr), ``efficiency`` = 1 - loss, ``marginal_cost`` = tariff (USD/t),
                     ``p_min_pu`` 0, ``p_max_pu`` 1; carrier = the route's mode
``generators.csv``   ``<node>_supply`` per supply node: ``p_nom`` = the year's supply (Mt/yr),
                     ``marginal_cost`` 0, dispatch in ``[0, p_nom]`` (oil may stay shut in);
                     ``<node>_market`` per market: a *sink* with ``p_min_pu`` -1, ``p_max_pu`` 0,
                     ``marginal_cost`` = the year's price (USD/t), ``p_nom`` = ``max_mtpa``,
                     or the year's total supply when the market has no limit (it can never
                     receive more, since every efficiency is at most 1)
``README.md``        these units and this mapping, for whoever opens the folder (PyPSA
                     ignores it)
===================  ==========================================================================

A node's loading limit (``throughput_mtpa``: at most that much leaves it, over every route
whose ``from`` is the node) is exact in PyPSA as a split bus: a second bus ``<node>_out`` at
the same place, one link ``<node>_loading`` from the node to it (``p_nom`` = the limit,
efficiency 1, cost 0, carrier ``loading``), and every route leaving the node starts at
``<node>_out``. Supply, markets and arriving routes stay on the node's own bus.

Minimum commitments (``commitments.csv``) are **not exported**: each is a soft minimum on the
summed flow of several routes, with a penalty per tonne short, and a PyPSA CSV folder has no
component for a constraint across links (it needs a custom constraint through
``n.optimize(extra_functionality=...)``). The folder's ``README.md`` lists the year's
commitments as left out; where one binds in crudeflow's plan, PyPSA's optimum differs.

A market generator's dispatch is negative: ``-p`` Mt/yr are sold, and its cost ``price x p``
is revenue with a minus sign. Minimising PyPSA's objective (link tariffs plus generator costs)
therefore *maximises netback*, exactly the objective of crudeflow's own annual LP, and
``-objective`` is the netback in USD m.

Routes that do not carry oil in the year (status ``planned`` or ``idle``, or ``since_year``
after the year: see :meth:`~crudeflow.network.model.Route.open_in`) are **kept with**
``p_nom`` **0**, so there is always one link per route and a user can reopen one by editing
``p_nom``. Only standard PyPSA attributes are written (PyPSA rejects some names, e.g. a
``status`` column on links clashes with its unit-commitment status); route status, grade and
kb/d capacity are listed in ``README.md`` instead.

Examples
--------
>>> import tempfile
>>> from crudeflow.network.model import toy_network
>>> with tempfile.TemporaryDirectory() as tmp:
...     paths = export_network(toy_network(), "csv", tmp)
...     [p.name for p in paths]
['nodes.csv', 'routes.csv', 'supply.csv', 'markets.csv']
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any, Literal, overload

from crudeflow._io import atomic_folder, atomic_write_text, check_output_file
from crudeflow.errors import OutputPathError, ScenarioError
from crudeflow.network._fleet import pool_mt_by_route
from crudeflow.network.model import Benchmark, Network, Route
from crudeflow.units import mtpa_to_kbd

__all__ = [
    "PYPSA_FORMAT_VERSION",
    "ExportFormat",
    "export_csv",
    "export_geojson",
    "export_network",
    "export_pypsa",
    "geojson_collection",
]

ExportFormat = Literal["csv", "geojson", "pypsa"]

PYPSA_FORMAT_VERSION = "1.4.0"
"""PyPSA version whose CSV-folder conventions :func:`export_pypsa` follows (``network.csv``)."""

_Cell = str | int | float | None
_Row = Mapping[str, _Cell]


# ---------------------------------------------------------------------------------------
# helpers
def _write_csv(path: Path, columns: Sequence[str], rows: Iterable[_Row]) -> Path:
    """Write dict rows as CSV (UTF-8, ``\\n`` line ends); ``None`` becomes an empty cell."""
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(columns)
        for row in rows:
            if list(row) != list(columns):  # a programming error: keep headers and rows in step
                raise AssertionError(f"{path.name}: row keys {list(row)} != columns {columns}")
            writer.writerow(["" if cell is None else cell for cell in row.values()])
    return path


def _grade_id(network: Network, route: Route) -> str:
    """The grade id a route's oil is counted in (its own, else the dataset default)."""
    return network.grade_of(route.grade).id


def _kbd(network: Network, route: Route, mtpa: float | None) -> float | None:
    """``mtpa`` of this route's oil in kb/d, through the route's grade."""
    if mtpa is None:
        return None
    return float(mtpa_to_kbd(mtpa, bbl_per_t=network.grade_of(route.grade).bbl_per_t))


def _route_name(route: Route) -> str:
    return route.name or route.id


def _node_name(network: Network, node_id: str) -> str:
    return network.node(node_id).name if network.has_node(node_id) else ""


# ---------------------------------------------------------------------------------------
# CSV
_NODE_COLUMNS = (
    "id", "name", "kind", "country", "lat", "lon", "storage_mt",
    "source", "coords_source", "storage_source", "throughput_mtpa", "throughput_source", "note",
)  # fmt: skip
_ROUTE_COLUMNS = (
    "id", "name", "from", "to", "mode", "grade", "bbl_per_t",
    "capacity_mtpa", "capacity_kbd", "physical_capacity_mtpa", "physical_capacity_kbd",
    "tariff_usd_per_t", "transit_days", "loss_pct", "countries", "passages", "status",
    "since_year", "source", "capacity_source", "physical_capacity_source", "tariff_source", "transit_source",
    "loss_source", "note",
)  # fmt: skip
_SUPPLY_COLUMNS = ("node", "node_name", "year", "mt", "source", "note")
_MARKET_COLUMNS = (
    "node", "name", "grade", "bbl_per_t", "year", "brent_usd_per_bbl", "diff_usd_per_bbl",
    "price_usd_per_bbl", "price_usd_per_t", "max_mtpa",
    "source", "diff_source", "max_source", "brent_source", "note",
)  # fmt: skip


def export_csv(network: Network, out_dir: str | Path, *, force: bool = False) -> list[Path]:
    """Write the network as four tidy CSV tables for spreadsheets.

    Parameters
    ----------
    network : Network
        The network to export.
    out_dir : str or Path
        Folder to write into: created when missing; an existing one must be empty.
    force : bool
        Write into a folder that is not empty, replacing files of the same names (others stay).

    Returns
    -------
    list of Path
        ``nodes.csv``, ``routes.csv``, ``supply.csv`` and ``markets.csv``, in that order.

    Raises
    ------
    OutputExistsError
        ``out_dir`` is a folder that is not empty and ``force`` is false.
    OutputPathError
        ``out_dir`` is a file.

    Notes
    -----
    - ``routes.csv`` gives capacity in Mt/yr and in kb/d; kb/d goes through the route's grade
      (column ``grade``, the dataset default when the route names none, with its
      ``bbl_per_t``). ``countries`` is ``;``-joined in crossing order, ``passages`` (straits
      and canals passed) likewise. The ``*source`` columns
      are copied from the dataset, so every figure stays traceable.
    - ``markets.csv`` has one row per market and Brent year:
      ``price_usd_per_t = (brent_usd_per_bbl + diff_usd_per_bbl) x bbl_per_t`` of the market's
      grade. A market is listed once with empty price cells when the network has no Brent
      prices.
    - ``supply.csv`` has one row per supply row of the dataset (Mt in the year).
    - ``nodes.csv`` carries each node's loading limit (``throughput_mtpa``, empty when none)
      and its ``throughput_source``. Capacities by year (``route_years.csv``) and
      commitments are not in these tables.

    Examples
    --------
    >>> import csv, tempfile
    >>> from pathlib import Path
    >>> from crudeflow.network.model import toy_network
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     paths = export_csv(toy_network(), tmp)
    ...     with open(Path(tmp) / "routes.csv", encoding="utf-8") as fh:
    ...         a_m = [r for r in csv.DictReader(fh) if r["id"] == "A_M"][0]
    ...     with open(Path(tmp) / "markets.csv", encoding="utf-8") as fh:
    ...         market = next(csv.DictReader(fh))
    >>> [p.name for p in paths]
    ['nodes.csv', 'routes.csv', 'supply.csv', 'markets.csv']
    >>> a_m["capacity_mtpa"], round(float(a_m["capacity_kbd"]), 1), a_m["countries"]
    ('4.0', 87.6, 'KZ;AZ;TR')
    >>> market["year"], market["price_usd_per_t"]
    ('2025', '600.0')
    """
    out = Path(out_dir)
    node_rows: Iterable[_Row] = (
        {
            "id": n.id,
            "name": n.name,
            "kind": n.kind,
            "country": n.country,
            "lat": n.lat,
            "lon": n.lon,
            "storage_mt": n.storage_mt,
            "source": n.source,
            "coords_source": n.coords_source,
            "storage_source": n.storage_source,
            "throughput_mtpa": n.throughput_mtpa,
            "throughput_source": n.throughput_source,
            "note": n.note,
        }
        for n in network.nodes
    )
    route_rows: Iterable[_Row] = (
        {
            "id": r.id,
            "name": r.name,
            "from": r.from_node,
            "to": r.to_node,
            "mode": r.mode,
            "grade": _grade_id(network, r),
            "bbl_per_t": network.grade_of(r.grade).bbl_per_t,
            "capacity_mtpa": r.capacity_mtpa,
            "capacity_kbd": _kbd(network, r, r.capacity_mtpa),
            "physical_capacity_mtpa": r.physical_capacity_mtpa,
            "physical_capacity_kbd": _kbd(network, r, r.physical_capacity_mtpa),
            "tariff_usd_per_t": r.tariff_usd_per_t,
            "transit_days": r.transit_days,
            "loss_pct": r.loss_pct,
            "countries": ";".join(r.countries),
            "passages": ";".join(r.passages),
            "status": r.status,
            "since_year": r.since_year,
            "source": r.source,
            "capacity_source": r.capacity_source,
            "physical_capacity_source": r.physical_capacity_source,
            "tariff_source": r.tariff_source,
            "transit_source": r.transit_source,
            "loss_source": r.loss_source,
            "note": r.note,
        }
        for r in network.routes
    )
    supply_rows: Iterable[_Row] = (
        {
            "node": s.node,
            "node_name": _node_name(network, s.node),
            "year": s.year,
            "mt": s.mt,
            "source": s.source,
            "note": s.note,
        }
        for s in network.supply
    )
    market_rows: list[_Row] = []
    by_year = sorted(network.benchmarks, key=lambda bench: bench.year)
    benchmarks: list[Benchmark | None] = [*by_year] or [None]  # None: a row with no price
    for m in network.markets:
        grade = network.grade_of(m.grade)
        for b in benchmarks:
            market_rows.append(
                {
                    "node": m.node,
                    "name": _node_name(network, m.node),
                    "grade": grade.id,
                    "bbl_per_t": grade.bbl_per_t,
                    "year": b.year if b else None,
                    "brent_usd_per_bbl": b.brent_usd_per_bbl if b else None,
                    "diff_usd_per_bbl": m.diff_usd_per_bbl,
                    "price_usd_per_bbl": b.brent_usd_per_bbl + m.diff_usd_per_bbl if b else None,
                    "price_usd_per_t": network.price_usd_per_t(m.node, b.year) if b else None,
                    "max_mtpa": m.max_mtpa,
                    "source": m.source,
                    "diff_source": m.diff_source,
                    "max_source": m.max_source,
                    "brent_source": b.source if b else None,
                    "note": m.note,
                }
            )
    with atomic_folder(out, force=force) as work:
        written = [
            _write_csv(work / "nodes.csv", _NODE_COLUMNS, node_rows),
            _write_csv(work / "routes.csv", _ROUTE_COLUMNS, route_rows),
            _write_csv(work / "supply.csv", _SUPPLY_COLUMNS, supply_rows),
            _write_csv(work / "markets.csv", _MARKET_COLUMNS, market_rows),
        ]
    return [out / p.name for p in written]


# ---------------------------------------------------------------------------------------
# GeoJSON
def _geojson_path(out: Path) -> Path:
    """The file to write: ``out`` itself when it names a ``.geojson``/``.json`` file."""
    if not str(out):
        raise OutputPathError("''", "an empty path; give a file or folder name")
    if out.is_dir() or out.suffix.lower() not in (".geojson", ".json"):
        if out.exists() and not out.is_dir():
            raise OutputPathError(str(out), "exists and is not a folder or a .geojson file")
        return out / "network.geojson"
    return out


def geojson_collection(network: Network) -> dict[str, Any]:
    """The network as a GeoJSON ``FeatureCollection`` dict (what :func:`export_geojson` writes).

    Examples
    --------
    >>> from crudeflow.network.model import toy_network
    >>> fc = geojson_collection(toy_network())
    >>> fc["type"], [f["properties"]["layer"] for f in fc["features"]][:4]
    ('FeatureCollection', ['node', 'node', 'node', 'route'])
    """
    producer = network.meta.producer
    features: list[dict[str, Any]] = []
    for n in network.nodes:
        features.append(
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [n.lon, n.lat]},
                "properties": {
                    "layer": "node",
                    "id": n.id,
                    "name": n.name,
                    "kind": n.kind,
                    "country": n.country,
                    "storage_mt": n.storage_mt,
                    "throughput_mtpa": n.throughput_mtpa,
                },
            }
        )
    for r in network.routes:
        a, b = network.node(r.from_node), network.node(r.to_node)
        features.append(
            {
                "type": "Feature",
                "geometry": {"type": "LineString", "coordinates": [[a.lon, a.lat], [b.lon, b.lat]]},
                "properties": {
                    "layer": "route",
                    "id": r.id,
                    "name": _route_name(r),
                    "from": r.from_node,
                    "to": r.to_node,
                    "mode": r.mode,
                    "grade": _grade_id(network, r),
                    "capacity_mtpa": r.capacity_mtpa,
                    "capacity_kbd": _kbd(network, r, r.capacity_mtpa),
                    "tariff_usd_per_t": r.tariff_usd_per_t,
                    "countries": list(r.countries),
                    "crosses": list(dict.fromkeys(c for c in r.countries if c != producer)),
                    "passages": list(r.passages),
                    "status": r.status,
                    "since_year": r.since_year,
                },
            }
        )
    return {"type": "FeatureCollection", "features": features}


def export_geojson(network: Network, out_path_or_dir: str | Path, *, force: bool = False) -> Path:
    """Write the network as an RFC 7946 GeoJSON ``FeatureCollection``.

    Parameters
    ----------
    network : Network
        The network to export.
    out_path_or_dir : str or Path
        A file ending in ``.geojson`` or ``.json``, or a folder (created when missing) that
        receives ``network.geojson``.
    force : bool
        Replace the file when it exists.

    Returns
    -------
    Path
        The file written.

    Raises
    ------
    OutputExistsError
        The file exists and ``force`` is false.
    OutputPathError
        The path cannot take the file (e.g. a device, or a file that is not ``.geojson``).

    Notes
    -----
    Features come nodes first (in network order), then routes. Every feature has a
    ``layer`` property, ``"node"`` or ``"route"``, for styling.

    - Node: a ``Point`` at ``[lon, lat]``; properties ``id``, ``name``, ``kind``, ``country``,
      ``storage_mt`` (``null`` when unknown), ``throughput_mtpa`` (the node's loading limit,
      ``null`` when none).
    - Route: a straight two-position ``LineString`` from the from-node to the to-node (not the
      real path); properties ``id``, ``name`` (the id when the route has none), ``from``,
      ``to``, ``mode``, ``grade``, ``capacity_mtpa``, ``capacity_kbd`` (through the route's
      grade), ``tariff_usd_per_t``, ``countries`` (every country crossed, in order),
      ``crosses`` (the same without the producer country: the countries the oil depends on),
      ``passages`` (straits and canals passed, in order), ``status`` and ``since_year``.

    Examples
    --------
    >>> import json, tempfile
    >>> from crudeflow.network.model import toy_network
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     path = export_geojson(toy_network(), tmp)
    ...     doc = json.loads(path.read_text(encoding="utf-8"))
    >>> path.name, doc["type"], len(doc["features"])
    ('network.geojson', 'FeatureCollection', 6)
    >>> doc["features"][0]["geometry"]
    {'type': 'Point', 'coordinates': [50.0, 45.0]}
    >>> a_m = doc["features"][-1]
    >>> a_m["geometry"]["coordinates"], a_m["properties"]["crosses"]
    ([[50.0, 45.0], [30.0, 40.0]], ['AZ', 'TR'])
    """
    path = check_output_file(_geojson_path(Path(out_path_or_dir)), force=force)
    doc = geojson_collection(network)
    # allow_nan=False: RFC 8259 JSON has no NaN or Infinity, so fail rather than write one
    text = json.dumps(doc, ensure_ascii=False, allow_nan=False) + "\n"
    return atomic_write_text(path, text, force=force)


# ---------------------------------------------------------------------------------------
# PyPSA
_LINK_COLUMNS = (
    "name", "bus0", "bus1", "carrier", "p_nom", "efficiency", "marginal_cost",
    "p_min_pu", "p_max_pu",
)  # fmt: skip
_GENERATOR_COLUMNS = (
    "name", "bus", "carrier", "p_nom", "p_min_pu", "p_max_pu", "marginal_cost",
)  # fmt: skip


def export_pypsa(
    network: Network, out_dir: str | Path, *, year: int | None = None, force: bool = False
) -> Path:
    """Write a PyPSA CSV folder of the network's single-year plan (``pypsa.Network(folder)``).

    The mapping (units Mt/yr and USD/t, markets as negative-dispatch generators) is described
    in the module docstring and in the ``README.md`` written into the folder.

    Parameters
    ----------
    network : Network
        The network to export.
    out_dir : str or Path
        Folder to write into: created when missing; an existing one must be empty.
    year : int, optional
        The year whose supply, prices and open routes are exported; default: the dataset's
        ``base_year`` (as :func:`crudeflow.solve.plan.plan`).
    force : bool
        Write into a folder that is not empty, replacing files of the same names (others stay).

    Returns
    -------
    Path
        The folder.

    Raises
    ------
    ScenarioError
        The network has no supply in ``year``.
    CrudeflowError
        There is no Brent price for ``year`` (a market cannot be priced).
    OutputExistsError
        ``out_dir`` is a folder that is not empty and ``force`` is false.

    Examples
    --------
    >>> import csv, tempfile
    >>> from crudeflow.network.model import toy_network
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     folder = export_pypsa(toy_network(), tmp)
    ...     names = sorted(p.name for p in folder.iterdir())
    ...     with open(folder / "generators.csv", encoding="utf-8") as fh:
    ...         gens = [(g["name"], g["p_nom"], g["p_min_pu"], g["marginal_cost"])
    ...                 for g in csv.DictReader(fh)]
    >>> names  # doctest: +NORMALIZE_WHITESPACE
    ['README.md', 'buses.csv', 'carriers.csv', 'generators.csv', 'links.csv', 'network.csv',
     'snapshots.csv']
    >>> gens
    [('A_supply', '12.0', '0.0', '0.0'), ('M_market', '12.0', '-1.0', '600.0')]
    """
    y = network.meta.base_year if year is None else year
    supply = network.supply_in(y)
    if not supply:
        have = ", ".join(map(str, network.years)) or "none"
        raise ScenarioError(f"no supply data for {y} (years with data: {have})")
    total_supply = sum(supply.values())

    out = Path(out_dir)
    with atomic_folder(out, force=force) as work:
        _write_pypsa(network, work, y, total_supply, supply)
    return out


def _write_pypsa(
    network: Network, out: Path, y: int, total_supply: float, supply: Mapping[str, float]
) -> None:
    title = network.meta.title or network.meta.name
    _write_csv(
        out / "network.csv",
        ("name", "pypsa_version", "srid"),
        [{"name": title, "pypsa_version": PYPSA_FORMAT_VERSION, "srid": 4326}],
    )
    _write_csv(
        out / "snapshots.csv",
        ("snapshot", "objective", "stores", "generators"),
        [{"snapshot": y, "objective": 1.0, "stores": 1.0, "generators": 1.0}],
    )
    limits = {n.id: n.throughput_mtpa for n in network.nodes if n.throughput_mtpa is not None}
    modes = sorted({r.mode for r in network.routes})
    _write_csv(
        out / "carriers.csv",
        ("name", "nice_name"),
        [
            {"name": "crude", "nice_name": "Crude oil"},
            *({"name": m, "nice_name": f"Crude by {m}"} for m in modes),
            *([{"name": "loading", "nice_name": "Node loading limit"}] if limits else []),
        ],
    )
    _write_csv(
        out / "buses.csv",
        ("name", "x", "y", "carrier", "unit"),
        (
            {"name": name, "x": n.lon, "y": n.lat, "carrier": "crude", "unit": "Mt/yr"}
            for n in network.nodes
            for name in (n.id, *([_out_bus(n.id)] if n.id in limits else []))
        ),
    )
    _write_csv(out / "links.csv", _LINK_COLUMNS, _pypsa_links(network, y, limits))
    generators: list[_Row] = [
        {
            "name": f"{node}_supply",
            "bus": node,
            "carrier": "crude",
            "p_nom": mt,
            "p_min_pu": 0.0,
            "p_max_pu": 1.0,
            "marginal_cost": 0.0,
        }
        for node, mt in supply.items()
    ]
    generators += [
        {
            "name": f"{m.node}_market",
            "bus": m.node,
            "carrier": "crude",
            "p_nom": total_supply if m.max_mtpa is None else m.max_mtpa,
            "p_min_pu": -1.0,
            "p_max_pu": 0.0,
            "marginal_cost": network.price_usd_per_t(m.node, y),
        }
        for m in network.markets
    ]
    _write_csv(out / "generators.csv", _GENERATOR_COLUMNS, generators)
    (out / "README.md").write_text(_pypsa_readme(network, y), encoding="utf-8")


def _out_bus(node_id: str) -> str:
    """The bus the routes leaving a node with a loading limit start from."""
    return f"{node_id}_out"


def _pypsa_links(network: Network, y: int, limits: Mapping[str, float]) -> list[_Row]:
    """One link per route (from ``<node>_out`` when its from-node has a loading limit), then
    one ``<node>_loading`` link per limited node carrying the limit."""
    link = dict.fromkeys(_LINK_COLUMNS, 0.0) | {"p_max_pu": 1.0}
    rows: list[_Row] = [
        link
        | {
            "name": r.id,
            "bus0": _out_bus(r.from_node) if r.from_node in limits else r.from_node,
            "bus1": r.to_node,
            "carrier": r.mode,
            "p_nom": network.route_capacity_in(r.id, y) if network.route_open_in(r.id, y) else 0.0,
            "efficiency": 1.0 - r.loss_pct / 100.0,
            "marginal_cost": r.tariff_usd_per_t,
        }
        for r in network.routes
    ]
    rows += [
        link
        | {
            "name": f"{node_id}_loading",
            "bus0": node_id,
            "bus1": _out_bus(node_id),
            "carrier": "loading",
            "p_nom": limit,
            "efficiency": 1.0,
        }
        for node_id, limit in limits.items()
    ]
    return rows


def _pypsa_readme(network: Network, year: int) -> str:
    lines = [
        f"# {network.meta.title or network.meta.name}: PyPSA export for {year}",
        "",
        "Written by crudeflow (`crudeflow network export --format pypsa`). Load it with",
        "`pypsa.Network(<this folder>)` and solve with `n.optimize()`.",
        "",
        "**Units: PyPSA's power unit here is Mt/yr of crude oil, not MW; costs are USD per",
        "tonne, so the objective is USD m per year.** One snapshot, named by the year, weight 1.",
        "",
        "- bus = node (x = longitude, y = latitude, WGS 84)",
        "- link = route: p_nom = capacity (Mt/yr), efficiency = 1 - loss,",
        "  marginal_cost = tariff (USD/t); routes not open in the year have p_nom 0",
        "- generator `<node>_supply`: crude available for export (p_nom, Mt/yr), cost 0",
        "- generator `<node>_market`: a sink (p_min_pu -1, p_max_pu 0) with marginal_cost =",
        "  the market price (USD/t); a negative dispatch is a sale, so minimising the",
        "  objective maximises netback (netback = -objective). p_nom is the market's limit,",
        "  or the year's total supply when it has none.",
        "- a node's loading limit (at most that much leaves it, over all its routes): a second",
        "  bus `<node>_out` at the same place and a link `<node>_loading` from the node to it",
        "  (p_nom = the limit, efficiency 1, cost 0, carrier `loading`); the routes leaving the",
        "  node start at `<node>_out` (exact: the same constraint as crudeflow's)",
        "",
        "| route | status | open in year | grade | capacity Mt/yr | capacity kb/d |",
        "|---|---|---|---|---|---|",
    ]
    for r in network.routes:
        cap = network.route_capacity_in(r.id, year)
        kbd = _kbd(network, r, cap)
        lines.append(
            f"| {r.id} | {r.status} | {'yes' if network.route_open_in(r.id, year) else 'no'} | "
            f"{_grade_id(network, r)} | {cap:g} | {kbd:.1f} |"
        )
    left_out = _pypsa_left_out(network, year)
    if left_out:
        lines += [
            "",
            "**Not in this export: the year's minimum commitments.** Each is a soft minimum on",
            "the summed flow of several routes, with a penalty per tonne short; a PyPSA CSV",
            "folder has no component for a constraint across links (add one as a custom",
            "constraint through `n.optimize(extra_functionality=...)`). Without them PyPSA's",
            "optimum can differ from crudeflow's plan wherever one binds:",
            "",
        ]
        lines += [f"- {item}" for item in left_out]
    return "\n".join(lines) + "\n"


def _pypsa_left_out(network: Network, year: int) -> list[str]:
    """What of the year's planning model a PyPSA folder does not carry (commitments, tanker
    fleets, refinery demand), one sentence each; empty when the export is the whole
    single-year LP."""
    out = [
        f"commitment {c.id}: at least {c.min_mtpa:g} Mt/yr on {c.target} "
        f"(USD {c.penalty_usd_per_t:g}/t short)"
        for c in network.commitments
        if c.applies_in(year)
    ]
    out += [  # each leg of a pool listed with the pool's whole year (fleet.csv)
        f"tanker fleet: {rid} at most {mt:.3f} Mt in the year (its pool's vessels, fleet.csv)"
        for rid, mt in pool_mt_by_route(network.fleet, year).items()
    ]
    out += [
        f"refinery {node}: {mt:g} Mt/yr of crude fed before any export (refineries.csv)"
        for node, mt in network.refinery_demand_in(year).items()
    ]
    return out


# ---------------------------------------------------------------------------------------
# façade
@overload
def export_network(
    network: Network,
    fmt: Literal["csv"],
    out: str | Path,
    *,
    year: int | None = None,
    force: bool = False,
) -> list[Path]: ...
@overload
def export_network(
    network: Network,
    fmt: Literal["geojson", "pypsa"],
    out: str | Path,
    *,
    year: int | None = None,
    force: bool = False,
) -> Path: ...
@overload
def export_network(
    network: Network,
    fmt: ExportFormat,
    out: str | Path,
    *,
    year: int | None = None,
    force: bool = False,
) -> list[Path] | Path: ...
def export_network(
    network: Network,
    fmt: ExportFormat,
    out: str | Path,
    *,
    year: int | None = None,
    force: bool = False,
) -> list[Path] | Path:
    """Export ``network`` in format ``fmt`` to ``out`` (the CLI's ``network export``).

    Parameters
    ----------
    network : Network
        The network to export.
    fmt : {"csv", "geojson", "pypsa"}
        :func:`export_csv`, :func:`export_geojson` or :func:`export_pypsa`.
    out : str or Path
        Output folder (for ``geojson``, a ``.geojson``/``.json`` file or a folder).
    year : int, optional
        Year of a ``pypsa`` export (default: the dataset's base year); ignored otherwise.
    force : bool
        Replace an existing file, or write into a folder that is not empty (see the module
        docstring); without it either is an :class:`~crudeflow.errors.OutputExistsError`.

    Returns
    -------
    list of Path or Path
        The files written (``csv``), the file (``geojson``) or the folder (``pypsa``).

    Raises
    ------
    ValueError
        ``fmt`` is not one of the three formats.

    Examples
    --------
    >>> import tempfile
    >>> from crudeflow.network.model import toy_network
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     export_network(toy_network(), "geojson", f"{tmp}/toy.geojson").name
    'toy.geojson'
    """
    if fmt == "csv":
        return export_csv(network, out, force=force)
    if fmt == "geojson":
        return export_geojson(network, out, force=force)
    if fmt == "pypsa":
        return export_pypsa(network, out, year=year, force=force)
    raise ValueError(f"unknown export format {fmt!r}: expected csv, geojson or pypsa")
