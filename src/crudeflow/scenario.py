"""Scenarios: dated disruptions and expansions written once as YAML, run and compared.

A scenario file::

    name: spm2-loss
    title: Loss of CPC's SPM-2
    description: Naval-drone attack on 29 Nov 2025; one mooring left.
    extends: base.yaml              # optional; its changes come first (cycles are an error)
    dataset: default                # or a folder, relative to this file
    horizon: {start: 2025-10, end: 2026-03}   # or {year: 2025} (annual), {year: 2025, monthly: true}
    sources: [cpc_spm2_2025]        # dataset source ids the scenario rests on
    changes:
      - route: CPC_TERMINAL_MED     # a route id or a route group (`group: cpc`)
        capacity_factor: 0.5        # or capacity_mtpa: 40
        from: 2025-11-29            # YYYY-MM or YYYY-MM-DD; `to` inclusive (YYYY-MM = month end)
        to: 2026-01-31
      - route: KURYK_SANGACHAL
        status: operating           # planned -> operating from a date
        from: 2027-01
      - route: BTC
        tariff_usd_per_t: 30
      - market: MED_MKT
        diff_usd_per_bbl: -3
      - supply: TENGIZ
        factor: 0.85                # or mtpa: 30
        from: 2025-11-29
        to: 2025-12-15
      - ban: RU                     # no flow through this country from a date
        from: 2026-01
    requirements:
      - via AKTAU,KURYK >= 20 Mt/yr

A change active for part of a period counts for its share of the period's days. Two capacity,
status, tariff or supply changes on the same thing that overlap in time are contradictory and
rejected: write one change per interval.

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

import calendar
import datetime as dt
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

import numpy as np
import numpy.typing as npt
import yaml

from crudeflow.errors import RequirementError, ScenarioError
from crudeflow.network.model import Network, Source
from crudeflow.requirements import Requirement, parse_requirement
from crudeflow.solve.lp import PeriodOverrides, Periods

__all__ = [
    "Change",
    "Scenario",
    "ScenarioInputs",
    "apply_scenario",
    "list_presets",
    "load_scenario",
    "parse_scenario",
    "resolve_scenario",
    "run_scenario",
]

FloatArray = npt.NDArray[np.float64]

_KINDS = ("route", "group", "market", "supply", "ban")
_ROUTE_KEYS = {"capacity_factor", "capacity_mtpa", "status", "tariff_usd_per_t"}
_MARKET_KEYS = {"diff_usd_per_bbl"}
_SUPPLY_KEYS = {"factor", "mtpa"}
_COMMON_KEYS = {"from", "to", "source", "note", "__line__"}
_DATE = re.compile(r"^(\d{4})-(\d{2})(?:-(\d{2}))?$")


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


@dataclass(frozen=True)
class ScenarioInputs:
    """What a scenario turns a network into: the network, periods and per-period inputs."""

    network: Network
    periods: Periods
    overrides: PeriodOverrides
    requirements: tuple[Requirement, ...]


class _Loader(yaml.SafeLoader):
    pass


def _mapping(loader: _Loader, node: yaml.MappingNode) -> dict[str, Any]:
    m = cast(dict[str, Any], loader.construct_mapping(node, deep=True))
    m["__line__"] = node.start_mark.line + 1
    return m


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _mapping)
# Dates stay strings: we parse YYYY-MM ourselves and want one code path.
_Loader.yaml_implicit_resolvers = {
    k: [(tag, rx) for tag, rx in v if tag != "tag:yaml.org,2002:timestamp"]
    for k, v in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def _err(file: str, line: int | None, message: str) -> ScenarioError:
    where = f"{file}:{line}" if line else file
    return ScenarioError(f"{where}: {message}")


def _date(value: Any, *, file: str, line: int | None, end: bool) -> dt.date:
    text = str(value).strip()
    m = _DATE.match(text)
    if not m:
        raise _err(file, line, f"date {text!r}: expected YYYY-MM or YYYY-MM-DD")
    y, mo = int(m.group(1)), int(m.group(2))
    if not 1 <= mo <= 12:
        raise _err(file, line, f"date {text!r}: month must be 01 to 12")
    if m.group(3):
        try:
            return dt.date(y, mo, int(m.group(3)))
        except ValueError:
            raise _err(file, line, f"date {text!r} does not exist") from None
    return dt.date(y, mo, calendar.monthrange(y, mo)[1] if end else 1)


def _horizon(raw: Any, *, file: str, line: int | None) -> Periods:
    if not isinstance(raw, dict):
        raise _err(file, line, "horizon: expected {year: 2025} or {start: 2025-01, end: 2025-12}")
    hline = raw.get("__line__", line)
    if "year" in raw:
        year = raw["year"]
        if not isinstance(year, int) or not 1900 <= year <= 2200:
            raise _err(file, hline, f"horizon.year {year!r}: expected a year such as 2025")
        return Periods.monthly(year) if raw.get("monthly") else Periods.annual(year)
    if "start" in raw and "end" in raw:
        start = _date(raw["start"], file=file, line=hline, end=False)
        stop = _date(raw["end"], file=file, line=hline, end=True)
        months = (stop.year - start.year) * 12 + stop.month - start.month + 1
        if months < 1:
            raise _err(file, hline, "horizon: end is before start")
        if months > 240:
            raise _err(file, hline, "horizon: at most 240 months")
        return Periods.monthly(start.year, start_month=start.month, months=months)
    raise _err(file, hline, "horizon: expected {year: 2025} or {start: 2025-01, end: 2025-12}")


def parse_scenario(
    text: str,
    *,
    source: str = "<scenario>",
    base_dir: Path | None = None,
    _seen: tuple[str, ...] = (),
) -> Scenario:
    """Parse scenario YAML text (see the module docstring for the format).

    Raises
    ------
    ScenarioError
        With file and line for every malformed entry, unknown key, bad date or unit, and for
        ``extends`` cycles.
    """
    try:
        data = yaml.load(text, Loader=_Loader)
    except yaml.MarkedYAMLError as exc:
        line = exc.problem_mark.line + 1 if exc.problem_mark else None
        raise _err(source, line, f"not valid YAML ({exc.problem})") from None
    except yaml.YAMLError as exc:
        raise _err(source, None, f"not valid YAML ({exc})") from None
    if not isinstance(data, dict):
        raise _err(source, 1, "expected a mapping with name, horizon and changes")
    allowed = {
        "name",
        "title",
        "description",
        "extends",
        "dataset",
        "horizon",
        "changes",
        "requirements",
        "sources",
        "tags",
        "__line__",
    }
    for key in data:
        if key not in allowed:
            raise _err(
                source,
                data["__line__"],
                f"unknown key {key!r} (allowed: {', '.join(sorted(allowed - {'__line__'}))})",
            )
    parent: Scenario | None = None
    if data.get("extends"):
        ref = str(data["extends"])
        path = (base_dir / ref) if base_dir is not None else Path(ref)
        key = str(path.resolve())
        if key in _seen:
            chain = " -> ".join([*(_seen), key])
            raise _err(source, data["__line__"], f"extends cycle: {chain}")
        if not path.is_file():
            raise _err(source, data["__line__"], f"extends {ref!r}: no such file")
        parent = parse_scenario(
            path.read_text(encoding="utf-8"),
            source=str(path),
            base_dir=path.parent,
            _seen=(*_seen, key),
        )
    name = str(data.get("name") or (parent.name if parent else Path(source).stem))
    if "horizon" in data:
        horizon = _horizon(data["horizon"], file=source, line=data["__line__"])
    elif parent is not None:
        horizon = parent.horizon
    else:
        raise _err(source, data["__line__"], "missing key 'horizon'")
    raw_changes = data.get("changes") or []
    if not isinstance(raw_changes, list):
        raise _err(source, data["__line__"], "changes: expected a list")
    changes = [*(parent.changes if parent else ())]
    for raw in raw_changes:
        changes.append(_change(raw, file=source))
    reqs: list[Requirement] = [*(parent.requirements if parent else ())]
    raw_reqs = data.get("requirements") or []
    if not isinstance(raw_reqs, list):
        raise _err(source, data["__line__"], "requirements: expected a list of strings")
    for r in raw_reqs:
        try:
            reqs.append(parse_requirement(str(r)))
        except RequirementError as exc:
            raise _err(source, data["__line__"], str(exc)) from None
    dataset = str(data.get("dataset") or (parent.dataset if parent else "default"))
    if dataset != "default" and base_dir is not None and not Path(dataset).is_absolute():
        dataset = str((base_dir / dataset).resolve())
    return Scenario(
        name=name,
        title=str(data.get("title") or (parent.title if parent else name)),
        description=str(data.get("description") or (parent.description if parent else "")),
        horizon=horizon,
        changes=tuple(changes),
        requirements=tuple(reqs),
        dataset=dataset,
        sources=_sources(data.get("sources"), file=source, line=data["__line__"])
        + (parent.sources if parent else ()),
        inline_sources=_inline(data.get("sources")) + (parent.inline_sources if parent else ()),
        tags=tuple(str(t) for t in (data.get("tags") or ())),
        path=source,
    )


_SOURCE_KEYS = ("id", "title", "url", "as_of", "quote")


def _sources(raw: Any, *, file: str, line: int | None) -> tuple[str, ...]:
    """Ids of the scenario's sources: dataset ids (strings) or inline sources (mappings)."""
    if raw is None:
        return ()
    if not isinstance(raw, list):
        raise _err(file, line, "sources: expected a list of source ids or source mappings")
    out = []
    for item in raw:
        if isinstance(item, dict):
            missing = [k for k in _SOURCE_KEYS if not str(item.get(k, "")).strip()]
            if missing:
                raise _err(
                    file, item.get("__line__", line), f"source: missing {', '.join(missing)}"
                )
            if not re.match(r"^https?://\S+$", str(item["url"])):
                raise _err(
                    file, item.get("__line__", line), f"source {item['id']}: url must be http(s)"
                )
            out.append(str(item["id"]))
        else:
            out.append(str(item))
    return tuple(out)


def _inline(raw: Any) -> tuple[Source, ...]:
    if not isinstance(raw, list):
        return ()
    return tuple(
        Source(str(i["id"]), str(i["title"]), str(i["url"]), str(i["as_of"]), str(i["quote"]))
        for i in raw
        if isinstance(i, dict)
    )


def _change(raw: Any, *, file: str) -> Change:
    if not isinstance(raw, dict):
        raise _err(file, None, f"change {raw!r}: expected a mapping such as {{route: ID, ...}}")
    line = raw.get("__line__")
    kinds = [k for k in _KINDS if k in raw]
    if len(kinds) != 1:
        raise _err(file, line, "a change names exactly one of: route, group, market, supply, ban")
    kind = kinds[0]
    allowed = (
        {kind}
        | _COMMON_KEYS
        | (
            _ROUTE_KEYS
            if kind in ("route", "group")
            else _MARKET_KEYS
            if kind == "market"
            else _SUPPLY_KEYS
            if kind == "supply"
            else set()
        )
    )
    for key in raw:
        if key not in allowed:
            raise _err(
                file,
                line,
                f"{kind} change: unknown key {key!r} (allowed: "
                f"{', '.join(sorted(allowed - {'__line__', kind}))})",
            )
    values = {k: v for k, v in raw.items() if k not in _COMMON_KEYS and k != kind}
    if kind != "ban" and not values:
        raise _err(file, line, f"{kind} change: nothing to change")
    for key, v in values.items():
        if key == "status":
            if v not in ("operating", "planned", "idle"):
                raise _err(file, line, f"status {v!r}: expected operating, planned or idle")
            continue
        if isinstance(v, bool) or not isinstance(v, int | float):
            raise _err(file, line, f"{key} = {v!r}: expected a number (units are in the key)")
        if key != "diff_usd_per_bbl" and v < 0:
            raise _err(file, line, f"{key} = {v!r}: expected a number >= 0")
        if key in ("capacity_factor", "factor") and v > 10:
            raise _err(file, line, f"{key} = {v!r}: a factor above 10 is surely a typo")
    if (
        len({"capacity_factor", "capacity_mtpa"} & set(values)) > 1
        or len({"factor", "mtpa"} & set(values)) > 1
    ):
        raise _err(file, line, "give either a factor or an absolute value, not both")
    start = _date(raw["from"], file=file, line=line, end=False) if "from" in raw else None
    end = _date(raw["to"], file=file, line=line, end=True) if "to" in raw else None
    if start and end and end < start:
        raise _err(file, line, "'to' is before 'from'")
    target = str(raw[kind]).upper() if kind == "ban" else str(raw[kind])
    return Change(kind, target, values, start, end, line, file, str(raw.get("source", "")))


def load_scenario(path: str | Path) -> Scenario:
    """Read and parse a scenario file (``extends`` resolved relative to it)."""
    p = Path(path)
    if not p.is_file():
        raise ScenarioError(f"{p}: no such scenario file")
    return parse_scenario(
        p.read_text(encoding="utf-8"), source=str(p), base_dir=p.parent, _seen=(str(p.resolve()),)
    )


# ---------------------------------------------------------------------------------------
def _period_bounds(periods: Periods) -> list[tuple[dt.date, dt.date]]:
    out = []
    for label in periods.labels:
        if len(label) == 4:
            y = int(label)
            out.append((dt.date(y, 1, 1), dt.date(y, 12, 31)))
        else:
            y, m = int(label[:4]), int(label[5:7])
            out.append((dt.date(y, m, 1), dt.date(y, m, calendar.monthrange(y, m)[1])))
    return out


def _coverage(change: Change, bounds: list[tuple[dt.date, dt.date]]) -> FloatArray:
    """Share of each period's days on which the change is in force."""
    out = np.zeros(len(bounds))
    for t, (a, b) in enumerate(bounds):
        lo = max(a, change.start) if change.start else a
        hi = min(b, change.end) if change.end else b
        if hi >= lo:
            out[t] = ((hi - lo).days + 1) / ((b - a).days + 1)
    return out


def apply_scenario(scenario: Scenario, network: Network) -> ScenarioInputs:
    """Turn a scenario's changes into per-period inputs for ``network``.

    Raises
    ------
    ScenarioError
        Unknown route, group, market, supply node or country; a change dated wholly outside
        the horizon; contradictory overlapping changes.
    """
    periods = scenario.horizon
    bounds = _period_bounds(periods)
    h_start, h_end = bounds[0][0], bounds[-1][1]
    T = periods.n
    arr = network.arrays
    route_pos = network._route_index
    open_t = np.array([[r.open_in(y) for r in network.routes] for y in periods.years], float)
    cap = arr.capacity_mtpa[None, :] * open_t
    tariff = np.tile(arr.tariff_usd_per_t, (T, 1))
    markets = [m.node for m in network.markets]
    price = np.array([[network.price_usd_per_t(m, y) for m in markets] for y in periods.years])
    supply: dict[str, FloatArray] = {}
    claimed: dict[tuple[str, str], list[Change]] = {}

    def claim(slot: tuple[str, str], ch: Change) -> None:
        for other in claimed.get(slot, []):
            lo = max(ch.start or dt.date.min, other.start or dt.date.min)
            hi = min(ch.end or dt.date.max, other.end or dt.date.max)
            if lo <= hi and dict(other.values) != dict(ch.values):
                raise _err(
                    ch.file,
                    ch.line,
                    f"contradicts the change on line {other.line} of {other.file}: both "
                    f"set {slot[1]} of {slot[0]} between {lo} and {hi}",
                )
        claimed.setdefault(slot, []).append(ch)

    known = {src.id for src in network.sources} | {src.id for src in scenario.inline_sources}
    for sid in scenario.sources:
        if sid not in known:
            raise _err(
                scenario.path or "<scenario>",
                None,
                f"source {sid!r} is neither defined in the scenario nor in the dataset",
            )
    for ch in scenario.changes:
        if ch.source and not ch.source.lower().startswith("estimate:"):
            for sid in (x.strip() for x in ch.source.split(";")):
                if sid not in known:
                    raise _err(
                        ch.file,
                        ch.line,
                        f"source {sid!r}: not a source of the "
                        "scenario or the dataset (or write 'estimate: <reasoning>')",
                    )
        if (ch.start and ch.start > h_end) or (ch.end and ch.end < h_start):
            raise _err(
                ch.file,
                ch.line,
                f"{ch.kind} {ch.target}: dated "
                f"{ch.start or '…'} to {ch.end or '…'}, outside the horizon "
                f"{h_start} to {h_end}",
            )
        cov = _coverage(ch, bounds)
        if ch.kind in ("route", "group"):
            if ch.kind == "route":
                if not network.has_route(ch.target):
                    raise _err(ch.file, ch.line, f"no route {ch.target!r} in the network")
                ids = [ch.target]
            else:
                if ch.target not in network.meta.groups:
                    raise _err(ch.file, ch.line, f"no route group {ch.target!r} in the dataset")
                ids = list(network.meta.groups[ch.target])
            for rid in ids:
                i = route_pos[rid]
                r = network.routes[i]
                for key, v in ch.values.items():
                    claim((rid, "tariff" if key == "tariff_usd_per_t" else "capacity"), ch)
                    if key == "tariff_usd_per_t":
                        tariff[:, i] += cov * (float(v) - tariff[:, i])
                    elif key == "capacity_factor":
                        cap[:, i] += cov * (cap[:, i] * float(v) - cap[:, i])
                    elif key == "capacity_mtpa":
                        cap[:, i] += cov * (float(v) - cap[:, i])
                    elif key == "status":
                        years_ok = np.array(
                            [r.since_year is None or r.since_year <= y for y in periods.years],
                            float,
                        )
                        target = r.capacity_mtpa * years_ok if v == "operating" else 0.0
                        cap[:, i] += cov * (target - cap[:, i])
        elif ch.kind == "market":
            if ch.target not in markets:
                raise _err(ch.file, ch.line, f"no market {ch.target!r} in the dataset")
            claim((ch.target, "price"), ch)
            j = markets.index(ch.target)
            m = network.market(ch.target)
            bpt = network.grade_of(m.grade).bbl_per_t
            new = np.array(
                [
                    (network.brent(y) + float(ch.values["diff_usd_per_bbl"])) * bpt
                    for y in periods.years
                ]
            )
            price[:, j] += cov * (new - price[:, j])
        elif ch.kind == "supply":
            if not network.has_node(ch.target):
                raise _err(ch.file, ch.line, f"no node {ch.target!r} in the network")
            claim((ch.target, "supply"), ch)
            cur = supply.get(ch.target)
            if cur is None:
                cur = np.array([network.supply_in(y).get(ch.target, 0.0) for y in periods.years])
            if "factor" in ch.values:
                cur = cur + cov * (cur * float(ch.values["factor"]) - cur)
            else:
                cur = cur + cov * (float(ch.values["mtpa"]) - cur)
            supply[ch.target] = cur
        else:  # ban
            from crudeflow.network._iso import ISO_ALPHA2

            if ch.target not in ISO_ALPHA2:
                raise _err(ch.file, ch.line, f"ban {ch.target!r}: not an ISO country code")
            if ch.target == network.meta.producer:
                raise _err(ch.file, ch.line, f"ban {ch.target}: cannot ban the producer")
            hit = np.array([ch.target in r.countries for r in network.routes])
            cap[:, hit] *= (1.0 - cov)[:, None]
    cap = np.maximum(cap, 0.0)
    return ScenarioInputs(
        network=network,
        periods=periods,
        overrides=PeriodOverrides(
            capacity_mtpa=cap, tariff_usd_per_t=tariff, price_usd_per_t=price, supply_mtpa=supply
        ),
        requirements=scenario.requirements,
    )


def scenario_network(scenario: Scenario, default: Network | None = None) -> Network:
    """The network a scenario names (``default`` or its dataset folder)."""
    from crudeflow.network.load import load_dataset

    if scenario.dataset == "default":
        return default if default is not None else load_dataset()
    return load_dataset(scenario.dataset)


def run_scenario(
    scenario: Scenario,
    network: Network | None = None,
    *,
    strict: bool = False,
    extra_requirements: Sequence[str] = (),
) -> Any:
    """Apply and solve a scenario; returns a :class:`~crudeflow.solve.plan.Plan`."""
    from crudeflow.solve.plan import plan

    net = network if network is not None else scenario_network(scenario)
    inputs = apply_scenario(scenario, net)
    return plan(
        net,
        periods=inputs.periods,
        overrides=inputs.overrides,
        requirements=[*inputs.requirements, *extra_requirements],
        strict=strict,
    )


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
