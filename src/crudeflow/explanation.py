"""Plain-language explanations of a plan, built from its duals, slacks and flows.

Each sentence carries numbers a reader can find again in the plan's tables (``--json``).

Examples
--------
>>> from crudeflow.network.model import toy_network
>>> from crudeflow.solve.plan import plan
>>> for s in explain(plan(toy_network())):
...     print(s)
Kazakhstan can export 12 Mt/yr (263 kb/d) of the 12 Mt/yr available; nothing is shut in.
The binding route is B_M at 10 Mt/yr: one more Mt/yr of capacity there would add 12 USD per tonne, USD 12 m a year, for at least the next 1 Mt/yr.
Of the crude exported, 83% (10 Mt/yr) enters Russia and 17% (2 Mt/yr) enters Azerbaijan.
>>> explain(plan(toy_network(), requirements=["route B_M <= 9 Mt/yr"]))[1]
"The requirement 'route B_M <= 9 Mt/yr' binds: each tonne more it allowed would add 12.0 USD of netback."
"""

from __future__ import annotations

import math

from crudeflow.solve.plan import Plan

__all__ = ["COUNTRY_NAMES", "country_name", "explain"]

COUNTRY_NAMES: dict[str, str] = {
    "AZ": "Azerbaijan",
    "BY": "Belarus",
    "CN": "China",
    "DE": "Germany",
    "GE": "Georgia",
    "GR": "Greece",
    "IR": "Iran",
    "IT": "Italy",
    "KZ": "Kazakhstan",
    "PL": "Poland",
    "RU": "Russia",
    "TM": "Turkmenistan",
    "TR": "Türkiye",
    "UA": "Ukraine",
    "UZ": "Uzbekistan",
    "NL": "the Netherlands",
    "FR": "France",
    "ES": "Spain",
    "IN": "India",
    "IQ": "Iraq",
    "JO": "Jordan",
    "SY": "Syria",
    "SA": "Saudi Arabia",
    "KW": "Kuwait",
    "AE": "the United Arab Emirates",
    "OM": "Oman",
    "QA": "Qatar",
    "BH": "Bahrain",
    "YE": "Yemen",
    "DJ": "Djibouti",
    "ER": "Eritrea",
    "EG": "Egypt",
    "IL": "Israel",
    "LB": "Lebanon",
    "CY": "Cyprus",
    "KR": "South Korea",
    "JP": "Japan",
    "SG": "Singapore",
    "GB": "the United Kingdom",
    "US": "the United States",
}


def country_name(code: str) -> str:
    """English short name for a country code (the code itself when not known).

    Examples
    --------
    >>> country_name("RU"), country_name("XK")
    ('Russia', 'XK')
    """
    return COUNTRY_NAMES.get(code, code)


def _mt(x: float) -> str:
    if abs(x) >= 10:
        return f"{x:,.0f}"
    if abs(x) >= 1:
        return f"{x:,.1f}".rstrip("0").rstrip(".")
    return f"{x:.2g}"


def _holds(extra: float | None) -> str:
    if extra is None or extra <= 1e-6:
        return ""
    if not math.isfinite(extra):
        return ", however much is added"
    return f", for at least the next {_mt(extra)} Mt/yr"


def explain(plan: Plan, *, base: Plan | None = None, max_sentences: int = 6) -> list[str]:
    """Three to six sentences a journalist could quote about ``plan``.

    Parameters
    ----------
    plan : Plan
        The plan to describe.
    base : Plan, optional
        A reference plan (e.g. without requirements) to compare exports and netback with.
    max_sentences : int
        Upper bound on the number of sentences.
    """
    out: list[str] = []
    who = country_name(plan.producer) if plan.producer else (plan.title or plan.dataset)
    if plan.horizon_months == 12:
        shut = plan.shut_in_mtpa
        first = (
            f"{who} can export {_mt(plan.exported_mtpa)} Mt/yr ({_mt(plan.exported_kbd)} kb/d) "
            f"of the {_mt(plan.available_mtpa)} Mt/yr available; "
            + (f"{_mt(shut)} Mt/yr is shut in." if shut > 1e-6 else "nothing is shut in.")
        )
    else:  # a shorter horizon: totals over it, never a month's loss as a rate per year
        shut = plan.shut_in_mt
        first = (
            f"Over {plan.horizon_label} {who} can export {_mt(plan.exported_mt)} Mt "
            f"({_mt(plan.exported_kbd)} kb/d on average) of the {_mt(plan.available_mt)} Mt "
            "available; "
            + (f"{_mt(shut)} Mt is shut in." if shut > 1e-6 else "nothing is shut in.")
        )
    out.append(first)
    for r in plan.shortfalls:
        if r.kind == "share":
            out.append(
                f"The requirement '{r.text}' cannot be met: at best {r.achieved:.0%} of exports "
                f"still cross, {_mt(r.shortfall)} Mt/yr more than allowed."
            )
        else:
            limit = ""
            if plan.shortfall_routes:
                names = [str(plan.routes.loc[rid, "name"]) for rid in plan.shortfall_routes[:3]]
                limit = " Capacity on " + ", ".join(names) + " is what limits it."
            if r.achieved > r.target:  # '<=' or '==' that the plan cannot get down to
                out.append(
                    f"The requirement '{r.text}' cannot be met: the plan carries at least "
                    f"{_mt(r.achieved)} Mt/yr there, {_mt(r.shortfall)} Mt/yr more than allowed."
                )
            else:
                out.append(
                    f"The requirement '{r.text}' cannot be met: the network carries at most "
                    f"{_mt(r.achieved)} Mt/yr there, {_mt(r.shortfall)} Mt/yr short.{limit}"
                )
    for r in plan.requirement_status:
        if r.met and r.binding:
            # the library's wording: sign and direction differ by kind (>=, <=, ==, avoid)
            what = r.margin_text.removeprefix("binding: ")
            out.append(f"The requirement '{r.text}' binds: {what}.")
    for c in plan.commitment_status:
        if not c.met:
            out.append(
                f"The commitment {c.text} cannot be met: {_mt(c.achieved_mtpa)} Mt/yr, "
                f"{_mt(c.shortfall_mtpa)} Mt/yr short, costing USD {c.penalty_musd:,.0f} m at "
                f"{c.penalty_usd_per_t:,.0f} USD per tonne short."
            )
    for rs in plan.refinery_status:
        if not rs.met:
            out.append(
                f"The {rs.text} cannot be fed in full: it gets {_mt(rs.delivered_mtpa)} Mt/yr, "
                f"{_mt(rs.shortfall_mtpa)} Mt/yr short (refineries are fed before any export)."
            )
    binding = list(plan.bottlenecks[:2])
    if binding:
        b = binding[0]
        what = {
            "route": f"route is {b.name}",
            "fleet": f"limit is the tanker fleet of {b.name} (fleet.csv)",
        }.get(b.kind, f"limit is the loading limit of {b.name}, shared by every route leaving it,")
        out.append(
            f"The binding {what} at {_mt(b.capacity_mtpa)} Mt/yr: one more Mt/yr of "
            f"capacity there would add {b.value_usd_per_t:,.0f} USD per tonne, "
            f"USD {b.value_usd_per_t:,.0f} m a year{_holds(b.holds_for_mtpa)}."
        )
        if len(binding) > 1:
            b2 = binding[1]
            out.append(
                f"Next is {b2.name} at {_mt(b2.capacity_mtpa)} Mt/yr, worth "
                f"{b2.value_usd_per_t:,.0f} USD per tonne of extra capacity."
            )
    cost = plan.requirement_cost_musd
    if cost is not None and plan.requirements:
        if cost > 0.5:
            yearly = plan.requirement_cost_musd_per_yr or 0.0
            money = f"USD {yearly / 1000:,.1f} bn" if yearly >= 1000 else f"USD {yearly:,.0f} m"
            out.append(
                f"Together the requirements cost {money} a year of netback against the plan "
                f"without them."
            )
        elif plan.shortfalls:
            out.append(
                "Against the plan without requirements they cost no netback, but they are "
                "not met in full."
            )
        else:
            out.append("The requirements cost nothing: the best plan already meets them.")
    if base is not None:
        delta = plan.exported_mtpa - base.exported_mtpa
        if abs(delta) > 1e-3:
            out.append(
                f"That is {_mt(abs(delta))} Mt/yr {'more' if delta > 0 else 'less'} than the "
                f"reference plan."
            )
    ranked = plan.exposure_ranked()  # (country, entering Mt/yr, share), most first
    entering = [row for row in ranked if row[1] > 1e-6]
    watch = plan.watch  # the dataset's watched country or passage (dataset.yaml)
    if watch and plan.watch_routes and plan.watch_mtpa <= 1e-6:
        verb = "passes" if len(watch) > 2 else "crosses"
        out.append(f"No exported tonne {verb} {plan.watch_name or watch}.")
    elif len(watch) > 2 and plan.watch_mtpa > 1e-6 and plan.exported_mtpa > 1e-6:
        # a watched passage is no transit country: its share is said in its own words
        share = plan.watch_mtpa / plan.exported_mtpa
        out.append(
            f"{share:.0%} of the crude exported ({_mt(plan.watch_mtpa)} Mt/yr) passes "
            f"{plan.watch_name or watch}."
        )
    # Transit, not destination: countries where a market receives the crude are left out,
    # except the watched country, whose exposure is the dataset's question.
    dest = set(plan.market_countries) - {watch}
    entering = [row for row in entering if row[0] not in dest]
    parts = [
        f"{share:.0%} ({_mt(mtpa)} Mt/yr) enters {country_name(code)}"
        for code, mtpa, share in entering[:2]
    ]
    if parts:
        out.append("Of the crude exported, " + " and ".join(parts) + ".")
    return out[:max_sentences]
