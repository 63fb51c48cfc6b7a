"""Sample outage draws: per-route, per-period capacity factors from an :class:`OutageModel`.

Draw ``i`` depends only on ``(seed, i, batch_size)``: draws are generated in fixed blocks of
``batch_size``; block ``b`` (draws ``b*batch_size`` to ``(b+1)*batch_size - 1``) uses the
generator ``numpy.random.default_rng(SeedSequence(seed).spawn(b + 1)[b])``, so one process, N
processes or a cluster computing any split of the draws get identical numbers. The algorithm,
step by step, is in ``docs/dataset-format.md`` ("Sampling outage draws").

Examples
--------
>>> from crudeflow.network.model import toy_network
>>> from crudeflow.solve.lp import Periods
>>> from crudeflow.montecarlo.outages import Hazard, OutageModel
>>> storm = Hazard("storm", "event", "route", "B_M", events_per_year=3.0,
...                median_days=10.0, p90_days=10.0)
>>> s = sample_capacity_factors(OutageModel((storm,)), toy_network(), Periods.annual(2025),
...                             seed=7, draws=200)
>>> s.factors.shape                     # (draws, routes, periods)
(200, 3, 1)
>>> bool((s.factors[:, 0] == 1.0).all())  # A_B is never hit
True
>>> 0.88 < float(s.factors[:, 1].mean()) < 0.94   # about 1 - exp(-3 * 10 / 365)
True
"""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from crudeflow.montecarlo.outages import Z90, OutageModel

if TYPE_CHECKING:
    from crudeflow.network.model import Network
    from crudeflow.solve.lp import Periods

__all__ = [
    "DEFAULT_BATCH_SIZE",
    "OutageEvents",
    "OutageSample",
    "RollingStages",
    "sample_capacity_factors",
    "sample_stages",
]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

DEFAULT_BATCH_SIZE = 1000
"""Draws per seeding block. Part of a run's identity: another block size gives other draws."""


@dataclass(frozen=True)
class OutageEvents:
    """The events that struck, one record per (event, hazard row it hits), in sampling order.

    ``start_day`` counts days from ``first_day`` (1 January of the first year the horizon
    touches); an event covers ``[start_day, start_day + duration_days)`` and wraps from the end
    of the sampled years to their start. Rows of one shared event have the same ``draw`` and
    ``event`` (the event's position in its block).
    """

    draw: IntArray
    event: IntArray
    hazard: IntArray
    """Index into ``hazard_ids`` (the model's hazards in file order)."""
    start_day: IntArray
    duration_days: FloatArray
    lost: FloatArray
    hazard_ids: tuple[str, ...]
    first_day: dt.date

    def __len__(self) -> int:
        return int(self.draw.size)

    def records(self) -> list[dict[str, object]]:
        """The events as dicts (draw, hazard id, start date, duration days, lost fraction).

        Examples
        --------
        >>> ev = OutageEvents(np.array([3]), np.array([0]), np.array([0]), np.array([31]),
        ...                   np.array([2.5]), np.array([1.0]), ("storm",), dt.date(2025, 1, 1))
        >>> ev.records()
        [{'draw': 3, 'hazard': 'storm', 'start': '2025-02-01', 'duration_days': 2.5, 'lost': 1.0}]
        """
        return [
            {
                "draw": int(d),
                "hazard": self.hazard_ids[int(h)],
                "start": (self.first_day + dt.timedelta(days=int(s))).isoformat(),
                "duration_days": float(u),
                "lost": float(f),
            }
            for d, h, s, u, f in zip(
                self.draw, self.hazard, self.start_day, self.duration_days, self.lost, strict=True
            )
        ]


@dataclass(frozen=True)
class OutageSample:
    """Capacity factors of some draws: ``factors[k, r, t]`` multiplies route ``r``'s capacity
    in period ``t`` in draw ``draws[k]`` (1 = no loss, 0 = closed for the whole period)."""

    draws: IntArray
    factors: FloatArray
    route_ids: tuple[str, ...]
    labels: tuple[str, ...]
    events: OutageEvents


@dataclass(frozen=True)
class _Window:
    first_year: int
    years: int
    month_days: IntArray  # days of each window month, [12 * years]
    month_offset: IntArray  # day index of each window month's first day
    day_month: IntArray  # window month of each day
    days: int
    period_weight: FloatArray  # [12 * years, T]: days of the month counted in period t
    period_days: FloatArray  # [T]
    one_month_periods: bool  # period t is window month t (a monthly horizon over the window)


def _window(periods: Periods) -> _Window:
    first, last = min(periods.years), max(periods.years)
    years = last - first + 1
    month_days = np.array(
        [calendar.monthrange(first + j // 12, j % 12 + 1)[1] for j in range(12 * years)],
        dtype=np.int64,
    )
    offset = np.concatenate(([0], np.cumsum(month_days)[:-1])).astype(np.int64)
    days = int(month_days.sum())
    weight = np.zeros((12 * years, periods.n))
    for t, label in enumerate(periods.labels):
        y = int(label[:4])
        months = range(12) if len(label) == 4 else (int(label[5:7]) - 1,)
        for m in months:
            j = (y - first) * 12 + m
            weight[j, t] = month_days[j]
    return _Window(
        first_year=first,
        years=years,
        month_days=month_days,
        month_offset=offset,
        day_month=np.repeat(np.arange(12 * years, dtype=np.int64), month_days),
        days=days,
        period_weight=weight,
        period_days=weight.sum(axis=0),
        one_month_periods=weight.shape[0] == weight.shape[1]
        and bool((weight == np.diag(month_days)).all()),
    )


@dataclass(frozen=True)
class _Arrays:
    """The model as arrays for one network (processes P, hazards H, routes R)."""

    lam: FloatArray  # [P] events per year
    lognormal: npt.NDArray[np.bool_]  # [P]
    median: FloatArray  # [P]
    sigma: FloatArray  # [P]
    emp: FloatArray  # [P, L] empirical durations, padded
    emp_len: IntArray  # [P]
    cdf: FloatArray  # [P, 12] cumulative month weights / total
    mem_start: IntArray  # [P] offset of a process's hazards in mem_flat
    mem_count: IntArray  # [P]
    mem_flat: IntArray
    hz_start: IntArray  # [H] offset of a hazard's routes in hz_routes
    hz_count: IntArray  # [H]
    hz_routes: IntArray
    lost_min: FloatArray  # [H]
    lost_span: FloatArray  # [H]
    derate: FloatArray  # [R, 12] deterministic loss per calendar month


def _arrays(model: OutageModel, network: Network) -> _Arrays:
    hazards = model.hazards
    pos = {rid: i for i, rid in enumerate(r.id for r in network.routes)}
    routes_of = [np.array([pos[r] for r in model.route_ids(h, network)], np.int64) for h in hazards]
    procs = model.processes
    P = len(procs)
    L = max([1, *(len(hazards[m[0]].duration_days) for _, m in procs)])
    lam, median, sigma = np.zeros(P), np.ones(P), np.zeros(P)
    lognormal = np.zeros(P, bool)
    emp, emp_len = np.ones((P, L)), np.ones(P, np.int64)
    cdf = np.ones((P, 12))
    mem: list[int] = []
    mem_start, mem_count = np.zeros(P, np.int64), np.zeros(P, np.int64)
    for p, (_, members) in enumerate(procs):
        lead = hazards[members[0]]
        lam[p] = lead.events_per_year
        if lead.median_days is not None and lead.p90_days is not None:
            lognormal[p] = True
            median[p] = lead.median_days
            sigma[p] = np.log(lead.p90_days / lead.median_days) / Z90
        else:
            emp[p, : len(lead.duration_days)] = lead.duration_days
            emp_len[p] = len(lead.duration_days)
        c = np.cumsum(np.asarray(lead.month_weights, dtype=np.float64))
        cdf[p] = c / c[-1]
        mem_start[p], mem_count[p] = len(mem), len(members)
        mem.extend(members)
    counts = np.array([len(r) for r in routes_of], np.int64)
    derate = np.zeros((len(network.routes), 12))
    for h, rs in zip(hazards, routes_of, strict=True):
        if h.kind == "derate":
            on = np.asarray(h.month_weights) > 0
            derate[np.ix_(rs, on)] = np.maximum(derate[np.ix_(rs, on)], h.lost_min)
    return _Arrays(
        lam=lam,
        lognormal=lognormal,
        median=median,
        sigma=sigma,
        emp=emp,
        emp_len=emp_len,
        cdf=cdf,
        mem_start=mem_start,
        mem_count=mem_count,
        mem_flat=np.array(mem, np.int64),
        hz_start=np.concatenate(([0], np.cumsum(counts)[:-1])).astype(np.int64),
        hz_count=counts,
        hz_routes=np.concatenate([np.zeros(0, np.int64), *routes_of]).astype(np.int64),
        lost_min=np.array([h.lost_min for h in hazards]),
        lost_span=np.array([h.lost_max - h.lost_min for h in hazards]),
        derate=derate,
    )


def _expand(counts: IntArray) -> tuple[IntArray, IntArray]:
    """For items with ``counts[i]`` children: each child's item and its index within it."""
    owner = np.repeat(np.arange(counts.size, dtype=np.int64), counts)
    within = np.arange(owner.size, dtype=np.int64) - np.repeat(np.cumsum(counts) - counts, counts)
    return owner, within


def _block(
    a: _Arrays, w: _Window, seed: int, block: int, size: int
) -> tuple[IntArray, IntArray, IntArray, IntArray, FloatArray, FloatArray]:
    """Records of one block: (draw in block, event, hazard, start day, duration, lost)."""
    rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(block,)))
    P = a.lam.size
    counts = rng.poisson(a.lam, size=(size, w.years, P)).astype(np.int64).reshape(-1)
    cell, _ = _expand(counts)
    E = cell.size
    u_month = rng.random(E)
    u_day = rng.random(E)
    z = rng.standard_normal(E)
    u_emp = rng.random(E)
    u_lost = rng.random(E)
    draw = cell // (w.years * P)
    year = (cell // P) % w.years
    proc = cell % P
    month = (u_month[:, None] >= a.cdf[proc]).sum(axis=1)
    j = year * 12 + month
    start = w.month_offset[j] + np.floor(u_day * w.month_days[j]).astype(np.int64)
    pick = np.minimum(np.floor(u_emp * a.emp_len[proc]).astype(np.int64), a.emp_len[proc] - 1)
    duration = np.where(
        a.lognormal[proc], a.median[proc] * np.exp(a.sigma[proc] * z), a.emp[proc, pick]
    )
    duration = np.minimum(duration, float(w.days))
    ev, k = _expand(a.mem_count[proc])
    hazard = a.mem_flat[a.mem_start[proc[ev]] + k]
    lost = a.lost_min[hazard] + a.lost_span[hazard] * u_lost[ev]
    return draw[ev], ev, hazard, start[ev], duration[ev], lost


def _lost_months(
    a: _Arrays,
    w: _Window,
    row: IntArray,
    hz: IntArray,
    start: IntArray,
    dur: FloatArray,
    lost: FloatArray,
    derate_win: FloatArray,
    *,
    row_month: IntArray | None = None,
) -> tuple[IntArray, FloatArray]:
    """Day-summed event loss above the derate of the records on ``row``, for the (row, route)
    pairs they hit: ``(row * R + route`` ascending, ``[pairs, M]`` losses``)``; every other
    pair lost nothing.

    With ``row_month``, a row keeps only the days whose event struck by its month: a
    record's days strike in the month of its start day, the days that wrap past the end of
    the window in month 0 (they were in force when the year began).
    """
    R, M, D = derate_win.shape[0], 12 * w.years, w.days
    # hits: (record, route) pairs, then the days each hit covers
    rec, k = _expand(a.hz_count[hz])
    route = a.hz_routes[a.hz_start[hz[rec]] + k]
    ndays = np.ceil(dur[rec]).astype(np.int64)
    hit, i = _expand(ndays)
    rec_d = rec[hit]
    raw_day = start[rec_d] + i
    if row_month is not None:
        strike = np.where(raw_day < D, w.day_month[start[rec_d]], 0)
        keep = strike <= row_month[row[rec_d]]
        rec_d, raw_day, hit, i = rec_d[keep], raw_day[keep], hit[keep], i[keep]
    day = raw_day % D
    value = lost[rec_d] * np.minimum(1.0, dur[rec_d] - i)
    key = (row[rec_d] * R + route[hit]) * D + day
    key, value = _max_per_key(key, value)  # the largest loss per (row, route, day)
    day = key % D
    row_route = key // D
    month = w.day_month[day]
    value = np.maximum(value - derate_win[row_route % R, month], 0.0)
    new_pair = np.r_[True, row_route[1:] != row_route[:-1]] if key.size else key.astype(bool)
    pairs = row_route[new_pair]
    slot = np.cumsum(new_pair) - 1  # row_route's position in pairs (it is sorted)
    # summed in ascending day order: the same additions whichever other pairs are present
    out = np.bincount(slot * M + month, weights=value, minlength=pairs.size * M)
    return pairs, out.astype(np.float64, copy=False).reshape(pairs.size, M)


def _max_per_key(key: IntArray, value: FloatArray) -> tuple[IntArray, FloatArray]:
    """The distinct keys, ascending, each with its largest value."""
    n = key.size
    if not n:
        return key, value
    if int(key.max()) < np.iinfo(np.int64).max // n:
        # an argsort by key through the (much faster) sort of plain integers
        order = np.sort(key * n + np.arange(n, dtype=np.int64)) % n
    else:  # pragma: no cover - needs keys near 2**63 / n
        order = np.argsort(key, kind="stable")
    key, value = key[order], value[order]
    first = np.flatnonzero(np.r_[True, key[1:] != key[:-1]])
    return key[first], np.maximum.reduceat(value, first)


def _to_factors(lost_m: FloatArray, w: _Window, derate: FloatArray) -> FloatArray:
    """Per-period capacity factors ``[..., T]`` from day-summed losses ``[..., M]`` (overwritten)
    and the derate of the same routes (broadcast against ``lost_m``)."""
    lost_m /= w.month_days
    lost_m += derate
    cap = np.subtract(1.0, lost_m, out=lost_m)
    np.maximum(cap, 0.0, out=cap)
    if w.one_month_periods:
        # period t is window month t: the product below has one term, cap * days (exactly
        # what the matrix product gives, its other terms being exact zeros)
        factors: FloatArray = (cap * w.month_days) / w.period_days
    else:
        factors = (cap @ w.period_weight) / w.period_days
    np.minimum(np.maximum(factors, 0.0, out=factors), 1.0, out=factors)
    return factors


def _fill_factors(
    n_rows: int,
    pairs: list[IntArray],
    lost: list[FloatArray],
    w: _Window,
    derate_win: FloatArray,
    T: int,
) -> FloatArray:
    """Factors ``[n_rows, R, T]``: the derate alone, except on the (row * R + route) ``pairs``
    that lost ``lost`` to events (the same arithmetic per pair either way)."""
    R, M = derate_win.shape
    base = _to_factors(np.zeros((R, M)), w, derate_win)
    factors = np.empty((n_rows, R, T))
    factors[:] = base
    rr = np.concatenate([np.zeros(0, np.int64), *pairs])
    if rr.size:
        hit = _to_factors(np.concatenate(lost, axis=0), w, derate_win[rr % R])
        factors.reshape(n_rows * R, T)[rr] = hit
    return factors


def sample_capacity_factors(
    model: OutageModel,
    network: Network,
    periods: Periods,
    *,
    seed: int,
    draws: int | range,
    batch_size: int = DEFAULT_BATCH_SIZE,
) -> OutageSample:
    """Capacity factors of outage draws ``draws`` (a count from 0, or a range of indices).

    Returns an :class:`OutageSample` whose ``factors`` has shape (draws, routes, periods),
    each in [0, 1]: a period's factor is the day-weighted mean over its days of one minus the
    largest loss in force on the route that day (overlapping events take the maximum loss, not
    the product). The numbers of draw ``i`` depend only on ``seed``, ``i`` and ``batch_size``,
    however the draws are split between calls.

    Raises
    ------
    ValueError
        A negative seed, an empty or negative draw range, a batch size below 1.
    KeyError
        A hazard's target that is not in ``network``.

    Examples
    --------
    >>> from crudeflow.network.load import load_dataset
    >>> from crudeflow.solve.lp import Periods
    >>> net = load_dataset()
    >>> months = Periods.monthly(2025)
    >>> whole = sample_capacity_factors(net.outages, net, months, seed=1, draws=300)
    >>> part = sample_capacity_factors(net.outages, net, months, seed=1, draws=range(120, 300))
    >>> bool((part.factors == whole.factors[120:]).all())
    True
    >>> kuryk = whole.route_ids.index("KURYK_SANGACHAL")
    >>> whole.factors[0, kuryk].round(2).tolist()   # closed about half of Nov-Dec (a derate)
    [1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 0.5, 0.5]
    """
    if isinstance(draws, int | np.integer) and not isinstance(draws, bool):
        rng_draws = range(int(draws))
    elif isinstance(draws, range):
        rng_draws = draws
    else:
        raise ValueError(f"draws: expected a count >= 1 or a range of indices >= 0, not {draws}")
    if rng_draws.step != 1 or rng_draws.start < 0 or len(rng_draws) == 0:
        raise ValueError(f"draws: expected a count >= 1 or a range of indices >= 0, not {draws}")
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer) or seed < 0:
        raise ValueError(f"seed: expected an integer >= 0, not {seed!r}")
    if batch_size < 1:
        raise ValueError(f"batch_size: expected an integer >= 1, not {batch_size}")
    sample, _ = _sample(model, network, periods, int(seed), rng_draws, batch_size)
    return sample


@dataclass(frozen=True)
class RollingStages:
    """What a planner without foresight knows, stage by stage (see ``sample_stages``).

    Stage ``k`` belongs to draw ``draw[k]``: at the start of window month ``month[k]`` an event
    strikes, and ``factors[k]`` (routes x periods) are the capacity factors of every event that
    has struck by then (month ``month[k]`` included), each with its full duration. Stages are
    sorted by draw, then month; a draw without events has none, and its last stage's factors
    equal the draw's full factors.
    """

    draw: IntArray
    month: IntArray
    factors: FloatArray


def sample_stages(
    model: OutageModel,
    network: Network,
    periods: Periods,
    *,
    seed: int,
    draws: range,
    batch_size: int = DEFAULT_BATCH_SIZE,
    drop_hazard: int | None = None,
    only: IntArray | None = None,
) -> tuple[OutageSample, RollingStages]:
    """Like :func:`sample_capacity_factors`, plus the stages of a rolling re-plan.

    ``drop_hazard`` (an index into the model's hazards) removes that hazard's events from
    every draw, leaving all other numbers as they were (common random numbers). ``only``
    (draw indices): the other draws are left as if nothing struck them (no events, no
    stages), which saves their work; the draws kept get the same numbers bit for bit.

    Examples
    --------
    >>> from crudeflow.network.model import toy_network
    >>> from crudeflow.solve.lp import Periods
    >>> from crudeflow.montecarlo.outages import Hazard, OutageModel
    >>> storm = Hazard("storm", "event", "route", "B_M", events_per_year=2.0,
    ...                median_days=10.0, p90_days=10.0)
    >>> s, st = sample_stages(OutageModel((storm,)), toy_network(), Periods.monthly(2025),
    ...                       seed=3, draws=range(50))
    >>> last = np.r_[st.draw[1:] != st.draw[:-1], True]
    >>> bool((st.factors[last] == s.factors[st.draw[last]]).all())
    True
    >>> s2, st2 = sample_stages(OutageModel((storm,)), toy_network(), Periods.monthly(2025),
    ...                         seed=3, draws=range(50), drop_hazard=0)
    >>> bool((s2.factors == 1.0).all()), len(st2.draw)
    (True, 0)
    """
    if draws.step != 1 or draws.start < 0 or len(draws) == 0:
        raise ValueError(f"draws: expected a non-empty range of indices >= 0, not {draws}")
    return _sample(model, network, periods, int(seed), draws, batch_size, drop_hazard, True, only)


def _sample(
    model: OutageModel,
    network: Network,
    periods: Periods,
    seed: int,
    rng_draws: range,
    batch_size: int,
    drop_hazard: int | None = None,
    stages: bool = False,
    only: IntArray | None = None,
) -> tuple[OutageSample, RollingStages]:
    a = _arrays(model, network)
    w = _window(periods)
    R, M, D = len(network.routes), 12 * w.years, w.days
    lo, hi = rng_draws.start, rng_draws.stop
    n = hi - lo
    T = periods.n
    recs: list[tuple[IntArray, ...]] = []
    recs_f: list[tuple[FloatArray, FloatArray]] = []
    st_draw: list[IntArray] = []
    st_month: list[IntArray] = []
    pairs: list[IntArray] = []  # (row * R + route) pairs hit, rows counted over all blocks
    lost_m: list[FloatArray] = []
    n_rows = 0  # rows so far: draws, or stages with ``stages``
    derate_win = a.derate[:, np.arange(M) % 12]  # [R, M]
    for block in range(lo // batch_size, (hi - 1) // batch_size + 1):
        first = block * batch_size
        b_lo, b_hi = max(lo, first), min(hi, first + batch_size)  # draws of this block asked
        d_in, ev, hz, start, dur, lost = _block(a, w, seed, block, batch_size)
        draw = d_in + first
        keep = (draw >= b_lo) & (draw < b_hi)
        if drop_hazard is not None:
            keep &= hz != drop_hazard
        if only is not None:
            keep &= np.isin(draw, only)
        draw, ev, hz, start = draw[keep], ev[keep], hz[keep], start[keep]
        dur, lost = dur[keep], lost[keep]
        recs.append((draw, ev, hz, start))
        recs_f.append((dur, lost))
        nb = b_hi - b_lo
        row = draw - b_lo
        if not stages:  # with stages, a draw's factors are its last stage's (below)
            pr, pl = _lost_months(a, w, row, hz, start, dur, lost, derate_win)
            pairs.append(pr + n_rows * R)
            lost_m.append(pl)
            n_rows += nb
        if stages:
            # a record strikes in its start month; the days it wraps past the window's end
            # were in force from month 0
            strike = w.day_month[start]
            wraps = start + np.ceil(dur).astype(np.int64) > D
            earliest = np.where(wraps, 0, strike)
            keys = np.unique(np.concatenate([row * M + strike, row[wraps] * M]))
            pos = np.searchsorted(keys, row * M + earliest)
            end = np.searchsorted(keys, (row + 1) * M)
            rec, k = _expand(end - pos)
            st_row = pos[rec] + k
            pr, pl = _lost_months(
                a,
                w,
                st_row,
                hz[rec],
                start[rec],
                dur[rec],
                lost[rec],
                derate_win,
                row_month=keys % M,
            )
            pairs.append(pr + n_rows * R)
            lost_m.append(pl)
            n_rows += keys.size
            st_draw.append(keys // M + b_lo)
            st_month.append(keys % M)
    rows = _fill_factors(n_rows, pairs, lost_m, w, derate_win, T)
    factors = rows if not stages else _fill_factors(n, [], [], w, derate_win, T)
    events = OutageEvents(
        draw=np.concatenate([r[0] for r in recs]),
        event=np.concatenate([r[1] for r in recs]),
        hazard=np.concatenate([r[2] for r in recs]),
        start_day=np.concatenate([r[3] for r in recs]),
        duration_days=np.concatenate([r[0] for r in recs_f]),
        lost=np.concatenate([r[1] for r in recs_f]),
        hazard_ids=tuple(h.id for h in model.hazards),
        first_day=dt.date(w.first_year, 1, 1),
    )
    sample = OutageSample(
        draws=np.arange(lo, hi, dtype=np.int64),
        factors=factors,
        route_ids=tuple(r.id for r in network.routes),
        labels=tuple(periods.labels),
        events=events,
    )
    if stages:
        st = RollingStages(
            draw=np.concatenate(st_draw).astype(np.int64),
            month=np.concatenate(st_month).astype(np.int64),
            factors=rows,
        )
        # the last stage of a draw knows every day of every record: the same hits, summed in
        # the same order, so its factors are the draw's factors bit for bit
        last = np.r_[st.draw[1:] != st.draw[:-1], True] if st.draw.size else st.draw.astype(bool)
        factors[st.draw[last] - lo] = st.factors[last]
    else:
        z = np.zeros(0, np.int64)
        st = RollingStages(draw=z, month=z, factors=np.zeros((0, R, T)))
    return sample, st
