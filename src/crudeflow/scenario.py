"""Scenarios: dated disruptions and expansions written once as YAML, run and compared.

The format (every key, type, range and limit, how ``extends`` and overlapping changes combine,
how a change dated inside a month is weighted) is documented in ``docs/scenario-format.md``;
the tests run every example there. In short::

    name: spm2-loss
    title: Loss of CPC's SPM-2
    description: Naval-drone attack on 29 Nov 2025; one mooring left.
    extends: base.yaml              # optional; its changes apply where this file has none
    horizon: {start: 2025-10, end: 2025-12}   # or {year: 2025} or {year: 2025, monthly: true}
    changes:
      - route: CPC_TERMINAL_MED     # or group, market, supply, ban
        capacity_factor: 0.5        # x the dataset's capacity; or capacity_mtpa, status, ...
        from: 2025-11-29            # YYYY-MM or YYYY-MM-DD; `to` inclusive
        to: 2025-12-31
    requirements:
      - via AKTAU,KURYK >= 20 Mt/yr

A change in force on part of a period counts for its share of the period's days. Factors
are relative to the dataset's value, never to another change. Two changes of one file on
the same thing that overlap in time are an error (file and line of both); a file's change
replaces what the file it extends says about the same thing on the days it covers. Unknown
keys are errors with a "did you mean"; keys starting with ``x_`` are ignored.

Examples
--------
>>> sc = parse_scenario("name: demo\\nhorizon: {year: 2025}\\nchanges:\\n"
...                     "  - route: B_M\\n    capacity_factor: 0.5\\n", source="demo.yaml")
>>> from crudeflow.network.model import toy_network
>>> p = run_scenario(sc, toy_network())
>>> float(p.routes.loc["B_M", "flow_mtpa"])
5.0
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from crudeflow._scenario_days import _check_overlaps, _Days, _period_bounds, _Setting, _settle
from crudeflow._scenario_fields import (
    _COMMON_KEYS,
    _KINDS,
    _SOURCE_KEYS,
    _STATUSES,
    _TOP_KEYS,
    _VALUE_KEYS,
    _check_keys,
    _date,
    _err,
    _hint,
    _horizon,
    _key_line,
    _list,
    _number,
    _read,
    _resolved,
    _show,
    _text,
)
from crudeflow._scenario_fields import MAX_FILE_BYTES as MAX_FILE_BYTES
from crudeflow._scenario_hazards import HazardEdit, apply_hazard_edits, parse_hazards
from crudeflow._yaml import YamlInputError, YamlMap, load_yaml
from crudeflow.errors import CrudeflowError, ScenarioError, SolverError
from crudeflow.montecarlo.outages import OutageModel
from crudeflow.network.model import Network, Source
from crudeflow.requirements import Requirement, parse_requirement
from crudeflow.solve.lp import PeriodOverrides, Periods

if TYPE_CHECKING:
    import pandas as pd

    from crudeflow.solve.plan import Foresight, Plan

__all__ = [
    "Change",
    "EarlyWarning",
    "Scenario",
    "ScenarioInputs",
    "apply_scenario",
    "early_warning",
    "foresight_matters",
    "list_presets",
    "load_scenario",
    "parse_scenario",
    "resolve_scenario",
    "run_scenario",
    "scenario_fingerprint",
    "scenario_outages",
    "strike_period",
]

FloatArray = npt.NDArray[np.float64]

# -- limits (docs/scenario-format.md, "Limits"; the YAML ones are in crudeflow._yaml, the
# file size is MAX_FILE_BYTES of crudeflow._scenario_fields, re-exported here) -------------
MAX_EXTENDS = 16
"""Most files in one ``extends`` chain (the file itself included)."""
MAX_CHANGES = 100_000
"""Most changes in a scenario, its ``extends`` chain included."""
MAX_REQUIREMENTS = 1_000
MAX_SOURCES = 1_000
MAX_TAGS = 50
MAX_NAME = 100
MAX_TITLE = 200
MAX_TAG = 50


@dataclass(frozen=True, slots=True)
class Change:
    """One dated change. ``target`` is a route, group, market, supply node or country."""

    kind: str
    target: str
    values: Mapping[str, Any]
    start: dt.date | None
    end: dt.date | None
    """Inclusive last day."""
    line: int | None
    file: str
    source: str = ""
    depth: int = 0
    """0 for a change of the scenario's own file, 1 for one of the file it ``extends``, 2 for
    the file that one extends...: where two changes set the same thing on the same day, the
    one of smaller depth replaces the other (two of the same depth are an error)."""


@dataclass(frozen=True)
class Scenario:
    """A parsed scenario file (its ``extends`` chain already merged)."""

    name: str
    title: str
    description: str
    horizon: Periods
    changes: tuple[Change, ...]
    requirements: tuple[Requirement, ...]
    dataset: str = "default"
    sources: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    """E.g. ``history``: a preset of a past event, used by the backtest."""
    inline_sources: tuple[Source, ...] = ()
    """Sources defined in the scenario file itself (id, title, url, as_of, quote)."""
    path: str = ""
    hazards: tuple[HazardEdit, ...] = ()
    """Edits of the dataset's outage model (rows added or replaced, dropped, rates scaled),
    the files it extends first; :func:`scenario_outages` applies them."""


@dataclass(frozen=True)
class ScenarioInputs:
    """What a scenario turns a network into: the network, periods and per-period inputs."""

    network: Network
    periods: Periods
    overrides: PeriodOverrides
    requirements: tuple[Requirement, ...]


# -- parsing -----------------------------------------------------------------------------


def parse_scenario(
    text: str,
    *,
    source: str = "<scenario>",
    base_dir: Path | None = None,
    _seen: tuple[str, ...] = (),
    _depth: int = 0,
) -> Scenario:
    """Parse scenario YAML text (the format: ``docs/scenario-format.md``).

    Parameters
    ----------
    text : str
        The YAML document.
    source : str
        File name used in messages (``file:line: ...``).
    base_dir : Path, optional
        Folder that ``extends`` and ``dataset`` are relative to (default: the working folder).

    Raises
    ------
    ScenarioError
        With file and line for every malformed entry, unknown key, bad date, number out of
        range, overlapping changes in one file, broken limit, and ``extends`` cycle.

    Examples
    --------
    >>> parse_scenario("name: t\\nhorizon: {year: 2025}\\nchanges:\\n"
    ...                "  - route: BTC\\n    capacity_facter: 0.5\\n", source="t.yaml")
    Traceback (most recent call last):
    ...
    crudeflow.errors.ScenarioError: t.yaml:5: route change: unknown key 'capacity_facter'; did you mean 'capacity_factor'? (allowed: capacity_factor, capacity_mtpa, status, tariff_usd_per_t, from, to, source, note; keys starting with x_ are ignored)
    """
    try:
        data = load_yaml(text)
    except YamlInputError as exc:
        raise _err(source, exc.line, exc.message) from None
    if not isinstance(data, YamlMap):
        raise _err(source, 1, "expected a mapping with name, horizon and changes")
    _check_keys(data, _TOP_KEYS, file=source, what="scenario")

    def line_of(key: str) -> int:
        return _key_line(data, key)

    parent: Scenario | None = None
    if data.get("extends") is not None:
        ref = _text(data["extends"], file=source, line=line_of("extends"), what="extends")
        path = (base_dir / ref) if base_dir is not None else Path(ref)
        key = _resolved(path, file=source, line=line_of("extends"), what="extends")
        if key in _seen:
            chain = " -> ".join([*_seen, key])
            raise _err(source, line_of("extends"), f"extends cycle: {chain}")
        if _depth + 2 > MAX_EXTENDS:
            raise _err(
                source,
                line_of("extends"),
                f"extends chain longer than {MAX_EXTENDS} files",
            )
        if not path.is_file():
            raise _err(source, line_of("extends"), f"extends {ref!r}: no such file")
        parent = parse_scenario(
            _read(path, file=source, line=line_of("extends")),
            source=str(path),
            base_dir=path.parent,
            _seen=(*_seen, key),
            _depth=_depth + 1,
        )
    name = _text(data.get("name"), file=source, line=line_of("name"), what="name", limit=MAX_NAME)
    name = name or (parent.name if parent else Path(source).stem)
    title = _text(
        data.get("title"), file=source, line=line_of("title"), what="title", limit=MAX_TITLE
    )
    description = _text(
        data.get("description"), file=source, line=line_of("description"), what="description"
    )
    if "horizon" in data:
        horizon = _horizon(data["horizon"], file=source, line=line_of("horizon"))
    elif parent is not None:
        horizon = parent.horizon
    else:
        raise _err(source, data.line, "missing key 'horizon'")
    raw_changes = _list(
        data.get("changes"), file=source, line=line_of("changes"), what="changes", limit=MAX_CHANGES
    )
    inherited = parent.changes if parent else ()
    if len(inherited) + len(raw_changes) > MAX_CHANGES:
        raise _err(
            source,
            line_of("changes"),
            f"{len(inherited) + len(raw_changes):,} changes with the files this one extends "
            f"(at most {MAX_CHANGES:,})",
        )
    own = [
        _change(raw, file=source, line=item_line, depth=_depth)
        for raw, item_line in zip(raw_changes, raw_changes.item_lines, strict=True)
    ]
    raw_reqs = _list(
        data.get("requirements"),
        file=source,
        line=line_of("requirements"),
        what="requirements",
        limit=MAX_REQUIREMENTS,
    )
    reqs: dict[str, Requirement] = {
        " ".join(str(r).split()): r for r in (parent.requirements if parent else ())
    }
    seen_here: dict[str, int] = {}
    for r, rline in zip(raw_reqs, raw_reqs.item_lines, strict=True):
        if not isinstance(r, str):
            raise _err(
                source,
                rline,
                f"requirement {_show(r)}: expected text such as 'via AKTAU >= 20 Mt/yr'",
            )
        norm = " ".join(r.split())
        if norm in seen_here:
            raise _err(
                source, rline, f"requirement {r!r} given twice (first on line {seen_here[norm]})"
            )
        seen_here[norm] = rline
        try:
            req = parse_requirement(r)
        except CrudeflowError as exc:
            raise _err(source, rline, str(exc)) from None
        reqs.setdefault(norm, req)  # a file may repeat what the file it extends requires
    dataset = _text(data.get("dataset"), file=source, line=line_of("dataset"), what="dataset")
    dataset = dataset or (parent.dataset if parent else "default")
    if dataset != "default" and base_dir is not None and not Path(dataset).is_absolute():
        dataset = _resolved(
            base_dir / dataset, file=source, line=line_of("dataset"), what="dataset"
        )
    ids, inline = _sources(data.get("sources"), file=source, line=line_of("sources"))
    raw_tags = _list(
        data.get("tags"), file=source, line=line_of("tags"), what="tags", limit=MAX_TAGS
    )
    tags = tuple(
        _text(t, file=source, line=tline, what="tag", limit=MAX_TAG)
        for t, tline in zip(raw_tags, raw_tags.item_lines, strict=True)
    )
    hazards = parse_hazards(data.get("hazards"), file=source, line=line_of("hazards"))
    return Scenario(
        name=name,
        title=title or (parent.title if parent else name),
        description=description or (parent.description if parent else ""),
        horizon=horizon,
        changes=(*inherited, *own),
        requirements=tuple(reqs.values()),
        dataset=dataset,
        sources=tuple(dict.fromkeys(ids + (parent.sources if parent else ()))),
        inline_sources=inline + (parent.inline_sources if parent else ()),
        tags=tags,
        path=source,
        hazards=(parent.hazards if parent else ()) + hazards,
    )


def _sources(
    raw: Any, *, file: str, line: int | None
) -> tuple[tuple[str, ...], tuple[Source, ...]]:
    """Ids of the scenario's sources (dataset ids or inline mappings), and the inline ones."""
    items = _list(raw, file=file, line=line, what="sources", limit=MAX_SOURCES)
    ids: list[str] = []
    inline: list[Source] = []
    for item, iline in zip(items, items.item_lines, strict=True):
        if isinstance(item, YamlMap):
            _check_keys(item, _SOURCE_KEYS, file=file, what="source")
            fields = {
                k: _text(
                    item.get(k), file=file, line=_key_line(item, k), what=f"source {k}"
                ).strip()
                for k in _SOURCE_KEYS
            }
            missing = [k for k in _SOURCE_KEYS if not fields[k]]
            if missing:
                raise _err(file, item.line, f"source: missing {', '.join(missing)}")
            if not re.match(r"^https?://\S+$", fields["url"]):
                raise _err(
                    file, _key_line(item, "url"), f"source {fields['id']}: url must be http(s)"
                )
            ids.append(fields["id"])
            inline.append(
                Source(
                    fields["id"], fields["title"], fields["url"], fields["as_of"], fields["quote"]
                )
            )
        else:
            sid = _text(item, file=file, line=iline, what="source").strip()
            if not sid:
                raise _err(file, iline, "source: expected a source id")
            ids.append(sid)
    return tuple(ids), tuple(inline)


def _change(raw: Any, *, file: str, line: int, depth: int) -> Change:
    if not isinstance(raw, YamlMap):
        raise _err(
            file, line, f"change {_show(raw)}: expected a mapping such as {{route: ID, ...}}"
        )
    line = raw.line
    kinds = [k for k in _KINDS if k in raw]
    if len(kinds) != 1:
        if not kinds:
            every = tuple(dict.fromkeys((*_KINDS, *sum(_VALUE_KEYS.values(), ()), *_COMMON_KEYS)))
            _check_keys(raw, every, file=file, what="change")
        raise _err(
            file, line, "a change names exactly one of: route, group, market, supply, ban, fleet"
        )
    kind = kinds[0]
    allowed = (kind, *_VALUE_KEYS[kind], *_COMMON_KEYS)
    for key in raw:
        if key not in allowed and not key.startswith("x_"):
            shown = allowed[1:]
            raise _err(
                file,
                _key_line(raw, key),
                f"{kind} change: unknown key {_show(key)}{_hint(key, shown)} (allowed: "
                f"{', '.join(shown)}; keys starting with x_ are ignored)",
            )
    values: dict[str, Any] = {}
    for key in _VALUE_KEYS[kind]:
        if key not in raw:
            continue
        v = raw[key]
        if key == "status":
            if v not in _STATUSES:
                raise _err(
                    file,
                    _key_line(raw, key),
                    f"status {_show(v)}: expected operating, planned or idle"
                    + (_hint(v, _STATUSES) if isinstance(v, str) else ""),
                )
            values[key] = v
        else:
            values[key] = _number(key, v, file=file, line=_key_line(raw, key))
    if kind != "ban" and not values:
        raise _err(
            file,
            line,
            f"{kind} change: nothing to change (give one of {', '.join(_VALUE_KEYS[kind])})",
        )
    if {"capacity_factor", "capacity_mtpa"} <= set(values) or {"factor", "mtpa"} <= set(values):
        raise _err(file, line, "give either a factor or an absolute value, not both")
    start = (
        _date(raw["from"], file=file, line=_key_line(raw, "from"), end=False)
        if raw.get("from") is not None
        else None
    )
    end = (
        _date(raw["to"], file=file, line=_key_line(raw, "to"), end=True)
        if raw.get("to") is not None
        else None
    )
    if start and end and end < start:
        raise _err(file, line, "'to' is before 'from'")
    if kind == "fleet":
        _fleet_values(raw, values, file=file)
    target = _text(raw[kind], file=file, line=_key_line(raw, kind), what=kind).strip()
    if not target:
        raise _err(file, _key_line(raw, kind), f"{kind}: expected an id")
    if kind == "ban":
        target = target.upper()
    src = _text(raw.get("source"), file=file, line=_key_line(raw, "source"), what="source")
    _text(raw.get("note"), file=file, line=_key_line(raw, "note"), what="note")
    return Change(kind, target, values, start, end, line, file, src, depth)


def _fleet_values(raw: Any, values: dict[str, Any], *, file: str) -> None:
    """A fleet change: a whole number of vessels over the whole horizon (no from/to)."""
    n = values["vessels"]
    if n != int(n):
        raise _err(file, _key_line(raw, "vessels"), f"vessels {n:g}: expected a whole number")
    for key in ("from", "to"):
        if raw.get(key) is not None:
            raise _err(
                file, _key_line(raw, key), f"fleet change: {key} is not allowed (whole horizon)"
            )


def load_scenario(path: str | Path) -> Scenario:
    """Read and parse a scenario file (``extends`` resolved relative to it).

    Raises
    ------
    ScenarioError
        No such file, larger than ``MAX_FILE_BYTES``, not UTF-8, or anything
        :func:`parse_scenario` rejects.
    """
    p = Path(path)
    if not p.is_file():
        raise ScenarioError(f"{p}: no such scenario file")
    return parse_scenario(
        _read(p, file=str(p), line=None),
        source=str(p),
        base_dir=p.parent,
        _seen=(str(p.resolve()),),
    )


# -- applying ----------------------------------------------------------------------------
def _capacity_setting(ch: Change) -> tuple[float, float, float] | None:
    v = ch.values
    if not {"status", "capacity_factor", "capacity_mtpa"} & set(v):
        return None
    a, b, c = 1.0, 0.0, 0.0
    if "status" in v:
        a, c = 0.0, 1.0 if v["status"] == "operating" else 0.0
    if "capacity_factor" in v:
        f = float(v["capacity_factor"])
        a, b, c = a * f, b * f, c * f
    if "capacity_mtpa" in v:
        a, b, c = 0.0, float(v["capacity_mtpa"]), 0.0
    return a, b, c


def _check_sources(scenario: Scenario, network: Network) -> None:
    known = {src.id for src in network.sources} | {src.id for src in scenario.inline_sources}
    for sid in scenario.sources:
        if sid not in known:
            raise _err(
                scenario.path or "<scenario>",
                None,
                f"source {sid!r} is neither defined in the scenario nor in the dataset"
                + _hint(sid, known),
            )
    for ch in scenario.changes:
        if ch.source and not ch.source.lower().startswith("estimate:"):
            for sid in (x.strip() for x in ch.source.split(";")):
                if sid not in known:
                    raise _err(
                        ch.file,
                        ch.line,
                        f"source {_show(sid)}: not a source of the scenario or the dataset "
                        f"(or write 'estimate: <reasoning>'){_hint(sid, known)}",
                    )


def apply_scenario(scenario: Scenario, network: Network) -> ScenarioInputs:
    """Turn a scenario's changes into per-period inputs for ``network``.

    Each quantity (a route's capacity or tariff, a market's price, a node's supply) is
    worked out day by day: the dataset's value, replaced on the days a change is in force
    (the change of the scenario's own file winning over one of a file it extends), zero
    capacity on the days a ban closes the route; each period gets the mean over its days.
    The work is linear in the number of changes.

    Raises
    ------
    ScenarioError
        Unknown route, group, market, supply node or country; a change of the scenario's own
        file dated wholly outside the horizon (an inherited one is ignored); two changes of one file on the same thing sharing a day; an unknown
        source id.
    """
    periods = scenario.horizon
    days = _Days(_period_bounds(periods))
    years = periods.years
    routes = network.routes
    route_pos = network._route_index
    by_year = {y: i for i, y in enumerate(dict.fromkeys(years))}
    t_year = np.array([by_year[y] for y in years], dtype=np.intp)
    # each year's own capacity and status (route_years.csv): a change multiplies or replaces it
    open_y = np.array([network.open_mask(y) for y in by_year], dtype=np.float64)
    live_y = np.array([network.live_in(y) for y in by_year], dtype=np.float64)
    route_cap = np.array([network.capacity_in(y) for y in by_year], dtype=np.float64)
    base_cap = route_cap[t_year] * open_y[t_year]
    operating = route_cap[t_year] * live_y[t_year]
    base_tariff = np.tile(network.arrays.tariff_usd_per_t, (periods.n, 1))
    markets = [m.node for m in network.markets]
    market_pos = {m: j for j, m in enumerate(markets)}
    base_price = np.array([[network.price_usd_per_t(m, y) for m in markets] for y in years])
    brent = np.array([network.brent(y) for y in years])
    supply_y = {y: network.supply_in(y) for y in by_year}

    _check_sources(scenario, network)
    scenario_outages(scenario, network)  # a bad hazards: entry is an error of the file
    slots: dict[tuple[str, str], list[_Setting]] = {}
    bans: dict[str, list[_Setting]] = {}
    crossing: dict[str, list[int]] = {}
    for i, r in enumerate(routes):
        for country in dict.fromkeys(r.countries):
            crossing.setdefault(country, []).append(i)
        for passage in dict.fromkeys(r.passages):  # a ban on a passage: the routes listing it
            crossing.setdefault(passage, []).append(i)
    iso: frozenset[str] | None = None
    fleet_vessels: dict[str, tuple[int, float]] = {}
    for ch in scenario.changes:
        if (ch.start and ch.start > days.last) or (ch.end and ch.end < days.first):
            if ch.depth > 0:  # inherited, for dates the extending file's horizon leaves out
                continue
            raise _err(
                ch.file,
                ch.line,
                f"{ch.kind} {ch.target}: dated {ch.start or '…'} to {ch.end or '…'}, outside "
                f"the horizon {days.first} to {days.last}",
            )
        if ch.kind in ("route", "group"):
            if ch.kind == "route":
                if not network.has_route(ch.target):
                    raise _err(
                        ch.file,
                        ch.line,
                        f"no route {ch.target!r} in the network{_hint(ch.target, route_pos)}",
                    )
                ids: Sequence[str] = (ch.target,)
            else:
                if ch.target not in network.meta.groups:
                    raise _err(
                        ch.file,
                        ch.line,
                        f"no route group {ch.target!r} in the dataset"
                        f"{_hint(ch.target, network.meta.groups)}",
                    )
                ids = tuple(dict.fromkeys(network.meta.groups[ch.target]))
            cap_abc = _capacity_setting(ch)
            for rid in ids:
                if cap_abc is not None:
                    slots.setdefault(("capacity", rid), []).append(_Setting(ch, *cap_abc))
                if "tariff_usd_per_t" in ch.values:
                    x = float(ch.values["tariff_usd_per_t"])
                    slots.setdefault(("tariff", rid), []).append(_Setting(ch, 0.0, x, 0.0))
        elif ch.kind == "market":
            if ch.target not in market_pos:
                raise _err(
                    ch.file,
                    ch.line,
                    f"no market {ch.target!r} in the dataset{_hint(ch.target, markets)}",
                )
            diff = float(ch.values["diff_usd_per_bbl"])
            slots.setdefault(("price", ch.target), []).append(_Setting(ch, 0.0, diff, 1.0))
        elif ch.kind == "supply":
            if not network.has_node(ch.target):
                raise _err(
                    ch.file,
                    ch.line,
                    f"no node {ch.target!r} in the network{_hint(ch.target, network._node_index)}",
                )
            if "factor" in ch.values:
                s = _Setting(ch, float(ch.values["factor"]), 0.0, 0.0)
            else:
                s = _Setting(ch, 0.0, float(ch.values["mtpa"]), 0.0)
            slots.setdefault(("supply", ch.target), []).append(s)
        elif ch.kind == "fleet":
            _fleet_change(ch, network, fleet_vessels)
        else:  # ban
            if iso is None:
                from crudeflow.network._iso import ISO_ALPHA2

                iso = frozenset(ISO_ALPHA2)
            if len(ch.target) != 2 and ch.target in network.passage_ids():
                pass  # a passage (docs/dataset-format.md, "Passages")
            elif ch.target not in iso:
                raise _err(
                    ch.file,
                    ch.line,
                    f"ban {_show(ch.target)}: not an ISO country code"
                    + (" or a passage id" if len(ch.target) != 2 else ""),
                )
            if ch.target == network.meta.producer:
                raise _err(ch.file, ch.line, f"ban {ch.target}: cannot ban the producer")
            bans.setdefault(ch.target, []).append(_Setting(ch, 0.0, 0.0, 0.0))

    for (kind, target), settings in slots.items():
        _check_overlaps(f"{kind} of {target}", settings, days)
    for country, settings in bans.items():
        _check_overlaps(f"a ban on {country}", settings, days)

    keep: dict[int, FloatArray] = {}
    for country, settings in bans.items():
        for i in crossing.get(country, ()):
            k = keep.setdefault(i, np.ones(days.n))
            for s in settings:
                i0, i1 = days.span(s.change)
                k[i0:i1] = 0.0

    cap = base_cap.copy()
    for i in sorted(set(keep) | {route_pos[t] for kind, t in slots if kind == "capacity"}):
        a, b, c = _settle(slots.get(("capacity", routes[i].id), []), days, keep.get(i))
        cap[:, i] = a * base_cap[:, i] + b + c * operating[:, i]
    tariff = base_tariff.copy()
    price = base_price.copy()
    supply: dict[str, FloatArray] = {}
    for (kind, target), settings in slots.items():
        if kind == "tariff":
            i = route_pos[target]
            a, b, _ = _settle(settings, days, None)
            tariff[:, i] = a * base_tariff[:, i] + b
        elif kind == "price":
            j = market_pos[target]
            bpt = network.grade_of(network.market(target).grade).bbl_per_t
            a, b, c = _settle(settings, days, None)
            price[:, j] = a * base_price[:, j] + (b + c * brent) * bpt
        elif kind == "supply":
            base = np.array([supply_y[y].get(target, 0.0) for y in years])
            a, b, _ = _settle(settings, days, None)
            supply[target] = a * base + b
    return ScenarioInputs(
        network=network,
        periods=periods,
        overrides=PeriodOverrides(
            capacity_mtpa=np.maximum(cap, 0.0),
            tariff_usd_per_t=tariff,
            price_usd_per_t=price,
            supply_mtpa=supply,
            fleet_vessels={k: v for k, (_, v) in fleet_vessels.items()},
        ),
        requirements=scenario.requirements,
    )


def _fleet_change(ch: Change, network: Network, seen: dict[str, tuple[int, float]]) -> None:
    """Record a ``fleet`` change's vessels (the scenario's own file wins over one it extends)."""
    classes = [f.id for f in network.fleet]
    if ch.target not in classes:
        raise _err(
            ch.file,
            ch.line,
            f"no tanker class {ch.target!r} in the dataset's fleet.csv{_hint(ch.target, classes)}",
        )
    if ch.target in seen and seen[ch.target][0] == ch.depth:
        raise _err(ch.file, ch.line, f"fleet {ch.target}: changed twice in one file")
    if ch.target not in seen or ch.depth < seen[ch.target][0]:
        seen[ch.target] = (ch.depth, float(ch.values["vessels"]))


def scenario_outages(scenario: Scenario, network: Network) -> OutageModel:
    """The outage model a risk run of ``scenario`` samples: the dataset's ``outages.csv``
    with the scenario's ``hazards:`` applied in order (docs/scenario-format.md, "hazards").

    Raises
    ------
    ScenarioError
        With file and line: a row ``outages.csv`` would reject, a drop or scale of an unknown
        hazard, a scale of a derate, rows sharing a key with different processes.

    Examples
    --------
    >>> from crudeflow.network.load import load_dataset
    >>> net = load_dataset()
    >>> sc = parse_scenario("name: c\\nhorizon: {year: 2025}\\nhazards:\\n"
    ...                     "  - drop: cpc_court\\n", source="c.yaml")
    >>> len(scenario_outages(sc, net).hazards) == len(net.outages.hazards) - 1
    True
    """
    if not scenario.hazards:
        return network.outages
    known = {src.id for src in network.sources} | {src.id for src in scenario.inline_sources}
    return apply_hazard_edits(scenario.hazards, network, known)


def scenario_fingerprint(scenario: Scenario) -> str:
    """SHA-256 (16 hex digits) of what a scenario makes of a dataset: horizon, changes,
    requirements, dataset and hazards (not its name, texts, comments or line numbers).

    Examples
    --------
    >>> a = parse_scenario("name: a\\nhorizon: {year: 2025}\\n")
    >>> b = parse_scenario("name: b  # renamed\\ntitle: B\\nhorizon: {year: 2025}\\n")
    >>> scenario_fingerprint(a) == scenario_fingerprint(b)
    True
    """
    import hashlib
    import json

    from crudeflow._scenario_hazards import hazard_edits_text

    data = {
        "horizon": list(scenario.horizon.labels),
        "changes": [
            [
                ch.kind,
                ch.target,
                sorted((k, str(v)) for k, v in ch.values.items()),
                str(ch.start),
                str(ch.end),
                ch.depth,
            ]
            for ch in scenario.changes
        ],
        "requirements": [str(r) for r in scenario.requirements],
        "dataset": scenario.dataset,
        "hazards": hazard_edits_text(scenario.hazards),
    }
    text = json.dumps(data, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def scenario_network(scenario: Scenario, default: Network | None = None) -> Network:
    """The network a scenario names (``default`` or its dataset folder)."""
    from crudeflow.network.load import load_dataset

    if scenario.dataset == "default":
        return default if default is not None else load_dataset()
    return load_dataset(scenario.dataset)


def strike_period(change: Change, periods: Periods) -> int | None:
    """The period in which a plan without foresight learns of ``change``.

    That is the period holding the change's first day inside the horizon: 0 for a change
    without ``from`` or in force when the horizon opens; ``None`` for a change wholly outside
    the horizon (an inherited one, ignored). An annual plan has one period: always 0.

    Examples
    --------
    >>> sc = parse_scenario("name: d\\nhorizon: {start: 2025-10, end: 2025-12}\\nchanges:\\n"
    ...                     "  - route: B_M\\n    capacity_factor: 0.5\\n"
    ...                     "    from: 2025-11-29\\n", source="d.yaml")
    >>> strike_period(sc.changes[0], sc.horizon)
    1
    """
    bounds = _period_bounds(periods)
    first, last = bounds[0][0], bounds[-1][1]
    if (change.start and change.start > last) or (change.end and change.end < first):
        return None
    day = first if change.start is None or change.start <= first else change.start
    return next(k for k, (a, b) in enumerate(bounds) if a <= day <= b)


def _stage_inputs(
    scenario: Scenario, network: Network, changes: Sequence[Change], full: ScenarioInputs
) -> ScenarioInputs:
    """The inputs of ``scenario`` with only ``changes`` known (the same LP columns as
    ``full``: a supply node only the later changes touch keeps its dataset supply)."""
    inputs = apply_scenario(dataclasses.replace(scenario, changes=tuple(changes)), network)
    supply = dict(inputs.overrides.supply_mtpa)
    for node in full.overrides.supply_mtpa:
        if node not in supply:
            years = scenario.horizon.years
            supply[node] = np.array([network.supply_in(y).get(node, 0.0) for y in years])
    return dataclasses.replace(
        inputs, overrides=dataclasses.replace(inputs.overrides, supply_mtpa=supply)
    )


def run_scenario(
    scenario: Scenario,
    network: Network | None = None,
    *,
    strict: bool = False,
    extra_requirements: Sequence[str] = (),
    foresight: Foresight = "perfect",
) -> Plan:
    """Apply and solve a scenario; returns a :class:`~crudeflow.solve.plan.Plan`.

    ``foresight="perfect"`` plans the horizon knowing every dated change in advance.
    ``foresight="none"`` learns each change in the period it strikes (:func:`strike_period`):
    it plans with the changes in force when the horizon opens, then from each later period
    in which a change strikes re-plans the rest of the horizon knowing the changes struck so
    far, the periods already run fixed at what was done (the rolling re-plan of the risk
    engine, :mod:`crudeflow.solve.rolling`; docs/scenario-format.md, "Foresight"). The plan
    returned is the last re-plan; its ``foresight`` and ``replanned`` say so.

    Raises
    ------
    ScenarioError
        Whatever :func:`apply_scenario` rejects; a requirement the network lacks.
    SolverError
        A re-plan without foresight has no solution (the months already run leave none).

    Examples
    --------
    >>> from crudeflow.network.model import toy_network
    >>> sc = parse_scenario("name: d\\nhorizon: {start: 2025-10, end: 2025-12}\\nchanges:\\n"
    ...                     "  - route: B_M\\n    capacity_factor: 0\\n"
    ...                     "    from: 2025-12-01\\n", source="d.yaml")
    >>> p = run_scenario(sc, toy_network(), foresight="none")
    >>> p.foresight, p.replanned
    ('none', ('2025-12',))
    """
    from crudeflow.solve.plan import opening_state, plan
    from crudeflow.solve.rolling import FixedPast

    if foresight not in ("none", "perfect"):
        raise ValueError(f"foresight: expected 'none' or 'perfect', not {foresight!r}")
    net = network if network is not None else scenario_network(scenario)
    inputs = apply_scenario(scenario, net)
    requirements = [*inputs.requirements, *extra_requirements]
    periods = inputs.periods
    strikes = [strike_period(ch, periods) for ch in scenario.changes]
    stages = sorted({k for k in strikes if k})
    if foresight == "perfect" or not stages:
        p = plan(
            net,
            periods=periods,
            overrides=inputs.overrides,
            requirements=requirements,
            strict=strict,
        )
        return dataclasses.replace(p, foresight=foresight)
    state = None if periods.steady else opening_state(net, periods)
    known = [ch for ch, k in zip(scenario.changes, strikes, strict=True) if k == 0]
    stage = _stage_inputs(scenario, net, known, inputs)
    p = plan(
        net,
        periods=periods,
        overrides=stage.overrides,
        requirements=requirements,
        baseline=False,
        initial_state=state,
    )
    for m in stages:
        known = [
            ch for ch, k in zip(scenario.changes, strikes, strict=True) if k is not None and k <= m
        ]
        last = m == stages[-1]
        stage = inputs if last else _stage_inputs(scenario, net, known, inputs)
        try:
            p = plan(
                net,
                periods=periods,
                overrides=stage.overrides,
                requirements=requirements,
                strict=strict and last,
                baseline=last,
                initial_state=state,
                fixed_past=FixedPast(m, p.solution),
            )
        except SolverError as exc:
            raise SolverError(
                f"{scenario.name} without foresight: the re-plan from {periods.labels[m]} has "
                f"no solution with the months before it fixed as run ({exc})"
            ) from None
    return dataclasses.replace(
        p, foresight="none", replanned=tuple(periods.labels[m] for m in stages)
    )


def foresight_matters(scenario: Scenario) -> bool:
    """True when a change strikes after the horizon's first period: then the plans with
    and without foresight may differ (:func:`early_warning`).

    Examples
    --------
    >>> foresight_matters(parse_scenario("name: b\\nhorizon: {year: 2025, monthly: true}\\n"))
    False
    """
    return any(strike_period(ch, scenario.horizon) for ch in scenario.changes)


@dataclass(frozen=True)
class EarlyWarning:
    """A scenario planned knowing its dated changes in advance and learning them as they
    strike: the difference is what early warning is worth (totals over the horizon)."""

    scenario: str
    perfect: Plan
    none: Plan

    @property
    def replanned(self) -> tuple[str, ...]:
        """The periods from which the plan without foresight was re-optimised."""
        return self.none.replanned

    @property
    def differs(self) -> bool:
        """True when the two plans differ by more than 1 t or USD 1 in some period."""
        d = self.by_period()
        cols = ["delta_exported_mt", "delta_netback_musd"]
        return bool((d[cols].abs() > 1e-6).to_numpy().any())

    @property
    def value_musd(self) -> float:
        """Netback with foresight minus without, USD m over the horizon."""
        return self.perfect.netback_musd - self.none.netback_musd

    @property
    def exported_gap_mt(self) -> float:
        """Exports with foresight minus without, Mt over the horizon."""
        return self.perfect.exported_mt - self.none.exported_mt

    def by_period(self) -> pd.DataFrame:
        """Per period: exports, shut-in and netback with (``_perfect``) and without
        (``_none``) foresight, and the differences (``delta_``: perfect minus none)."""
        a, b = self.perfect.by_period, self.none.by_period
        out = a[["exported_mt", "shut_in_mt", "netback_musd"]].add_suffix("_perfect")
        for col in ("exported_mt", "shut_in_mt", "netback_musd"):
            out[f"{col}_none"] = b[col]
            out[f"delta_{col}"] = a[col] - b[col]
        return out.reset_index()

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: the totals both ways, the value, and the per-period table."""
        from crudeflow.output import clean, records

        head: dict[str, Any] = clean(
            {
                "scenario": self.scenario,
                "replanned": list(self.replanned),
                "differs": self.differs,
                "horizon_label": self.perfect.horizon_label,
                "exported_mt_perfect": self.perfect.exported_mt,
                "exported_mt_none": self.none.exported_mt,
                "netback_musd_perfect": self.perfect.netback_musd,
                "netback_musd_none": self.none.netback_musd,
                "exported_gap_mt": self.exported_gap_mt,
                "value_of_early_warning_musd": self.value_musd,
            }
        )
        return {**head, "by_period": records(self.by_period())}


def early_warning(
    scenario: Scenario,
    network: Network | None = None,
    *,
    plans: Mapping[str, Plan] | None = None,
    extra_requirements: Sequence[str] = (),
) -> EarlyWarning | None:
    """Both plans of ``scenario`` (``plans`` may give one already solved, by foresight), or
    ``None`` when no change strikes after the first period (the plans are the same).

    Examples
    --------
    >>> from crudeflow.network.model import toy_network
    >>> sc = parse_scenario("name: d\\nhorizon: {start: 2025-10, end: 2025-12}\\nchanges:\\n"
    ...                     "  - route: B_M\\n    capacity_factor: 0\\n"
    ...                     "    from: 2025-12-01\\n", source="d.yaml")
    >>> ew = early_warning(sc, toy_network())
    >>> ew is not None and ew.value_musd >= 0
    True
    """
    if not foresight_matters(scenario):
        return None
    net = network if network is not None else scenario_network(scenario)
    got = dict(plans or {})
    for mode in ("perfect", "none"):
        if mode not in got:
            got[mode] = run_scenario(
                scenario, net, foresight=mode, extra_requirements=extra_requirements
            )
    return EarlyWarning(scenario.name, got["perfect"], got["none"])


def list_presets(network: Network) -> list[Scenario]:
    """Scenario presets shipped in the dataset's ``scenarios/`` folder, by file name."""
    folder = Path(network.path) / "scenarios" if network.path else None
    if folder is None or not folder.is_dir():
        return []
    return [load_scenario(p) for p in sorted(folder.glob("*.yaml"))]


def resolve_scenario(ref: str, network: Network) -> Scenario:
    """A scenario from a file path, or a preset name of the dataset (``spm2-loss-2025``)."""
    p = Path(ref)
    if p.suffix in (".yaml", ".yml") or p.is_file():
        return load_scenario(p)
    folder = Path(network.path) / "scenarios" if network.path else None
    if folder is not None and (folder / f"{ref}.yaml").is_file():
        return load_scenario(folder / f"{ref}.yaml")
    names = ", ".join(sc.path and Path(sc.path).stem for sc in list_presets(network)) or "none"
    raise ScenarioError(f"{ref!r} is neither a scenario file nor a preset (presets: {names})")
