"""A scenario's ``hazards:``: rows added to or replacing the dataset's outage model, rows
dropped, rates scaled (private helpers of :mod:`crudeflow.scenario`).

The format is in ``docs/scenario-format.md`` ("hazards"). A row is checked by the very rules
of ``outages.csv`` (:func:`crudeflow.network._outages.read_outages`), its errors pointed at
the scenario file and line of the key at fault.

Examples
--------
>>> from crudeflow._yaml import load_yaml
>>> doc = load_yaml("- drop: storm\\n- scale: strike\\n  rate_factor: 2\\n"
...                 "  source: 'estimate: twice the war-years rate'\\n")
>>> [(e.action, e.id, e.factor) for e in parse_hazards(doc, file="s.yaml", line=1)]
[('drop', 'storm', 1.0), ('scale', 'strike', 2.0)]
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from crudeflow._scenario_fields import _check_keys, _err, _hint, _key_line, _list, _show
from crudeflow._yaml import YamlMap
from crudeflow.montecarlo.outages import Hazard, OutageModel

if TYPE_CHECKING:
    from crudeflow.network.model import Network

MAX_HAZARDS = 1_000
"""Most entries in one file's ``hazards:`` list."""
MAX_RATE_FACTOR = 100.0
"""Largest ``rate_factor``."""

_ROW_KEYS = (
    "id",
    "kind",
    "target",
    "events_per_year",
    "rate_source",
    "median_days",
    "p90_days",
    "duration_days",
    "duration_source",
    "lost_min",
    "lost_max",
    "lost_source",
    "months",
    "month_weights",
    "season_source",
    "shared",
    "source",
    "note",
)
"""The columns of ``outages.csv``, the keys of a hazard row."""
_LIST_KEYS = ("duration_days", "months", "month_weights")
_DROP_KEYS = ("drop", "source", "note")
_SCALE_KEYS = ("scale", "rate_factor", "source", "note")
_PROCESS_SAME = ("events_per_year", "median_days", "p90_days", "duration_days", "month_weights")

Action = Literal["row", "drop", "scale"]


@dataclass(frozen=True, slots=True)
class HazardEdit:
    """One entry of a scenario's ``hazards:`` list.

    ``row``: a hazard row (``cells``: the ``outages.csv`` cells as text) added, or replacing
    the hazard with the same id; ``drop``: the hazard ``id`` removed; ``scale``: the rate of
    ``id`` (and of every row sharing its ``shared`` key: one process) multiplied by
    ``factor``.
    """

    action: Action
    id: str
    file: str
    line: int
    cells: Mapping[str, str] = field(default_factory=dict)
    key_lines: Mapping[str, int] = field(default_factory=dict)
    factor: float = 1.0
    source: str = ""


def _cell(value: Any, *, key: str, file: str, line: int) -> str:
    """A YAML value as the text of an ``outages.csv`` cell (a list joined with ';')."""
    if value is None:
        return ""
    if isinstance(value, bool | Mapping):
        raise _err(file, line, f"hazard {key} = {_show(value)}: expected a number or text")
    if isinstance(value, list):
        if key not in _LIST_KEYS:
            raise _err(file, line, f"hazard {key}: expected one value, not a list")
        return ";".join(_cell(v, key=key, file=file, line=line) for v in value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise _err(file, line, f"hazard {key} = {_show(value)}: expected a finite number")
        return repr(value)
    return str(value).strip()


def parse_hazards(raw: Any, *, file: str, line: int | None) -> tuple[HazardEdit, ...]:
    """The entries of a ``hazards:`` list, checked for shape (the dataset checks the rest)."""
    items = _list(raw, file=file, line=line, what="hazards", limit=MAX_HAZARDS)
    out: list[HazardEdit] = []
    for item, iline in zip(items, items.item_lines, strict=True):
        if not isinstance(item, YamlMap):
            raise _err(
                file,
                iline,
                f"hazard {_show(item)}: expected a row (id, kind, target, ...), "
                "{drop: ID} or {scale: ID, rate_factor: X, source: ...}",
            )
        forms = [k for k in ("id", "drop", "scale") if k in item]
        if len(forms) != 1:
            if not forms:
                _check_keys(
                    item,
                    tuple(dict.fromkeys((*_ROW_KEYS, *_DROP_KEYS, *_SCALE_KEYS))),
                    file=file,
                    what="hazard",
                )
            raise _err(
                file,
                item.line,
                "a hazard entry has exactly one of: id (a row), drop, scale",
            )
        form = forms[0]
        allowed = {"id": _ROW_KEYS, "drop": _DROP_KEYS, "scale": _SCALE_KEYS}[form]
        what = {"id": "hazard row", "drop": "hazard drop", "scale": "hazard scale"}[form]
        _check_keys(item, allowed, file=file, what=what)
        ident = item[form]
        if not isinstance(ident, str) or not ident.strip():
            raise _err(file, _key_line(item, form), f"{form}: expected a hazard id")
        ident = ident.strip()
        source = item.get("source")
        if source is not None and not isinstance(source, str):
            raise _err(file, _key_line(item, "source"), "source: expected text")
        if form == "drop":
            out.append(HazardEdit("drop", ident, file, item.line, source=source or ""))
            continue
        if form == "scale":
            f = item.get("rate_factor")
            fline = _key_line(item, "rate_factor")
            if isinstance(f, bool) or not isinstance(f, int | float):
                raise _err(file, fline, f"rate_factor = {_show(f)}: expected a number")
            if not (math.isfinite(f) and 0 < f <= MAX_RATE_FACTOR):
                raise _err(
                    file,
                    fline,
                    f"rate_factor = {_show(f)}: expected a number above 0, at most "
                    f"{MAX_RATE_FACTOR:g}",
                )
            if not source:
                raise _err(
                    file,
                    item.line,
                    f"scale {ident}: give a source for rate_factor (a source id or "
                    "'estimate: <reasoning>')",
                )
            out.append(HazardEdit("scale", ident, file, item.line, factor=float(f), source=source))
            continue
        cells = {
            k: _cell(item.get(k), key=k, file=file, line=_key_line(item, k)) for k in _ROW_KEYS
        }
        lines = {k: _key_line(item, k) for k in item}
        out.append(HazardEdit("row", ident, file, item.line, cells, lines, source=cells["source"]))
    return tuple(out)


def _row_hazard(edit: HazardEdit, network: Network, known_sources: set[str]) -> Hazard:
    """The hazard of a row entry, checked by the rules of ``outages.csv``."""
    from crudeflow.network._checks import _Checker
    from crudeflow.network._outages import read_outages

    ck = _Checker(Path("."))
    ck.source_ids = known_sources
    model = read_outages(
        ck,
        routes=network.routes,
        route_ids={r.id for r in network.routes},
        groups=network.meta.groups,
        node_ids={n.id for n in network.nodes},
        rows=[(edit.line, dict(edit.cells))],
    )
    if ck.problems:
        p = ck.problems[0]
        line = edit.key_lines.get(p.field, edit.line)
        shown = f" {p.value!r}" if p.value else ""
        raise _err(edit.file, line, f"hazard {edit.id}: {p.field}{shown}: expected {p.expected}")
    if len(model.hazards) != 1:  # every rejected row reports a problem; kept as a guard
        raise _err(edit.file, edit.line, f"hazard {edit.id}: not a valid outages.csv row")
    return replace(model.hazards[0], line=edit.line)


def _check_source(edit: HazardEdit, known_sources: set[str]) -> None:
    """A drop's or scale's ``source``: source ids or ``estimate: <reasoning>``."""
    from crudeflow.network._checks import _Checker

    ck = _Checker(Path("."))
    ck.source_ids = known_sources
    ck.source_cell("outages.csv", edit.line, "source", edit.source)
    if ck.problems:
        p = ck.problems[0]
        raise _err(
            edit.file,
            edit.line,
            f"{edit.action} {edit.id}: source {p.value!r}: expected {p.expected}",
        )


def apply_hazard_edits(
    edits: tuple[HazardEdit, ...], network: Network, known_sources: set[str]
) -> OutageModel:
    """The network's outage model with ``edits`` applied in order (see :class:`HazardEdit`).

    Raises
    ------
    ScenarioError
        A row the rules of ``outages.csv`` reject; a drop or scale of a hazard that is not
        there (with a "did you mean"); a scale of a derate; rows sharing a ``shared`` key
        with different rates, durations or seasons.
    """
    hazards = list(network.outages.hazards)
    origin: dict[str, HazardEdit] = {}
    for edit in edits:
        pos = {h.id: i for i, h in enumerate(hazards)}
        if edit.action != "row" and edit.source:
            _check_source(edit, known_sources)
        if edit.action == "row":
            h = _row_hazard(edit, network, known_sources)
            if h.id in pos:
                hazards[pos[h.id]] = h
            else:
                hazards.append(h)
            origin[h.id] = edit
            continue
        if edit.id not in pos:
            raise _err(
                edit.file,
                edit.line,
                f"{edit.action} {edit.id!r}: no such hazard in the outage model"
                f"{_hint(edit.id, pos)} (hazards: {', '.join(pos) or 'none'})",
            )
        if edit.action == "drop":
            del hazards[pos[edit.id]]
            origin.pop(edit.id, None)
            continue
        target = hazards[pos[edit.id]]
        if target.kind != "event":
            raise _err(edit.file, edit.line, f"scale {edit.id}: a derate has no rate to scale")
        for i, h in enumerate(hazards):
            if h.id == target.id or (target.shared and h.shared == target.shared):
                hazards[i] = replace(h, events_per_year=h.events_per_year * edit.factor)
                origin[h.id] = edit
    first: dict[str, Hazard] = {}
    for h in hazards:
        if h.kind != "event" or not h.shared:
            continue
        if h.shared not in first:
            first[h.shared] = h
            continue
        f = first[h.shared]
        for attr in _PROCESS_SAME:
            if getattr(h, attr) != getattr(f, attr):
                at = origin.get(h.id) or origin.get(f.id)
                where = (at.file, at.line) if at else ("outages.csv", h.line)
                raise _err(
                    where[0],
                    where[1],
                    f"hazard {h.id}: {attr} differs from {f.id}'s, which shares "
                    f"{h.shared!r} (rows sharing a key are struck by the same events: give "
                    "them the same rate, duration and season, or scale the shared process)",
                )
    return OutageModel(tuple(hazards))


def hazard_edits_text(edits: tuple[HazardEdit, ...]) -> list[list[Any]]:
    """A canonical, JSON-ready form of ``edits`` (for a run's identity)."""
    return [[e.action, e.id, sorted(e.cells.items()), e.factor, e.source] for e in edits]
