"""Read and check ``observed.csv`` (reported volumes per route group and year) and
``observed_events.csv`` (reported outcomes of past disruptions), both optional.

Every malformed cell becomes a :class:`~crudeflow.errors.Problem` with file, line, field, value
and what was expected; the format is in ``docs/dataset-format.md`` ("observed.csv",
"observed_events.csv").
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path

from crudeflow.network._checks import _Checker
from crudeflow.network.model import EventObservation, Observation

OBSERVED = "observed.csv"
EVENTS = "observed_events.csv"
BASES: tuple[str, ...] = ("test", "construction")
MEASURES: tuple[str, ...] = ("flow_mt", "change_mt", "change_pct", "vs_prev_pct", "shut_in_mt")
MAX_MT = 10_000.0
_MONTH = r"(\d{4})-(0[1-9]|1[0-2])"
_MONTHS_RE = re.compile(rf"^{_MONTH}(?:\.\.{_MONTH})?$")


def read_observed(
    ck: _Checker, *, groups: Mapping[str, tuple[str, ...]]
) -> tuple[Observation, ...]:
    """The rows of ``observed.csv`` (none when the file is absent), checked cell by cell."""
    f = OBSERVED
    out: list[Observation] = []
    seen: dict[tuple[int, str], int] = {}
    for line, row in ck.rows(f, optional=True):
        year = ck.integer(f, line, row, "year")
        mt = ck.number(
            f, line, row, "mt", low=0, high=MAX_MT, what=f"a volume in Mt, 0 to {MAX_MT:,.0f}"
        )
        basis = row.get("basis", "") or "test"
        if basis not in BASES:
            ck.add(f, line, "basis", basis, "one of " + ", ".join(BASES) + " (or empty: test)")
            continue
        if row["group"] not in groups:
            ck.add(f, line, "group", row["group"], "a route group named in dataset.yaml")
        elif year is not None and (year, row["group"]) in seen:
            ck.add(
                f,
                line,
                "group",
                row["group"],
                f"one row per year and group (also on line {seen[(year, row['group'])]})",
            )
        elif year is not None and mt is not None:
            seen[(year, row["group"])] = line
            out.append(
                Observation(year, row["group"], mt, row["source"], row.get("note", ""), basis)
            )
    return tuple(out)


def _months(ck: _Checker, line: int, cell: str) -> tuple[int, int, int] | None:
    """``(year, first month, last month)`` of a ``months`` cell, or None (problem added)."""
    m = _MONTHS_RE.match(cell)
    expected = "YYYY-MM or YYYY-MM..YYYY-MM within one year (e.g. 2025-12)"
    if not m:
        ck.add(EVENTS, line, "months", cell, expected)
        return None
    year, first = int(m[1]), int(m[2])
    last_year, last = (int(m[3]), int(m[4])) if m[3] else (year, first)
    if last_year != year or last < first:
        ck.add(EVENTS, line, "months", cell, expected + ", first month first")
        return None
    return year, first, last


def _event_group(
    ck: _Checker, line: int, measure: str, group: str, groups: Mapping[str, tuple[str, ...]]
) -> bool:
    """Whether the ``group`` cell fits the measure (a problem is added when not)."""
    if measure == "shut_in_mt":
        if group:
            ck.add(EVENTS, line, "group", group, "empty for shut_in_mt (it is network-wide)")
            return False
        return True
    if group not in groups:
        ck.add(EVENTS, line, "group", group, "a route group named in dataset.yaml")
        return False
    return True


def read_observed_events(
    ck: _Checker, *, groups: Mapping[str, tuple[str, ...]], folder: Path
) -> tuple[EventObservation, ...]:
    """The rows of ``observed_events.csv`` (none when the file is absent), checked cell by
    cell; ``scenario`` names presets in ``folder/scenarios``."""
    f = EVENTS
    presets = sorted(p.stem for p in (folder / "scenarios").glob("*.yaml"))
    out: list[EventObservation] = []
    for line, row in ck.rows(f, optional=True):
        names = tuple(n.strip() for n in row["scenario"].split("+"))
        bad = [n for n in names if n not in presets]
        for n in bad:
            ck.add(f, line, "scenario", n, "a preset of the dataset's scenarios/ folder")
        months = _months(ck, line, row["months"])
        measure = ck.choice(f, line, row, "measure", MEASURES)
        ok_group = measure is not None and _event_group(ck, line, measure, row["group"], groups)
        if months and measure == "vs_prev_pct" and months[1] == 1:
            ck.add(f, line, "months", row["months"], "a first month after January (vs_prev_pct)")
            months = None
        reported = ck.number(
            f, line, row, "reported", low=-MAX_MT, high=MAX_MT, what="a number (Mt or %)"
        )
        if bad or months is None or measure is None or not ok_group or reported is None:
            continue
        out.append(
            EventObservation(
                names,
                months[0],
                months[1],
                months[2],
                measure,
                row["group"],
                reported,
                row["source"],
                row.get("note", ""),
            )
        )
    return tuple(out)
