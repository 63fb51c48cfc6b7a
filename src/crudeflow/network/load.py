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
"""

from __future__ import annotations

import csv
import math
import re
from collections import deque
from collections.abc import Iterable
from importlib import resources
from pathlib import Path
from typing import Any, cast

import yaml

from crudeflow.errors import DatasetError, Problem
from crudeflow.network._iso import ISO_ALPHA2
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
    Observation,
    Route,
    Source,
    Status,
    Supply,
)

__all__ = ["default_dataset_path", "load_dataset", "validate_dataset"]

_ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]*$")
_URL_RE = re.compile(r"^https?://[A-Za-z0-9\-._~%]+(?::\d+)?(?:[/?#][^\s]*)?$")
_AS_OF_RE = re.compile(r"^(?:\d{4}(?:-(?:0[1-9]|1[0-2])(?:-(?:0[1-9]|[12]\d|3[01]))?)?|n/d)$")
_ESTIMATE = "estimate:"
_WORD_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.\-]*[A-Za-z0-9]")

# numeric column -> the column that names its source (else the row's `source`)
_SOURCE_OF: dict[str, dict[str, str]] = {
    "nodes.csv": {"lat": "coords_source", "lon": "coords_source", "storage_mt": "storage_source"},
    "routes.csv": {
        "capacity_mtpa": "capacity_source",
        "physical_capacity_mtpa": "physical_capacity_source",
        "tariff_usd_per_t": "tariff_source",
        "transit_days": "transit_source",
        "loss_pct": "loss_source",
    },
    "supply.csv": {"mt": "source"},
    "markets.csv": {"diff_usd_per_bbl": "diff_source", "max_mtpa": "max_source"},
    "benchmarks.csv": {"brent_usd_per_bbl": "source"},
    "observed.csv": {"mt": "source"},
}

_COLUMNS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    # file: (required columns, optional columns)
    "sources.csv": (("id", "title", "url", "as_of", "quote"), ()),
    "nodes.csv": (
        ("id", "name", "kind", "country", "lat", "lon", "source"),
        ("coords_source", "storage_mt", "storage_source", "note"),
    ),
    "routes.csv": (
        (
            "id",
            "from",
            "to",
            "mode",
            "capacity_mtpa",
            "tariff_usd_per_t",
            "countries",
            "status",
            "source",
        ),
        (
            "name",
            "grade",
            "capacity_source",
            "physical_capacity_mtpa",
            "physical_capacity_source",
            "tariff_source",
            "transit_days",
            "transit_source",
            "loss_pct",
            "loss_source",
            "since_year",
            "note",
        ),
    ),
    "supply.csv": (("node", "year", "mt", "source"), ("note",)),
    "markets.csv": (
        ("node", "grade", "diff_usd_per_bbl", "source"),
        ("diff_source", "max_mtpa", "max_source", "note"),
    ),
    "benchmarks.csv": (("year", "brent_usd_per_bbl", "source"), ("note",)),
    "observed.csv": (("year", "group", "mt", "source"), ("note",)),
}


def default_dataset_path() -> Path:
    """Folder of the Kazakhstan dataset shipped inside the package."""
    return Path(str(resources.files("crudeflow") / "data" / "kazakhstan"))


def load_dataset(path: str | Path | None = None) -> Network:
    """Load and validate a dataset folder (the default Kazakhstan dataset when ``None``).

    Raises
    ------
    DatasetError
        With every problem found, each naming file, line, field, value and expectation.
    """
    folder = Path(path) if path is not None else default_dataset_path()
    network, problems = _load(folder)
    if problems or network is None:
        raise DatasetError(problems, folder=str(folder))
    return network


def validate_dataset(path: str | Path) -> list[Problem]:
    """Every problem in a dataset folder (an empty list when it is valid)."""
    return _load(Path(path))[1]


# ---------------------------------------------------------------------------------------
class _Checker:
    """Reads files and collects problems."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.problems: list[Problem] = []
        self.source_ids: set[str] = set()
        self.used_sources: set[str] = set()

    def add(self, file: str, line: int | None, field: str, value: object, expected: str) -> None:
        self.problems.append(Problem(file, line, field, str(value), expected))

    # -- files ----------------------------------------------------------------------------
    def rows(self, name: str, *, optional: bool = False) -> list[tuple[int, dict[str, str]]]:
        path = self.folder / name
        if not path.is_file():
            if not optional:
                self.add(name, None, "", "", f"a file {name} in {self.folder}")
            return []
        required, extra = _COLUMNS[name]
        out: list[tuple[int, dict[str, str]]] = []
        try:
            with path.open(newline="", encoding="utf-8-sig") as fh:
                reader = csv.DictReader(fh)
                header = [h.strip() for h in (reader.fieldnames or [])]
                missing = [c for c in required if c not in header]
                for col in missing:
                    self.add(name, 1, col, "", f"a column named {col!r} in the header")
                if missing:
                    return []
                dup = {h for h in header if header.count(h) > 1}
                for col in sorted(dup):
                    self.add(name, 1, col, col, "each column name once")
                reader.fieldnames = header
                for row in reader:
                    line = reader.line_num
                    if None in row:
                        self.add(
                            name,
                            line,
                            "",
                            ",".join(row[None]),
                            f"{len(header)} cells as in the header",
                        )
                    clean = {k: (v or "").strip() for k, v in row.items() if k is not None}
                    if not any(clean.values()):
                        continue
                    for col in extra:
                        clean.setdefault(col, "")
                    out.append((line, clean))
        except UnicodeDecodeError as exc:
            self.add(name, None, "", f"byte {exc.start}", "UTF-8 text")
        except csv.Error as exc:
            self.add(name, None, "", str(exc), "well-formed CSV")
        return out

    # -- cells ----------------------------------------------------------------------------
    def number(
        self,
        file: str,
        line: int,
        row: dict[str, str],
        col: str,
        *,
        required: bool = True,
        low: float | None = None,
        high: float | None = None,
        low_open: bool = False,
        high_open: bool = False,
        what: str = "a number",
    ) -> float | None:
        raw = row.get(col, "")
        if raw == "":
            if required:
                self.add(file, line, col, raw, f"{what} (the cell is empty)")
            return None
        try:
            value = float(raw)
        except ValueError:
            self.add(file, line, col, raw, what)
            return None
        if not math.isfinite(value):
            self.add(file, line, col, raw, f"{what} (finite)")
            return None
        if (low is not None and (value < low or (low_open and value == low))) or (
            high is not None and (value > high or (high_open and value == high))
        ):
            self.add(file, line, col, raw, what)
            return None
        self.check_source(file, line, row, col)
        return value

    def integer(
        self,
        file: str,
        line: int,
        row: dict[str, str],
        col: str,
        *,
        required: bool = True,
        low: int = 1900,
        high: int = 2200,
    ) -> int | None:
        raw = row.get(col, "")
        if raw == "":
            if required:
                self.add(file, line, col, raw, f"a year between {low} and {high}")
            return None
        try:
            value = int(raw)
        except ValueError:
            self.add(file, line, col, raw, f"a whole year between {low} and {high}")
            return None
        if not low <= value <= high:
            self.add(file, line, col, raw, f"a year between {low} and {high}")
            return None
        return value

    def check_source(self, file: str, line: int, row: dict[str, str], col: str) -> None:
        src_col = _SOURCE_OF.get(file, {}).get(col, "source")
        cell = row.get(src_col, "") or row.get("source", "")
        used_col = src_col if row.get(src_col, "") else "source"
        if cell == "":
            self.add(
                file,
                line,
                src_col,
                "",
                f"a source for {col}: a source id or 'estimate: <reasoning>'",
            )
            return
        self.source_cell(file, line, used_col, cell)

    def source_cell(self, file: str, line: int | None, col: str, cell: str) -> None:
        if cell.lower().startswith(_ESTIMATE):
            if len(cell[len(_ESTIMATE) :].strip()) < 8:
                self.add(file, line, col, cell, "'estimate: ' followed by the reasoning")
            # an estimate that names the sources it is derived from uses them
            self.used_sources.update(
                _WORD_RE.findall(cell) and set(_WORD_RE.findall(cell)) & self.source_ids
            )
            return
        for sid in (s.strip() for s in cell.split(";")):
            self.used_sources.add(sid)
            if sid not in self.source_ids:
                self.add(
                    file, line, col, sid, "a source id from sources.csv or 'estimate: <reasoning>'"
                )

    def choice(
        self, file: str, line: int, row: dict[str, str], col: str, allowed: Iterable[str]
    ) -> str | None:
        value = row.get(col, "")
        allowed = tuple(allowed)
        if value not in allowed:
            self.add(file, line, col, value, "one of " + ", ".join(allowed))
            return None
        return value

    def ident(
        self, file: str, line: int, row: dict[str, str], col: str, seen: dict[str, int]
    ) -> str | None:
        value = row.get(col, "")
        if not _ID_RE.match(value):
            self.add(file, line, col, value, "an id of letters, digits, '_', '-' or '.'")
            return None
        if value in seen:
            self.add(file, line, col, value, f"a unique id (also on line {seen[value]})")
            return None
        seen[value] = line
        return value

    def country(self, file: str, line: int, col: str, value: str) -> bool:
        if value not in ISO_ALPHA2:
            self.add(file, line, col, value, "an ISO 3166-1 alpha-2 country code such as KZ")
            return False
        return True


# ---------------------------------------------------------------------------------------
class _LineLoader(yaml.SafeLoader):
    """SafeLoader that records each mapping's line under ``__line__`` and each key's line
    under ``__keys__``."""


def _construct_mapping(loader: _LineLoader, node: yaml.MappingNode) -> dict[str, Any]:
    mapping = cast(dict[str, Any], loader.construct_mapping(node, deep=True))
    mapping["__line__"] = node.start_mark.line + 1
    # construct_mapping has already rejected unhashable keys; key objects come from its cache
    mapping["__keys__"] = {
        loader.construct_object(key_node): key_node.start_mark.line + 1
        for key_node, _ in node.value
    }
    return mapping


def _line_of(mapping: dict[str, Any], key: object) -> int | None:
    """Line of ``key`` in a mapping read by :class:`_LineLoader` (else the mapping's line)."""
    keys = mapping.get("__keys__")
    if isinstance(keys, dict) and key in keys:
        return cast(int, keys[key])
    return cast("int | None", mapping.get("__line__"))


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def _read_meta(ck: _Checker) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    name = "dataset.yaml"
    path = ck.folder / name
    if not path.is_file():
        ck.add(name, None, "", "", f"a file {name} in {ck.folder}")
        return {}, []
    try:
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=_LineLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        ck.add(name, mark.line + 1 if mark else None, "", str(exc.problem), "valid YAML")
        return {}, []
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        ck.add(name, None, "", str(exc), "valid YAML")
        return {}, []
    except ValueError as exc:  # an impossible date such as 2025-13-45 (no mark available)
        ck.add(name, None, "", str(exc), "valid YAML (dates must exist)")
        return {}, []
    except RecursionError:
        ck.add(name, None, "", "deeply nested", "valid YAML of reasonable depth")
        return {}, []
    if not isinstance(data, dict):
        ck.add(name, 1, "", type(data).__name__, "a mapping of keys (name, producer, grades)")
        return {}, []
    for key in ("name", "title", "producer", "base_year", "grades"):
        if key not in data:
            ck.add(name, 1, key, "", f"a key {key!r}")
    grades = data.get("grades") or []
    if not isinstance(grades, list) or not all(isinstance(g, dict) for g in grades):
        ck.add(
            name,
            _line_of(data, "grades"),
            "grades",
            str(grades)[:40],
            "a list of grades with id, name, bbl_per_t, source",
        )
        grades = []
    return data, grades


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
            f, line, row, "storage_mt", required=False, low=0, what="storage in Mt, >= 0"
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
                )
            )
    kind_of = {n.id: n.kind for n in nodes}
    all_node_ids = set(seen_nodes)

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
        cap = ck.number(f, line, row, "capacity_mtpa", low=0, what="a capacity in Mt/yr, >= 0")
        phys = ck.number(
            f,
            line,
            row,
            "physical_capacity_mtpa",
            required=False,
            low=0,
            what="a physical capacity in Mt/yr, >= 0",
        )
        if cap is not None and phys is not None and phys < cap:
            ck.add(
                f,
                line,
                "physical_capacity_mtpa",
                row["physical_capacity_mtpa"],
                f"a physical capacity >= capacity_mtpa ({row['capacity_mtpa']})",
            )
        tariff = ck.number(f, line, row, "tariff_usd_per_t", low=0, what="a tariff in USD/t, >= 0")
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
            what="a Brent price in USD/bbl, > 0",
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
        mt = ck.number(f, line, row, "mt", low=0, what="a volume in Mt, >= 0")
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
            what="a maximum intake in Mt/yr, >= 0 (or empty)",
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
        if gname in ("__line__", "__keys__"):
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
    observed: list[Observation] = []
    for line, row in ck.rows("observed.csv", optional=True):
        f = "observed.csv"
        year = ck.integer(f, line, row, "year")
        mt = ck.number(f, line, row, "mt", low=0, what="a volume in Mt, >= 0")
        if row["group"] not in groups:
            ck.add(f, line, "group", row["group"], "a route group named in dataset.yaml")
        elif year is not None and mt is not None:
            observed.append(Observation(year, row["group"], mt, row["source"], row.get("note", "")))

    # whole-network checks
    if nodes and routes and supply:
        reach = _reaches_market(nodes, routes)
        for (node, year), line in supply_seen.items():
            if node not in reach:
                ck.add(
                    "supply.csv",
                    line,
                    "node",
                    node,
                    f"a node connected to a market by routes (supply in {year} cannot leave)",
                )
    for sid in sorted(ck.source_ids - ck.used_sources):
        ck.add(
            "sources.csv",
            source_lines.get(sid),
            "id",
            sid,
            "a source that some cell cites (unused sources are not allowed)",
        )

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
        observed=tuple(observed),
        path=str(folder),
    )
    return net, []


def _reaches_market(nodes: list[Node], routes: list[Route]) -> set[str]:
    """Ids of nodes from which some market can be reached along routes (any status)."""
    back: dict[str, list[str]] = {}
    for r in routes:
        back.setdefault(r.to_node, []).append(r.from_node)
    queue: deque[str] = deque(n.id for n in nodes if n.kind == "market")
    seen = set(queue)
    while queue:
        for prev in back.get(queue.popleft(), ()):
            if prev not in seen:
                seen.add(prev)
                queue.append(prev)
    return seen
