"""Investment planning: which projects meet a target at least cost (issue 10).

``Project`` (a row of ``projects.csv``) is imported at once; the result types and the models
load on first use, since the network model imports this package.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from crudeflow.invest.projects import Project, capital_recovery_factor

if TYPE_CHECKING:
    from crudeflow.invest.deterministic import plan_portfolio
    from crudeflow.invest.results import Build, NextProject, Portfolio

__all__ = [
    "Build",
    "NextProject",
    "Portfolio",
    "Project",
    "capital_recovery_factor",
    "plan_portfolio",
]

_LAZY = {
    "Build": "crudeflow.invest.results",
    "NextProject": "crudeflow.invest.results",
    "Portfolio": "crudeflow.invest.results",
    "plan_portfolio": "crudeflow.invest.deterministic",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'crudeflow.invest' has no attribute {name!r}")
