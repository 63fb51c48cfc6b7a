"""One export rule for one solution and for a stack of them (the risk engine's draws)."""

from __future__ import annotations

import numpy as np

from crudeflow.network.model import Network
from crudeflow.solve.lp import Periods, build_lp


def test_a_stack_of_solutions_exports_what_each_row_alone_does(kz: Network) -> None:
    lp = build_lp(kz, Periods.monthly(2025))
    assert lp.refinery_nodes  # shortfalls v take part in the rule
    rng = np.random.default_rng(11)
    X = rng.uniform(0.0, 3.0, size=(5, len(lp.c)))
    stacked = lp.exported_by_period_mt(X)
    assert stacked.shape == (5, lp.periods.n)
    for k in range(len(X)):
        np.testing.assert_array_equal(stacked[k], lp.exported_by_period_mt(X[k]))
        np.testing.assert_array_equal(
            lp.refinery_delivered_mt(X)[k], lp.refinery_delivered_mt(X[k])
        )
    deeper = lp.exported_by_period_mt(X[:4].reshape(2, 2, -1))
    np.testing.assert_array_equal(deeper.reshape(4, -1), stacked[:4])
