"""`crudeflow invest`: the portfolio table, the comparison, sentences, JSON, and exit codes."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from crudeflow.cli.invest import show
from crudeflow.invest import plan_portfolio
from tests.cli.test_cli import cli
from tests.invest.test_deterministic import knapsack

MINI = Path(__file__).parents[1] / "fixtures" / "mini"
TWENTY = "via AKTAU,KURYK >= 20 Mt/yr"


@pytest.fixture(scope="module")
def twenty_json() -> dict:
    out = cli("invest", "--require", TWENTY, "--json")
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)


def test_invest_20_mt_via_aktau_and_kuryk_says_what_falls_short_and_what_binds() -> None:
    out = cli("invest", "--require", TWENTY)
    assert out.returncode == 0, out.stderr
    text = " ".join(out.stdout.split())
    for words in ("Portfolio", "capex USD m", "in service", "annualised USD m/yr",
                  "No projects vs cheapest-to-target", "Kuryk oil terminal"):  # fmt: skip
        assert words in text
    assert "cannot be reached with the listed projects" in text
    assert "Other West-Kazakh (Mangistau) fields to the Port of Aktau" in text
    assert "node AKTAU" in text  # the berths raise the port's loading limit
    # progress goes to stderr, never into the table
    assert "solving the MIP" in out.stderr and "solving the MIP" not in out.stdout


def test_invest_json_carries_the_portfolio_figures(twenty_json: dict) -> None:
    d = twenty_json
    assert d["status"] == "optimal" and d["mip_gap"] == 0.0
    assert d["requirements"] == [TWENTY]
    assert d["builds"] and d["capex_musd"] == pytest.approx(
        sum(b["capex_musd"] for b in d["builds"])
    )
    assert (
        d["portfolio"]["shortfalls"][0]["achieved"] > d["no_projects"]["shortfalls"][0]["achieved"]
    )
    assert d["discount_rate"] == 0.08


def test_invest_discount_rate_changes_the_annualised_cost(twenty_json: dict) -> None:
    out = cli("invest", "--require", TWENTY, "--discount", "0", "--json")
    assert out.returncode == 0, out.stderr
    d = json.loads(out.stdout)
    assert d["discount_rate"] == 0.0
    # at 0% a 25-year module costs capex / 25 a year
    assert d["annualised_cost_musd_per_yr"] == pytest.approx(d["capex_musd"] / 25, rel=1e-6)


def test_invest_runs_a_scenario_preset() -> None:
    out = cli("invest", "trans-caspian-20mt", "--json")
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["scenario"] == "trans-caspian-20mt"


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (("--discount", "abc"), 2, "--discount: expected a rate"),
        (("--discount", "150%"), 2, "from 0 to 100%"),
        (("--require", "via NOWHERE >= 1 Mt/yr"), 2, "NOWHERE"),
        (("--require", "via AKTAU >="), 2, "error"),
        (("base-2025", "--year", "2024"), 2, "choose one of SCENARIO and --year"),
        (("no-such-preset",), 1, "neither a scenario file nor a preset"),
        (("--year", "2031"), 1, "no supply data for 2031"),
    ],
)
def test_invest_bad_usage_and_data_exit_codes(
    args: tuple[str, ...], code: int, message: str
) -> None:
    out = cli("invest", *args)
    assert out.returncode == code, (out.stdout, out.stderr)
    assert message in out.stderr
    assert "Traceback" not in out.stderr


def test_invest_on_a_dataset_without_projects_exits_1(tmp_path: Path) -> None:
    shutil.copytree(MINI, tmp_path / "mini")
    out = cli("invest", "--dataset", str(tmp_path / "mini"))
    assert out.returncode == 1
    assert "has no projects.csv" in out.stderr


def test_invest_on_a_malformed_projects_file_exits_1_with_file_line(tmp_path: Path) -> None:
    folder = tmp_path / "mini"
    shutil.copytree(MINI, folder)
    (folder / "projects.csv").write_text(
        "id,name,route,adds_mtpa,modules_max,capex_musd,opex_musd_per_yr,lifetime_years,"
        "earliest_year,source\nX,X,PORT_MDE,1,1,1,0,20,2026,src_cap\n",
        encoding="utf-8",
    )
    out = cli("invest", "--dataset", str(folder))
    assert out.returncode == 1
    assert (
        "projects.csv:2: route = 'PORT_MDE'" in out.stderr and "did you mean PORT_MED" in out.stderr
    )


def test_a_time_limited_portfolio_is_reported_as_not_proven(
    capsys: pytest.CaptureFixture[str],
) -> None:
    net, target = knapsack()
    p = plan_portfolio(
        net, requirements=[f"via M >= {target:.3f} Mt/yr"], discount_rate=0, time_limit=0.2
    )
    show(p)
    text = " ".join(capsys.readouterr().out.split())
    assert "search stopped (time_limit): best portfolio found, within" in text
    assert "not proven optimal" in text
