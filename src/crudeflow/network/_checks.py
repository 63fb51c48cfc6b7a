"""The loader's checklist: column specs, cell checks collecting problems, YAML with lines.

Split from :mod:`crudeflow.network.load`, which reads a dataset folder file by file and asks
a :class:`_Checker` about every cell.
"""

from __future__ import annotations

import csv
import difflib
import math
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any, cast

import yaml

from crudeflow.errors import Problem
from crudeflow.network._iso import ISO_ALPHA2

_ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]*$")
_URL_RE = re.compile(r"^https?://[A-Za-z0-9\-._~%]+(?::\d+)?(?:[/?#][^\s]*)?$")
_AS_OF_RE = re.compile(r"^(?:\d{4}(?:-(?:0[1-9]|1[0-2])(?:-(?:0[1-9]|[12]\d|3[01]))?)?|n/d)$")
_ESTIMATE = "estimate:"
_NUMBER_RE = re.compile(r"^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$", re.ASCII)
USER_PREFIX = "x_"
"""Columns and keys starting with this prefix are the user's own: the loader ignores them."""
_WORD_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.\-]*[A-Za-z0-9]")

# numeric column -> the column that names its source (else the row's `source`)
_SOURCE_OF: dict[str, dict[str, str]] = {
    "nodes.csv": {
        "lat": "coords_source",
        "lon": "coords_source",
        "storage_mt": "storage_source",
        "throughput_mtpa": "throughput_source",
    },
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
        (
            "coords_source",
            "storage_mt",
            "storage_source",
            "throughput_mtpa",
            "throughput_source",
            "note",
        ),
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
            "passages",
        ),
    ),
    "supply.csv": (("node", "year", "mt", "source"), ("note",)),
    "markets.csv": (
        ("node", "grade", "diff_usd_per_bbl", "source"),
        ("diff_source", "max_mtpa", "max_source", "note"),
    ),
    "benchmarks.csv": (("year", "brent_usd_per_bbl", "source"), ("note",)),
    "observed.csv": (("year", "group", "mt", "source"), ("note", "basis")),
}

# dataset.yaml: keys of the top-level mapping and of each entry under ``grades``
_META_KEYS: tuple[str, ...] = (
    "name",
    "title",
    "producer",
    "base_year",
    "currency",
    "default_grade",
    "grades",
    "groups",
    "watch",
    "run",
    "compare_groups",
    "sensitivity_groups",
)
_RUN_KEYS: tuple[str, ...] = ("label", "require", "groups")
_GRADE_KEYS: tuple[str, ...] = ("id", "name", "bbl_per_t", "source", "note")


def unknown_name(name: object, known: Iterable[str], what: str) -> str | None:
    """What to say about a column or key ``name`` that is not in ``known`` (None when allowed).

    Names starting with ``x_`` are the user's own and always allowed; a near miss gets a
    "did you mean".

    Examples
    --------
    >>> unknown_name("loss_percent", ["loss_pct", "loss_source"], "a column of routes.csv")
    "a column of routes.csv (did you mean 'loss_pct'?) or a name starting with 'x_'"
    >>> unknown_name("x_comment", ["note"], "a column") is None
    True
    >>> unknown_name("note", ["note"], "a column") is None
    True
    """
    known = tuple(known)
    if isinstance(name, str) and (name in known or name.startswith(USER_PREFIX)):
        return None
    text = str(name)
    close = difflib.get_close_matches(text, known, n=1, cutoff=0.6)
    if not close:
        close = difflib.get_close_matches(text.lower(), known, n=1, cutoff=0.6)
    hint = f" (did you mean {close[0]!r}?)" if close else f" ({', '.join(known)})"
    return f"{what}{hint} or a name starting with {USER_PREFIX!r}"


# outages.csv (optional; issue 9): read by crudeflow.network._outages
_COLUMNS["outages.csv"] = (
    ("id", "kind", "target", "lost_min", "source"),
    (
        "events_per_year",
        "rate_source",
        "median_days",
        "p90_days",
        "duration_days",
        "duration_source",
        "lost_max",
        "lost_source",
        "months",
        "month_weights",
        "season_source",
        "shared",
        "note",
    ),
)
_SOURCE_OF["outages.csv"] = {
    "events_per_year": "rate_source",
    "median_days": "duration_source",
    "p90_days": "duration_source",
    "duration_days": "duration_source",
    "lost_min": "lost_source",
    "lost_max": "lost_source",
    "months": "season_source",
    "month_weights": "season_source",
}

# route_years.csv (optional; issue 11): read by crudeflow.network._years
_COLUMNS["route_years.csv"] = (("route", "year", "source"), ("capacity_mtpa", "status", "note"))
_SOURCE_OF["route_years.csv"] = {"capacity_mtpa": "source"}
# commitments.csv (optional; issue 11): read by crudeflow.network._years
_COLUMNS["commitments.csv"] = (
    ("id", "target", "min_mtpa", "penalty_usd_per_t", "source"),
    ("year", "min_source", "penalty_source", "note"),
)
_SOURCE_OF["commitments.csv"] = {"min_mtpa": "min_source", "penalty_usd_per_t": "penalty_source"}
# observed_events.csv (optional; issue 11): read by crudeflow.network._observed
_COLUMNS["observed_events.csv"] = (
    ("scenario", "months", "measure", "reported", "source"),
    ("group", "note"),
)
_SOURCE_OF["observed_events.csv"] = {"reported": "source"}


# ---------------------------------------------------------------------------------------
class _Checker:
    """Reads files and collects problems."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.problems: list[Problem] = []
        self.source_ids: set[str] = set()
        self.used_sources: set[str] = set()
        self._valid_cells: set[str] = set()

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
                for col in dict.fromkeys(header):
                    unknown = unknown_name(col, (*required, *extra), f"a column of {name}")
                    if unknown:
                        self.add(name, 1, col, col, unknown)
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
                    short = [k for k, v in row.items() if k is not None and v is None]
                    if short:  # a missing comma shifts every later cell one column left
                        self.add(
                            name,
                            line,
                            short[0],
                            f"{len(header) - len(short)} cells",
                            f"{len(header)} cells as in the header (empty ones too)",
                        )
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
        if not _NUMBER_RE.match(raw):  # float() also reads '1_000', '٣' and '７'
            self.add(file, line, col, raw, f"{what}, written with the digits 0-9")
            return None
        if (low is not None and (value < low or (low_open and value == low))) or (
            high is not None and (value > high or (high_open and value == high))
        ):
            self.add(file, line, col, raw, what)
            return None
        self.check_source(file, line, row, col)
        return value

    def numbers(
        self,
        file: str,
        line: int,
        row: dict[str, str],
        col: str,
        what: str,
        *,
        count: int | None = None,
        low_open: bool = False,
        highs: tuple[float, ...] | None = None,
    ) -> tuple[float, ...] | None:
        """A ';'-separated list of numbers (digits 0-9) >= 0 (> 0 when ``low_open``), each
        at most its entry of ``highs`` and ``count`` of them when given; or None, with one
        problem (``what`` expected) added. The caller checks the column's source.

        Examples
        --------
        >>> ck = _Checker(Path("."))
        >>> ck.numbers("f.csv", 2, {"c": "1; 2.5"}, "c", "numbers >= 0")
        (1.0, 2.5)
        >>> ck.numbers("f.csv", 3, {"c": "1;٣"}, "c", "numbers >= 0"), ck.problems[0].line
        (None, 3)
        >>> ck.numbers("f.csv", 4, {"c": "5;1"}, "c", "two, at most 4;1", highs=(4.0, 1.0))
        """
        raw = row.get(col, "")
        parts = [p.strip() for p in raw.split(";")]
        ok = (count is None or len(parts) == count) and all(_NUMBER_RE.match(p) for p in parts)
        values = tuple(float(p) for p in parts) if ok else ()
        ok = ok and all(math.isfinite(v) and v >= 0 and not (low_open and v == 0) for v in values)
        if ok and highs is not None:
            ok = all(v <= h for v, h in zip(values, highs, strict=True))
        if not ok:
            self.add(file, line, col, raw, what)
            return None
        return values

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
            if not raw.isascii() or "_" in raw:  # int() also reads '2_025' and '٢٠٢٥'
                raise ValueError(raw)
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
        # The same cell text recurs on many rows; a valid one need not be parsed again.
        if cell in self._valid_cells:
            return
        before = len(self.problems)
        if cell.lower().startswith(_ESTIMATE):
            if len(cell[len(_ESTIMATE) :].strip()) < 8:
                self.add(file, line, col, cell, "'estimate: ' followed by the reasoning")
            # an estimate that names the sources it is derived from uses them
            self.used_sources.update(set(_WORD_RE.findall(cell)) & self.source_ids)
        else:
            for sid in (s.strip() for s in cell.split(";")):
                self.used_sources.add(sid)
                if sid not in self.source_ids:
                    self.add(
                        file,
                        line,
                        col,
                        sid,
                        "a source id from sources.csv or 'estimate: <reasoning>'",
                    )
        if len(self.problems) == before:
            self._valid_cells.add(cell)

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
    """SafeLoader that records each mapping's line under ``__line__``, each key's line
    under ``__keys__`` and keys written twice (YAML keeps the last silently) under
    ``__dups__``."""


_MERGE_TAG = "tag:yaml.org,2002:merge"


def _construct_mapping(loader: _LineLoader, node: yaml.MappingNode) -> dict[str, Any]:
    # before construct_mapping: it flattens '<<' merges into node.value
    first: dict[Any, int] = {}
    dups: list[tuple[Any, int, int]] = []
    for key_node, _ in node.value:
        if key_node.tag == _MERGE_TAG or not isinstance(key_node, yaml.ScalarNode):
            continue
        key = loader.construct_object(key_node)
        line = key_node.start_mark.line + 1
        if key in first:
            dups.append((key, line, first[key]))
        else:
            first[key] = line
    mapping = cast(dict[str, Any], loader.construct_mapping(node, deep=True))
    if dups:
        mapping["__dups__"] = dups
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
    _unknown_keys(ck, data, _META_KEYS, "", "a key of dataset.yaml")
    _duplicate_keys(ck, data, "")
    if isinstance(data.get("groups"), dict):
        _duplicate_keys(ck, data["groups"], "groups.")
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
    for g in grades:
        _unknown_keys(ck, g, _GRADE_KEYS, "grades.", "a key of a grade")
        _duplicate_keys(ck, g, "grades.")
    return data, grades


def _unknown_keys(
    ck: _Checker, mapping: dict[str, Any], known: tuple[str, ...], prefix: str, what: str
) -> None:
    """Report every key of a mapping read by :class:`_LineLoader` that is not in ``known``."""
    keys = mapping.get("__keys__")
    for key in keys if isinstance(keys, dict) else ():
        unknown = unknown_name(key, known, what)
        if unknown:
            ck.add("dataset.yaml", _line_of(mapping, key), f"{prefix}{key}", key, unknown)


def _duplicate_keys(ck: _Checker, mapping: dict[str, Any], prefix: str) -> None:
    """Report every key written twice in a mapping (YAML would keep the last silently)."""
    for key, line, first in mapping.get("__dups__", ()):
        ck.add(
            "dataset.yaml",
            line,
            f"{prefix}{key}",
            key,
            f"each key once in a mapping (also on line {first})",
        )


# projects.csv (optional; issue 10): read by crudeflow.network._projects
_COLUMNS["projects.csv"] = (
    (
        "id",
        "name",
        "adds_mtpa",
        "modules_max",
        "capex_musd",
        "opex_musd_per_yr",
        "lifetime_years",
        "earliest_year",
        "source",
    ),
    (
        "route",
        "node",
        "fleet",
        "adds_source",
        "capex_source",
        "opex_source",
        "lifetime_source",
        "year_source",
        "requires",
        "excludes",
        "hypothetical",
        "note",
    ),
)
_SOURCE_OF["projects.csv"] = {
    "adds_mtpa": "adds_source",
    "modules_max": "adds_source",
    "capex_musd": "capex_source",
    "opex_musd_per_yr": "opex_source",
    "lifetime_years": "lifetime_source",
    "earliest_year": "year_source",
}

# fleet.csv (optional; issue 11 item 4): read by crudeflow.network._fleet
_COLUMNS["fleet.csv"] = (
    (
        "id",
        "routes",
        "vessels",
        "deadweight_t",
        "speed_knots",
        "distance_nm",
        "port_days",
        "source",
    ),
    (
        "name",
        "vessels_source",
        "deadweight_source",
        "cargo_fraction",
        "cargo_source",
        "ballast_speed_knots",
        "speed_source",
        "distance_source",
        "port_source",
        "weather_days",
        "weather_source",
        "note",
    ),
)
_SOURCE_OF["fleet.csv"] = {
    "vessels": "vessels_source",
    "deadweight_t": "deadweight_source",
    "cargo_fraction": "cargo_source",
    "speed_knots": "speed_source",
    "ballast_speed_knots": "speed_source",
    "distance_nm": "distance_source",
    "port_days": "port_source",
    "weather_days": "weather_source",
}
