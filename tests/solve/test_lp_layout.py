"""The LP builder's output is pinned: refactoring it must not change a single number."""

from __future__ import annotations

import hashlib

import numpy as np
import pytest

from crudeflow.requirements import parse_requirements
from crudeflow.solve.lp import InitialState, LinearProgram, PeriodOverrides, Periods, build_lp
from tests.solve.test_model_doc import rich_toy


def fingerprint(lp: LinearProgram) -> str:
    """SHA-256 of every array HiGHS receives, in a fixed order."""
    h = hashlib.sha256()
    A = lp.A.tocsc()
    A.sort_indices()
    arrays = (lp.c, A.data, A.indices, A.indptr, lp.col_lower, lp.col_upper)
    for a in (*arrays, lp.row_lower, lp.row_upper):
        h.update(np.ascontiguousarray(a).tobytes())
        h.update(b"|")
    return h.hexdigest()[:16]


OPENING = InitialState({"B": 0.25}, {"A_B": 0.3, "B_M": 0.1})

CASES = {
    "annual": lambda net: build_lp(net, Periods.annual(2025)),
    "monthly": lambda net: build_lp(net, Periods.monthly(2025)),
    "requirements": lambda net: build_lp(
        net,
        Periods.monthly(2025, start_month=9, months=3),
        parse_requirements(["via B >= 3 Mt/yr", "route A_M <= 2 Mt/yr", "share RU <= 80%"]),
        initial_state=OPENING,
    ),
    "equality_volume": lambda net: build_lp(
        net,
        Periods.annual(2025),
        parse_requirements(["avoid AZ", "via M == 5 Mt/yr"]),
        objective="volume",
        capacity_factor=np.array([0.9, 1.0, 0.5]),
    ),
    "overrides": lambda net: build_lp(
        net,
        Periods.monthly(2025, months=2),
        overrides=PeriodOverrides(
            capacity_mtpa=np.array([[11.0, 5.0, 4.0], [11.0, 0.0, 4.0]]),
            tariff_usd_per_t=np.array([[5.0, 3.0, 20.0], [5.0, 3.0, 25.0]]),
            supply_mtpa={"A": np.array([12.0, 6.0])},
        ),
        initial_state=OPENING,
    ),
}

# Computed with the single-function build_lp before it was split into block builders; the two
# open horizons (overrides, requirements) re-pinned when they stopped wrapping and gained the
# column of opening in-transit crude a route cannot deliver (issue 8 item 6).
PINNED = {
    "annual": "275f688bac44706e",
    "equality_volume": "7ef9484948bf50bb",
    "monthly": "46d1c9ccd5f8f643",
    "overrides": "7d85f2d698e2df36",
    "requirements": "b8a792993e68297d",
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_build_lp_output_is_unchanged_by_the_block_builders(case: str) -> None:
    lp = CASES[case](rich_toy())
    assert fingerprint(lp) == PINNED[case]
