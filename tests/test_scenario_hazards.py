"""A scenario's ``hazards:`` edit the outage model of its risk runs (issue 9 item 1).

docs/scenario-format.md ("hazards") specifies the entries; these tests pin each rule, the
file:line errors, the presets and the run identity.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from crudeflow.errors import CrudeflowError, ScenarioError
from crudeflow.montecarlo import engine
from crudeflow.montecarlo.engine import RunSpec, run_batch, scenario_model, scenarios_hash
from crudeflow.network.load import load_dataset
from crudeflow.network.model import Network
from crudeflow.scenario import (
    apply_scenario,
    load_scenario,
    parse_scenario,
    resolve_scenario,
    scenario_fingerprint,
    scenario_outages,
)

HEAD = "name: h\nhorizon: {year: 2025, monthly: true}\nhazards:\n"


@pytest.fixture(scope="module")
def kz() -> Network:
    return load_dataset()


def outages_of(text: str, net: Network) -> dict[str, float]:
    sc = parse_scenario(HEAD + text, source="h.yaml")
    return {h.id: h.events_per_year for h in scenario_outages(sc, net).hazards}


def test_drop_removes_the_hazard(kz: Network) -> None:
    got = outages_of("  - drop: cpc_court\n", kz)
    assert "cpc_court" not in got
    assert len(got) == len(kz.outages.hazards) - 1


def test_scale_multiplies_the_rate_of_the_whole_shared_process(kz: Network) -> None:
    got = outages_of(
        "  - scale: novo_attack_cpc\n    rate_factor: 4\n"
        "    source: 'estimate: four times, for the test'\n",
        kz,
    )
    base = {h.id: h.events_per_year for h in kz.outages.hazards}
    assert got["novo_attack_cpc"] == pytest.approx(4 * base["novo_attack_cpc"])
    assert got["novo_attack_sheskharis"] == pytest.approx(4 * base["novo_attack_sheskharis"])
    assert got["cpc_storm"] == base["cpc_storm"]


def test_a_row_with_a_known_id_replaces_it_in_place_and_a_new_id_is_added(kz: Network) -> None:
    sc = parse_scenario(
        HEAD + "  - id: btc_kazakh\n    kind: event\n    target: route:BTC\n"
        "    events_per_year: 1\n    median_days: 5\n    p90_days: 20\n    lost_min: 1\n"
        "    source: 'estimate: a what-if rate for the test'\n"
        "  - id: aktau_drone\n    kind: event\n    target: from:AKTAU\n"
        "    events_per_year: 0.5\n    duration_days: [1, 3]\n    lost_min: 0.5\n"
        "    lost_max: 1\n    months: [11, 12]\n"
        "    source: 'estimate: a what-if rate for the test'\n",
        source="h.yaml",
    )
    model = scenario_outages(sc, kz)
    ids = [h.id for h in model.hazards]
    assert ids.index("btc_kazakh") == [h.id for h in kz.outages.hazards].index("btc_kazakh")
    assert ids[-1] == "aktau_drone"
    btc = model.hazard("btc_kazakh")
    assert (btc.events_per_year, btc.median_days, btc.p90_days) == (1.0, 5.0, 20.0)
    drone = model.hazard("aktau_drone")
    assert drone.duration_days == (1.0, 3.0)
    assert drone.month_weights[10:] == (1.0, 1.0) and sum(drone.month_weights) == 2


@pytest.mark.parametrize(
    ("entry", "line", "expected"),
    [
        ("  - drop: cpc_cort\n", 4, "did you mean 'cpc_court'?"),
        (
            "  - scale: kuryk_winter\n    rate_factor: 2\n    source: 'estimate: x y z w v'\n",
            4,
            "a derate has no rate to scale",
        ),
        (
            "  - scale: cpc_storm\n    rate_factor: 0\n    source: 'estimate: x y z w v'\n",
            5,
            "expected a number above 0",
        ),
        ("  - scale: cpc_storm\n    rate_factor: 2\n", 4, "give a source for rate_factor"),
        ("  - drop: cpc_storm\n    sorce: x\n", 5, "did you mean 'source'?"),
        ("  - dorp: cpc_storm\n", 4, "did you mean 'drop'?"),
        (
            "  - id: x\n    kind: event\n    target: route:NOPE\n    events_per_year: 1\n"
            "    median_days: 1\n    p90_days: 2\n    lost_min: 1\n    source: 'estimate: for the test only'\n",
            6,
            "hazard x: target 'route:NOPE'",
        ),
        (
            "  - id: x\n    kind: event\n    target: route:BTC\n    events_per_year: 1\n"
            "    median_days: 1\n    p90_days: 2\n    lost_min: 1\n    source: nosuchsource\n",
            11,
            "source 'nosuchsource'",
        ),
        (
            "  - id: x\n    kind: event\n    target: route:BTC\n    events_per_year: -1\n"
            "    median_days: 1\n    p90_days: 2\n    lost_min: 1\n    source: 'estimate: for the test only'\n",
            7,
            "events_per_year '-1': expected expected events per year",
        ),
        (
            "  - id: x\n    kind: event\n    target: route:BTC\n    events_per_year: 1\n"
            "    duration_days: [2, {a: 1}]\n    lost_min: 1\n    source: 'estimate: for the test only'\n",
            8,
            "expected a number or text",
        ),
        (
            "  - id: sheskharis_storm\n    kind: event\n    target: from:NOVO_SHESKHARIS\n"
            "    events_per_year: 3\n    duration_days: [2]\n    lost_min: 1\n"
            "    shared: novorossiysk_storm\n    source: 'estimate: for the test only'\n",
            4,
            "differs from cpc_storm's",
        ),
        ("  - drop: cpc_storm\n    source: nosuchsource\n", 4, "source 'nosuchsource'"),
        ("  - 3\n", 4, "expected a row"),
    ],
)
def test_bad_hazard_entries_are_errors_with_file_and_line(
    kz: Network, entry: str, line: int, expected: str
) -> None:
    with pytest.raises(ScenarioError) as err:
        sc = parse_scenario(HEAD + entry, source="h.yaml")
        apply_scenario(sc, kz)  # applying a scenario checks its hazards
    assert str(err.value).startswith(f"h.yaml:{line}: "), str(err.value)
    assert expected in str(err.value)


def test_extends_applies_the_parents_hazards_first(kz: Network, tmp_path: Path) -> None:
    (tmp_path / "base.yaml").write_text(
        HEAD + "  - scale: cpc_storm\n    rate_factor: 2\n    source: 'estimate: double it'\n"
    )
    (tmp_path / "child.yaml").write_text(
        "extends: base.yaml\nhazards:\n"
        "  - scale: cpc_storm\n    rate_factor: 3\n    source: 'estimate: triple it'\n"
        "  - drop: cpc_court\n"
    )
    model = scenario_outages(load_scenario(tmp_path / "child.yaml"), kz)
    base = kz.outages.hazard("cpc_storm").events_per_year
    assert model.hazard("cpc_storm").events_per_year == pytest.approx(6 * base)
    with pytest.raises(KeyError):
        model.hazard("cpc_court")


def test_the_risk_presets_edit_the_attack_rates(kz: Network) -> None:
    base = {h.id: h.events_per_year for h in kz.outages.hazards}
    regime = scenario_outages(resolve_scenario("attack-regime-2025", kz), kz)
    for hid in (
        "cpc_attack_short",
        "novo_attack_cpc",
        "novo_attack_sheskharis",
        "cpc_attack_severe",
    ):
        assert regime.hazard(hid).events_per_year == pytest.approx(4 * base[hid])
    calm = scenario_outages(resolve_scenario("calm-pre-2022", kz), kz)
    ids = {h.id for h in calm.hazards}
    assert not ids & {"cpc_attack_short", "novo_attack_cpc", "cpc_attack_severe", "cpc_court"}
    assert calm.hazard("cpc_spm_damage").events_per_year == pytest.approx(
        base["cpc_spm_damage"] / 2
    )


def test_a_risk_run_samples_the_scenarios_hazards() -> None:
    spec = RunSpec(scenarios=("base-2025", "calm-pre-2022"), seed=3, draws=50, batch_size=50)
    calm = scenario_model(spec, 1)
    assert "cpc_attack_severe" not in {h.id for h in calm.outages.hazards}
    base_events = run_batch(spec, 0, 0).events
    calm_events = run_batch(spec, 1, 0).events
    assert "cpc_attack_severe" in set(base_events["hazard"])
    assert "cpc_attack_severe" not in set(calm_events["hazard"])


def test_run_identity_includes_the_scenarios_hazards(tmp_path: Path) -> None:
    f = tmp_path / "mine.yaml"
    f.write_text(HEAD + "  - drop: cpc_court\n")
    spec = RunSpec(scenarios=(str(f),), seed=0, draws=10, batch_size=10).resolved()
    assert spec.scenarios_hash == scenarios_hash("", (str(f),))
    assert RunSpec.from_dict(spec.to_dict()) == spec
    f.write_text(HEAD + "  - drop: cpc_storm\n")
    assert scenarios_hash("", (str(f),)) != spec.scenarios_hash
    engine._HASHES.clear()
    with pytest.raises(CrudeflowError, match="has changed since it started"):
        run_batch(spec, 0, 0)
    engine._HASHES.clear()


def test_fingerprint_ignores_names_and_comments_but_not_hazards() -> None:
    a = parse_scenario(HEAD + "  - drop: cpc_court\n", source="a.yaml")
    b = parse_scenario(
        "# a comment\n" + HEAD.replace("name: h", "name: other") + "  - drop: cpc_court\n",
        source="b.yaml",
    )
    c = dataclasses.replace(a, hazards=())
    assert scenario_fingerprint(a) == scenario_fingerprint(b)
    assert scenario_fingerprint(a) != scenario_fingerprint(c)
