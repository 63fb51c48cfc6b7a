"""``crudeflow risk``: clean JSON on stdout, progress and errors on stderr, exit codes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.cli.test_cli import cli


@pytest.fixture(autouse=True)
def _in_tmp_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Run in a temporary folder: ``crudeflow risk`` writes its default runs store
    (./crudeflow-runs.duckdb) there, not into the checkout, where parallel test workers
    would share it."""
    monkeypatch.chdir(tmp_path)


def test_risk_json_is_clean_stdout_with_one_summary_per_scenario() -> None:
    p = cli("risk", "", "btc-allocation-raised", "--draws", "40", "--batch-size", "20",
            "--seed", "2", "--json", "--no-attribution")  # fmt: skip
    assert p.returncode == 0, p.stderr
    out = json.loads(p.stdout)
    assert [s["scenario"] for s in out["summaries"]] == ["base", "btc-allocation-raised"]
    assert out["summaries"][0]["draws"] == 40
    assert out["spec"]["seed"] == 2 and out["spec"]["foresight"] == "none"
    assert out["sentences"][1].startswith("In 1 year in 20, Kazakhstan loses more than")


def test_risk_table_and_sentences_with_attribution() -> None:
    p = cli("risk", "--draws", "30", "--batch-size", "30", "--seed", "5")
    assert p.returncode == 0, p.stderr
    assert "Expected loss by hazard" in p.stdout
    assert "of the expected loss (each hazard removed in turn" in p.stdout


def test_risk_workers_and_scheduler_together_is_bad_usage() -> None:
    p = cli("risk", "--workers", "2", "--scheduler", "tcp://127.0.0.1:1", "--draws", "5")
    assert p.returncode == 2
    assert "choose one of --workers and --scheduler" in p.stderr


def test_risk_malformed_until_se_is_bad_usage() -> None:
    p = cli("risk", "--until-se", "half", "--draws", "5")
    assert p.returncode == 2
    assert "--until-se" in p.stderr and "Traceback" not in p.stderr


def test_risk_unknown_scenario_exits_1_without_traceback() -> None:
    p = cli("risk", "no-such-preset", "--draws", "5")
    assert p.returncode == 1
    assert "no-such-preset" in p.stderr and "Traceback" not in p.stderr


def test_risk_foresight_both_reports_the_value_of_early_warning() -> None:
    p = cli("risk", "--draws", "60", "--batch-size", "30", "--seed", "3", "--foresight", "both",
            "--no-attribution", "--json")  # fmt: skip
    assert p.returncode == 0, p.stderr
    out = json.loads(p.stdout)
    assert out["perfect_foresight"]["spec"]["foresight"] == "perfect"
    none_mean = out["summaries"][0]["lost_exports_mt"]["mean"]
    perfect_mean = out["perfect_foresight"]["summaries"][0]["lost_exports_mt"]["mean"]
    assert perfect_mean <= none_mean + 1e-9
    assert any("early warning is worth" in s for s in out["sentences"])


def test_risk_hazard_table_has_no_negative_zeros() -> None:
    # 1,000,000 draws printed "btc_kazakh -0.000 -0.0 -0%": attribution noise below the digits
    from crudeflow.cli.risk import hazard_rows
    from crudeflow.montecarlo.summary import HazardShare

    rows = hazard_rows(
        [HazardShare("btc_kazakh", -2e-5, -0.01, -1e-5), HazardShare("x", 1.1084, 592.14, 0.576)]
    )
    assert rows == [("btc_kazakh", "0.000", "0.0", "0%"), ("x", "1.108", "592.1", "58%")]
