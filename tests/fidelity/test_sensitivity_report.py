"""The report's "Which estimates matter" section: one tornado per output (issue 11 item 6)."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from crudeflow.cli import app
from crudeflow.network.load import load_dataset
from crudeflow.report.sensitivity import tornado_figure
from crudeflow.sensitivity import sensitivity


def test_tornado_draws_the_top_inputs_most_influential_on_top() -> None:
    s = sensitivity(load_dataset())
    fig = tornado_figure(s, "trans_caspian_mt", top=3)
    low, high = fig["data"]
    assert low["y"][-1] == s.rows[0].input  # plotly draws the last category on top
    assert low["x"][-1] == round(s.rows[0].delta_low["trans_caspian_mt"], 6)
    assert high["x"][-1] == round(s.rows[0].delta_high["trans_caspian_mt"], 6)
    assert len(low["y"]) == 3


def test_report_with_sensitivity_has_the_section(tmp_path: Path) -> None:
    out = tmp_path / "r.html"
    res = CliRunner().invoke(app, ["report", "--sensitivity", "--out", str(out)])
    assert res.exit_code == 0, res.output
    html = out.read_text(encoding="utf-8")
    assert 'id="sensitivity"' in html and "fig-tornado-3" in html
    assert "--sensitivity" in html  # the command that regenerates it
