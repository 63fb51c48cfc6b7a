"""The work behind the API, as plain functions: checks, network changes, solves, JSON.

Checks that are cheap (ids, requirement text) run before a request takes a solve slot; the
solves themselves (:func:`solve_plan`, :func:`solve_bypass`) run in a worker thread.

Examples
--------
>>> from crudeflow.network.model import toy_network
>>> out = solve_plan(toy_network(), requirements=["avoid RU"])
>>> out["exported_mtpa"], out["requirements"], len(out["explanations"]) > 0
(4.0, ['avoid RU'], True)
>>> jsonable({"a": float("nan"), "b": (1, 2.5)})
{'a': None, 'b': [1, 2.5]}
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np

from crudeflow.errors import RequirementError
from crudeflow.explain import explain
from crudeflow.network._iso import ISO_ALPHA2
from crudeflow.network.model import Network
from crudeflow.requirements import parse_requirement
from crudeflow.solve.maxflow import bypass
from crudeflow.solve.plan import plan
from crudeflow.units import mtpa_to_kbd
from crudeflow.web.errors import ApiError

__all__ = [
    "apply_overrides",
    "check_avoid",
    "check_requirements",
    "jsonable",
    "solve_bypass",
    "solve_plan",
]


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
    (its text) and ``index`` (its place in the list).
    """
    for i, text in enumerate(texts):
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


def apply_overrides(network: Network, overrides: Mapping[str, float]) -> Network:
    """``network`` with route capacities replaced (Mt/yr); 422 ``unknown_route`` otherwise."""
    if not overrides:
        return network
    unknown = sorted(rid for rid in overrides if not network.has_route(rid))
    if unknown:
        shown = ", ".join(repr(u) for u in unknown[:5]) + (" ..." if len(unknown) > 5 else "")
        raise ApiError(
            422,
            "unknown_route",
            f"no route {shown} in dataset {network.meta.name!r}",
            routes=unknown[:50],
        )
    changed = []
    for rid, cap in overrides.items():
        route = network.route(rid)
        phys = route.physical_capacity_mtpa
        changed.append(
            dataclasses.replace(
                route,
                capacity_mtpa=float(cap),
                physical_capacity_mtpa=None if phys is None else max(phys, float(cap)),
            )
        )
    return network.replace_routes(changed)


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
    """
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
        )
    out = p.to_dict()
    out["explanations"] = explain(p)
    return dict(jsonable(out))


def solve_bypass(
    network: Network, *, avoid: Sequence[str] = (), year: int | None = None
) -> dict[str, Any]:
    """The bypass (max-flow) result as JSON, with ``max_kbd`` at the default grade."""
    b = bypass(network, avoid=avoid, year=year)
    out = b.to_dict()
    out["max_kbd"] = float(mtpa_to_kbd(b.max_mtpa, bbl_per_t=network.default_bbl_per_t))
    return dict(jsonable(out))
