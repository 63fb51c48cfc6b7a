"""The backtest (issue 11 item 7): tolerance, the by-construction basis, the Markdown table,
and the events table (observed_events.csv) with its file:line errors."""

from __future__ import annotations

import pytest

from crudeflow import DatasetError, load_dataset
from crudeflow.backtest import backtest, backtest_events, backtest_markdown, tolerance_mt

CUT = """name: port-cut
title: Both ports shut, June 2025
description: A planted outage for the events table.
tags: [history]
horizon: {start: 2025-05, end: 2025-07}
changes:
  - route: PORT_MED
    capacity_factor: 0
    from: 2025-06-01
    to: 2025-06-30
    source: "estimate: planted"
  - route: PORT_EU
    capacity_factor: 0
    from: 2025-06-01
    to: 2025-06-30
    source: "estimate: planted"
"""
HEAD = "scenario,months,measure,group,reported,source,note\n"


def with_events(broken_dataset, rows: str):  # type: ignore[no-untyped-def]
    copy = broken_dataset()
    (copy.path / "scenarios").mkdir()
    copy.write("scenarios/port-cut.yaml", CUT)
    return copy.write("observed_events.csv", HEAD + rows)


def test_tolerance_is_15_percent_or_0_3_mt() -> None:
    assert tolerance_mt(1.0) == 0.3
    assert tolerance_mt(2.0) == 0.3
    assert tolerance_mt(10.0) == pytest.approx(1.5)


def test_rows_carry_basis_and_tolerance() -> None:
    t = backtest(load_dataset()).set_index(["year", "group"])
    assert t.loc[(2023, "exports"), "by_construction"]
    assert t.loc[(2023, "exports"), "basis"] == "construction"
    assert not t.loc[(2023, "btc"), "by_construction"]
    err = (t["model_mt"] - t["observed_mt"]).abs()
    assert ((err <= t["tolerance_mt"] + 1e-9) == t["within_tolerance"]).all()
    # every route group the issue names is compared in some year
    groups = set(t.index.get_level_values("group"))
    assert {"cpc", "atyrau_samara", "china", "btc", "trans_caspian", "makhachkala"} <= groups
    assert {"druzhba_germany", "georgia", "exports"} <= groups


def test_markdown_has_one_line_per_row_and_marks_misses() -> None:
    t = backtest(load_dataset(), years=[2025])
    lines = backtest_markdown(t).splitlines()
    assert len(lines) == 2 + len(t)
    for line, (_, row) in zip(lines[2:], t.iterrows(), strict=True):
        assert line.endswith(f"| {row['source']} |")
        assert ("⚠" in line) == (not row["within_tolerance"])


def test_a_bad_basis_is_a_file_line_error(broken_dataset) -> None:  # type: ignore[no-untyped-def]
    copy = broken_dataset()
    copy.write(
        "observed.csv", "year,group,mt,source,note,basis\n2024,black_sea,27,src_obs,,built\n"
    )
    with pytest.raises(DatasetError) as err:
        load_dataset(copy.path)
    [hit] = [p for p in err.value.problems if p.field == "basis"]
    assert (hit.file, hit.line, hit.value) == ("observed.csv", 2, "built")
    assert "test, construction" in hit.expected


def test_planted_port_cut_shows_in_every_measure(broken_dataset) -> None:  # type: ignore[no-untyped-def]
    rows = "".join(
        f"port-cut,2025-06,{m},{g},{v},src_obs,\n"
        for m, g, v in (
            ("flow_mt", "black_sea", 0),
            ("change_mt", "black_sea", -1),
            ("change_pct", "black_sea", -100),
            ("vs_prev_pct", "black_sea", -100),
            ("shut_in_mt", "", 1),
        )
    )
    net = load_dataset(with_events(broken_dataset, rows).path)
    t = backtest_events(net).set_index("measure")
    assert t.loc["flow_mt", "model"] == pytest.approx(0.0, abs=1e-6)
    assert t.loc["change_mt", "model"] < -1.0
    assert t.loc["change_pct", "model"] == pytest.approx(-100.0)
    assert t.loc["vs_prev_pct", "model"] == pytest.approx(-100.0)
    assert t.loc["change_pct", "unit"] == "%"
    assert t.loc["shut_in_mt", "model"] > 0
    assert t.loc["change_mt", "difference"] == pytest.approx(t.loc["change_mt", "model"] + 1)


@pytest.mark.parametrize(
    ("row", "field", "expected"),
    [
        ("no-such,2025-06,flow_mt,black_sea,1,src_obs,", "scenario", "a preset"),
        ("port-cut,2025-13,flow_mt,black_sea,1,src_obs,", "months", "YYYY-MM"),
        ("port-cut,2025-06..2024-07,flow_mt,black_sea,1,src_obs,", "months", "within one year"),
        ("port-cut,2025-06..2025-05,flow_mt,black_sea,1,src_obs,", "months", "first month first"),
        ("port-cut,2025-06,volume,black_sea,1,src_obs,", "measure", "one of flow_mt"),
        ("port-cut,2025-06,flow_mt,nope,1,src_obs,", "group", "a route group"),
        ("port-cut,2025-06,shut_in_mt,black_sea,1,src_obs,", "group", "empty for shut_in_mt"),
        ("port-cut,2025-01,vs_prev_pct,black_sea,1,src_obs,", "months", "after January"),
        ("port-cut,2025-06,flow_mt,black_sea,lots,src_obs,", "reported", "a number"),
        ("port-cut,2025-06,flow_mt,black_sea,1,,", "source", "a source"),
    ],
)
def test_malformed_event_cells_are_file_line_errors(
    broken_dataset,  # type: ignore[no-untyped-def]
    row: str,
    field: str,
    expected: str,
) -> None:
    copy = with_events(
        broken_dataset, "port-cut,2025-06,flow_mt,black_sea,1,src_obs,\n" + row + "\n"
    )
    with pytest.raises(DatasetError) as err:
        load_dataset(copy.path)
    [hit] = [p for p in err.value.problems if p.field == field]
    assert (hit.file, hit.line) == ("observed_events.csv", 3)
    assert expected in hit.expected


def test_the_spm2_loss_is_checked_against_what_was_reported() -> None:
    t = backtest_events(load_dataset())
    spm2 = t[t["scenario"] == "spm2-loss-2025"].set_index(["measure", "group"])
    assert spm2.loc[("vs_prev_pct", "cpc"), "reported"] == -19
    assert spm2.loc[("vs_prev_pct", "cpc"), "model"] < 0  # the model's December CPC also falls
    assert spm2.loc[("change_mt", "atyrau_samara"), "model"] > 0  # and crude goes to Samara
