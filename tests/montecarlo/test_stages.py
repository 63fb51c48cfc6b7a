"""The stages of the no-foresight re-plan: what is known when, checked against an
independent reading of the documented rule."""

from __future__ import annotations

import numpy as np
import pytest

from crudeflow.montecarlo.outages import OutageModel
from crudeflow.montecarlo.sampling import sample_capacity_factors, sample_stages
from crudeflow.network.load import load_dataset
from crudeflow.network.model import Network
from crudeflow.solve.lp import Periods
from tests.montecarlo.test_sampling import MONTHS, NET, event, mixed_model

DAYS_2025 = np.cumsum([0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31])


KZ = load_dataset()


@pytest.mark.parametrize(
    ("model", "net"), [(mixed_model(), NET), (KZ.outages, KZ)], ids=["mixed", "kz"]
)
def test_stages_follow_the_documented_rule(model: OutageModel, net: Network) -> None:
    s, st = sample_stages(model, net, MONTHS, seed=21, draws=range(300), batch_size=100)
    ev = s.events
    D = 365
    for d in range(300):
        mine = ev.draw == d
        months: set[int] = set()
        for start, dur in zip(ev.start_day[mine], ev.duration_days[mine], strict=True):
            months.add(int(np.searchsorted(DAYS_2025, start, side="right") - 1))
            if start + np.ceil(dur) > D:
                months.add(0)  # the wrapped days were in force when the year began
        k = np.flatnonzero(st.draw == d)
        assert st.month[k].tolist() == sorted(months)
        if k.size:
            # the last stage knows everything; knowledge only lowers capacity
            assert np.array_equal(st.factors[k[-1]], s.factors[d])
            assert (np.diff(st.factors[k], axis=0) <= 1e-12).all()
        else:
            base = sample_capacity_factors(
                OutageModel(tuple(h for h in model.hazards if h.kind == "derate")),
                net, MONTHS, seed=0, draws=1,
            ).factors[0]  # fmt: skip
            assert np.array_equal(s.factors[d], base)


def test_months_hit_only_by_later_events_keep_full_capacity_in_a_stage() -> None:
    model = OutageModel((event(events_per_year=4.0),))
    s, st = sample_stages(model, NET, MONTHS, seed=5, draws=range(2000))
    ev = s.events
    for d in np.unique(st.draw):
        k = np.flatnonzero(st.draw == d)
        for j in k:
            m = st.month[j]
            later = (ev.draw == d) & (ev.start_day >= DAYS_2025[m + 1])
            if later.any():
                # months after m hit only by later events keep full capacity in stage j
                hit_later = {int(np.searchsorted(DAYS_2025, x, side="right") - 1)
                             for x in ev.start_day[later]}  # fmt: skip
                known = (ev.draw == d) & (ev.start_day < DAYS_2025[m + 1])
                known_months = set()
                for x, u in zip(ev.start_day[known], ev.duration_days[known], strict=True):
                    for day in range(int(x), int(x + np.ceil(u))):
                        known_months.add(int(np.searchsorted(DAYS_2025, day % 365, "right") - 1))
                for t in hit_later - known_months:
                    assert st.factors[j, 1, t] == 1.0


def test_stages_do_not_depend_on_the_split() -> None:
    model = mixed_model()
    whole = sample_stages(model, NET, MONTHS, seed=3, draws=range(250), batch_size=100)[1]
    part = sample_stages(model, NET, MONTHS, seed=3, draws=range(130, 250), batch_size=100)[1]
    keep = whole.draw >= 130
    assert np.array_equal(whole.draw[keep], part.draw)
    assert np.array_equal(whole.month[keep], part.month)
    assert np.array_equal(whole.factors[keep], part.factors)


def test_annual_periods_are_not_a_rolling_horizon() -> None:
    # the re-plan is monthly; annual periods still sample (one stage per strike month)
    _, st = sample_stages(mixed_model(), NET, Periods.annual(2025), seed=1, draws=range(20))
    assert st.factors.shape[1:] == (3, 1)


@pytest.mark.parametrize(
    ("model", "net"), [(mixed_model(), NET), (KZ.outages, KZ)], ids=["mixed", "kz"]
)
def test_sample_stages_gives_the_factors_of_sample_capacity_factors_bit_for_bit(
    model: OutageModel, net: Network
) -> None:
    s, _ = sample_stages(model, net, MONTHS, seed=8, draws=range(50, 420), batch_size=100)
    ref = sample_capacity_factors(model, net, MONTHS, seed=8, draws=range(50, 420), batch_size=100)
    assert np.array_equal(s.factors, ref.factors)
