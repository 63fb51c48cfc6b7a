"""Fuzz outages.csv: any cells give Problems (never an exception); any file that validates
samples to capacity factors in [0, 1]."""

from __future__ import annotations

import csv
import io
import shutil
import tempfile
from pathlib import Path

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from crudeflow.errors import Problem
from crudeflow.montecarlo import sample_capacity_factors
from crudeflow.network.load import _load
from crudeflow.solve.lp import Periods
from tests.fuzz.conftest import fuzz_settings

MINI = Path(__file__).parents[1] / "fixtures" / "mini"
CELLS: dict[str, list[str]] = {
    "id": ["a", "b", "a b", "", "x.y"],
    "kind": ["event", "derate", "", "Event"],
    "target": ["route:PORT_MED", "group:rail", "node:PORT_Y", "from:HUB_X", "to:MKT_EU",
               "country:RU", "country:CN", "route:", ":", "node:NOPE", "PORT_MED"],
    "events_per_year": ["", "0", "0.5", "3", "-1", "nan", "1e308", "x"],
    "median_days": ["", "0", "1", "2.5", "400", "inf"],
    "p90_days": ["", "1", "10", "1e6", "-2"],
    "duration_days": ["", "1", "2;4;1.45", "0.1", "2;;3", "1e9", "x"],
    "lost_min": ["", "0", "0.3", "1", "1.1", "-0"],
    "lost_max": ["", "0.5", "1", "0.2", "nan"],
    "months": ["", "1", "11;12;1", "12;12", "0", "1;2;3;4;5;6;7;8;9;10;11;12", " 3 "],
    "month_weights": ["", "1;1;1;1;1;1;1;1;1;1;1;1", "0;0;0;0;0;0;0;0;0;0;0;5", "1;2", "-1"],
    "shared": ["", "s", "t", "s t"],
    "source": ["src_cap", "", "nope", "estimate: because the fixture says so"],
    "rate_source": ["", "src_cap", "estimate:", "nope"],
}  # fmt: skip
COLUMNS = list(CELLS)
row_st = st.fixed_dictionaries({c: st.sampled_from(v) for c, v in CELLS.items()})


@fuzz_settings
@given(rows=st.lists(row_st, min_size=1, max_size=5), seed=st.integers(0, 2**32))
def test_any_outages_file_gives_problems_or_a_sampleable_model(
    rows: list[dict[str, str]], seed: int
) -> None:
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=COLUMNS, lineterminator="\n")
    w.writeheader()
    w.writerows(rows)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "mini"
        shutil.copytree(MINI, folder)
        (folder / "outages.csv").write_text(buf.getvalue(), encoding="utf-8")
        net, problems = _load(folder)
    assert all(isinstance(p, Problem) and p.file and p.expected for p in problems)
    if net is None:
        assert problems
        return
    s = sample_capacity_factors(net.outages, net, Periods.monthly(2025), seed=seed, draws=20)
    assert s.factors.shape == (20, len(net.routes), 12)
    assert ((s.factors >= 0) & (s.factors <= 1)).all() and np.isfinite(s.factors).all()
    # the rolling re-plan's stages: the last knows everything, knowledge only lowers capacity
    from crudeflow.montecarlo.sampling import sample_stages

    _, stg = sample_stages(net.outages, net, Periods.monthly(2025), seed=seed, draws=range(20))
    last = np.r_[stg.draw[1:] != stg.draw[:-1], True] if stg.draw.size else np.zeros(0, bool)
    assert np.array_equal(stg.factors[last], s.factors[stg.draw[last]])
    same_draw = stg.draw[1:] == stg.draw[:-1]
    assert (np.diff(stg.factors, axis=0)[same_draw] <= 1e-12).all()
    assert (np.diff(stg.month)[same_draw] > 0).all()
