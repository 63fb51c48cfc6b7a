"""`crudeflow invest --draws K [--risk cvar:A:W] [--seed S]`: the risk-aware portfolio and the
comparison on fresh draws (no projects / cheapest-to-target / risk-aware), exit codes."""

from __future__ import annotations

import json

import pytest

from tests.cli.test_cli import cli

TEN = "via AKTAU,KURYK >= 10 Mt/yr"


@pytest.fixture(scope="module")
def risk_json() -> dict:
    out = cli("invest", "--require", TEN, "--draws", "30", "--seed", "4", "--json")
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)


def test_invest_draws_adds_the_risk_aware_portfolio_and_the_comparison(risk_json: dict) -> None:
    r = risk_json["risk_aware"]
    assert r["draws"] == 30 and r["seed"] == 4 and r["method"] == "benders"
    assert [o["label"] for o in r["comparison"]] == [
        "no projects",
        "cheapest-to-target",
        "risk-aware",
    ]
    # the cheapest-to-target column is the deterministic portfolio, evaluated on fresh draws
    det = {b["project"]: b["modules"] for b in risk_json["builds"]}
    assert r["comparison"][1]["modules"] == det
    assert r["comparison"][2]["modules"] == r["modules"]
    assert r["comparison"][0]["annualised_cost_musd_per_yr"] == 0
    vss = r["value_of_stochastic_solution_musd_per_yr"]
    assert vss["ci95_low"] <= vss["mean"] <= vss["ci95_high"]
    assert r["eval_seed"] == 4 + 2**32


def test_invest_draws_prints_the_comparison_table_and_sentences() -> None:
    out = cli("invest", "--require", TEN, "--draws", "20", "--risk", "cvar:0.9:0.5")
    assert out.returncode == 0, out.stderr
    text = " ".join(out.stdout.split())
    for words in ("Risk-aware portfolio", "Compared on 20 fresh draws", "P95 lost netback",
                  "cheapest-to-target", "risk-aware", "worst 10% of years (CVaR)"):  # fmt: skip
        assert words in text


def test_invest_same_seed_same_risk_aware_portfolio(risk_json: dict) -> None:
    out = cli("invest", "--require", TEN, "--draws", "30", "--seed", "4", "--json")
    again = json.loads(out.stdout)["risk_aware"]
    assert again["modules"] == risk_json["risk_aware"]["modules"]
    assert again["objective_musd_per_yr"] == risk_json["risk_aware"]["objective_musd_per_yr"]


@pytest.mark.parametrize(
    "args",
    [
        ("--risk", "cvar:0.95:0.3"),
        ("--seed", "3"),
        ("--draws", "10", "--risk", "cvar:1.5:0.3"),
        ("--draws", "10", "--risk", "var:0.9"),
        ("--draws", "0"),
    ],
)
def test_invest_risk_options_misused_exit_2(args: tuple[str, ...]) -> None:
    out = cli("invest", *args)
    assert out.returncode == 2, out.stdout + out.stderr
    assert "Traceback" not in out.stderr
