"""The report's risk section (``crudeflow report --run RUN``): every chart of the run view,
the CLI's sentences, labels that say totals over the year, and the CLI's errors."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from crudeflow.cli import app
from crudeflow.montecarlo.view import load_run_view
from crudeflow.report import ReportCase, build_report
from crudeflow.report.risk import risk_figures
from crudeflow.store import RunsStore
from tests.cli_subprocess import crudeflow_cli as _cli

runner = CliRunner()


def _figures_in(html: str) -> dict[str, dict[str, object]]:
    """The plotly figures a report draws, by div id (read back from its scripts)."""
    found = re.findall(r'Plotly\.newPlot\("([^"]+)",f\.data', html)
    payloads = re.findall(r"var f=(\{.*?\});Plotly\.newPlot", html)
    return {k: json.loads(v.replace("<\\/", "</")) for k, v in zip(found, payloads, strict=True)}


def test_risk_section_draws_every_chart_of_the_run(
    tmp_path: Path, toy_cases: list[ReportCase], risk_store: tuple[Path, str]
) -> None:
    path, run_id = risk_store
    with RunsStore(path, read_only=True) as store:
        view = load_run_view(store, run_id)
    out = build_report(toy_cases, title="T", out=tmp_path / "r.html", risk=view)
    html = out.read_text(encoding="utf-8")
    figs = risk_figures(view)
    assert set(figs) == {
        "risk-exceed-exports",
        "risk-exceed-netback",
        "risk-fan-0",
        "risk-fan-1",
        "risk-hazards",
        "risk-binding-0",
        "risk-binding-1",
    }
    drawn = _figures_in(html)
    for fig_id in figs:
        assert fig_id in drawn, fig_id
    assert 'id="risk"' in html and run_id in html
    for sentence in view.sentences:
        assert sentence.replace("'", "&#x27;") in html
    # the report draws the view's numbers: the fan's band is the store's P5 and P95
    fan = drawn["risk-fan-0"]["data"]  # type: ignore[index]
    assert fan[0]["y"] == list(view.fans[0].p95_mt)  # type: ignore[index]
    assert fan[1]["y"] == list(view.fans[0].p5_mt)  # type: ignore[index]
    # labels say what kind of figure each is
    assert "Exports lost, Mt over 2025 (total)" in html
    assert "Netback lost, USD m over 2025 (total)" in html
    assert "Mt in the month" in html
    assert 'src="http' not in html


def test_report_run_cli_writes_the_risk_section(
    tmp_path: Path, risk_store: tuple[Path, str]
) -> None:
    path, run_id = risk_store
    out = tmp_path / "risk.html"
    r = runner.invoke(app, ["report", "--run", run_id, "--store", str(path), "--out", str(out)])
    assert r.exit_code == 0, r.output
    html = out.read_text(encoding="utf-8")
    assert 'id="risk"' in html and 'id="risk-exceed-exports"' in html
    assert f"--run {run_id} --store {path}" in html  # the command that regenerates it


def test_report_run_unknown_id_exits_1_with_did_you_mean(
    tmp_path: Path, risk_store: tuple[Path, str]
) -> None:
    path, run_id = risk_store
    out = tmp_path / "never-written.html"  # not the working folder: a report.html there is not ours
    r = _cli("report", "--run", run_id[:-1] + "x", "--store", str(path), "--out", str(out))
    assert r.returncode == 1
    assert "did you mean" in r.stderr and run_id in r.stderr
    assert "Traceback" not in r.stderr


def test_report_store_without_run_is_a_usage_error(tmp_path: Path) -> None:
    r = runner.invoke(app, ["report", "--store", str(tmp_path / "s.duckdb")])
    assert r.exit_code == 2
    assert "--store goes with --run" in r.output


def test_report_run_missing_store_exits_1(tmp_path: Path) -> None:
    r = _cli(
        "report", "--run", "x", "--store", str(tmp_path / "none.duckdb"), "--out",
        str(tmp_path / "r.html"),
    )  # fmt: skip
    assert r.returncode == 1
    assert "no runs store" in r.stderr
    assert not (tmp_path / "r.html").exists()


def test_report_store_without_run_is_a_usage_error_even_with_a_report_html_here(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # after `make run` a report.html sits in the working folder: bad usage still exits 2
    monkeypatch.chdir(tmp_path)
    (tmp_path / "report.html").write_text("mine")
    r = runner.invoke(app, ["report", "--store", str(tmp_path / "s.duckdb")])
    assert r.exit_code == 2
    assert (tmp_path / "report.html").read_text() == "mine"
