"""The CLI as a user meets it: exit codes pinned, messages without tracebacks."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.cli_subprocess import crudeflow_cli as cli
from tests.conftest import invoke_cli

run = invoke_cli


def test_help_is_instant_and_lists_commands() -> None:
    code, out = run("--help")
    assert code == 0
    for cmd in ("plan", "bypass", "run", "network", "scenario", "backtest"):
        assert cmd in out


def test_network_show_lists_every_route(kz) -> None:
    code, out = run("network", "show")
    assert code == 0
    for r in kz.routes:
        assert r.id in out
    assert "kb/d" in out


def test_network_validate_default_ok() -> None:
    code, out = run(
        "network", "validate", str(Path(__file__).parents[2] / "src/crudeflow/data/kazakhstan")
    )
    assert code == 0
    assert "no problems" in out


def test_network_validate_broken_exits_1_with_file_line_field(broken_dataset) -> None:
    folder = broken_dataset().set_cell("routes.csv", "A_HUB", "capacity_mtpa", "-3").path
    proc = cli("network", "validate", str(folder))
    assert proc.returncode == 1
    assert "Traceback" not in proc.stderr
    assert "routes.csv:" in proc.stderr and "capacity_mtpa" in proc.stderr


def test_plan_on_broken_dataset_exits_1_without_traceback(broken_dataset) -> None:
    folder = broken_dataset().set_cell("nodes.csv", "FIELD_A", "lat", "123").path
    proc = cli("plan", "--dataset", str(folder))
    assert proc.returncode == 1
    assert "Traceback" not in proc.stderr
    assert "nodes.csv:2: lat" in proc.stderr


def test_plan_default_headline() -> None:
    code, out = run("plan")
    assert code == 0
    assert "Exported" in out and "kb/d" in out and "Netback" in out
    assert "In plain words" in out


def test_plan_json_matches_python_api(kz) -> None:
    import crudeflow

    code, out = run("plan", "--avoid", "RU", "--json")
    assert code == 0
    data = json.loads(out)
    p = crudeflow.plan(kz, requirements=["avoid RU"])
    assert data["exported_mtpa"] == pytest.approx(p.exported_mtpa)
    assert data["netback_musd"] == pytest.approx(p.netback_musd)
    assert "flow_kbd" in data["routes"][0]


def test_plan_csv() -> None:
    code, out = run("plan", "--csv")
    assert code == 0
    header = out.splitlines()[0]
    assert header.startswith("route,") and "flow_mtpa" in header


def test_plan_shortfall_reported_then_strict_exit_3() -> None:
    code, out = run("plan", "--avoid", "RU", "--require", "via AKTAU,KURYK >= 20 Mt/yr")
    assert code == 0
    assert "SHORT by" in out
    proc = cli("plan", "--avoid", "RU", "--require", "via AKTAU,KURYK >= 20 Mt/yr", "--strict")
    assert proc.returncode == 3
    assert "via AKTAU,KURYK >= 20 Mt/yr" in proc.stderr
    assert "Traceback" not in proc.stderr


@pytest.mark.parametrize(
    ("args", "code", "needle"),
    [
        (("plan", "--require", "via AKTAU >= 20 Mt"), 2, "rate unit"),
        (("plan", "--require", "teleport AKTAU"), 2, "'avoid', 'via'"),
        (("plan", "--require", "via NOWHERE >= 1 Mt/yr"), 2, "NOWHERE"),  # usage, like --avoid XX
        (("plan", "--avoid", "XX"), 2, "ISO"),
        (("plan", "--avoid", "KZ"), 1, "producer"),
        (("plan", "--year", "1999"), 1, "no supply data for 1999"),
        (("plan", "--json", "--csv"), 2, "choose one"),
        (("plan", "--no-such-option"), 2, "No such option"),
        (("bypass", "--avoid", "QQ"), 2, "ISO"),  # usage, as plan --avoid XX
        (("network", "export", "--format", "xml", "--out", "x"), 2, "csv, geojson or pypsa"),
        (("scenario", "run", "no-such-preset"), 1, "neither a scenario file nor a preset"),
        (("scenario", "compare", "base-2025"), 2, "at least two"),
    ],
)
def test_exit_codes(args: tuple[str, ...], code: int, needle: str) -> None:
    proc = cli(*args)
    assert proc.returncode == code, proc.stderr
    assert needle in proc.stderr + proc.stdout
    assert "Traceback" not in proc.stderr


def test_bypass_names_the_cut() -> None:
    code, out = run("bypass", "--avoid", "RU")
    assert code == 0
    assert "At most" in out and "minimum cut" in out


def test_bypass_json(kz) -> None:
    import crudeflow

    code, out = run("bypass", "--avoid", "RU", "--json")
    assert code == 0
    assert json.loads(out)["max_mtpa"] == pytest.approx(crudeflow.bypass(kz, avoid=["RU"]).max_mtpa)


def test_run_prints_side_by_side_with_explanations() -> None:
    code, out = run("run")
    assert code == 0
    assert "Base plan" in out and "Avoid Russia" in out
    assert out.count("In plain words") == 2


def test_export_formats(tmp_path: Path) -> None:
    for fmt in ("csv", "geojson", "pypsa"):
        code, _ = run("network", "export", "--format", fmt, "--out", str(tmp_path / fmt))
        assert code == 0
    assert (tmp_path / "pypsa" / "links.csv").is_file()


def test_scenario_list_run_compare_backtest() -> None:
    code, out = run("scenario", "list")
    assert code == 0 and "spm2-loss-2025" in out
    code, out = run("scenario", "run", "spm2-loss-2025", "--csv")
    assert code == 0 and out.startswith("period,")
    code, out = run("scenario", "compare", "base-2025", "spm2-loss-2025", "--json")
    assert code == 0
    rows = json.loads(out)
    dec = [r for r in rows if r["scenario"] == "spm2-loss-2025" and r["period"] == "2025-12"]
    assert dec and dec[0]["delta_cpc_mt"] < 0
    code, out = run("backtest", "--csv")
    assert code == 0 and "observed_mt" in out.splitlines()[0]
    assert "within_tolerance" in out.splitlines()[0] and "by_construction" in out.splitlines()[0]


def test_backtest_events_markdown_and_usage() -> None:
    code, out = run("backtest", "--events", "--json")
    assert code == 0
    rows = json.loads(out)
    assert {"scenario", "reported", "model", "unit"} <= set(rows[0])
    code, out = run("backtest", "--events")
    assert code == 0 and "spm2-loss-2025" in out and "vs_prev_pct" in out
    code, out = run("backtest", "--markdown")
    assert code == 0 and out.startswith("| year | group | basis |")
    code, _ = run("backtest", "--markdown", "--json")
    assert code == 2


def test_run_writes_the_report_and_prints_its_path(tmp_path: Path) -> None:
    out = tmp_path / "r.html"
    code, text = run("run", "--report", str(out))
    assert code == 0
    assert "Report written:" in text and out.is_file()
    html = out.read_text(encoding="utf-8")
    assert "crudeflow run --report" in html and "Base plan" in html
    assert 'src="http' not in html


@pytest.mark.parametrize("avoid", ["RU", "BOSPORUS"])
def test_physical_capacities_raise_the_bypass(kz, avoid: str) -> None:
    """Physical capacities never lower the bypass, and raise it where an allocation binds
    (the Bosporus case: Atyrau-Samara 16.5 -> 17.5). Avoiding Russia they no longer raise it:
    today's Caspian tankers (fleet.csv) and the Shymkent refinery's crude on Kenkiyak-Atyrau
    bind at physical limits too (README)."""
    code, out = run("bypass", "--avoid", avoid, "--physical", "--json")
    assert code == 0
    physical = json.loads(out)
    code, out = run("bypass", "--avoid", avoid, "--json")
    allocated = json.loads(out)
    assert physical["physical_capacities"] is True
    if avoid == "BOSPORUS":
        assert physical["max_mtpa"] > allocated["max_mtpa"] + 0.5
    else:
        assert physical["max_mtpa"] >= allocated["max_mtpa"] - 1e-9
    code, out = run("plan", "--physical", "--avoid", avoid, "--json")
    assert code == 0 and json.loads(out)["exported_mtpa"] == pytest.approx(physical["max_mtpa"])
