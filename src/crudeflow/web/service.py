"""The work behind the API, as plain functions: checks, network changes, solves, JSON.

Checks that are cheap (ids, requirement text) run before a request takes a solve slot; the
solves themselves (:func:`solve_plan`, :func:`solve_bypass`) run in a worker thread.

Examples
--------
>>> from crudeflow.network.model import toy_network
>>> out = solve_plan(toy_network(), requirements=["avoid RU"])
>>> out["exported_mtpa"], out["requirements"], len(out["explanations"]) > 0
(4.0, ['avoid RU'], True)
>>> out["horizon_start"], out["horizon_end"], out["horizon_months"], out["exported_mt"]
('2025-01', '2025-12', 12, 4.0)
>>> jsonable({"a": float("nan"), "b": (1, 2.5)})
{'a': None, 'b': [1, 2.5]}
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np
import orjson

from crudeflow.errors import RequirementError
from crudeflow.explanation import explain
from crudeflow.network._iso import ISO_ALPHA2
from crudeflow.network.model import Network
from crudeflow.output import DISPLAY_DECIMALS
from crudeflow.requirements import parse_requirement
from crudeflow.solve.lp import Periods
from crudeflow.solve.maxflow import bypass
from crudeflow.solve.plan import Plan, plan
from crudeflow.solve.warm import WarmModels
from crudeflow.units import mtpa_to_kbd
from crudeflow.web.errors import ApiError

__all__ = [
    "apply_overrides",
    "bypass_bytes",
    "check_avoid",
    "check_requirements",
    "check_routes",
    "encode_json",
    "horizon_fields",
    "invest_bytes",
    "jsonable",
    "keep_models_warm",
    "plan_bytes",
    "solve_bypass",
    "solve_plan",
    "solve_plan_json",
]


def _numpy_scalar(obj: Any) -> Any:
    if isinstance(obj, np.generic):
        return obj.item()
    raise TypeError(f"not JSON serialisable: {type(obj).__name__}")


def encode_json(obj: Any) -> bytes:
    """``obj`` as compact UTF-8 JSON; NaN and ±inf become null (see :func:`jsonable`).

    orjson first (a plan's 33 KB answer in ~0.05 ms against ~0.6 ms for ``json``; floats
    spelt as the shortest round trip, ``1e-05`` as ``0.00001``: the same numbers), ``json``
    for anything orjson refuses (integers beyond 64 bits, unknown types).

    Examples
    --------
    >>> encode_json({"a": np.float64(1.5), "b": np.int64(2), "c": float("inf"), 3: [0.1]})
    b'{"a":1.5,"b":2,"c":null,"3":[0.1]}'
    """
    try:
        return orjson.dumps(obj, option=orjson.OPT_SERIALIZE_NUMPY | orjson.OPT_NON_STR_KEYS)
    except TypeError:  # orjson.JSONEncodeError is a TypeError
        pass
    try:  # nothing non-finite, numpy scalars converted on the way
        text = json.dumps(
            obj, ensure_ascii=False, allow_nan=False, separators=(",", ":"), default=_numpy_scalar
        )
    except ValueError:
        text = json.dumps(jsonable(obj), ensure_ascii=False, separators=(",", ":"))
    return text.encode("utf-8")


def jsonable(obj: Any) -> Any:
    """``obj`` with numpy scalars made Python, tuples made lists, NaN and ±inf made None."""
    if isinstance(obj, dict):
        return {str(k): jsonable(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [jsonable(v) for v in obj]
    if isinstance(obj, np.generic):
        obj = obj.item()
    if isinstance(obj, float) and not math.isfinite(obj):
        return None
    if obj is None or isinstance(obj, bool | int | float | str):
        return obj
    return str(obj)


def horizon_fields(periods: Periods) -> dict[str, Any]:
    """The horizon of ``periods`` as the figure-naming contract names it.

    ``horizon_start``/``horizon_end`` are calendar months (``YYYY-MM``); a one-year period
    ``"2025"`` spans ``2025-01`` to ``2025-12``.

    Examples
    --------
    >>> h = horizon_fields(Periods.monthly(2025, start_month=10, months=3))
    >>> h["horizon_start"], h["horizon_end"], h["horizon_months"], round(h["horizon_years"], 3)
    ('2025-10', '2025-12', 3, 0.252)
    >>> horizon_fields(Periods.annual(2024))["horizon_months"]
    12
    """
    labels = periods.labels
    start = labels[0] if "-" in labels[0] else f"{labels[0]}-01"
    end = labels[-1] if "-" in labels[-1] else f"{labels[-1]}-12"
    months = sum(1 if "-" in label else 12 for label in labels)
    return {
        "horizon_start": start,
        "horizon_end": end,
        "horizon_months": months,
        "horizon_years": periods.horizon_years,
    }


def check_avoid(network: Network, avoid: Iterable[str]) -> tuple[str, ...]:
    """Upper-cased, de-duplicated country codes; 422 ``unknown_country`` for a non-ISO code."""
    codes = tuple(dict.fromkeys(c.strip().upper() for c in avoid))
    bad = [c for c in codes if c not in ISO_ALPHA2]
    if bad:
        raise ApiError(
            422,
            "unknown_country",
            f"not an ISO 3166-1 alpha-2 country code: {', '.join(bad)}",
            countries=bad,
        )
    if network.meta.producer in codes:
        raise ApiError(
            422,
            "scenario_error",
            f"cannot avoid the producer country {network.meta.producer}",
            countries=[network.meta.producer],
        )
    return codes


def check_requirements(texts: Sequence[str]) -> list[str]:
    """Parse each requirement once; 422 ``requirement_error`` names the first bad one.

    The error carries ``position`` (0-based column in that requirement), ``requirement``
    (its text) and ``index`` (its place in the list). A requirement listed twice (up to
    spaces) is a 422 ``duplicate_requirement``.
    """
    seen: dict[str, int] = {}
    for i, text in enumerate(texts):
        key = " ".join(text.split())
        if key in seen:
            raise ApiError(
                422,
                "duplicate_requirement",
                f"requirement {text!r} is listed twice (items {seen[key]} and {i})",
                requirement=text,
                index=i,
            )
        seen[key] = i
        try:
            parse_requirement(text)
        except RequirementError as exc:
            raise ApiError(
                422,
                "requirement_error",
                str(exc).splitlines()[0],
                position=exc.position,
                requirement=exc.text,
                expected=exc.expected,
                index=i,
            ) from None
    return list(texts)


def check_routes(network: Network, route_ids: Iterable[str]) -> None:
    """422 ``unknown_route`` naming the ids ``network`` does not have (cheap: no copy)."""
    unknown = sorted(rid for rid in route_ids if not network.has_route(rid))
    if unknown:
        shown = ", ".join(repr(u) for u in unknown[:5]) + (" ..." if len(unknown) > 5 else "")
        raise ApiError(
            422,
            "unknown_route",
            f"no route {shown} in dataset {network.meta.name!r}",
            routes=unknown[:50],
        )


def apply_overrides(network: Network, overrides: Mapping[str, float]) -> Network:
    """``network`` with route capacities replaced (Mt/yr); 422 ``unknown_route`` otherwise."""
    if not overrides:
        return network
    check_routes(network, overrides)
    return network.replace_route_capacities(overrides)


def solve_plan(
    network: Network,
    *,
    year: int | None = None,
    monthly: bool = False,
    requirements: Sequence[str] = (),
    strict: bool = False,
    time_limit: float | None = None,
    preset: str | None = None,
) -> dict[str, Any]:
    """Solve a plan and return its JSON (``Plan.to_dict()`` plus ``explanations``).

    With ``preset``, the dataset's scenario of that name sets the horizon and dated changes.
    The headline figures follow the figure-naming contract of :meth:`Plan.to_dict`.
    """
    p = _solve(
        network,
        year=year,
        monthly=monthly,
        requirements=requirements,
        strict=strict,
        time_limit=time_limit,
        preset=preset,
    )
    return dict(jsonable(_plan_dict(p)))


def solve_plan_json(
    network: Network,
    *,
    extra: Mapping[str, Any] | None = None,
    year: int | None = None,
    monthly: bool = False,
    requirements: Sequence[str] = (),
    strict: bool = False,
    time_limit: float | None = None,
    preset: str | None = None,
    warm: WarmModels | None = None,
) -> bytes:
    """:func:`solve_plan` plus ``extra`` keys, encoded (:func:`encode_json`): the API's
    answer; ``warm``: built models to reuse (:mod:`crudeflow.solve.warm`)."""
    p = _solve(
        network,
        year=year,
        monthly=monthly,
        requirements=requirements,
        strict=strict,
        time_limit=time_limit,
        preset=preset,
        warm=warm,
    )
    return encode_json({**_plan_dict(p), **(extra or {})})


def _plan_dict(p: Plan) -> dict[str, Any]:
    out = p.to_dict()  # every figure named by kind, computed by the library (never here)
    out["explanations"] = explain(p)
    return out


def plan_csv(
    network: Network,
    *,
    year: int | None = None,
    monthly: bool = False,
    requirements: Sequence[str] = (),
    strict: bool = False,
    time_limit: float | None = None,
    preset: str | None = None,
) -> str:
    """The plan as CSV, exactly as ``crudeflow plan --csv`` prints it (a year: the route
    table; months: the monthly ledger of flows, transit and stocks)."""
    p = _solve(
        network,
        year=year,
        monthly=monthly,
        requirements=requirements,
        strict=strict,
        time_limit=time_limit,
        preset=preset,
    )
    from crudeflow.output import to_csv

    return to_csv(p.period_frame() if p.periods.n > 1 else p.to_frame())


def _solve(
    network: Network,
    *,
    year: int | None,
    monthly: bool,
    requirements: Sequence[str],
    strict: bool,
    time_limit: float | None,
    preset: str | None,
    warm: WarmModels | None = None,
) -> Plan:
    if preset is not None:
        from crudeflow.scenario import apply_scenario, resolve_scenario

        sc = resolve_scenario(preset, network)
        inputs = apply_scenario(sc, network)
        p = plan(
            network,
            periods=inputs.periods,
            overrides=inputs.overrides,
            requirements=[*inputs.requirements, *requirements],
            strict=strict,
            time_limit=time_limit,
        )
    else:
        p = plan(
            network,
            year=year,
            monthly=monthly,
            requirements=list(requirements),
            strict=strict,
            time_limit=time_limit,
            warm=warm,
        )
    return p


def plan_bytes(
    network: Network,
    kind: str,
    overrides: Mapping[str, float],
    solve_args: Mapping[str, Any],
    extra: Mapping[str, Any],
) -> bytes:
    """The bytes of a plan answer: ``kind`` ``json`` (``/api/plan``, with ``extra`` keys) or
    ``csv`` (the export), for ``network`` with route capacities ``overrides``.

    A solve task (:class:`~crudeflow.web.limits.SolveGate`): it runs in a solve thread or a
    solver process (:mod:`crudeflow.web.solvers`), so it takes only plain, picklable values.
    """
    changed = apply_overrides(network, overrides)
    if kind == "csv":
        return plan_csv(changed, **solve_args).encode("utf-8")
    warm = _warm if _warm is not None and _warm.base is network else None
    return solve_plan_json(changed, extra=extra, warm=warm, **solve_args)


_warm: WarmModels | None = None


def keep_models_warm(network: Network) -> None:
    """Reuse built plan models of ``network`` in :func:`plan_bytes` from now on (in this
    process: a solver process, which solves one plan at a time; never in solve threads)."""
    global _warm
    _warm = WarmModels(network)


def bypass_bytes(
    network: Network, overrides: Mapping[str, float], avoid: Sequence[str], year: int | None
) -> bytes:
    """The bytes of a ``/api/bypass`` answer (a solve task, see :func:`plan_bytes`)."""
    changed = apply_overrides(network, overrides)
    return encode_json(solve_bypass(changed, avoid=avoid, year=year))


def invest_bytes(network: Network, options: Mapping[str, Any]) -> bytes:
    """The bytes of a ``/api/invest`` answer: :func:`crudeflow.invest.plan_portfolio`'s
    portfolio for ``options`` (its keyword arguments), as a dict (a solve task), with
    ``display_decimals``: the places a page shows a figure with, by its field name's unit
    suffix (:data:`crudeflow.output.DISPLAY_DECIMALS`)."""
    from crudeflow.invest import plan_portfolio

    answer = plan_portfolio(network, **options).to_dict()
    return encode_json({**answer, "display_decimals": DISPLAY_DECIMALS})


def solve_bypass(
    network: Network, *, avoid: Sequence[str] = (), year: int | None = None
) -> dict[str, Any]:
    """The bypass (max-flow) result as JSON, with ``max_kbd`` at the default grade."""
    b = bypass(network, avoid=avoid, year=year)
    out = b.to_dict()
    out["max_kbd"] = float(mtpa_to_kbd(b.max_mtpa, bbl_per_t=network.default_bbl_per_t))
    return dict(jsonable(out))
