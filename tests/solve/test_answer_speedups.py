"""The shortcuts that make a plan answer cheaper (issue 8 item 20) give exactly the answer the
long way gives: a table's records rounded in one numpy call, capacity copies of a network that
share its caches, and the baseline of a lone ``avoid`` taken from its whole-cost solve."""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np
import pytest

from crudeflow.network.load import load_dataset
from crudeflow.network.model import Network
from crudeflow.output import column, column_records
from crudeflow.solve.plan import plan


def _column_by_column(columns: dict[str, Any]) -> list[dict[str, Any]]:
    cols = [column(v) for v in columns.values()]
    return [dict(zip(columns, vals, strict=True)) for vals in zip(*cols, strict=True)]


def test_column_records_equal_the_columns_formatted_one_by_one() -> None:
    rng = np.random.default_rng(7)
    n = 50
    floats = rng.normal(scale=1e3, size=n)
    floats[:8] = [np.nan, np.inf, -np.inf, -0.0, 2.5e-7, -4e-7, 1.0000005, 0.1 + 0.2]
    columns: dict[str, Any] = {
        "id": [f"r{i}" for i in range(n)],
        "x": floats,
        "y": rng.uniform(size=n) * 1e-5,
        "f32": rng.normal(size=n).astype(np.float32),
        "i": np.arange(n),
        "b": np.arange(n) % 3 == 0,
        "obj": np.array(
            [np.str_(f"s{i}") if i % 2 else np.int64(i) for i in range(n)], dtype=object
        ),
        "floats_list": [float(v) for v in rng.normal(size=n)],
        "mixed_list": ["a", *range(n - 1)],
        "x2d_row": rng.normal(size=(1, n))[0],
    }
    got = column_records(columns)
    assert got == _column_by_column(columns)
    assert repr(got) == repr(_column_by_column(columns))  # -0.0 and 0.0 alike compare equal
    assert column_records({"a": np.array([]), "b": []}) == []


@pytest.fixture(scope="module")
def kz() -> Network:
    return load_dataset()


def _fresh(net: Network, caps: dict[str, float]) -> Network:
    """The long way: routes replaced, nothing cached shared."""
    changed = []
    for rid, cap in caps.items():
        r = net.route(rid)
        phys = r.physical_capacity_mtpa
        changed.append(
            dataclasses.replace(
                r,
                capacity_mtpa=cap,
                physical_capacity_mtpa=None if phys is None else max(phys, cap),
            )
        )
    return net.replace_routes(changed)


def _answer(net: Network, **kwargs: Any) -> dict[str, Any]:
    out = plan(net, **kwargs).to_dict()
    out.pop("timings_s")
    return out


@pytest.mark.parametrize(
    ("caps", "kwargs"),
    [
        ({"BTC": 7.0}, {}),
        ({"CPC_TERMINAL_MED": 20.0, "BTC": 0.5}, {"requirements": ["avoid RU"]}),
        ({"ATASU_ALASHANKOU": 30.0}, {"monthly": True}),
        ({"BTC": 12.0}, {"requirements": ["via AKTAU,KURYK >= 20 Mt/yr"]}),
    ],
)
def test_capacity_copies_share_caches_and_plan_as_fresh_networks(
    kz: Network, caps: dict[str, float], kwargs: dict[str, Any]
) -> None:
    assert kz.layout is not None  # computed on the base, then shared
    copy = kz.replace_route_capacities(caps)
    fresh = _fresh(kz, caps)
    assert copy.layout is kz.layout and copy.layout == fresh.layout
    assert copy.arrays is not kz.arrays
    for f in dataclasses.fields(copy.arrays):
        a, b = getattr(copy.arrays, f.name), getattr(fresh.arrays, f.name)
        if isinstance(a, np.ndarray):
            assert np.array_equal(a, b), f.name
        elif f.name != "crossing":
            assert a == b, f.name
    assert _answer(copy, **kwargs) == _answer(fresh, **kwargs)


@pytest.mark.parametrize(
    "requirements",
    [["avoid RU"], ["avoid RU", "avoid GE"], ["avoid RU", "via AKTAU,KURYK >= 5 Mt/yr"]],
)
def test_avoid_baseline_is_the_plan_without_requirements(
    kz: Network, requirements: list[str]
) -> None:
    """With one avoid and nothing else the baseline is read off the whole-cost solve (the same
    LP); with more it is solved: the same figure either way."""
    p = plan(kz, requirements=requirements)
    free = plan(kz)
    assert p.baseline_netback_musd == pytest.approx(free.netback_musd, rel=1e-12, abs=1e-9)
