"""Passages (straits, canals, bypass pipelines) as data: the shared table, a dataset's own
passages.csv, routes.csv's ``passages`` column, and the requirements that use them (issue 12
item 3; docs/dataset-format.md, "Passages")."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from crudeflow import DatasetError, load_dataset, plan
from crudeflow.errors import RequirementError
from crudeflow.network._passages import _read_table, shared_passages, shared_passages_folder
from crudeflow.network.model import Network
from crudeflow.requirements import Avoid, Share, parse_requirement, parse_requirements
from crudeflow.solve.lp import Periods, build_lp
from crudeflow.solve.maxflow import bypass
from tests.conftest import DatasetCopy

Factory = Callable[[], DatasetCopy]


@pytest.fixture(scope="module")
def kz() -> Network:
    return load_dataset()


def with_passages(ds: DatasetCopy, **by_route: str) -> DatasetCopy:
    """Add the ``passages`` column to the mini routes.csv, set for the routes named."""
    rows = ds._rows("routes.csv")
    rows[0].append("passages")
    for r in rows[1:]:
        r.append(by_route.get(r[0], ""))
    return ds._write_rows("routes.csv", rows)


# -- the shared table -------------------------------------------------------------------
def test_shared_passages_table_is_valid_and_every_source_is_used() -> None:
    passages, problems = _read_table(shared_passages_folder())
    assert problems == []
    assert {"HORMUZ", "BOSPORUS", "BAB_EL_MANDEB", "SUEZ", "SUMED"} <= {p.id for p in passages}


def test_passage_ids_are_upper_case_and_never_a_country_code() -> None:
    for p in shared_passages():
        assert p.id == p.id.upper() and len(p.id) >= 3
        assert p.kind in ("strait", "canal", "pipeline")
        # a position is given with its source, or not at all
        assert (p.lat is None) == (p.lon is None)
        if p.lat is not None:
            assert p.coords_source


def test_shared_table_names_its_problems(tmp_path: Path) -> None:
    for name in ("passages.csv", "passages_sources.csv"):
        (tmp_path / name).write_text(
            (shared_passages_folder() / name).read_text(encoding="utf-8"), encoding="utf-8"
        )
    text = (tmp_path / "passages.csv").read_text(encoding="utf-8")
    (tmp_path / "passages.csv").write_text(text.replace("HORMUZ,", "HZ,", 1), encoding="utf-8")
    _, problems = _read_table(tmp_path)
    assert any(p.field == "id" and p.value == "HZ" and p.line == 2 for p in problems)


# -- routes.csv column and a dataset's own passages.csv ---------------------------------
def test_routes_list_passages_in_order(broken_dataset: Factory) -> None:
    ds = with_passages(broken_dataset(), PORT_EU="BOSPORUS;SUEZ")
    net = load_dataset(ds.path)
    assert net.route("PORT_EU").passages == ("BOSPORUS", "SUEZ")
    assert net.route("PORT_MED").passages == ()
    assert [p.id for p in net.passages][:2] == ["HORMUZ", "BOSPORUS"]


def test_unknown_passage_in_routes_csv_is_file_line_with_did_you_mean(
    broken_dataset: Factory,
) -> None:
    ds = with_passages(broken_dataset(), PORT_MED="BOSPHORUS")
    with pytest.raises(DatasetError) as info:
        load_dataset(ds.path)
    text = str(info.value.problems[0])
    assert text.startswith("routes.csv:5: passages = 'BOSPHORUS'")
    assert "did you mean BOSPORUS?" in text


def test_unknown_passage_exits_1_on_validate(broken_dataset: Factory) -> None:
    from typer.testing import CliRunner

    from crudeflow.cli import app

    ds = with_passages(broken_dataset(), PORT_MED="HORMUS")
    res = CliRunner().invoke(app, ["network", "validate", str(ds.path)])
    assert res.exit_code == 1
    assert "routes.csv:5: passages = 'HORMUS'" in res.output
    assert "did you mean HORMUZ?" in res.output


def test_dataset_passages_csv_adds_a_passage(broken_dataset: Factory) -> None:
    ds = with_passages(broken_dataset(), PORT_EU="DOVER_STRAIT")
    ds.write(
        "passages.csv",
        "id,name,kind,lat,lon,coords_source,source,note\n"
        "DOVER_STRAIT,Strait of Dover,strait,,,,src_geo,synthetic\n",
    )
    net = load_dataset(ds.path)
    assert net.passage_ids()[-1] == "DOVER_STRAIT"
    assert net.route("PORT_EU").passages == ("DOVER_STRAIT",)


def test_dataset_passage_with_a_shared_id_is_an_error(broken_dataset: Factory) -> None:
    ds = broken_dataset().write(
        "passages.csv",
        "id,name,kind,lat,lon,coords_source,source,note\nHORMUZ,Again,strait,,,,src_geo,\n",
    )
    with pytest.raises(DatasetError) as info:
        load_dataset(ds.path)
    (problem,) = info.value.problems
    assert (problem.file, problem.line, problem.field) == ("passages.csv", 2, "id")
    assert "shared passages table" in problem.expected


def test_dataset_passage_id_of_two_letters_is_an_error(broken_dataset: Factory) -> None:
    ds = broken_dataset().write(
        "passages.csv",
        "id,name,kind,lat,lon,coords_source,source,note\nDV,Dover,strait,,,,src_geo,\n",
    )
    with pytest.raises(DatasetError, match="at least 3"):
        load_dataset(ds.path)


def test_path_passing_a_passage_on_two_legs_warns(broken_dataset: Factory) -> None:
    ds = with_passages(broken_dataset(), HUB_PORT="BOSPORUS", PORT_MED="BOSPORUS")
    net = load_dataset(ds.path)
    (warning,) = [w for w in net.warnings if w.field == "passages"]
    assert warning.line == 5 and "HUB_PORT then PORT_MED" in warning.expected


# -- requirements ------------------------------------------------------------------------
def test_requirement_grammar_reads_passages_and_countries() -> None:
    req = parse_requirement("avoid RU,bosporus")
    assert isinstance(req, Avoid)
    assert req.countries == ("RU",) and req.passages == ("BOSPORUS",)
    share = parse_requirement("share Hormuz <= 5%")
    assert isinstance(share, Share) and share.passage == "HORMUZ" and share.country == ""


def test_unknown_passage_in_a_requirement_suggests_one(kz: Network) -> None:
    with pytest.raises(RequirementError, match="did you mean BOSPORUS"):
        parse_requirement("avoid BOSPOROS", network=kz)


def test_share_of_a_passage_no_route_lists_is_an_error(kz: Network) -> None:
    with pytest.raises(RequirementError, match="lists: BOSPORUS"):
        parse_requirement("share HORMUZ <= 5%", network=kz)


def test_avoid_a_passage_closes_exactly_the_routes_that_list_it(kz: Network) -> None:
    listing = set(kz.routes_passing(["BOSPORUS"]))
    assert listing == {
        "CPC_TERMINAL_MED",
        "SUPSA_MED",
        "BATUMI_MED",
        "KULEVI_MED",
        "SHESKHARIS_FOB",
    }
    periods = Periods.annual(kz.meta.base_year)
    free = build_lp(kz, periods)
    lp = build_lp(kz, periods, parse_requirements(["avoid BOSPORUS"], network=kz))
    R = len(kz.routes)
    closed = {rid for i, rid in enumerate(lp.route_ids) if lp.col_upper[i] == 0.0}
    opened_before = {rid for i, rid in enumerate(free.route_ids) if free.col_upper[i] == 0.0}
    assert closed - opened_before == listing
    assert set(lp.closed_by) == listing
    np.testing.assert_array_equal(
        np.delete(lp.col_upper[:R], [lp.route_ids.index(r) for r in listing]),
        np.delete(free.col_upper[:R], [free.route_ids.index(r) for r in listing]),
    )


def test_avoid_a_passage_in_a_plan_leaves_no_flow_through_it(kz: Network) -> None:
    p = plan(kz, requirements=["avoid bosporus"])
    assert p.requirements == ("avoid BOSPORUS",)
    flows = p.routes["flow_mtpa"]
    assert all(flows[r] == 0 for r in kz.routes_passing(["BOSPORUS"]))
    assert p.exported_mtpa > 0


def test_bypass_of_a_passage_equals_the_volume_lp(kz: Network) -> None:
    b = bypass(kz, avoid=["BOSPORUS"])
    assert set(kz.routes_passing(["BOSPORUS"])) <= set(b.closed_routes)
    assert 0 < b.max_mtpa < b.available_mtpa
    lossless = kz.replace_routes(dataclasses.replace(r, loss_pct=0.0) for r in kz.routes)
    p = plan(lossless, requirements=["avoid BOSPORUS"], objective="volume")
    assert p.exported_mtpa == pytest.approx(b.max_mtpa, rel=1e-6)


def test_bypass_of_an_unknown_passage_is_a_usage_error(kz: Network) -> None:
    with pytest.raises(RequirementError, match="did you mean BOSPORUS"):
        bypass(kz, avoid=["BOSPHORUS"])


def test_share_of_a_passage_is_met_and_binding_with_a_marginal_cost(kz: Network) -> None:
    p = plan(kz, requirements=["share BOSPORUS <= 50%"])
    (status,) = p.requirement_status
    assert status.kind == "share" and status.binding
    assert status.achieved == pytest.approx(0.5, abs=1e-6)
    assert status.marginal_cost_usd_per_t > 0
    through = sum(float(p.routes["flow_mt"][r]) for r in kz.routes_passing(["BOSPORUS"]))
    assert through == pytest.approx(0.5 * p.exported_mt, rel=1e-6)  # P · Σ s (taken)


def test_share_of_a_passage_that_does_not_bind(kz: Network) -> None:
    (status,) = plan(kz, requirements=["share BOSPORUS <= 100%"]).requirement_status
    assert not status.binding and status.marginal_cost_usd_per_t == 0


def test_top_readme_bosporus_row_is_what_bypass_computes(kz: Network) -> None:
    import re

    readme = (Path(__file__).parents[2] / "README.md").read_text(encoding="utf-8")
    (row,) = [r for r in readme.splitlines() if r.startswith("| How much can leave without the Tu")]
    b = bypass(kz, avoid=["BOSPORUS"])
    phys = bypass(kz.with_physical_capacities(), avoid=["BOSPORUS"])
    m = re.search(r"([\d.]+) Mt/yr with today's allocations, (\d+)% of ([\d.]+)", row)
    assert m, row
    assert float(m[1]) == round(b.max_mtpa, 1)
    assert int(m[2]) == round(100 * b.max_mtpa / b.available_mtpa)
    assert float(m[3]) == round(b.available_mtpa, 1)
    m2 = re.search(r"([\d.]+) Mt/yr at physical limits", row)
    assert m2 and float(m2[1]) == round(phys.max_mtpa, 1)
    assert set(b.cut_routes) == {"ATYRAU_SAMARA", "AKTAU_SANGACHAL", "ATYRAU_KENKIYAK"}


def test_scenario_ban_of_a_passage_closes_the_routes_listing_it(kz: Network) -> None:
    from crudeflow.scenario import apply_scenario, parse_scenario

    sc = parse_scenario(
        "name: t\nhorizon: {start: 2025-03, end: 2025-04}\nchanges:\n"
        "  - ban: bosporus\n    from: 2025-04-01\n    source: 'estimate: test'\n"
    )
    cap = apply_scenario(sc, kz).overrides.capacity_mtpa
    assert cap is not None
    listing = kz.routes_passing(["BOSPORUS"])
    for i, r in enumerate(kz.routes):
        march, april = cap[0, i], cap[1, i]
        if r.id in listing:
            assert april == 0 and (march > 0 or not r.open_in(2025))
        else:
            assert april == march


def test_scenario_ban_of_an_unknown_passage_is_an_error(kz: Network) -> None:
    from crudeflow.errors import ScenarioError
    from crudeflow.scenario import apply_scenario, parse_scenario

    sc = parse_scenario("name: t\nhorizon: {year: 2025}\nchanges:\n  - ban: HORMUS\n")
    with pytest.raises(ScenarioError, match="not an ISO country code or a passage id"):
        apply_scenario(sc, kz)


def test_avoid_of_a_passage_no_route_lists_is_reported_not_dropped(kz: Network) -> None:
    p = plan(kz, requirements=["avoid HORMUZ"])
    assert p.requirements == ("avoid HORMUZ",)
    (status,) = p.requirement_status
    assert status.kind == "avoid" and not status.binding and status.marginal_cost_usd_per_t == 0
    assert p.exported_mtpa == pytest.approx(plan(kz).exported_mtpa)


def test_plan_headline_says_an_avoid_closes_nothing(kz: Network) -> None:
    from crudeflow.cli.plan import headline_lines

    p = plan(kz, requirements=["avoid HORMUZ"])
    assert "  Requirement avoid HORMUZ: no route crosses or passes it" in headline_lines(p, kz)


def test_exports_carry_each_route_passages(kz: Network, tmp_path: Path) -> None:
    import csv

    from crudeflow.network.export import export_csv, geojson_collection

    export_csv(kz, tmp_path)
    with (tmp_path / "routes.csv").open(encoding="utf-8") as fh:
        rows = {r["id"]: r for r in csv.DictReader(fh)}
    assert rows["CPC_TERMINAL_MED"]["passages"] == "BOSPORUS"
    assert rows["BTC"]["passages"] == ""
    props = {
        f["properties"]["id"]: f["properties"]
        for f in geojson_collection(kz)["features"]
        if f["properties"]["layer"] == "route"
    }
    assert props["SHESKHARIS_FOB"]["passages"] == ["BOSPORUS"]
