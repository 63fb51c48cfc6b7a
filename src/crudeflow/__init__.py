"""crudeflow: crude-oil export-route planner and disruption simulator.

The public API is listed in ``__all__``; names load lazily so that ``crudeflow --help`` does not
import pandas, SciPy or HiGHS.

Examples
--------
>>> import crudeflow
>>> p = crudeflow.plan(crudeflow.load_dataset(), requirements=["avoid RU"])
>>> p.exported_mtpa <= p.available_mtpa
True
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

from crudeflow.errors import (
    CrudeflowError,
    DatasetError,
    InfeasiblePlanError,
    OptimisationError,
    RequirementError,
    ScenarioError,
    SolverError,
    UnitError,
)

if TYPE_CHECKING:
    from crudeflow.explanation import explain
    from crudeflow.network import Network, load_dataset, validate_dataset
    from crudeflow.requirements import parse_requirement
    from crudeflow.solve.lp import Periods
    from crudeflow.solve.maxflow import Bypass, bypass
    from crudeflow.solve.plan import Plan, plan
    from crudeflow.units import kbd_to_mtpa, mtpa_to_kbd

__version__ = "0.1.0"

_LAZY: dict[str, str] = {
    "Bypass": "crudeflow.solve.maxflow",
    "Network": "crudeflow.network",
    "Periods": "crudeflow.solve.lp",
    "Plan": "crudeflow.solve.plan",
    "bypass": "crudeflow.solve.maxflow",
    "explain": "crudeflow.explanation",
    "kbd_to_mtpa": "crudeflow.units",
    "load_dataset": "crudeflow.network",
    "mtpa_to_kbd": "crudeflow.units",
    "parse_requirement": "crudeflow.requirements",
    "plan": "crudeflow.solve.plan",
    "validate_dataset": "crudeflow.network",
}

__all__ = [
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


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        value = getattr(import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'crudeflow' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(__all__)
