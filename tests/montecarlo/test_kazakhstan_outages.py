"""The default dataset's outage rows: the README's figures are what sampling gives today."""

from __future__ import annotations

import re

import numpy as np

from crudeflow.montecarlo import sample_capacity_factors
from crudeflow.network.load import default_dataset_path, load_dataset
from crudeflow.solve.lp import Periods


def test_readme_outage_figures_are_what_sampling_gives() -> None:
    net = load_dataset()
    s = sample_capacity_factors(net.outages, net, Periods.annual(2025), seed=1, draws=20_000)
    readme = (default_dataset_path() / "README.md").read_text(encoding="utf-8")
    para = readme[readme.index("Sampled over 2025") :].split("\n\n")[0]
    para = re.sub(r"\s+", " ", para)

    def lost(rid: str) -> tuple[float, float]:
        f = 1.0 - s.factors[:, s.route_ids.index(rid), 0]
        return 100 * f.mean(), 100 * float(np.quantile(f, 0.95))

    mean, p95 = lost("CPC_TERMINAL_MED")
    assert f"{mean:.1f}% on CPC's tanker loadings (P95 {p95:.0f}%)" in para
    mean, p95 = lost("CPC_ATYRAU_TERMINAL")
    assert f"{mean:.1f}% on the CPC pipeline (P95 {p95:.0f}%)" in para
    mean, p95 = lost("BTC")
    assert f"{mean:.1f}% on BTC (P95 {p95:.0f}%)" in para
    mean, _ = lost("DRUZHBA_SCHWEDT")
    assert f"{mean:.1f}% on Druzhba to Germany" in para


def test_every_hazard_row_is_in_the_readme_table() -> None:
    readme = (default_dataset_path() / "README.md").read_text(encoding="utf-8")
    for h in load_dataset().outages.hazards:
        assert f"`{h.id}`" in readme, h.id
