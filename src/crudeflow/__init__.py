"""crudeflow: crude-oil export-route planner and disruption simulator."""

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
from crudeflow.network import Network, load_dataset, validate_dataset
from crudeflow.requirements import parse_requirement
from crudeflow.units import kbd_to_mtpa, mtpa_to_kbd

__version__ = "0.1.0"

__all__ = [
    "CrudeflowError",
    "DatasetError",
    "InfeasiblePlanError",
    "Network",
    "OptimisationError",
    "RequirementError",
    "ScenarioError",
    "SolverError",
    "UnitError",
    "__version__",
    "kbd_to_mtpa",
    "load_dataset",
    "mtpa_to_kbd",
    "parse_requirement",
    "validate_dataset",
]
