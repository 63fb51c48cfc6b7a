"""Investment planning: which projects meet a target at least cost (issue 10)."""

from crudeflow.invest.projects import Project, capital_recovery_factor

__all__ = ["Project", "capital_recovery_factor"]
