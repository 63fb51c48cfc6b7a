"""What the pictures of a stored run show: monthly exports in the store, exceedance curves,
the run view (summaries and sentences equal to ``crudeflow risk``'s)."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import duckdb
import numpy as np
import pytest

from crudeflow.explanation import country_name
from crudeflow.montecarlo.engine import RunSpec, run_batch
from crudeflow.montecarlo.summary import explain_risk
from crudeflow.montecarlo.view import exceedance_curve, load_run_view
from crudeflow.network.load import load_dataset
from crudeflow.store import RunsStore
from tests.montecarlo.risk_helpers import store_run
from tests.montecarlo.store_helpers import make_batch, spec


@pytest.fixture(scope="module")
def stored(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str, object]:
    path = tmp_path_factory.mktemp("view") / "runs.duckdb"
    run_id, run = store_run(path, scenarios=("base-2025", "trans-caspian-buildout"))
    return path, run_id, run


def test_engine_monthly_exports_sum_to_the_draws_exports() -> None:
    spec_ = RunSpec(scenarios=("",), seed=5, draws=40, batch_size=40, year=2025)
    b = run_batch(spec_, 0, 0)
    m = b.monthly_exported_mt
    assert m is not None and m.shape == (40, 12)
    np.testing.assert_allclose(m.sum(axis=1), b.draws["exported_mt"].to_numpy(), atol=1e-9)
    hit = b.draws["n_events"].to_numpy() > 0
    assert hit.any() and (~hit).any()
    calm = m[~hit]
    assert (calm == calm[0]).all()  # every draw without events is the no-outage plan


def test_exceedance_curve_is_the_share_of_draws_above_each_point() -> None:
    rng = np.random.default_rng(0)
    v = np.r_[np.zeros(300), rng.lognormal(0, 1, 700)]
    c = exceedance_curve("s", "lost_exports_mt", v, max_points=50)
    assert len(c.x) <= 50 and list(c.x) == sorted(c.x)
    for x, p in zip(c.x, c.p, strict=True):
        assert p == pytest.approx((v > x).mean(), abs=0)
    assert c.x[0] == 0.0 and c.p[0] == pytest.approx(0.7)
    assert min(c.p) > 0  # the largest loss (p = 0) is left out of a log axis


def test_store_keeps_monthly_exports_and_their_quantiles(stored: tuple[Path, str, object]) -> None:
    path, run_id, _ = stored
    with RunsStore(path, read_only=True) as store:
        fan = store.monthly_exports(run_id)
        draws = store.load_draws(run_id)
    assert fan is not None and len(fan) == 24
    con = duckdb.connect(str(path), read_only=True)
    try:
        long = con.execute(
            "SELECT scenario_index, draw, month, exported_mt FROM draw_months WHERE run_id = ?",
            [run_id],
        ).df()
    finally:
        con.close()
    for (si, month), g in long.groupby(["scenario_index", "month"]):
        row = fan[(fan["scenario_index"] == si) & (fan["month"] == month)].iloc[0]
        q = np.quantile(g["exported_mt"].to_numpy(), [0.05, 0.5, 0.95])  # the summaries' rule
        np.testing.assert_allclose([row.p5_mt, row.p50_mt, row.p95_mt], q, rtol=1e-12)
    per_draw = long.groupby(["scenario_index", "draw"])["exported_mt"].sum().to_numpy()
    np.testing.assert_allclose(per_draw, draws["exported_mt"].to_numpy(), atol=1e-9)


def test_run_view_has_the_cli_summaries_and_sentences(stored: tuple[Path, str, object]) -> None:
    path, run_id, run = stored
    with RunsStore(path, read_only=True) as store:
        view = load_run_view(store, run_id)
    assert view.summaries == run.summaries  # type: ignore[attr-defined]
    producer = country_name(load_dataset().meta.producer)
    assert list(view.sentences) == explain_risk(run.summaries, producer=producer)  # type: ignore[attr-defined]
    assert view.scenarios == ("base-2025", "trans-caspian-buildout")
    assert view.horizon_label == "2025" and view.months[0] == "Jan 2025"
    assert [f.scenario for f in view.fans] == list(view.scenarios)
    assert view.fans[0].no_outage_mt is not None and view.fans_note == ""
    assert {(c.scenario, c.quantity) for c in view.exceedance} == {
        (s, q) for s in view.scenarios for q in ("lost_exports_mt", "lost_netback_musd")
    }
    assert "Mt over 2025" in view.exports_lost_label and "total" in view.exports_lost_label
    assert view.attribution_draws == 120
    d = view.to_dict()
    assert d["run"]["run_id"] == run_id and d["sentences"] == list(view.sentences)


def _v1_store_without_draw_months(path: Path) -> str:
    """A store as crudeflow wrote it before monthly exports were kept."""
    with RunsStore(path) as store:
        run_id = store.create_run(spec(draws=8, batch_size=4, scenarios=("base",)))
        for b in range(2):
            store.append_batch(run_id, make_batch(0, b, draws=8, batch_size=4, scenarios=("base",)))
    con = duckdb.connect(str(path))
    con.execute("DROP TABLE draw_months")
    con.close()
    return run_id


def test_a_store_from_before_draw_months_is_read_and_upgraded(tmp_path: Path) -> None:
    path = tmp_path / "old.duckdb"
    run_id = _v1_store_without_draw_months(path)
    with RunsStore(path, read_only=True) as store:  # reading never changes the file
        assert store.monthly_exports(run_id) is None
        view = load_run_view(store, run_id)
        assert view.fans == () and "without monthly exports" in view.fans_note
        assert view.summaries[0].draws == 8
    with RunsStore(path) as store:  # a writer adds the table; old runs still have no fan
        assert store.monthly_exports(run_id) is None
    con = duckdb.connect(str(path), read_only=True)
    tables = {
        r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()
    }
    version = con.execute("SELECT max(version) FROM schema_version").fetchone()
    con.close()
    assert "draw_months" in tables and version == (1,)  # additive: older crudeflows read it


def test_a_run_missing_some_monthly_rows_shows_no_fan(tmp_path: Path) -> None:
    path = tmp_path / "mixed.duckdb"
    with RunsStore(path) as store:
        run_id = store.create_run(spec(draws=8, batch_size=4, scenarios=("base",)))
        b0 = make_batch(0, 0, draws=8, batch_size=4, scenarios=("base",))
        months = np.tile(b0.draws["exported_mt"].to_numpy()[:, None] / 12, (1, 12))
        store.append_batch(run_id, dataclasses.replace(b0, monthly_exported_mt=months))
        store.append_batch(run_id, make_batch(0, 1, draws=8, batch_size=4, scenarios=("base",)))
        assert store.monthly_exports(run_id) is None  # half the draws: no partial fan


def test_monthly_exports_must_have_one_row_per_draw(tmp_path: Path) -> None:
    with RunsStore(tmp_path / "s.duckdb") as store:
        run_id = store.create_run(spec(draws=4, batch_size=4, scenarios=("base",)))
        b = make_batch(0, 0, draws=4, batch_size=4, scenarios=("base",))
        bad = dataclasses.replace(b, monthly_exported_mt=np.zeros((3, 12)))
        with pytest.raises(ValueError, match="one row per draw"):
            store.append_batch(run_id, bad)
        assert store.done_batches(run_id) == set()
