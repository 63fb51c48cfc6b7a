"""Scenario files as a careless or hostile user writes them (issue 8, items 2, 3, 10, 11, 12).

Overlapping changes never compound; unknown keys are errors with a "did you mean"; deep
nesting, long ``extends`` chains, alias bombs and huge files give one clean error; numbers
out of range never reach the solver.
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pytest

import crudeflow.scenario as scenario_mod
from crudeflow import _yaml
from crudeflow.errors import ScenarioError
from crudeflow.network.load import load_dataset
from crudeflow.network.model import Network, toy_network
from crudeflow.scenario import apply_scenario, load_scenario, parse_scenario, run_scenario
from tests.cli_subprocess import crudeflow_cli

HEAD = "name: t\nhorizon: {year: 2025}\n"
MONTHLY = "name: t\nhorizon: {year: 2025, monthly: true}\n"


@pytest.fixture(scope="module")
def kz() -> Network:
    return load_dataset()


def write(tmp_path: Path, name: str, text: str) -> Path:
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


def capacity(sc: scenario_mod.Scenario, net: Network, route: str) -> np.ndarray:
    caps = apply_scenario(sc, net).overrides.capacity_mtpa
    assert caps is not None
    return caps[:, net._route_index[route]]


def error_of(text: str, net: Network | None = None, source: str = "s.yaml") -> str:
    with pytest.raises(ScenarioError) as info:
        apply_scenario(parse_scenario(text, source=source), net or toy_network())
    return str(info.value)


# -- item 2: repeated and overlapping changes ---------------------------------------------
def test_identical_changes_in_one_file_do_not_compound_they_are_an_error(kz: Network) -> None:
    text = HEAD + (
        "changes:\n"
        "  - route: BTC\n    capacity_factor: 0.5\n"
        "  - route: BTC\n    capacity_factor: 0.5\n"
    )
    msg = error_of(text, kz)
    assert msg.startswith("s.yaml:6: overlaps the change on line 4: both set capacity of BTC")


def test_identical_supply_factors_in_one_file_are_an_error(kz: Network) -> None:
    text = HEAD + (
        "changes:\n"
        "  - supply: TENGIZ\n    factor: 0.5\n    from: 2025-03\n    to: 2025-06\n"
        "  - supply: TENGIZ\n    factor: 0.5\n    from: 2025-06-30\n"
    )
    msg = error_of(text, kz)
    assert msg.startswith("s.yaml:8: overlaps the change on line 4: both set supply of TENGIZ")
    assert "from 2025-06-30 to 2025-06-30" in msg


def test_group_and_route_change_on_the_same_route_overlap(kz: Network) -> None:
    text = HEAD + (
        "changes:\n  - group: btc\n    capacity_factor: 0.5\n"
        "  - route: BTC\n    tariff_usd_per_t: 40\n"  # another quantity: fine
        "  - route: BTC\n    capacity_mtpa: 3\n"
    )
    assert "s.yaml:8: overlaps the change on line 4" in error_of(text, kz)


def test_adjacent_changes_in_one_file_are_fine(kz: Network) -> None:
    text = MONTHLY + (
        "changes:\n"
        "  - route: BTC\n    capacity_factor: 0.5\n    from: 2025-03\n    to: 2025-03-15\n"
        "  - route: BTC\n    capacity_factor: 0.2\n    from: 2025-03-16\n"
    )
    cap = capacity(parse_scenario(text), kz, "BTC")
    full = kz.route("BTC").capacity_mtpa
    assert cap[2] == pytest.approx(full * (15 * 0.5 + 16 * 0.2) / 31)
    assert cap[3] == pytest.approx(full * 0.2)


def test_two_outages_in_one_month_count_their_days_once(kz: Network) -> None:
    """cpc-storms-feb-2023: 4 + 2 days shut of 28 leave 22/28 of the month, not (24/28)(26/28)."""
    sc = load_scenario(Path(kz.path) / "scenarios" / "cpc-storms-feb-2023.yaml")
    cap = capacity(sc, kz, "CPC_TERMINAL_MED")
    assert cap[1] == pytest.approx(kz.route("CPC_TERMINAL_MED").capacity_mtpa * 22 / 28)


def test_extends_child_change_replaces_the_parents_on_the_same_dates(
    tmp_path: Path, kz: Network
) -> None:
    write(tmp_path, "base.yaml", HEAD + "changes:\n  - route: BTC\n    capacity_factor: 0.5\n")
    same = write(
        tmp_path,
        "same.yaml",
        "extends: base.yaml\nchanges:\n  - route: BTC\n    capacity_factor: 0.5\n",
    )
    other = write(
        tmp_path,
        "other.yaml",
        "extends: base.yaml\nchanges:\n  - route: BTC\n    capacity_factor: 0.8\n",
    )
    full = kz.route("BTC").capacity_mtpa
    assert capacity(load_scenario(same), kz, "BTC")[0] == pytest.approx(0.5 * full)
    assert capacity(load_scenario(other), kz, "BTC")[0] == pytest.approx(0.8 * full)


def test_extends_child_replaces_only_on_its_own_days(tmp_path: Path, kz: Network) -> None:
    write(tmp_path, "base.yaml", MONTHLY + "changes:\n  - route: BTC\n    capacity_factor: 0.5\n")
    write(
        tmp_path,
        "mid.yaml",
        "extends: base.yaml\nchanges:\n"
        "  - route: BTC\n    capacity_factor: 1\n    from: 2025-06\n    to: 2025-07\n",
    )
    top = write(
        tmp_path,
        "top.yaml",
        "extends: mid.yaml\nchanges:\n"
        "  - group: btc\n    capacity_mtpa: 2\n    from: 2025-07\n    to: 2025-07\n",
    )
    cap = capacity(load_scenario(top), kz, "BTC")
    full = kz.route("BTC").capacity_mtpa
    assert cap[4] == pytest.approx(0.5 * full)
    assert cap[5] == pytest.approx(full)
    assert cap[6] == pytest.approx(2.0)
    assert cap[7] == pytest.approx(0.5 * full)


def test_extends_supply_factor_does_not_compound(tmp_path: Path, kz: Network) -> None:
    write(tmp_path, "base.yaml", HEAD + "changes:\n  - supply: TENGIZ\n    factor: 0.5\n")
    child = write(
        tmp_path,
        "child.yaml",
        "extends: base.yaml\nchanges:\n  - supply: TENGIZ\n    factor: 0.5\n",
    )
    supply = apply_scenario(load_scenario(child), kz).overrides.supply_mtpa["TENGIZ"]
    assert supply[0] == pytest.approx(0.5 * kz.supply_in(2025)["TENGIZ"])


def test_inherited_change_outside_a_new_horizon_is_ignored(tmp_path: Path, kz: Network) -> None:
    write(
        tmp_path,
        "base.yaml",
        HEAD + "changes:\n  - route: BTC\n    capacity_factor: 0\n    from: 2025-03\n",
    )
    child = write(tmp_path, "child.yaml", "extends: base.yaml\nhorizon: {year: 2024}\n")
    cap = capacity(load_scenario(child), kz, "BTC")
    assert cap[0] == pytest.approx(kz.route("BTC").capacity_mtpa)
    own = write(
        tmp_path,
        "own.yaml",
        "name: t\nhorizon: {year: 2024}\nchanges:\n  - route: BTC\n    capacity_factor: 0\n"
        "    from: 2025-03\n",
    )
    with pytest.raises(ScenarioError, match="outside the horizon"):
        apply_scenario(load_scenario(own), kz)


def test_a_ban_closes_a_route_whatever_its_capacity_change() -> None:
    text = (
        "name: t\nhorizon: {start: 2025-01, end: 2025-02}\nchanges:\n"
        "  - ban: RU\n    from: 2025-02\n"
        "  - route: B_M\n    capacity_mtpa: 50\n"
    )
    cap = capacity(parse_scenario(text), toy_network(), "B_M")
    assert list(cap) == [50.0, 0.0]


def test_overlapping_bans_on_one_country_in_one_file_are_an_error() -> None:
    text = HEAD + "changes:\n  - ban: RU\n  - ban: ru\n    from: 2025-06\n"
    assert "s.yaml:5: overlaps the change on line 4: both set a ban on RU" in error_of(text)


def test_repeated_requirement(tmp_path: Path) -> None:
    text = HEAD + "requirements:\n  - avoid RU\n  - avoid  RU\n"
    with pytest.raises(ScenarioError, match=r"s.yaml:5: requirement 'avoid  RU' given twice"):
        parse_scenario(text, source="s.yaml")
    write(tmp_path, "base.yaml", HEAD + "requirements: [avoid RU]\n")
    child = write(
        tmp_path, "child.yaml", "extends: base.yaml\nrequirements: [avoid RU, avoid AZ]\n"
    )
    assert [str(r) for r in load_scenario(child).requirements] == ["avoid RU", "avoid AZ"]


# -- item 3: unknown keys -----------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            HEAD + "descripton: x\n",
            "s.yaml:3: scenario: unknown key 'descripton'; did you mean 'description'?",
        ),
        (
            "name: t\nhorizon:\n  year: 2025\n  monthy: true\n",
            "s.yaml:4: horizon: unknown key 'monthy'; did you mean 'monthly'?",
        ),
        (
            HEAD + "changes:\n  - route: B_M\n    capacity_facter: 0.5\n",
            "s.yaml:5: route change: unknown key 'capacity_facter'; did you mean 'capacity_factor'?",
        ),
        (
            HEAD + "changes:\n  - rout: B_M\n    capacity_factor: 0.5\n",
            "s.yaml:4: change: unknown key 'rout'; did you mean 'route'?",
        ),
        (
            HEAD + "changes:\n  - supply: A\n    factor: 0.5\n    form: 2025-03\n",
            "s.yaml:6: supply change: unknown key 'form'; did you mean 'from'?",
        ),
        (
            HEAD + "sources:\n  - id: a\n    titel: T\n    title: T\n    url: https://x.org\n"
            "    as_of: 2025\n    quote: q\n",
            "s.yaml:5: source: unknown key 'titel'; did you mean 'title'?",
        ),
        (HEAD + "tags: [a]\ntags: [b]\n", "s.yaml:4: key 'tags' given twice (first on line 3)"),
        (
            HEAD + "changes:\n  - route: B_M\n    capacity_factor: 0.5\n    capacity_factor: 0.4\n",
            "s.yaml:6: key 'capacity_factor' given twice (first on line 5)",
        ),
        (HEAD + "requirements:\n  - {via: A}\n", "s.yaml:4: requirement a mapping: expected text"),
        (HEAD + "tags: [[a, b]]\n", "s.yaml:3: tag: expected text, not a list"),
    ],
)
def test_unknown_and_repeated_keys_are_errors_with_line_and_hint(text: str, expected: str) -> None:
    assert error_of(text).startswith(expected)


def test_x_prefixed_keys_are_ignored_everywhere() -> None:
    text = (
        "name: t\nx_owner: analysts\nhorizon: {year: 2025, x_note: calendar year}\n"
        "sources:\n  - {id: s1, title: T, url: 'https://x.org', as_of: 2025, quote: q, x_seen: yes}\n"
        "changes:\n  - route: B_M\n    capacity_factor: 0.5\n    x_ticket: 42\n    source: s1\n"
    )
    p = run_scenario(parse_scenario(text), toy_network())
    assert float(p.routes.loc["B_M", "flow_mtpa"]) == pytest.approx(5.0)


def test_unknown_ids_suggest_the_nearest(kz: Network) -> None:
    msg = error_of(HEAD + "changes:\n  - route: BTX\n    capacity_factor: 0.5\n", kz)
    assert msg.startswith("s.yaml:4: no route 'BTX' in the network; did you mean 'BTC'?")


# -- item 10: deep nesting and long extends chains ----------------------------------------
def test_extends_chain_100_deep_is_one_error(tmp_path: Path) -> None:
    write(tmp_path, "s0.yaml", HEAD)
    for i in range(1, 100):
        write(tmp_path, f"s{i}.yaml", f"extends: s{i - 1}.yaml\n")
    with pytest.raises(ScenarioError, match="extends chain longer than 16 files"):
        load_scenario(tmp_path / "s99.yaml")


def test_extends_chain_at_the_limit_loads(tmp_path: Path) -> None:
    write(tmp_path, "s0.yaml", HEAD + "changes:\n  - route: B_M\n    capacity_factor: 0.5\n")
    for i in range(1, scenario_mod.MAX_EXTENDS):
        write(tmp_path, f"s{i}.yaml", f"extends: s{i - 1}.yaml\n")
    sc = load_scenario(tmp_path / f"s{scenario_mod.MAX_EXTENDS - 1}.yaml")
    assert [ch.depth for ch in sc.changes] == [scenario_mod.MAX_EXTENDS - 1]


def test_a_file_extending_itself_is_a_cycle(tmp_path: Path) -> None:
    write(tmp_path, "a.yaml", "extends: a.yaml\nhorizon: {year: 2025}\n")
    with pytest.raises(ScenarioError, match="extends cycle"):
        load_scenario(tmp_path / "a.yaml")


@pytest.mark.parametrize(
    "text",
    [
        "[" * 100_000 + "]" * 100_000,
        "{a: " * 100_000 + "1" + "}" * 100_000,
        "".join("  " * i + "- \n" for i in range(2_000)),
        HEAD + "tags:\n" + "".join("  " * i + "  -\n" for i in range(1, 1_000)),
    ],
    ids=["flow-lists", "flow-maps", "block-lists", "tags"],
)
def test_deeply_nested_yaml_is_one_error_not_a_recursion_error(text: str) -> None:
    with pytest.raises(ScenarioError, match="nest"):
        parse_scenario(text, source="deep.yaml")


# -- item 11: resource limits -------------------------------------------------------------
def billion_laughs(levels: int = 9) -> str:
    lines = ['name: lol\nhorizon: {year: 2025}\nx_a: &a0 ["lol","lol","lol","lol","lol"]']
    for i in range(1, levels):
        refs = ",".join([f"*a{i - 1}"] * 9)
        lines.append(f"x_a{i}: &a{i} [{refs}]")
    lines.append(f"tags: *a{levels - 1}")
    return "\n".join(lines) + "\n"


def test_alias_bomb_in_tags_is_refused_quickly() -> None:
    start = time.process_time()
    with pytest.raises(ScenarioError, match=r"bomb.yaml:\d+: the document expands to more than"):
        parse_scenario(billion_laughs(), source="bomb.yaml")
    assert time.process_time() - start < 60  # a hang guard, not a benchmark


def test_modest_aliases_are_fine_but_not_a_thousand_of_them() -> None:
    ok = HEAD + "x_d: &d {capacity_factor: 0.5}\nchanges:\n  - {route: B_M, <<: *d}\n"
    assert parse_scenario(ok).changes[0].values == {"capacity_factor": 0.5}
    many = HEAD + "x_t: &t x\ntags: [" + ", ".join(["*t"] * 1_001) + "]\n"
    with pytest.raises(ScenarioError, match="more than 1,000 aliases"):
        parse_scenario(many)


def test_file_larger_than_the_limit_is_refused_before_reading(tmp_path: Path) -> None:
    big = tmp_path / "big.yaml"
    with big.open("w", encoding="utf-8") as fh:
        fh.write(HEAD + "description: >-\n")
        line = "  " + "x" * 98 + "\n"
        for _ in range(scenario_mod.MAX_FILE_BYTES // len(line) + 1):
            fh.write(line)
    with pytest.raises(ScenarioError, match=r"bytes \(a scenario is at most 10,000,000\)"):
        load_scenario(big)
    with pytest.raises(ScenarioError, match="characters"):
        parse_scenario(big.read_text(encoding="utf-8"))


def test_one_long_value_is_refused() -> None:
    with pytest.raises(ScenarioError, match=r"s.yaml:3: a value of 10,001 characters"):
        parse_scenario(HEAD + "description: " + "x" * 10_001 + "\n", source="s.yaml")
    with pytest.raises(ScenarioError, match=r"s.yaml:1: name: 101 characters \(at most 100\)"):
        parse_scenario("name: " + "n" * 101 + "\nhorizon: {year: 2025}\n", source="s.yaml")


def test_number_of_changes_is_limited_across_extends(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(scenario_mod, "MAX_CHANGES", 5)
    three = "".join(
        f"  - route: B_M\n    capacity_factor: 0.5\n    from: 2025-0{m}\n    to: 2025-0{m}\n"
        for m in (1, 2, 3)
    )
    write(tmp_path, "base.yaml", HEAD + "changes:\n" + three)
    child = write(tmp_path, "child.yaml", "extends: base.yaml\nchanges:\n" + three)
    with pytest.raises(ScenarioError, match=r"child.yaml:2: 6 changes .* \(at most 5\)"):
        load_scenario(child)
    with pytest.raises(ScenarioError, match=r"changes: 6 entries \(at most 5\)"):
        parse_scenario(HEAD + "changes:\n" + three + three)


def test_yaml_limits_match_the_documented_values() -> None:
    assert (_yaml.MAX_CHARS, _yaml.MAX_DEPTH, _yaml.MAX_ALIASES) == (10_000_000, 32, 1_000)
    assert (_yaml.MAX_VALUES, _yaml.MAX_STRING) == (2_000_000, 10_000)
    assert (scenario_mod.MAX_FILE_BYTES, scenario_mod.MAX_EXTENDS) == (10_000_000, 16)
    assert scenario_mod.MAX_CHANGES == 100_000


def test_file_that_is_not_utf8_is_one_error(tmp_path: Path) -> None:
    p = tmp_path / "latin1.yaml"
    p.write_bytes(b"name: caf\xe9\nhorizon: {year: 2025}\n")
    with pytest.raises(ScenarioError, match="not UTF-8"):
        load_scenario(p)


@pytest.mark.parametrize("key", ["extends", "dataset"])
def test_a_path_with_a_nul_byte_is_one_error(key: str) -> None:
    with pytest.raises(ScenarioError, match=f"s.yaml:3: {key} 'a\\\\x00b': not a usable path"):
        parse_scenario(HEAD + f'{key}: "a\\0b"\n', source="s.yaml", base_dir=Path("."))


def test_extends_a_folder_is_one_error(tmp_path: Path) -> None:
    (tmp_path / "sub").mkdir()
    p = write(tmp_path, "a.yaml", "extends: sub\n")
    with pytest.raises(ScenarioError, match="no such file"):
        load_scenario(p)


# -- item 12: numbers ---------------------------------------------------------------------
@pytest.mark.parametrize(
    ("entry", "expected"),
    [
        (
            "route: B_M\n    capacity_factor: .nan",
            "capacity_factor = nan: expected a finite number from 0 to 10",
        ),
        (
            "route: B_M\n    capacity_factor: .inf",
            "capacity_factor = inf: expected a finite number",
        ),
        ("route: B_M\n    capacity_factor: -.inf", "capacity_factor = -inf"),
        (
            "route: B_M\n    capacity_factor: 1e300",
            "capacity_factor = 1e+300: expected a finite number",
        ),
        ("route: B_M\n    capacity_factor: 11", "from 0 to 10"),
        (
            "route: B_M\n    capacity_mtpa: -1",
            "capacity_mtpa = -1: expected a finite number from 0 to 10,000 Mt/yr",
        ),
        ("route: B_M\n    capacity_mtpa: 1.0e+300", "from 0 to 10,000 Mt/yr"),
        ("route: B_M\n    tariff_usd_per_t: 1e5", "from 0 to 10,000 USD/t"),
        ("market: M\n    diff_usd_per_bbl: -1e4", "from -1,000 to 1,000 USD/bbl"),
        ("supply: A\n    mtpa: .NaN", "mtpa = nan"),
        ("supply: A\n    factor: true", "factor = True: expected a number"),
        ("route: B_M\n    capacity_factor: '0.5'", "expected a number (units are in the key)"),
    ],
)
def test_non_finite_and_absurd_numbers_are_refused_at_parse(entry: str, expected: str) -> None:
    with pytest.raises(ScenarioError) as info:
        parse_scenario(HEAD + f"changes:\n  - {entry}\n", source="n.yaml")
    msg = str(info.value)
    assert msg.startswith("n.yaml:5: ") and expected in msg


def test_exponent_numbers_are_numbers() -> None:
    sc = parse_scenario(HEAD + "changes:\n  - route: B_M\n    capacity_mtpa: 5e0\n")
    assert sc.changes[0].values == {"capacity_mtpa": 5.0}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("name: t\nhorizon: {year: 0}\n", "horizon.year 0: expected a year from 1900 to 2200"),
        ("name: t\nhorizon: {year: 2025, monthly: 1}\n", "expected true or false"),
        ("name: t\nhorizon: {start: 2025-01-15, end: 2025-03}\n", "a horizon is whole months"),
        ("name: t\nhorizon: {year: 2025, start: 2025-01}\n", "not both"),
        (
            HEAD + "changes:\n  - route: B_M\n    capacity_factor: 0\n    from: 0000-01\n",
            "year must be",
        ),
        (HEAD + "changes:\n  - route: [B_M]\n    capacity_factor: 0\n", "route: expected text"),
    ],
)
def test_bad_horizons_and_dates_are_one_error(text: str, expected: str) -> None:
    assert expected in error_of(text)


# -- the CLI: one line, exit 1 --------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "needle"),
    [
        (billion_laughs(), "the document expands to more than 2,000,000 values"),
        (HEAD + "x_deep: " + "[" * 100_000 + "]" * 100_000 + "\n", "nest"),
        (
            HEAD + "changes:\n  - route: BTC\n    capacity_factor: .nan\n",
            "expected a finite number",
        ),
    ],
    ids=["alias-bomb", "nested-100000", "nan"],
)
def test_cli_scenario_run_gives_one_line_and_exit_1(tmp_path: Path, text: str, needle: str) -> None:
    path = write(tmp_path, "bad.yaml", text)
    done = crudeflow_cli("scenario", "run", str(path))
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and str(path) in lines[0] and needle in lines[0]


def test_unknown_status_suggests_the_nearest() -> None:
    msg = error_of(HEAD + "changes:\n  - route: B_M\n    status: operatng\n")
    assert msg.startswith(
        "s.yaml:5: status 'operatng': expected operating, planned or idle; did you mean 'operating'?"
    )
