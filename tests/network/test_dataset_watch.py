"""dataset.yaml's ``watch``, ``run`` and ``compare_groups`` (issue 12 item 5): what maps,
legends, the report, ``run`` and ``scenario compare`` show comes from the dataset, and bad
values are file:line errors."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from crudeflow import DatasetError, load_dataset
from crudeflow.explanation import explain
from crudeflow.solve.plan import plan
from crudeflow.watch import run_case, watch_name, watch_routes
from tests.conftest import DatasetCopy

Factory = Callable[[], DatasetCopy]


def with_yaml(ds: DatasetCopy, text: str) -> DatasetCopy:
    return ds.write("dataset.yaml", ds.text("dataset.yaml") + text)


def test_without_watch_and_run_the_report_and_run_show_the_base_plan(mini_path: Path) -> None:
    net = load_dataset(mini_path)
    assert net.meta.watch == "" and run_case(net) is None
    assert plan(net).watch_mtpa == 0.0


def test_watch_of_a_country_and_its_default_run_case(broken_dataset: Factory) -> None:
    net = load_dataset(with_yaml(broken_dataset(), "watch: TR\n").path)
    assert watch_name(net) == "Türkiye"
    assert run_case(net) == ("Avoid Türkiye", ("avoid TR",))
    assert set(watch_routes(net)) == set(net.entering("TR"))


def test_run_keys_are_read(broken_dataset: Factory) -> None:
    ds = with_yaml(
        broken_dataset(),
        "watch: BOSPORUS\nrun:\n  label: No straits\n  require: [avoid BOSPORUS]\n"
        "  groups: [rail]\ncompare_groups: [black_sea]\n",
    )
    meta = load_dataset(ds.path).meta
    assert (meta.watch, meta.run_label, meta.run_requirements) == (
        "BOSPORUS",
        "No straits",
        ("avoid BOSPORUS",),
    )
    assert meta.run_groups == ("rail",) and meta.compare_groups == ("black_sea",)


@pytest.mark.parametrize(
    ("text", "field", "value"),
    [
        ("watch: XX\n", "watch", "XX"),
        ("watch: HORMUS\n", "watch", "HORMUS"),
        ("run:\n  groups: [railway]\n", "run.groups", "railway"),
        ("run:\n  require: [via NOWHERE >= 1 Mt/yr]\n", "run.require", "via NOWHERE >= 1 Mt/yr"),
        ("run:\n  labels: x\n", "run.labels", "labels"),
        ("compare_groups: [nope]\n", "compare_groups", "nope"),
    ],
)
def test_bad_watch_and_run_are_file_line_errors(
    broken_dataset: Factory, text: str, field: str, value: str
) -> None:
    ds = with_yaml(broken_dataset(), text)
    with pytest.raises(DatasetError) as info:
        load_dataset(ds.path)
    (problem,) = info.value.problems
    assert (problem.file, problem.field, problem.value) == ("dataset.yaml", field, value)
    assert problem.line is not None and problem.line > 15


def test_explanation_names_the_watch_not_a_fixed_country() -> None:
    iraq = load_dataset("iraq")
    text = " ".join(explain(plan(iraq, requirements=["avoid HORMUZ"])))
    assert "No exported tonne passes the Strait of Hormuz." in text
    assert "Russia" not in text
    kz = load_dataset()
    assert "No exported tonne crosses Russia." in " ".join(
        explain(plan(kz, requirements=["avoid RU"]))
    )
