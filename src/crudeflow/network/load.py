"""Load a dataset folder into a :class:`~crudeflow.network.model.Network`, validating it.

Validation collects *every* problem before it raises, so a user fixes a file in one pass:
each :class:`~crudeflow.errors.Problem` names the file, line, field, value and what was
expected. The format is described in ``docs/dataset-format.md``.

Examples
--------
>>> net = load_dataset()            # the default Kazakhstan dataset shipped with crudeflow
>>> net.meta.producer
'KZ'
>>> validate_dataset(default_dataset_path())
[]
>>> net.warnings
()
"""

from __future__ import annotations

import dataclasses
from collections import deque
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any, cast

from crudeflow.errors import CrudeflowError, DatasetError, Problem
from crudeflow.ids import did_you_mean
from crudeflow.network._checks import (
    _AS_OF_RE,
    _ID_RE,
    _RUN_KEYS,
    _URL_RE,
    _Checker,
    _line_of,
    _read_meta,
    _unknown_keys,
)
from crudeflow.network._fleet import read_fleet
from crudeflow.network._iso import ISO_ALPHA2
from crudeflow.network._observed import read_observed, read_observed_events
from crudeflow.network._outages import read_outages
from crudeflow.network._passages import (
    SHARED_FILE,
    check_route_passages,
    passage_warnings,
    reached_along,
    read_passages,
    shared_passages,
)
from crudeflow.network._projects import read_projects
from crudeflow.network._refining import read_refineries
from crudeflow.network._years import read_commitments, read_route_years
from crudeflow.network.model import (
    MODES,
    NODE_KINDS,
    STATUSES,
    Benchmark,
    DatasetMeta,
    Grade,
    Market,
    Mode,
    Network,
    Node,
    NodeKind,
    Route,
    Source,
    Status,
    Supply,
)

MAX_MT = 10_000.0
"""Largest volume, capacity or storage (Mt, Mt/yr) a dataset may state: above the whole
world's crude output. Larger numbers are typos, and would reach the solver as numbers it
cannot handle (a Brent of 1e20 ended as 'HiGHS ended with status unknown')."""
MAX_USD_PER_T = 10_000.0
"""Largest tariff a dataset may state (USD/t; many times the price of a tonne of crude)."""
MAX_BRENT = 1_000.0
"""Largest Brent price a dataset may state (USD/bbl; several times any price Brent has had)."""

__all__ = [
    "DEFAULT_DATASET",
    "UnknownDatasetError",
    "builtin_dataset_path",
    "builtin_datasets",
    "check_dataset",
    "default_dataset_path",
    "load_dataset",
    "network_warnings",
    "resolve_dataset",
    "validate_dataset",
]

DEFAULT_DATASET = "kazakhstan"
"""Name of the built-in dataset used when none is given."""


class UnknownDatasetError(CrudeflowError, ValueError):
    """A ``--dataset`` value that is neither a folder nor a built-in dataset's name (usage)."""


def _data_folder() -> Path:
    return Path(str(resources.files("crudeflow") / "data"))


def builtin_datasets() -> tuple[str, ...]:
    """Names of the datasets shipped inside the package (folders with a dataset.yaml), sorted.

    >>> "kazakhstan" in builtin_datasets()
    True
    """
    root = _data_folder()
    return tuple(
        sorted(p.name for p in root.iterdir() if p.is_dir() and (p / "dataset.yaml").is_file())
    )


def builtin_dataset_path(name: str) -> Path:
    """Folder of the built-in dataset ``name`` (``KeyError`` listing the names if unknown)."""
    if name not in builtin_datasets():
        raise KeyError(f"no built-in dataset {name!r} ({', '.join(builtin_datasets())})")
    return _data_folder() / name


def default_dataset_path() -> Path:
    """Folder of the default built-in dataset (:data:`DEFAULT_DATASET`)."""
    return builtin_dataset_path(DEFAULT_DATASET)


def resolve_dataset(value: str | Path | None) -> Path:
    """The folder a ``--dataset`` value names: a built-in dataset's name, or a folder.

    * ``None``: the default built-in dataset;
    * a :class:`~pathlib.Path`: that folder, as given;
    * a string without a path separator that is a built-in name (``iraq``, ``kazakhstan``):
      the built-in folder, even if the working directory has a folder of that name (write
      ``./iraq`` for that one);
    * another string: that folder. A string without a separator that is no folder either is
      an :class:`UnknownDatasetError` listing the built-in names (a usage error).

    >>> resolve_dataset("kazakhstan") == default_dataset_path()
    True
    >>> resolve_dataset("kazakstan")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    crudeflow.network.load.UnknownDatasetError: unknown dataset 'kazakstan': not a folder, nor a built-in dataset (...kazakhstan...) (did you mean kazakhstan?)
    """
    if value is None:
        return default_dataset_path()
    if isinstance(value, Path):
        return value
    names = builtin_datasets()
    plain = "/" not in value and "\\" not in value and value not in ("", ".", "..")
    if plain and value in names:
        return _data_folder() / value
    if plain and not Path(value).exists():
        raise UnknownDatasetError(
            f"unknown dataset {value!r}: not a folder, nor a built-in dataset "
            f"({', '.join(names)})" + did_you_mean(value, names)
        )
    return Path(value)


def load_dataset(path: str | Path | None = None) -> Network:
    """Load and validate a dataset: a folder, or a built-in dataset's name (the default
    Kazakhstan dataset when ``None``); see :func:`resolve_dataset`.

    Raises
    ------
    DatasetError
        With every problem found, each naming file, line, field, value and expectation.
    UnknownDatasetError
        A name that is neither a folder nor a built-in dataset.
    """
    folder = resolve_dataset(path)
    network, problems = _load(folder)
    if problems or network is None:
        raise DatasetError(problems, folder=str(folder))
    return network


def validate_dataset(path: str | Path) -> list[Problem]:
    """Every problem in a dataset folder or built-in dataset (an empty list when it is valid)."""
    return _load(resolve_dataset(path))[1]


def check_dataset(path: str | Path) -> tuple[list[Problem], list[Problem]]:
    """Problems (the folder does not load) and warnings (it loads, but look) of a folder.

    Warnings are only computed for a folder without problems; see :func:`network_warnings`.

    Examples
    --------
    >>> check_dataset(default_dataset_path())
    ([], [])
    """
    network, problems = _load(resolve_dataset(path))
    return problems, list(network.warnings) if network is not None else []


def _load(folder: Path) -> tuple[Network | None, list[Problem]]:
    ck = _Checker(folder)
    if not folder.is_dir():
        ck.add(str(folder), None, "", "", "a dataset folder")
        return None, ck.problems

    # sources first: every other file refers to them
    sources: list[Source] = []
    seen: dict[str, int] = {}
    for line, row in ck.rows("sources.csv"):
        sid = ck.ident("sources.csv", line, row, "id", seen)
        if not _URL_RE.match(row["url"]):
            ck.add("sources.csv", line, "url", row["url"], "an http(s) URL")
        if not _AS_OF_RE.match(row["as_of"]):
            ck.add("sources.csv", line, "as_of", row["as_of"], "YYYY, YYYY-MM, YYYY-MM-DD or n/d")
        for col in ("title", "quote"):
            if not row[col]:
                ck.add("sources.csv", line, col, "", f"a {col} (not empty)")
        if sid:
            sources.append(Source(sid, row["title"], row["url"], row["as_of"], row["quote"]))
    ck.source_ids = {s.id for s in sources}
    source_lines = dict(seen)

    meta_raw, grade_rows = _read_meta(ck)
    grades: dict[str, Grade] = {}
    for g in grade_rows:
        gid = str(g.get("id", ""))
        if not _ID_RE.match(gid) or gid in grades:
            ck.add("dataset.yaml", _line_of(g, "id"), "grades.id", gid, "a unique grade id")
            continue
        bpt = g.get("bbl_per_t")
        if isinstance(bpt, bool) or not isinstance(bpt, int | float) or not 5.0 <= bpt <= 10.0:
            ck.add(
                "dataset.yaml",
                _line_of(g, "bbl_per_t"),
                "grades.bbl_per_t",
                bpt,
                "barrels per tonne between 5 and 10 (crude oils are about 6.3 to 8.5)",
            )
            continue
        src = str(g.get("source", "") or "")
        if not src:
            ck.add(
                "dataset.yaml",
                _line_of(g, "source"),
                "grades.source",
                "",
                "a source id or 'estimate: ...'",
            )
        else:
            ck.source_cell("dataset.yaml", _line_of(g, "source"), "grades.source", src)
        grades[gid] = Grade(gid, str(g.get("name", gid)), float(bpt), src)
    default_grade = str(meta_raw.get("default_grade") or (next(iter(grades), "")))
    if meta_raw and default_grade not in grades:
        ck.add(
            "dataset.yaml",
            _line_of(meta_raw, "default_grade"),
            "default_grade",
            default_grade,
            "the id of a grade listed under grades",
        )
    producer = str(meta_raw.get("producer", ""))
    if meta_raw.get("currency", "USD") != "USD":
        # every money column is named *_usd*: another currency would be read as USD silently
        ck.add(
            "dataset.yaml",
            _line_of(meta_raw, "currency"),
            "currency",
            meta_raw.get("currency"),
            "USD (the only currency of the format: prices and tariffs are in USD)",
        )
    if meta_raw and "producer" in meta_raw:
        ck.country("dataset.yaml", _line_of(meta_raw, "producer") or 1, "producer", producer)
    base_year = meta_raw.get("base_year", 0)
    if (
        meta_raw
        and "base_year" in meta_raw
        and (not isinstance(base_year, int) or not 1900 <= base_year <= 2200)
    ):
        ck.add(
            "dataset.yaml",
            _line_of(meta_raw, "base_year"),
            "base_year",
            base_year,
            "a year such as 2025",
        )
        base_year = 0

    # nodes
    nodes: list[Node] = []
    seen_nodes: dict[str, int] = {}
    for line, row in ck.rows("nodes.csv"):
        f = "nodes.csv"
        nid = ck.ident(f, line, row, "id", seen_nodes)
        kind = ck.choice(f, line, row, "kind", NODE_KINDS)
        country = row["country"]
        if country or kind != "market":
            ck.country(f, line, "country", country)
        lat = ck.number(f, line, row, "lat", low=-90, high=90, what="a latitude in [-90, 90]")
        lon = ck.number(f, line, row, "lon", low=-180, high=180, what="a longitude in [-180, 180]")
        storage = ck.number(
            f,
            line,
            row,
            "storage_mt",
            required=False,
            low=0,
            high=MAX_MT,
            what=f"storage in Mt, 0 to {MAX_MT:,.0f}",
        )
        throughput = ck.number(
            f,
            line,
            row,
            "throughput_mtpa",
            required=False,
            low=0,
            high=MAX_MT,
            what=f"a loading limit in Mt/yr, 0 to {MAX_MT:,.0f} (or empty)",
        )
        if throughput is not None and kind == "market":
            ck.add(
                f,
                line,
                "throughput_mtpa",
                row["throughput_mtpa"],
                "empty for a market (no route leaves a market)",
            )
        if not row["source"]:
            ck.add(f, line, "source", "", "a source id or 'estimate: <reasoning>'")
        else:
            ck.source_cell(f, line, "source", row["source"])
        if nid and kind and lat is not None and lon is not None:
            nodes.append(
                Node(
                    nid,
                    row["name"] or nid,
                    cast(NodeKind, kind),
                    country,
                    lat,
                    lon,
                    storage,
                    row["source"],
                    row.get("coords_source", ""),
                    row.get("storage_source", ""),
                    row.get("note", ""),
                    throughput,
                    row.get("throughput_source", ""),
                )
            )
    kind_of = {n.id: n.kind for n in nodes}
    all_node_ids = set(seen_nodes)

    # passages: the shared table, then the dataset's own (docs: "Passages")
    shared = shared_passages()
    passages = [
        *shared,
        *read_passages(
            ck,
            known={
                p.id: f"the shared passages table (crudeflow/data/{SHARED_FILE})" for p in shared
            },
        ),
    ]
    passage_ids = [p.id for p in passages]

    # routes
    routes: list[Route] = []
    seen_routes: dict[str, int] = {}
    for line, row in ck.rows("routes.csv"):
        f = "routes.csv"
        rid = ck.ident(f, line, row, "id", seen_routes)
        ends_ok = True
        for col in ("from", "to"):
            if row[col] not in all_node_ids:
                ck.add(f, line, col, row[col], "a node id from nodes.csv")
                ends_ok = False
        if ends_ok:
            if row["from"] == row["to"]:
                ck.add(f, line, "to", row["to"], "a node other than 'from' (no self-loops)")
            if kind_of.get(row["to"]) == "field":
                ck.add(
                    f, line, "to", row["to"], "a node that is not a field (no route into a field)"
                )
            if kind_of.get(row["from"]) == "market":
                ck.add(
                    f,
                    line,
                    "from",
                    row["from"],
                    "a node that is not a market (no route out of a market)",
                )
        mode = ck.choice(f, line, row, "mode", MODES)
        status = ck.choice(f, line, row, "status", STATUSES)
        cap = ck.number(
            f,
            line,
            row,
            "capacity_mtpa",
            low=0,
            high=MAX_MT,
            what=f"a capacity in Mt/yr, 0 to {MAX_MT:,.0f}",
        )
        phys = ck.number(
            f,
            line,
            row,
            "physical_capacity_mtpa",
            required=False,
            low=0,
            high=MAX_MT,
            what=f"a physical capacity in Mt/yr, 0 to {MAX_MT:,.0f}",
        )
        if cap is not None and phys is not None and phys < cap:
            ck.add(
                f,
                line,
                "physical_capacity_mtpa",
                row["physical_capacity_mtpa"],
                f"a physical capacity >= capacity_mtpa ({row['capacity_mtpa']})",
            )
        tariff = ck.number(
            f,
            line,
            row,
            "tariff_usd_per_t",
            low=0,
            high=MAX_USD_PER_T,
            what=f"a tariff in USD/t, 0 to {MAX_USD_PER_T:,.0f}",
        )
        transit = ck.number(
            f,
            line,
            row,
            "transit_days",
            required=False,
            low=0,
            high=365,
            what="transit days between 0 and 365",
        )
        loss = ck.number(
            f,
            line,
            row,
            "loss_pct",
            required=False,
            low=0,
            high=100,
            high_open=True,
            what="a loss in per cent, 0 <= x < 100",
        )
        since = ck.integer(f, line, row, "since_year", required=False)
        grade = row.get("grade", "")
        if grade and grade not in grades:
            ck.add(f, line, "grade", grade, "a grade id from dataset.yaml (or empty)")
        countries = tuple(c.strip() for c in row["countries"].split(";") if c.strip())
        if not countries:
            ck.add(
                f,
                line,
                "countries",
                row["countries"],
                "ISO codes of the countries crossed, ';'-separated",
            )
        bad_country = [c for c in countries if not ck.country(f, line, "countries", c)]
        route_passages = check_route_passages(ck, line, row.get("passages", ""), passage_ids)
        if not row["source"]:
            ck.add(f, line, "source", "", "a source id or 'estimate: <reasoning>'")
        else:
            ck.source_cell(f, line, "source", row["source"])
        if (
            rid
            and ends_ok
            and mode
            and status
            and cap is not None
            and tariff is not None
            and not bad_country
            and countries
            and route_passages is not None
        ):
            routes.append(
                Route(
                    id=rid,
                    from_node=row["from"],
                    to_node=row["to"],
                    mode=cast(Mode, mode),
                    capacity_mtpa=cap,
                    tariff_usd_per_t=tariff,
                    countries=countries,
                    status=cast(Status, status),
                    name=row.get("name", "") or rid,
                    grade=grade,
                    physical_capacity_mtpa=phys,
                    transit_days=transit,
                    loss_pct=loss or 0.0,
                    since_year=since,
                    source=row["source"],
                    capacity_source=row.get("capacity_source", ""),
                    physical_capacity_source=row.get("physical_capacity_source", ""),
                    tariff_source=row.get("tariff_source", ""),
                    transit_source=row.get("transit_source", ""),
                    loss_source=row.get("loss_source", ""),
                    note=row.get("note", ""),
                    passages=route_passages,
                )
            )

    # benchmarks
    benchmarks: list[Benchmark] = []
    bench_years: dict[int, int] = {}
    for line, row in ck.rows("benchmarks.csv"):
        f = "benchmarks.csv"
        year = ck.integer(f, line, row, "year")
        price = ck.number(
            f,
            line,
            row,
            "brent_usd_per_bbl",
            low=0,
            low_open=True,
            high=MAX_BRENT,
            what=f"a Brent price in USD/bbl, above 0 and at most {MAX_BRENT:,.0f}",
        )
        if year is not None and year in bench_years:
            ck.add(f, line, "year", year, f"one row per year (also on line {bench_years[year]})")
        elif year is not None and price is not None:
            bench_years[year] = line
            benchmarks.append(Benchmark(year, price, row["source"], row.get("note", "")))

    # supply
    supply: list[Supply] = []
    supply_seen: dict[tuple[str, int], int] = {}
    for line, row in ck.rows("supply.csv"):
        f = "supply.csv"
        node = row["node"]
        if node not in all_node_ids:
            ck.add(f, line, "node", node, "a node id from nodes.csv")
        elif kind_of.get(node) == "market":
            ck.add(f, line, "node", node, "a node that is not a market")
        year = ck.integer(f, line, row, "year")
        mt = ck.number(
            f, line, row, "mt", low=0, high=MAX_MT, what=f"a volume in Mt, 0 to {MAX_MT:,.0f}"
        )
        if year is not None and (node, year) in supply_seen:
            ck.add(
                f,
                line,
                "node",
                node,
                f"one row per node and year (also on line {supply_seen[(node, year)]})",
            )
            continue
        if year is not None and bench_years and year not in bench_years:
            ck.add(f, line, "year", year, "a year that has a Brent price in benchmarks.csv")
        if node in all_node_ids and year is not None and mt is not None:
            supply_seen[(node, year)] = line
            supply.append(Supply(node, year, mt, row["source"], row.get("note", "")))

    # markets
    markets: list[Market] = []
    market_seen: dict[str, int] = {}
    for line, row in ck.rows("markets.csv"):
        f = "markets.csv"
        node = row["node"]
        if node not in all_node_ids:
            ck.add(f, line, "node", node, "a node id from nodes.csv")
        elif kind_of.get(node) != "market":
            ck.add(f, line, "node", node, "a node of kind 'market'")
        if node in market_seen:
            ck.add(f, line, "node", node, f"one row per market (also on line {market_seen[node]})")
        grade = row["grade"]
        if grade and grade not in grades:
            ck.add(f, line, "grade", grade, "a grade id from dataset.yaml (or empty)")
        diff = ck.number(
            f,
            line,
            row,
            "diff_usd_per_bbl",
            low=-1000,
            high=1000,
            what="a differential to Brent in USD/bbl",
        )
        cap = ck.number(
            f,
            line,
            row,
            "max_mtpa",
            required=False,
            low=0,
            high=MAX_MT,
            what=f"a maximum intake in Mt/yr, 0 to {MAX_MT:,.0f} (or empty)",
        )
        if node in all_node_ids and diff is not None and node not in market_seen:
            market_seen[node] = line
            markets.append(
                Market(
                    node,
                    grade,
                    diff,
                    cap,
                    row["source"],
                    row.get("diff_source", ""),
                    row.get("max_source", ""),
                    row.get("note", ""),
                )
            )
    node_lines = seen_nodes
    for nid, kind in kind_of.items():
        if kind == "market" and nid not in market_seen and (folder / "markets.csv").is_file():
            ck.add(
                "nodes.csv",
                node_lines[nid],
                "id",
                nid,
                "a row in markets.csv giving this market's price basis",
            )

    # groups (dataset.yaml) and observations
    groups: dict[str, tuple[str, ...]] = {}
    raw_groups = meta_raw.get("groups") or {}
    if not isinstance(raw_groups, dict):
        ck.add(
            "dataset.yaml",
            _line_of(meta_raw, "groups"),
            "groups",
            str(raw_groups)[:40],
            "a mapping of group name to a list of route ids",
        )
        raw_groups = {}
    for gname, members in raw_groups.items():
        if gname in ("__line__", "__keys__", "__dups__"):
            continue
        if not isinstance(members, list):
            ck.add(
                "dataset.yaml",
                _line_of(raw_groups, gname),
                f"groups.{gname}",
                members,
                "a list of route ids",
            )
            continue
        for rid in members:
            if str(rid) not in seen_routes:
                ck.add(
                    "dataset.yaml",
                    _line_of(raw_groups, gname),
                    f"groups.{gname}",
                    rid,
                    "a route id from routes.csv",
                )
        groups[str(gname)] = tuple(str(m) for m in members)
    observed = read_observed(ck, groups=groups)
    observed_events = read_observed_events(ck, groups=groups, folder=folder)
    outages = read_outages(
        ck, routes=routes, route_ids=seen_routes, groups=groups, node_ids=all_node_ids
    )
    route_years = read_route_years(ck, routes=routes, route_ids=seen_routes)
    commitments = read_commitments(ck, route_ids=seen_routes, groups=groups)
    fleet = read_fleet(ck, route_ids=seen_routes)
    refineries = read_refineries(ck, kind_of=kind_of)
    projects = read_projects(
        ck,
        route_ids=seen_routes,
        node_ids=all_node_ids,
        node_limits={n.id: n.throughput_mtpa for n in nodes},
        fleets={f.id: f.mtpa_per_vessel for f in fleet},
    )

    # whole-network checks
    if nodes and routes and supply:
        reach = _reaches_market(nodes, routes, sinks={r.node for r in refineries})
        to_market = _reaches_market(nodes, routes)
        country_of = {n.id: n.country for n in nodes}
        for (node, year), line in supply_seen.items():
            if node not in reach:
                ck.add(
                    "supply.csv",
                    line,
                    "node",
                    node,
                    f"a node connected to a market or a refinery by routes (supply in {year} "
                    "cannot leave)",
                )
            elif refineries and country_of.get(node) != producer and node in to_market:
                ck.add(
                    "supply.csv",
                    line,
                    "node",
                    node,
                    f"an import node (outside {producer}) from which no route leads to a market "
                    "(imported crude feeds refineries only and is never counted as exports)",
                )
    for sid in sorted(ck.source_ids - ck.used_sources):
        ck.add(
            "sources.csv",
            source_lines.get(sid),
            "id",
            sid,
            "a source that some cell cites (unused sources are not allowed)",
        )

    watch, run_label, run_reqs, run_groups = _read_watch_and_run(
        ck, meta_raw, [p.id for p in passages], groups
    )
    compare_groups = _group_list(ck, meta_raw, "compare_groups", groups)
    sensitivity_groups = _group_list(ck, meta_raw, "sensitivity_groups", groups)

    if ck.problems:
        return None, ck.problems
    meta = DatasetMeta(
        name=str(meta_raw.get("name", folder.name)),
        title=str(meta_raw.get("title", "")),
        producer=producer,
        base_year=int(base_year),
        currency=str(meta_raw.get("currency", "USD")),
        default_grade=default_grade,
        groups=groups,
        watch=watch,
        run_label=run_label,
        run_requirements=run_reqs,
        run_groups=run_groups,
        compare_groups=compare_groups,
        sensitivity_groups=sensitivity_groups,
    )
    net = Network(
        meta=meta,
        grades=grades,
        nodes=tuple(nodes),
        routes=tuple(routes),
        supply=tuple(supply),
        markets=tuple(markets),
        benchmarks=tuple(benchmarks),
        sources=tuple(sources),
        observed=observed,
        observed_events=observed_events,
        path=str(folder),
        outages=outages,
        passages=tuple(passages),
        route_years=route_years,
        commitments=commitments,
        projects=projects,
        fleet=fleet,
        refineries=refineries,
    )
    _check_run_requirements(ck, meta_raw, net)
    if ck.problems:
        return None, ck.problems
    lines = _Lines(
        market={m: line for m, line in market_seen.items()},
        supply=supply_seen,
        base_year=_line_of(meta_raw, "base_year"),
        route=dict(seen_routes),
    )
    return dataclasses.replace(net, warnings=tuple(network_warnings(net, lines))), []


def _read_watch_and_run(
    ck: _Checker,
    meta_raw: dict[str, Any],
    passage_ids: list[str],
    groups: dict[str, tuple[str, ...]],
) -> tuple[str, str, tuple[str, ...], tuple[str, ...]]:
    """dataset.yaml's ``watch`` (a country code or passage id) and ``run`` (label, require,
    groups): what the maps, report and ``crudeflow run`` contrast (docs/dataset-format.md)."""
    f = "dataset.yaml"
    watch = meta_raw.get("watch", "") or ""
    if not isinstance(watch, str) or (
        watch and watch not in ISO_ALPHA2 and watch not in passage_ids
    ):
        ck.add(
            f,
            _line_of(meta_raw, "watch"),
            "watch",
            watch,
            "an ISO 3166-1 alpha-2 country code or a passage id (HORMUZ, BOSPORUS, ...)",
        )
        watch = ""
    run = meta_raw.get("run") or {}
    if not isinstance(run, dict):
        ck.add(
            f, _line_of(meta_raw, "run"), "run", str(run)[:40], "a mapping: label, require, groups"
        )
        return watch, "", (), ()
    _unknown_keys(ck, run, _RUN_KEYS, "run.", "a key of run")
    label = run.get("label", "") or ""
    if not isinstance(label, str):
        ck.add(f, _line_of(run, "label"), "run.label", label, "a text")
        label = ""
    lists: dict[str, tuple[str, ...]] = {}
    for key in ("require",):
        raw = run.get(key) or []
        if not isinstance(raw, list) or not all(isinstance(x, str) for x in raw):
            ck.add(f, _line_of(run, key), f"run.{key}", str(raw)[:40], "a list of texts")
            raw = []
        lists[key] = tuple(raw)
    run_groups = _group_list(ck, run, "groups", groups, prefix="run.")
    return watch, label, lists["require"], run_groups


def _group_list(
    ck: _Checker,
    mapping: dict[str, Any],
    key: str,
    groups: dict[str, tuple[str, ...]],
    *,
    prefix: str = "",
) -> tuple[str, ...]:
    """A dataset.yaml list of route group names (``run.groups``, ``compare_groups``,
    ``sensitivity_groups``)."""
    raw = mapping.get(key) or []
    if not isinstance(raw, list) or not all(isinstance(x, str) for x in raw):
        ck.add(
            "dataset.yaml",
            _line_of(mapping, key),
            prefix + key,
            str(raw)[:40],
            "a list of group names",
        )
        return ()
    for g in raw:
        if g not in groups:
            ck.add(
                "dataset.yaml",
                _line_of(mapping, key),
                prefix + key,
                g,
                "a route group named under groups" + did_you_mean(g, list(groups)),
            )
    return tuple(raw)


def _check_run_requirements(ck: _Checker, meta_raw: dict[str, Any], net: Network) -> None:
    """Each ``run.require`` text parses against the network (ids, units)."""
    from crudeflow.errors import RequirementError
    from crudeflow.requirements import parse_requirement

    run = meta_raw.get("run")
    for text in net.meta.run_requirements:
        try:
            parse_requirement(text, network=net)
        except RequirementError as exc:
            ck.add(
                "dataset.yaml",
                _line_of(run, "require") if isinstance(run, dict) else None,
                "run.require",
                text,
                f"a requirement ({exc.expected})",
            )


@dataclass(frozen=True)
class _Lines:
    """Where the rows a warning points at were read (file lines)."""

    market: dict[str, int] = field(default_factory=dict)
    supply: dict[tuple[str, int], int] = field(default_factory=dict)
    base_year: int | None = None
    route: dict[str, int] = field(default_factory=dict)


def network_warnings(net: Network, lines: _Lines | None = None) -> list[Problem]:
    """Valid but suspicious things in a network: each a :class:`Problem` that does not stop
    a plan.

    * a market that no supply node reaches along routes of any status (it never gets oil);
    * supply in a year at a node from which no route operating and open in that year leads
      to a market (that supply is shut in unless a scenario opens a route);
    * no supply rows at all, none for the base year, or only rows of 0 Mt in a year (a plan
      for a year without supply rows is an error, raised by the planner);
    * a passage that some path can pass on two legs (``share`` of it counts such a tonne
      twice; docs/dataset-format.md, "Passages").

    Examples
    --------
    >>> import dataclasses
    >>> from crudeflow.network.model import Market, Node, toy_network
    >>> net = toy_network()
    >>> network_warnings(net)
    []
    >>> lonely = dataclasses.replace(
    ...     net,
    ...     nodes=(*net.nodes, Node("N", "Market N", "market", "CN", 40.0, 80.0)),
    ...     markets=(*net.markets, Market("N", "G", 0.0)),
    ... )
    >>> print(network_warnings(lonely)[0])
    markets.csv: node = 'N': expected a market that routes from some supply node reach (no supply can get here)
    """
    lines = lines or _Lines()
    out: list[Problem] = []
    if not net.supply:
        out.append(Problem("supply.csv", None, "", "", "supply rows (there are none)"))
    elif net.meta.base_year and net.meta.base_year not in net.years:
        out.append(
            Problem(
                "dataset.yaml",
                lines.base_year,
                "base_year",
                str(net.meta.base_year),
                "a base year with rows in supply.csv (a plan for it fails; years with "
                f"supply: {', '.join(map(str, net.years))})",
            )
        )
    for year in net.years:
        if not any(s.mt > 0 for s in net.supply if s.year == year):
            first = min((line for (_, y), line in lines.supply.items() if y == year), default=None)
            out.append(
                Problem(
                    "supply.csv",
                    first,
                    "mt",
                    "0",
                    f"some supply in {year} (every row of {year} is 0 Mt: a plan exports nothing)",
                )
            )
    reached = _reached_from({s.node for s in net.supply}, net.routes)
    for m in net.markets:
        if m.node not in reached:
            out.append(
                Problem(
                    "markets.csv",
                    lines.market.get(m.node),
                    "node",
                    m.node,
                    "a market that routes from some supply node reach (no supply can get here)",
                )
            )
    markets = [n for n in net.nodes if n.kind == "market"]
    for year in net.years:
        reach = _reaches_market(
            markets,
            [r for r in net.routes if net.route_open_in(r.id, year)],
            sinks=set(net.refinery_demand_in(year)),
        )
        for s in net.supply:
            if s.year == year and s.mt > 0 and s.node not in reach:
                out.append(
                    Problem(
                        "supply.csv",
                        lines.supply.get((s.node, year)),
                        "node",
                        s.node,
                        f"a node with a route to a market (or a refinery) operating in {year} (its {s.mt:g} Mt "
                        "are shut in unless a scenario opens one)",
                    )
                )
    out.extend(passage_warnings(net.routes, lines.route))
    return out


def _reached_from(starts: set[str], routes: tuple[Route, ...] | list[Route]) -> set[str]:
    """Ids of nodes reachable from ``starts`` along routes (any status)."""
    fwd: dict[str, list[str]] = {}
    for r in routes:
        fwd.setdefault(r.from_node, []).append(r.to_node)
    return reached_along(starts, fwd)


def _reaches_market(
    nodes: list[Node], routes: list[Route], sinks: set[str] | frozenset[str] = frozenset()
) -> set[str]:
    """Ids of nodes from which some market (or a node of ``sinks``) can be reached along
    ``routes``."""
    back: dict[str, list[str]] = {}
    for r in routes:
        back.setdefault(r.to_node, []).append(r.from_node)
    queue: deque[str] = deque(dict.fromkeys([*(n.id for n in nodes if n.kind == "market"), *sinks]))
    seen = set(queue)
    while queue:
        for prev in back.get(queue.popleft(), ()):
            if prev not in seen:
                seen.add(prev)
                queue.append(prev)
    return seen
