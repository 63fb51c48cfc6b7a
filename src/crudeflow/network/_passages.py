"""Passages (straits, canals, bypass pipelines): the shared table and a dataset's own rows.

The shared table ``crudeflow/data/passages.csv`` (sources: ``passages_sources.csv`` beside
it) is known to every dataset; a dataset's optional ``passages.csv`` adds passages, and
routes.csv's ``passages`` column names them. Format: docs/dataset-format.md, "Passages".

Examples
--------
>>> [p.id for p in shared_passages()]
['HORMUZ', 'BOSPORUS', 'BAB_EL_MANDEB', 'SUEZ', 'SUMED']
>>> shared_passages()[0].lat
26.6
"""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Iterable, Mapping
from functools import lru_cache
from importlib import resources
from pathlib import Path

from crudeflow.errors import DatasetError, Problem
from crudeflow.ids import did_you_mean
from crudeflow.network._checks import _AS_OF_RE, _COLUMNS, _SOURCE_OF, _URL_RE, _Checker
from crudeflow.network.model import PASSAGE_KINDS, Passage, Route

__all__ = [
    "PASSAGE_ID_RE",
    "check_route_passages",
    "passage_warnings",
    "read_passages",
    "shared_passages",
    "shared_passages_folder",
]

PASSAGE_ID_RE = re.compile(r"^[A-Z][A-Z0-9_]{2,}$")
"""A passage id: upper-case, at least 3 characters (never a 2-letter country code)."""

SHARED_FILE = "passages.csv"
SHARED_SOURCES = "passages_sources.csv"

_COLUMNS["passages.csv"] = (
    ("id", "name", "kind", "source"),
    ("lat", "lon", "coords_source", "note"),
)
_COLUMNS[SHARED_SOURCES] = _COLUMNS["sources.csv"]
_SOURCE_OF["passages.csv"] = {"lat": "coords_source", "lon": "coords_source"}


def shared_passages_folder() -> Path:
    """Folder holding the shared passages table (``crudeflow/data``)."""
    return Path(str(resources.files("crudeflow") / "data"))


def read_passages(
    ck: _Checker, *, known: Mapping[str, str] | None = None, label: str = "passages.csv"
) -> list[Passage]:
    """Rows of ``passages.csv`` in ``ck``'s folder (an absent file gives none).

    ``known`` maps ids already defined (the shared table) to where: an id in both is a problem.
    """
    out: list[Passage] = []
    seen: dict[str, int] = {}
    f = "passages.csv"
    for line, row in ck.rows(f, optional=True):
        pid = ck.ident(label, line, row, "id", seen)
        if pid is not None and not PASSAGE_ID_RE.match(pid):
            ck.add(
                label,
                line,
                "id",
                pid,
                "an upper-case id of at least 3 letters, digits or '_' (never a 2-letter "
                "country code), e.g. HORMUZ",
            )
            pid = None
        if pid is not None and known and pid in known:
            ck.add(label, line, "id", pid, f"an id not already in {known[pid]}")
            pid = None
        kind = ck.choice(label, line, row, "kind", PASSAGE_KINDS)
        lat = ck.number(
            f, line, row, "lat", required=False, low=-90, high=90, what="a latitude in [-90, 90]"
        )
        lon = ck.number(
            f,
            line,
            row,
            "lon",
            required=False,
            low=-180,
            high=180,
            what="a longitude in [-180, 180]",
        )
        if (row.get("lat", "") == "") != (row.get("lon", "") == ""):
            ck.add(
                label, line, "lon" if row.get("lat") else "lat", "", "both lat and lon, or neither"
            )
        if not row["source"]:
            ck.add(label, line, "source", "", "a source id or 'estimate: <reasoning>'")
        else:
            ck.source_cell(label, line, "source", row["source"])
        if pid and kind:
            out.append(
                Passage(
                    pid,
                    row["name"] or pid,
                    kind,
                    lat,
                    lon,
                    row.get("coords_source", ""),
                    row["source"],
                    row.get("note", ""),
                )
            )
    return out


def _read_table(folder: Path) -> tuple[list[Passage], list[Problem]]:
    """The shared table of ``folder`` and its problems (sources checked and all used)."""
    ck = _Checker(folder)
    ids: list[str] = []
    lines: dict[str, int] = {}
    for line, row in ck.rows(SHARED_SOURCES):
        sid = ck.ident(SHARED_SOURCES, line, row, "id", lines)
        if not _URL_RE.match(row["url"]):
            ck.add(SHARED_SOURCES, line, "url", row["url"], "an http(s) URL")
        if not _AS_OF_RE.match(row["as_of"]):
            ck.add(SHARED_SOURCES, line, "as_of", row["as_of"], "YYYY, YYYY-MM, YYYY-MM-DD or n/d")
        for col in ("title", "quote"):
            if not row[col]:
                ck.add(SHARED_SOURCES, line, col, "", f"a {col} (not empty)")
        if sid:
            ids.append(sid)
    ck.source_ids = set(ids)
    passages = read_passages(ck)
    if not (folder / SHARED_FILE).is_file():
        ck.add(SHARED_FILE, None, "", "", f"a file {SHARED_FILE} in {folder}")
    for sid in sorted(ck.source_ids - ck.used_sources):
        ck.add(SHARED_SOURCES, lines.get(sid), "id", sid, "a source that some cell cites")
    return passages, ck.problems


@lru_cache(maxsize=1)
def shared_passages() -> tuple[Passage, ...]:
    """The shared passages table shipped with crudeflow (read once, validated).

    Raises
    ------
    DatasetError
        The shipped table has a problem (a packaging error; a test guards it).
    """
    folder = shared_passages_folder()
    passages, problems = _read_table(folder)
    if problems:
        raise DatasetError(problems, folder=str(folder))
    return tuple(passages)


def check_route_passages(
    ck: _Checker, line: int, cell: str, known: Iterable[str]
) -> tuple[str, ...] | None:
    """The ids of a routes.csv ``passages`` cell, or None (problems added) when one is unknown.

    Examples
    --------
    >>> ck = _Checker(Path("."))
    >>> check_route_passages(ck, 3, "HORMUZ; SUEZ", ["HORMUZ", "SUEZ"])
    ('HORMUZ', 'SUEZ')
    >>> check_route_passages(ck, 4, "HORMUS", ["HORMUZ", "SUEZ"]) is None
    True
    >>> print(ck.problems[0])
    routes.csv:4: passages = 'HORMUS': expected a passage id from the passages table (did you mean HORMUZ?)
    """
    ids = tuple(p.strip() for p in cell.split(";") if p.strip())
    known_t = tuple(known)
    ok = True
    for pid in ids:
        if pid not in known_t:
            ok = False
            hint = did_you_mean(pid, known_t) or did_you_mean(pid.upper(), known_t)
            ck.add(
                "routes.csv",
                line,
                "passages",
                pid,
                "a passage id from the passages table" + (hint or f" ({', '.join(known_t)})"),
            )
    if ok and len(set(ids)) != len(ids):
        ck.add("routes.csv", line, "passages", cell, "each passage once on a route")
        ok = False
    return ids if ok else None


def passage_warnings(routes: Iterable[Route], lines: Mapping[str, int]) -> list[Problem]:
    """A warning per passage that some path can pass on two legs (``share`` counts it twice).

    Two routes listing the same passage, the second starting where the first's end reaches
    along routes of any status.

    Examples
    --------
    >>> a = Route("A_B", "A", "B", "tanker", 1.0, 1.0, ("TR",), passages=("BOSPORUS",))
    >>> b = Route("B_C", "B", "C", "tanker", 1.0, 1.0, ("TR",), passages=("BOSPORUS",))
    >>> print(passage_warnings([a, b], {"B_C": 3})[0])  # doctest: +ELLIPSIS
    routes.csv:3: passages = 'BOSPORUS': expected a passage listed on one leg of any path (A_B then B_C both list it: ...)
    """
    routes = list(routes)
    fwd: dict[str, list[str]] = {}
    for r in routes:
        fwd.setdefault(r.from_node, []).append(r.to_node)
    out: list[Problem] = []
    by_passage: dict[str, list[Route]] = {}
    for r in routes:
        for p in r.passages:
            by_passage.setdefault(p, []).append(r)
    for pid, listing in by_passage.items():
        if len(listing) < 2:
            continue
        starts = {r.from_node: r for r in listing}
        for first in listing:
            reach = _reached(first.to_node, fwd)
            second = next(
                (starts[n] for n in starts if n in reach and starts[n] is not first), None
            )
            if second is not None:
                out.append(
                    Problem(
                        "routes.csv",
                        lines.get(second.id),
                        "passages",
                        pid,
                        f"a passage listed on one leg of any path ({first.id} then {second.id} "
                        f"both list it: 'share {pid}' counts such a tonne twice)",
                    )
                )
                break
    return out


def _reached(start: str, fwd: Mapping[str, list[str]]) -> set[str]:
    return reached_along({start}, fwd)


def reached_along(starts: set[str], fwd: Mapping[str, list[str]]) -> set[str]:
    """Ids reachable from ``starts`` along ``fwd`` (node -> next nodes), ``starts`` included.

    >>> sorted(reached_along({"A"}, {"A": ["B"], "B": ["C"], "D": ["A"]}))
    ['A', 'B', 'C']
    """
    seen = set(starts)
    queue: deque[str] = deque(starts)
    while queue:
        for nxt in fwd.get(queue.popleft(), ()):
            if nxt not in seen:
                seen.add(nxt)
                queue.append(nxt)
    return seen
