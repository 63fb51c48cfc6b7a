"""Request and response models of the web API (pydantic), with bounds on every input.

Every list, string and number a client sends is bounded, so a request is either valid and
cheap to check or rejected with a 422 before any work is done.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

__all__ = [
    "MAX_AVOID",
    "MAX_CAPACITY_MTPA",
    "MAX_OVERRIDES",
    "MAX_REQUIREMENTS",
    "MAX_REQUIREMENT_CHARS",
    "BypassRequest",
    "BypassResponse",
    "ErrorBody",
    "ErrorDetail",
    "Health",
    "PlanRequest",
    "PlanResponse",
    "Preset",
    "RunSummary",
]

MAX_AVOID = 30
MAX_REQUIREMENTS = 20
MAX_REQUIREMENT_CHARS = 200
MAX_OVERRIDES = 500
MAX_CAPACITY_MTPA = 1000.0
MIN_YEAR = 1900
MAX_YEAR = 2200

CountryCode = Annotated[
    str,
    StringConstraints(pattern=r"^[A-Za-z]{2}$", min_length=2, max_length=2),
    Field(description="ISO 3166-1 alpha-2 country code, e.g. RU.", examples=["RU"]),
]
RequirementText = Annotated[
    str,
    StringConstraints(min_length=1, max_length=MAX_REQUIREMENT_CHARS),
    Field(
        description="A requirement, e.g. 'via AKTAU,KURYK >= 20 Mt/yr' or 'share RU <= 10%'.",
        examples=["avoid RU"],
    ),
]
RouteId = Annotated[str, StringConstraints(min_length=1, max_length=64)]
PresetId = Annotated[
    str, StringConstraints(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.\-]*$")
]
Capacity = Annotated[
    float,
    Field(ge=0.0, le=MAX_CAPACITY_MTPA, allow_inf_nan=False, description="Capacity in Mt/yr."),
]
Year = Annotated[int, Field(ge=MIN_YEAR, le=MAX_YEAR, description="Planning year.")]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class PlanRequest(_Strict):
    """What to plan: a year, countries to avoid, requirements and capacity changes."""

    year: Year | None = Field(default=None, description="Default: the dataset's base year.")
    monthly: bool = Field(default=False, description="Twelve monthly periods instead of a year.")
    avoid: list[CountryCode] = Field(
        default_factory=list,
        max_length=MAX_AVOID,
        description="Countries no route may cross (same as the requirement 'avoid CC,...').",
    )
    requirements: list[RequirementText] = Field(default_factory=list, max_length=MAX_REQUIREMENTS)
    capacity_overrides: dict[RouteId, Capacity] = Field(
        default_factory=dict,
        max_length=MAX_OVERRIDES,
        description="New capacity (Mt/yr) per route id.",
    )
    strict: bool = Field(default=False, description="Answer 409 when a requirement cannot be met.")
    preset: PresetId | None = Field(
        default=None,
        description="A scenario preset of the dataset (see /api/presets): its horizon, dated "
        "changes and requirements apply, then the request's own avoid, requirements and "
        "capacities on top. `year` and `monthly` are ignored with a preset.",
    )


class InvestRequest(_Strict):
    """Which projects of the dataset's projects.csv meet the requirements at least cost."""

    year: Year | None = Field(default=None, description="Default: the dataset's base year.")
    requirements: list[RequirementText] = Field(default_factory=list, max_length=MAX_REQUIREMENTS)
    discount_rate: float = Field(
        default=0.08, ge=0.0, le=1.0, description="Annualises capex (0.08 = 8%)."
    )
    in_service_by: Year | None = Field(
        default=None, description="Leave out projects that cannot be in service by this year."
    )


class BypassRequest(_Strict):
    """Maximum export avoiding some countries (max-flow)."""

    avoid: list[CountryCode] = Field(default_factory=list, max_length=MAX_AVOID)
    year: Year | None = None
    capacity_overrides: dict[RouteId, Capacity] = Field(
        default_factory=dict, max_length=MAX_OVERRIDES
    )


class ErrorDetail(BaseModel):
    """What went wrong, in words; ``position`` is the 0-based column of a bad requirement."""

    type: str = Field(description="A stable machine-readable kind, e.g. 'requirement_error'.")
    message: str
    position: int | None = Field(default=None, description="0-based column in the requirement.")
    requirement: str | None = Field(default=None, description="The requirement at fault.")
    index: int | None = Field(default=None, description="Its place in the requirements list.")
    expected: str | None = Field(default=None, description="What the parser expected there.")
    routes: list[str] | None = Field(default=None, description="Unknown route ids.")
    countries: list[str] | None = Field(default=None, description="Country codes at fault.")
    shortfalls: list[str] | None = Field(default=None, description="Requirements not met.")
    details: list[dict[str, Any]] | None = Field(
        default=None, description="Schema violations: loc, msg, type."
    )


class ErrorBody(BaseModel):
    """Every 4xx/5xx answer of the API has this shape."""

    error: ErrorDetail


class Health(BaseModel):
    status: Literal["ok"]
    version: str
    dataset: str
    title: str
    routes: int
    nodes: int
    max_concurrent_solves: int
    solve_time_limit_s: float
    max_body_bytes: int


class Preset(BaseModel):
    """A scenario preset shipped with the dataset, applied with ``preset`` in /api/plan."""

    id: str
    title: str
    description: str
    horizon: str = Field(
        default="", description="First and last period, e.g. '2025-10 to 2025-12'."
    )
    tags: list[str] = Field(default_factory=list, description="e.g. history, what-if, expansion.")
    year: int | None = Field(default=None, description="Year of the first period.")
    monthly: bool = Field(default=False, description="The periods are calendar months.")
    horizon_start: str | None = Field(default=None, description="First month, YYYY-MM.")
    horizon_end: str | None = Field(default=None, description="Last month, YYYY-MM.")
    horizon_months: int | None = Field(default=None, description="Months in the horizon.")
    horizon_years: float | None = Field(default=None, description="Horizon length in years.")


class RunSummary(BaseModel):
    """A stored Monte Carlo run (none are stored yet)."""

    id: str
    title: str
    created_at: str = Field(description="ISO 8601 timestamp.")
    status: Literal["queued", "running", "done", "failed"]
    draws: int = Field(ge=0)
    progress: float = Field(ge=0.0, le=1.0)


class _Open(BaseModel):
    model_config = ConfigDict(extra="allow")


def _total(what: str, unit: str = "Mt") -> Any:
    return Field(description=f"{what}: total over the horizon, {unit}.")


def _rate(what: str, unit: str = "Mt/yr") -> Any:
    return Field(description=f"{what}: annual rate ({unit}), the horizon total / horizon_years.")


class PlanResponse(_Open):
    """A solved plan (see :meth:`crudeflow.solve.plan.Plan.to_dict`) plus explanations.

    Every figure says its kind in its name: ``_mt`` and ``_musd`` are totals over the horizon
    (``horizon_start`` to ``horizon_end``), ``_mtpa``, ``_kbd`` and ``_musd_per_yr`` annual
    rates. A client prints the field it needs with its label and never converts one into the
    other. Floats are rounded to 6 decimals.
    """

    dataset: str
    title: str
    periods: list[str]
    objective: str
    requirements: list[str]
    status: str
    horizon_start: str = Field(description="First month of the horizon, YYYY-MM.")
    horizon_end: str = Field(description="Last month of the horizon, YYYY-MM.")
    horizon_months: int = Field(ge=1, description="Calendar months in the horizon.")
    horizon_years: float = Field(gt=0, description="Length of the horizon in years.")
    horizon_label: str = Field(description="The horizon in words, e.g. 'Oct-Dec 2025', '2025'.")
    available_mt: float = _total("Crude available")
    exported_mt: float = _total("Crude exported")
    shut_in_mt: float = _total("Crude available but not exported")
    delivered_mt: float = _total("Crude delivered to markets")
    netback_musd: float = _total("Netback", "USD m")
    available_mtpa: float = _rate("Crude available")
    exported_mtpa: float = _rate("Crude exported")
    shut_in_mtpa: float = _rate("Crude available but not exported")
    delivered_mtpa: float = _rate("Crude delivered to markets")
    exported_kbd: float = _rate("Crude exported", "kb/d at the default grade")
    netback_musd_per_yr: float = _rate("Netback", "USD m a year")
    netback_usd_per_t: float = Field(description="Netback per tonne exported, USD/t.")
    baseline_netback_musd: float | None = _total("Netback without the requirements", "USD m")
    requirement_cost_musd: float | None = _total("Netback the requirements cost", "USD m")
    requirement_cost_musd_per_yr: float | None = _rate(
        "Netback the requirements cost", "USD m a year"
    )
    routes: list[dict[str, Any]]
    deliveries: list[dict[str, Any]]
    exposure: list[dict[str, Any]]
    requirement_status: list[dict[str, Any]]
    bottlenecks: list[dict[str, Any]]
    explanations: list[str]
    capacity_overrides: dict[str, float]


class BypassResponse(_Open):
    """See :meth:`crudeflow.solve.maxflow.Bypass.to_dict`."""

    year: int
    avoid: list[str]
    max_mtpa: float
    available_mtpa: float
    max_kbd: float
    cut_routes: list[str]
    cut_supply: list[str]
    cut_markets: list[str]
    flows_mtpa: dict[str, float]
    closed_routes: list[str]
