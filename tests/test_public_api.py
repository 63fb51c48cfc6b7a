"""The public API of ``crudeflow`` is pinned: changing it is a deliberate act."""

from __future__ import annotations

import importlib
import subprocess
import sys
import types

import pytest

import crudeflow

PUBLIC = [
    "Bypass",
    "CrudeflowError",
    "DatasetError",
    "InfeasiblePlanError",
    "Network",
    "OptimisationError",
    "Periods",
    "Plan",
    "RequirementError",
    "ScenarioError",
    "SolverError",
    "UnitError",
    "__version__",
    "bypass",
    "explain",
    "kbd_to_mtpa",
    "load_dataset",
    "mtpa_to_kbd",
    "parse_requirement",
    "plan",
    "validate_dataset",
]


def test_all_is_pinned() -> None:
    assert crudeflow.__all__ == PUBLIC


def test_all_is_sorted_and_unique() -> None:
    assert sorted(crudeflow.__all__) == crudeflow.__all__
    assert len(set(crudeflow.__all__)) == len(crudeflow.__all__)


@pytest.mark.parametrize("name", PUBLIC)
def test_every_name_imports(name: str) -> None:
    module = importlib.import_module("crudeflow")
    assert getattr(module, name) is not None
    namespace: dict[str, object] = {}
    exec(f"from crudeflow import {name}", namespace)
    assert namespace[name] is getattr(crudeflow, name)


def test_star_import_gives_exactly_all() -> None:
    namespace: dict[str, object] = {}
    exec("from crudeflow import *", namespace)
    assert sorted(k for k in namespace if k != "__builtins__") == sorted(PUBLIC)


def test_nothing_private_leaks() -> None:
    private = [n for n in crudeflow.__all__ if n.startswith("_") and n != "__version__"]
    assert private == []
    for name in crudeflow.__all__:
        obj = getattr(crudeflow, name)
        assert not isinstance(obj, types.ModuleType), f"{name} is a module"
        if isinstance(obj, type | types.FunctionType):
            assert obj.__module__.startswith("crudeflow."), name
            assert not any(part.startswith("_") for part in obj.__module__.split(".")), name


def test_unknown_names_raise_attribute_error() -> None:
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        _ = crudeflow.nope  # type: ignore[attr-defined]
    with pytest.raises(ImportError):
        exec("from crudeflow import nope", {})


def test_dir_shows_only_the_public_api() -> None:
    visible = {
        n
        for n in dir(crudeflow)
        if not n.startswith("_") and not isinstance(getattr(crudeflow, n), types.ModuleType)
    }
    assert visible == {n for n in PUBLIC if not n.startswith("_")}


def test_import_is_light() -> None:
    """``import crudeflow`` loads no heavy dependency (the names load lazily)."""
    code = (
        "import sys, crudeflow; "
        "print(sorted(m for m in ('pandas', 'scipy', 'highspy', 'pint', 'networkx') "
        "if m in sys.modules))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert out.stdout.strip() == "[]"


def test_version_is_a_string() -> None:
    assert isinstance(crudeflow.__version__, str)
    assert crudeflow.__version__.count(".") >= 1


def test_errors_share_one_base() -> None:
    for name in PUBLIC:
        obj = getattr(crudeflow, name)
        if isinstance(obj, type) and issubclass(obj, BaseException):
            assert issubclass(obj, crudeflow.CrudeflowError)
