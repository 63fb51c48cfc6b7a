"""A seeded synthetic crude network for benchmarks, and a writer for crudeflow dataset folders.

``make_network(n, seed=...)`` scatters ``n`` nodes in a latitude/longitude box, links every node
to its 3 nearest neighbours (both directions), makes a share of the nodes fields (with supply),
a share markets (priced off Brent through one grade) and gives a share working storage. The
dataset's rules are kept: no route into a field, none out of a market, and every field reaches
a market (a field that cannot is turned into a hub without supply). One source row is cited by
every value, so :func:`crudeflow.network.load.validate_dataset` accepts the folder that
:func:`write_dataset` writes.

Examples
--------
>>> net = make_network(200, seed=1)
>>> len(net.nodes), len(net.routes) > 400
(200, True)
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np
import scipy.sparse as sp
import yaml
from scipy.sparse.csgraph import breadth_first_order
from scipy.spatial import cKDTree

from crudeflow.network.model import (
    MODES,
    Benchmark,
    DatasetMeta,
    Grade,
    Market,
    Network,
    Node,
    Route,
    Source,
    Supply,
)

__all__ = ["BASE_YEAR", "SOURCE_ID", "make_network", "write_dataset"]

BASE_YEAR = 2025
SOURCE_ID = "synthetic"
GRADE_ID = "SYN"
# Valid ISO 3166-1 alpha-2 codes of the region (no "NA": pandas would read Namibia as NaN).
COUNTRIES = ("KZ", "RU", "AZ", "GE", "TR", "UZ", "TM", "CN")
LAT_BOX = (35.0, 55.0)
LON_BOX = (45.0, 90.0)
K_NEAREST = 3


def make_network(
    n_nodes: int,
    *,
    seed: int,
    supply_share: float = 0.1,
    market_share: float = 0.1,
    storage_share: float = 0.1,
) -> Network:
    """A random but reproducible network of ``n_nodes`` nodes (see the module docstring).

    Parameters
    ----------
    n_nodes : int
        Number of nodes (at least 4, so each has 3 neighbours).
    seed : int
        Seed of ``numpy.random.default_rng``: the same seed gives the same network.
    supply_share, market_share, storage_share : float
        Shares of the nodes that are fields with supply, markets, and nodes with storage.
    """
    if n_nodes <= K_NEAREST:
        raise ValueError(f"need more than {K_NEAREST} nodes, got {n_nodes}")
    rng = np.random.default_rng(seed)
    lat = np.round(rng.uniform(*LAT_BOX, n_nodes), 4)
    lon = np.round(rng.uniform(*LON_BOX, n_nodes), 4)
    country = rng.integers(0, len(COUNTRIES), n_nodes)

    # kinds: a random permutation gives fields first, then markets, the rest hubs
    n_field = max(1, round(supply_share * n_nodes))
    n_market = max(1, round(market_share * n_nodes))
    order = rng.permutation(n_nodes)
    kind = np.full(n_nodes, "hub", dtype=object)
    kind[order[:n_field]] = "field"
    kind[order[n_field : n_field + n_market]] = "market"
    has_storage = rng.random(n_nodes) < storage_share
    storage = np.round(rng.uniform(0.1, 2.0, n_nodes), 3)

    # undirected k-nearest-neighbour pairs (an x-y projection is fine for a benchmark)
    xy = np.column_stack([lon * np.cos(np.deg2rad(lat)), lat])
    _, nbr = cKDTree(xy).query(xy, k=K_NEAREST + 1)
    a = np.repeat(np.arange(n_nodes), K_NEAREST)
    b = nbr[:, 1:].ravel()
    pairs = np.unique(np.sort(np.column_stack([a, b]), axis=1), axis=0)
    frm = np.concatenate([pairs[:, 0], pairs[:, 1]])
    to = np.concatenate([pairs[:, 1], pairs[:, 0]])
    ok = (frm != to) & (kind[to] != "field") & (kind[frm] != "market")
    frm, to = frm[ok], to[ok]
    order_r = np.lexsort((to, frm))
    frm, to = frm[order_r], to[order_r]

    # a field that cannot reach any market becomes a hub without supply
    reach = _reaches_market(n_nodes, frm, to, kind == "market")
    stranded = (kind == "field") & ~reach
    kind[stranded] = "hub"
    # hubs may now receive routes (from their neighbours): add those legs back
    if stranded.any():
        frm2 = np.concatenate([pairs[:, 0], pairs[:, 1]])
        to2 = np.concatenate([pairs[:, 1], pairs[:, 0]])
        ok = (frm2 != to2) & (kind[to2] != "field") & (kind[frm2] != "market")
        frm, to = frm2[ok], to2[ok]
        order_r = np.lexsort((to, frm))
        frm, to = frm[order_r], to[order_r]

    n_routes = len(frm)
    capacity = np.round(rng.uniform(2.0, 30.0, n_routes), 3)
    tariff = np.round(rng.uniform(1.0, 15.0, n_routes), 3)
    mode = rng.integers(0, len(MODES), n_routes)
    field_mt = np.round(rng.uniform(1.0, 15.0, n_nodes), 3)
    diff = np.round(rng.uniform(-8.0, 3.0, n_nodes), 3)

    ids = [f"N{i:06d}" for i in range(n_nodes)]
    nodes = tuple(
        Node(
            id=ids[i],
            name=ids[i],
            kind=kind[i],
            country=COUNTRIES[country[i]],
            lat=float(lat[i]),
            lon=float(lon[i]),
            storage_mt=float(storage[i]) if has_storage[i] else None,
            source=SOURCE_ID,
        )
        for i in range(n_nodes)
    )
    routes = tuple(
        Route(
            id=f"{ids[f]}_{ids[t]}",
            from_node=ids[f],
            to_node=ids[t],
            mode=MODES[mode[k]],
            capacity_mtpa=float(capacity[k]),
            tariff_usd_per_t=float(tariff[k]),
            countries=_countries(COUNTRIES[country[f]], COUNTRIES[country[t]]),
            name=f"{ids[f]}_{ids[t]}",
            source=SOURCE_ID,
        )
        for k, (f, t) in enumerate(zip(frm.tolist(), to.tolist(), strict=True))
    )
    supply = tuple(
        Supply(ids[i], BASE_YEAR, float(field_mt[i]), SOURCE_ID)
        for i in np.flatnonzero(kind == "field")
    )
    markets = tuple(
        Market(ids[i], GRADE_ID, float(diff[i]), source=SOURCE_ID)
        for i in np.flatnonzero(kind == "market")
    )
    meta = DatasetMeta(
        name=f"synthetic_{n_nodes}_{seed}",
        title=f"Synthetic network: {n_nodes} nodes, seed {seed}",
        producer="KZ",
        base_year=BASE_YEAR,
        currency="USD",
        default_grade=GRADE_ID,
    )
    source = Source(
        SOURCE_ID,
        "crudeflow benchmark synthetic network",
        "https://example.com/crudeflow/bench/synthetic",
        "n/d",
        f"Every figure is drawn by bench/synthetic.py (numpy default_rng({seed})).",
    )
    return Network(
        meta=meta,
        grades={GRADE_ID: Grade(GRADE_ID, "Synthetic light sweet", 7.5, SOURCE_ID)},
        nodes=nodes,
        routes=routes,
        supply=supply,
        markets=markets,
        benchmarks=(Benchmark(BASE_YEAR, 70.0, SOURCE_ID),),
        sources=(source,),
    )


def _countries(a: str, b: str) -> tuple[str, ...]:
    return (a,) if a == b else (a, b)


def _reaches_market(n: int, frm: np.ndarray, to: np.ndarray, is_market: np.ndarray) -> np.ndarray:
    """Mask of nodes from which a market can be reached (search backwards from a sink)."""
    sink = n
    markets = np.flatnonzero(is_market)
    # reversed edges (to -> from) plus sink -> every market
    rows = np.concatenate([to, np.full(len(markets), sink)])
    cols = np.concatenate([frm, markets])
    g = sp.csr_array((np.ones(len(rows)), (rows, cols)), shape=(n + 1, n + 1))
    seen = breadth_first_order(g, sink, directed=True, return_predecessors=False)
    mask = np.zeros(n + 1, dtype=bool)
    mask[seen] = True
    return mask[:n]


# ---------------------------------------------------------------------------------------
def _num(x: float | None) -> str:
    return "" if x is None else repr(float(x))


def _write_csv(path: Path, header: Sequence[str], rows: Iterable[Sequence[object]]) -> None:
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(header)
        w.writerows(rows)


def write_dataset(network: Network, folder: str | Path) -> Path:
    """Write ``network`` as a crudeflow dataset folder (created if needed); returns it."""
    out = Path(folder)
    out.mkdir(parents=True, exist_ok=True)
    meta = network.meta
    doc = {
        "name": meta.name,
        "title": meta.title,
        "producer": meta.producer,
        "base_year": meta.base_year,
        "currency": meta.currency,
        "default_grade": meta.default_grade,
        "grades": [
            {"id": g.id, "name": g.name, "bbl_per_t": g.bbl_per_t, "source": g.source}
            for g in network.grades.values()
        ],
    }
    if meta.groups:
        doc["groups"] = {k: list(v) for k, v in meta.groups.items()}
    (out / "dataset.yaml").write_text(yaml.safe_dump(doc, sort_keys=False), encoding="utf-8")
    _write_csv(
        out / "sources.csv",
        ("id", "title", "url", "as_of", "quote"),
        ((s.id, s.title, s.url, s.as_of, s.quote) for s in network.sources),
    )
    _write_csv(
        out / "nodes.csv",
        (
            "id",
            "name",
            "kind",
            "country",
            "lat",
            "lon",
            "coords_source",
            "storage_mt",
            "storage_source",
            "source",
            "note",
        ),
        (
            (
                n.id,
                n.name,
                n.kind,
                n.country,
                _num(n.lat),
                _num(n.lon),
                n.coords_source,
                _num(n.storage_mt),
                n.storage_source,
                n.source,
                n.note,
            )
            for n in network.nodes
        ),
    )
    _write_csv(
        out / "routes.csv",
        (
            "id",
            "name",
            "from",
            "to",
            "mode",
            "grade",
            "capacity_mtpa",
            "capacity_source",
            "physical_capacity_mtpa",
            "tariff_usd_per_t",
            "tariff_source",
            "transit_days",
            "loss_pct",
            "countries",
            "status",
            "since_year",
            "source",
            "note",
        ),
        (
            (
                r.id,
                r.name,
                r.from_node,
                r.to_node,
                r.mode,
                r.grade,
                _num(r.capacity_mtpa),
                r.capacity_source,
                _num(r.physical_capacity_mtpa),
                _num(r.tariff_usd_per_t),
                r.tariff_source,
                _num(r.transit_days),
                _num(r.loss_pct) if r.loss_pct else "",
                ";".join(r.countries),
                r.status,
                "" if r.since_year is None else r.since_year,
                r.source,
                r.note,
            )
            for r in network.routes
        ),
    )
    _write_csv(
        out / "supply.csv",
        ("node", "year", "mt", "source", "note"),
        ((s.node, s.year, _num(s.mt), s.source, s.note) for s in network.supply),
    )
    _write_csv(
        out / "markets.csv",
        (
            "node",
            "grade",
            "diff_usd_per_bbl",
            "diff_source",
            "max_mtpa",
            "max_source",
            "source",
            "note",
        ),
        (
            (
                m.node,
                m.grade,
                _num(m.diff_usd_per_bbl),
                m.diff_source,
                _num(m.max_mtpa),
                m.max_source,
                m.source,
                m.note,
            )
            for m in network.markets
        ),
    )
    _write_csv(
        out / "benchmarks.csv",
        ("year", "brent_usd_per_bbl", "source", "note"),
        ((b.year, _num(b.brent_usd_per_bbl), b.source, b.note) for b in network.benchmarks),
    )
    return out
