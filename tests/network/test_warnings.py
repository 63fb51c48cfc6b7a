"""Validation warnings (issue 8 item 18): valid but suspicious datasets load, say what to look at.

Warnings never stop a plan: ``crudeflow network validate`` prints them and exits 0, the library
carries them on :attr:`Network.warnings` and returns them from :func:`check_dataset`. A plan for
a year without any supply rows is an error (the planner raises it, exit 1).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from crudeflow import load_dataset, validate_dataset
from crudeflow.errors import ScenarioError
from crudeflow.network.load import check_dataset, default_dataset_path
from crudeflow.solve.plan import plan
from tests.cli_subprocess import crudeflow_cli as cli


def where(p: Any) -> tuple[str, int | None, str, str]:
    return (p.file, p.line, p.field, p.value)


def _lonely_market(copy: Any) -> Any:
    """Add a market node with a price row but no route into it (markets.csv line 4)."""
    return copy.append(
        "nodes.csv", "MKT_FAR,Far test market,market,CN,40,80,src_geo,,,src_geo,"
    ).append("markets.csv", "MKT_FAR,MINI,0,src_prices,,,src_prices,")


def test_default_dataset_has_no_warnings() -> None:
    assert check_dataset(default_dataset_path()) == ([], [])
    assert load_dataset().warnings == ()


def test_mini_fixture_has_no_warnings(broken_dataset: Callable[[], Any]) -> None:
    assert load_dataset(broken_dataset().path).warnings == ()


def test_market_unreachable_from_any_supply_is_a_warning(
    broken_dataset: Callable[[], Any],
) -> None:
    copy = _lonely_market(broken_dataset())
    assert validate_dataset(copy.path) == []  # valid: a warning, not a problem
    net = load_dataset(copy.path)
    assert [where(w) for w in net.warnings] == [("markets.csv", 4, "node", "MKT_FAR")]
    assert "no supply can get here" in net.warnings[0].expected
    plan(net)  # a warning never stops a plan


def test_supply_that_no_operating_route_takes_out_is_a_warning(
    broken_dataset: Callable[[], Any],
) -> None:
    # FIELD_B keeps only the planned rail link: valid (a scenario may open it), but shut in
    copy = broken_dataset().set_cell("routes.csv", "B_HUB", "status", "idle")
    problems, warnings = check_dataset(copy.path)
    assert problems == []
    assert [where(w) for w in warnings] == [
        ("supply.csv", 3, "node", "FIELD_B"),
        ("supply.csv", 5, "node", "FIELD_B"),
    ]
    assert "operating in 2024" in warnings[0].expected
    result = plan(load_dataset(copy.path), year=2025)
    assert result.available_mt > result.exported_mt  # the warning was right: shut in


def test_supply_disconnected_by_every_route_stays_an_error(
    broken_dataset: Callable[[], Any],
) -> None:
    copy = broken_dataset().drop_row("routes.csv", "HUB_PORT")
    assert ("supply.csv", 2, "node") in [
        (p.file, p.line, p.field) for p in validate_dataset(copy.path)
    ]


def test_base_year_without_supply_is_a_warning(broken_dataset: Callable[[], Any]) -> None:
    copy = broken_dataset().replace("dataset.yaml", "base_year: 2025", "base_year: 2023")
    net = load_dataset(copy.path)
    assert [where(w) for w in net.warnings] == [("dataset.yaml", 4, "base_year", "2023")]
    assert "2024, 2025" in net.warnings[0].expected


def test_plan_for_a_year_without_supply_rows_is_a_clear_error(
    broken_dataset: Callable[[], Any],
) -> None:
    net = load_dataset(broken_dataset().path)
    with pytest.raises(
        ScenarioError, match=r"no supply data for 2023 \(years with data: 2024, 2025\)"
    ):
        plan(net, year=2023)


def test_cli_plan_for_a_year_without_supply_exits_1_with_one_line(
    broken_dataset: Callable[[], Any],
) -> None:
    copy = broken_dataset()
    done = cli("plan", "--dataset", str(copy.path), "--year", "2023")
    assert done.returncode == 1, done.stderr
    assert "no supply data for 2023" in done.stderr
    assert "Traceback" not in done.stderr


def test_cli_validate_prints_warnings_and_exits_0(broken_dataset: Callable[[], Any]) -> None:
    copy = _lonely_market(broken_dataset())
    done = cli("network", "validate", str(copy.path))
    assert done.returncode == 0, done.stderr
    assert "warning: markets.csv:4: node = 'MKT_FAR'" in done.stderr
    assert "no problems found (1 warning(s))" in done.stdout


def test_year_whose_supply_is_all_zero_is_a_warning(broken_dataset: Callable[[], Any]) -> None:
    copy = (
        broken_dataset()
        .set_cell("supply.csv", "FIELD_A", "mt", "0")
        .set_cell("supply.csv", "FIELD_B", "mt", "0")
    )
    net = load_dataset(copy.path)
    assert [where(w) for w in net.warnings] == [("supply.csv", 2, "mt", "0")]
    assert "every row of 2024 is 0 Mt" in net.warnings[0].expected
