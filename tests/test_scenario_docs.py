"""Every ``yaml`` example of docs/scenario-format.md runs (issue 8, item 17).

A block is written to a folder (as ``# file: NAME`` says, else ``example-N.yaml``), then
loaded, applied to the default dataset and solved; a block starting with ``# error: TEXT``
must fail with a ScenarioError whose message contains TEXT.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import crudeflow.scenario as scenario_mod
from crudeflow import _yaml
from crudeflow.errors import ScenarioError
from crudeflow.network.load import load_dataset
from crudeflow.network.model import Network
from crudeflow.scenario import apply_scenario, load_scenario, run_scenario
from crudeflow.solve.check import plan_violations

DOC = Path(__file__).resolve().parents[1] / "docs" / "scenario-format.md"
BLOCKS = re.findall(r"^```yaml\n(.*?)^```", DOC.read_text(encoding="utf-8"), re.M | re.S)


def _name(i: int, block: str) -> str:
    m = re.search(r"^# file: (\S+)$", block, re.M)
    return m.group(1) if m else f"example-{i}.yaml"


def _expected_error(block: str) -> str | None:
    m = re.search(r"^# error: (.+)$", block, re.M)
    return m.group(1).strip() if m else None


@pytest.fixture(scope="module")
def kz() -> Network:
    return load_dataset()


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("scenario-docs")
    for i, block in enumerate(BLOCKS):
        (out / _name(i, block)).write_text(block, encoding="utf-8")
    return out


def test_the_page_has_examples_of_every_kind() -> None:
    assert len(BLOCKS) >= 8
    assert sum(_expected_error(b) is not None for b in BLOCKS) >= 3
    text = "\n".join(BLOCKS)
    for needle in ("route:", "group:", "market:", "supply:", "ban:", "extends:", "x_", "<<:"):
        assert needle in text


@pytest.mark.parametrize("i", range(len(BLOCKS)), ids=[_name(i, b) for i, b in enumerate(BLOCKS)])
def test_scenario_format_example_runs(i: int, folder: Path, kz: Network) -> None:
    block = BLOCKS[i]
    path = folder / _name(i, block)
    expected = _expected_error(block)
    if expected is not None:
        with pytest.raises(ScenarioError) as info:
            apply_scenario(load_scenario(path), kz)
        assert expected in str(info.value)
        assert str(info.value).startswith(f"{path}:")
        return
    sc = load_scenario(path)
    p = run_scenario(sc, kz)
    assert plan_violations(kz, p) == []


def test_documented_limits_are_the_enforced_ones() -> None:
    text = DOC.read_text(encoding="utf-8")
    for value in (
        scenario_mod.MAX_FILE_BYTES,
        _yaml.MAX_ALIASES,
        _yaml.MAX_VALUES,
        _yaml.MAX_STRING,
        scenario_mod.MAX_CHANGES,
        scenario_mod.MAX_REQUIREMENTS,
    ):
        assert f"{value:,}" in text
    assert f"| nesting of mappings and lists | {_yaml.MAX_DEPTH} levels |" in text
    assert f"| files in an `extends` chain | {scenario_mod.MAX_EXTENDS} |" in text
    assert (
        f"| tags | {scenario_mod.MAX_TAGS} of at most {scenario_mod.MAX_TAG} characters |" in text
    )


def test_the_day_weighting_example_is_what_the_page_says(folder: Path, kz: Network) -> None:
    caps = apply_scenario(load_scenario(folder / "spm2.yaml"), kz).overrides.capacity_mtpa
    assert caps is not None
    full = kz.route("CPC_TERMINAL_MED").capacity_mtpa
    col = caps[:, kz._route_index["CPC_TERMINAL_MED"]]
    assert list(col) == pytest.approx([full, full * 28 / 30, full * 0.5])


def test_readme_and_module_docstring_point_at_the_page() -> None:
    readme = (DOC.parents[1] / "README.md").read_text(encoding="utf-8")
    assert "docs/scenario-format.md" in readme
    assert "docs/scenario-format.md" in (scenario_mod.__doc__ or "")


def test_documented_ranges_are_the_enforced_ones() -> None:
    from crudeflow._scenario_fields import _RANGES

    rows = DOC.read_text(encoding="utf-8").splitlines()
    for key, (lo, hi, _unit) in _RANGES.items():
        row = next(r for r in rows if r.startswith(f"| `{key}` |"))
        assert f"{abs(lo):,g} to {hi:,g}" in row, key
