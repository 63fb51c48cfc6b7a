"""Warm plan models (a solver process's reused LPs and HiGHS sessions): every answer is the
one a fresh build gives, in any order, including after a request that failed."""

from __future__ import annotations

import dataclasses
import json
from typing import Any

import pytest

from crudeflow.errors import CrudeflowError, InfeasiblePlanError
from crudeflow.network.load import load_dataset
from crudeflow.network.model import Network
from crudeflow.solve.plan import plan
from crudeflow.solve.warm import WarmModels, differs_in_capacities_only
from crudeflow.web import service
from crudeflow.web.service import apply_overrides, plan_bytes


@pytest.fixture(scope="module")
def net() -> Network:
    return load_dataset(None)


def _answer(
    net: Network, warm: WarmModels | None, overrides: dict[str, float], reqs: list[str], **kw: Any
) -> Any:
    """The /api/plan answer (without its timings) solved with ``warm``, or the error."""
    args = {"year": None, "monthly": False, "requirements": reqs, "strict": False}
    args.update(time_limit=10.0, preset=None, **kw)
    service._warm = warm
    try:
        body = plan_bytes(net, "json", overrides, args, {"capacity_overrides": overrides})
    except CrudeflowError as exc:
        return type(exc).__name__, str(exc)
    out = json.loads(body)
    out.pop("timings_s")
    return out


def _requests(net: Network) -> list[tuple[dict[str, float], list[str], dict[str, Any]]]:
    routes = [r.id for r in net.routes]
    out: list[tuple[dict[str, float], list[str], dict[str, Any]]] = []
    for n in range(12):
        route = routes[(7 * n) % len(routes)]
        reqs = [["avoid RU"], [], ["share RU <= 80%"], ["avoid RU", "share RU <= 50%"]][n % 4]
        out.append(({route: [0.0, 1.5, 40.0][n % 3]}, reqs, {}))
        if n == 4:  # a plan that fails (strict, cannot be met), then more plans
            out.append(({route: 0.0}, ["via AKTAU,KURYK >= 500 Mt/yr"], {"strict": True}))
        if n == 7:  # another year: another model
            out.append(({}, ["avoid RU"], {"year": net.meta.base_year + 1}))
    out.append(({}, [], {}))  # the dataset itself
    out.append(({routes[0]: 2.0, routes[-1]: 3.0}, [], {"monthly": True}))
    return out


def test_warm_answers_are_the_fresh_ones(net: Network) -> None:
    requests = _requests(net)
    warm = WarmModels(net)
    try:
        cold = [_answer(net, None, ov, reqs, **kw) for ov, reqs, kw in requests]
        hot = [_answer(net, warm, ov, reqs, **kw) for ov, reqs, kw in requests]
        again = [_answer(net, warm, ov, reqs, **kw) for ov, reqs, kw in reversed(requests)]
    finally:
        service._warm = None
    assert any(isinstance(a, tuple) and a[0] == InfeasiblePlanError.__name__ for a in cold)
    assert hot == cold
    assert again[::-1] == cold
    assert len(warm) >= 4  # the warm path ran (years, requirement sets, monthly)


def test_changed_arrays_are_rebuilt_ones(net: Network) -> None:
    route = net.routes[3].id
    changed = apply_overrides(net, {route: 7.5})
    rebuilt = net.replace_routes([changed.route(route)])
    for f in dataclasses.fields(type(changed.arrays)):
        a, b = getattr(changed.arrays, f.name), getattr(rebuilt.arrays, f.name)
        assert repr(a) == repr(b), f.name


def test_only_capacity_changes_are_warm(net: Network) -> None:
    r = net.routes[0]
    assert differs_in_capacities_only(apply_overrides(net, {r.id: 1.0}), net)
    cheaper = net.replace_routes([dataclasses.replace(r, tariff_usd_per_t=0.5)])
    assert not differs_in_capacities_only(cheaper, net)
    assert not differs_in_capacities_only(dataclasses.replace(net, benchmarks=()), net)
    warm = WarmModels(net)
    fresh = plan(cheaper).to_dict()
    got = plan(cheaper, warm=warm).to_dict()
    assert len(warm) == 0  # built as usual
    fresh.pop("timings_s"), got.pop("timings_s")
    assert got == fresh
