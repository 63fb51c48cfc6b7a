"""Sampling outage draws: reproducible whatever the split, faithful to the documented
algorithm, and right against closed forms."""

from __future__ import annotations

import calendar
import dataclasses
import itertools
import math

import numpy as np
import pytest

from crudeflow.montecarlo import Hazard, OutageModel, sample_capacity_factors
from crudeflow.montecarlo.sampling import OutageSample
from crudeflow.network.load import load_dataset
from crudeflow.network.model import Network, toy_network
from crudeflow.solve.lp import Periods

NET = toy_network()  # routes A_B, B_M, A_M
YEAR = Periods.annual(2025)
MONTHS = Periods.monthly(2025)


def event(hid: str = "h", target: str = "B_M", **kw: object) -> Hazard:
    base: dict[str, object] = dict(
        kind="event", target_kind="route", target=target, events_per_year=1.0,
        median_days=5.0, p90_days=5.0,
    )  # fmt: skip
    base.update(kw)
    base.setdefault("lost_max", base.get("lost_min", 1.0))
    return Hazard(hid, **base)  # type: ignore[arg-type]


def mixed_model() -> OutageModel:
    """Every feature at once: lognormal and empirical durations, loss ranges, seasons, a
    shared process over two rows, node and country targets, a derate."""
    return OutageModel(
        (
            event("storm", events_per_year=3.0, median_days=3.0, p90_days=12.0,
                  month_weights=(2, 1, 1, 0, 0, 0, 0, 0, 0, 1, 2, 3), shared="s"),
            event("storm2", target="A_M", events_per_year=3.0, median_days=3.0, p90_days=12.0,
                  month_weights=(2, 1, 1, 0, 0, 0, 0, 0, 0, 1, 2, 3), shared="s",
                  lost_min=0.2, lost_max=0.6),
            Hazard("leak", "event", "node", "B", events_per_year=1.5,
                   duration_days=(0.5, 2.0, 40.0), lost_min=0.5, lost_max=1.0),
            Hazard("ban", "event", "country", "RU", events_per_year=0.3, median_days=60.0,
                   p90_days=200.0),
            Hazard("ice", "derate", "route", "A_M", lost_min=0.25,
                   month_weights=(1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1)),
        )
    )  # fmt: skip


def same(a: OutageSample, b: OutageSample) -> None:
    assert np.array_equal(a.draws, b.draws)
    assert np.array_equal(a.factors, b.factors)
    for f in ("draw", "event", "hazard", "start_day", "duration_days", "lost"):
        assert np.array_equal(getattr(a.events, f), getattr(b.events, f)), f


def concat(parts: list[OutageSample]) -> OutageSample:
    ev = [p.events for p in parts]
    events = dataclasses.replace(
        ev[0],
        **{
            f: np.concatenate([getattr(e, f) for e in ev])
            for f in ("draw", "event", "hazard", "start_day", "duration_days", "lost")
        },
    )
    return dataclasses.replace(
        parts[0],
        draws=np.concatenate([p.draws for p in parts]),
        factors=np.concatenate([p.factors for p in parts]),
        events=events,
    )


@pytest.mark.parametrize("batch_size", [1000, 100, 7])
def test_draws_are_identical_whatever_the_split_into_calls(batch_size: int) -> None:
    model = mixed_model()
    whole = sample_capacity_factors(model, NET, MONTHS, seed=42, draws=1000, batch_size=batch_size)
    cuts = [0, 1, 137, 500, 501, 999, 1000]
    parts = [
        sample_capacity_factors(
            model, NET, MONTHS, seed=42, draws=range(a, b), batch_size=batch_size
        )
        for a, b in itertools.pairwise(cuts)
    ]
    same(whole, concat(parts))
    assert len(whole.events) > 1000


def test_draw_depends_on_seed_and_index_only() -> None:
    model = mixed_model()
    a = sample_capacity_factors(model, NET, MONTHS, seed=1, draws=range(300, 310))
    b = sample_capacity_factors(model, NET, MONTHS, seed=1, draws=400)
    c = sample_capacity_factors(model, NET, MONTHS, seed=2, draws=400)
    assert np.array_equal(a.factors, b.factors[300:310])
    assert not np.array_equal(b.factors, c.factors)


# --- an independent, loop-by-loop implementation of docs/dataset-format.md ---------------
def reference(
    model: OutageModel, net: Network, periods: Periods, seed: int, n: int, batch: int
) -> tuple[np.ndarray, list[tuple[int, int, str, int, float, float]]]:
    """Factors [n, R, T] and event records, written from the doc's step-by-step text."""
    y0, y1 = min(periods.years), max(periods.years)
    K = y1 - y0 + 1
    mdays = [calendar.monthrange(y0 + j // 12, j % 12 + 1)[1] for j in range(12 * K)]
    offset = [sum(mdays[:j]) for j in range(12 * K)]
    D = sum(mdays)
    routes = [r.id for r in net.routes]
    procs = model.processes
    lam = np.array([model.hazards[m[0]].events_per_year for _, m in procs])
    day_lost = [[[0.0] * D for _ in routes] for _ in range(n)]
    records = []
    for b in range(math.ceil(n / batch)):
        rng = np.random.default_rng(np.random.SeedSequence(seed).spawn(b + 1)[b])
        counts = rng.poisson(lam, size=(batch, K, len(procs)))
        E = int(counts.sum())
        u_month, u_day = rng.random(E), rng.random(E)
        z, u_emp, u_lost = rng.standard_normal(E), rng.random(E), rng.random(E)
        e = 0
        for d in range(batch):
            for y in range(K):
                for p, (_, members) in enumerate(procs):
                    for _ in range(counts[d, y, p]):
                        lead = model.hazards[members[0]]
                        c = np.cumsum(np.asarray(lead.month_weights, float))
                        cdf = c / c[-1]
                        month = int(np.searchsorted(cdf, u_month[e], side="right"))
                        j = 12 * y + month
                        start = offset[j] + math.floor(u_day[e] * mdays[j])
                        if lead.median_days is not None and lead.p90_days is not None:
                            sigma = np.log(lead.p90_days / lead.median_days) / 1.2815515655446004
                            dur = lead.median_days * np.exp(sigma * z[e])
                        else:
                            vals = lead.duration_days
                            dur = vals[min(math.floor(u_emp[e] * len(vals)), len(vals) - 1)]
                        dur = min(dur, D)
                        draw = b * batch + d
                        for hi in members:
                            h = model.hazards[hi]
                            lost = h.lost_min + (h.lost_max - h.lost_min) * u_lost[e]
                            if draw < n:
                                records.append((draw, e, h.id, start, dur, lost))
                                for rid in model.route_ids(h, net):
                                    r = routes.index(rid)
                                    for i in range(math.ceil(dur)):
                                        k = (start + i) % D
                                        v = lost * min(1.0, dur - i)
                                        row = day_lost[draw][r]
                                        row[k] = max(row[k], v)
                        e += 1
    derate = np.zeros((len(routes), 12))
    for h in model.hazards:
        if h.kind == "derate":
            for rid in model.route_ids(h, net):
                for m in range(12):
                    if h.month_weights[m] > 0:
                        derate[routes.index(rid), m] = max(derate[routes.index(rid), m], h.lost_min)
    factors = np.zeros((n, len(routes), periods.n))
    for t, label in enumerate(periods.labels):
        y = int(label[:4])
        months = range(12) if len(label) == 4 else [int(label[5:7]) - 1]
        for d in range(n):
            for r in range(len(routes)):
                cap_days = 0.0
                for m in months:
                    j = 12 * (y - y0) + m
                    for k in range(offset[j], offset[j] + mdays[j]):
                        cap_days += 1.0 - max(day_lost[d][r][k], derate[r, m])
                factors[d, r, t] = cap_days / sum(mdays[12 * (y - y0) + m] for m in months)
    return factors, records


@pytest.mark.parametrize(
    "periods",
    [MONTHS, YEAR, Periods.monthly(2024, start_month=11, months=4)],
    ids=["monthly", "annual", "across-new-year"],
)
def test_matches_an_independent_implementation_of_the_documented_algorithm(
    periods: Periods,
) -> None:
    model = mixed_model()
    got = sample_capacity_factors(model, NET, periods, seed=2025, draws=60, batch_size=25)
    want, records = reference(model, NET, periods, seed=2025, n=60, batch=25)
    ids = got.events.hazard_ids
    mine = [
        (int(d), int(e), ids[int(h)], int(s), float(u), float(f))
        for d, e, h, s, u, f in zip(
            got.events.draw, got.events.event, got.events.hazard, got.events.start_day,
            got.events.duration_days, got.events.lost, strict=True,
        )
    ]  # fmt: skip
    assert mine == records  # bit for bit
    np.testing.assert_allclose(got.factors, want, rtol=0, atol=1e-12)


# --- closed forms ---------------------------------------------------------------------------
def test_mean_loss_and_no_event_probability_match_the_poisson_closed_form() -> None:
    lam, d, n = 0.5, 5.0, 40_000
    model = OutageModel((event(events_per_year=lam, median_days=d, p90_days=d),))
    s = sample_capacity_factors(model, NET, YEAR, seed=11, draws=n)
    lost = 1.0 - s.factors[:, 1, 0]
    se = lost.std(ddof=1) / math.sqrt(n)
    assert abs(lost.mean() - lam * d / 365) < 4 * se
    none = 1.0 - np.isin(np.arange(n), s.events.draw).mean()
    assert abs(none - math.exp(-lam)) < 4 * math.sqrt(math.exp(-lam) * (1 - math.exp(-lam)) / n)


def test_overlaps_are_the_union_of_days_so_the_mean_is_one_minus_exp() -> None:
    # busy hazard: overlaps are common; coverage of a day is 1 - exp(-lam * d / 365)
    lam, d, n = 6.0, 20.0, 20_000
    model = OutageModel((event(events_per_year=lam, median_days=d, p90_days=d),))
    lost = 1.0 - sample_capacity_factors(model, NET, YEAR, seed=5, draws=n).factors[:, 1, 0]
    se = lost.std(ddof=1) / math.sqrt(n)
    assert abs(lost.mean() - (1 - math.exp(-lam * d / 365))) < 4 * se
    assert abs(lost.mean() - lam * d / 365) > 4 * se  # the sum would double-count overlaps


def test_overlapping_losses_take_the_maximum_not_the_product() -> None:
    model = OutageModel(
        (
            event("a", events_per_year=40.0, median_days=400.0, p90_days=400.0, lost_min=0.5),
            event("b", events_per_year=40.0, median_days=400.0, p90_days=400.0, lost_min=0.8),
        )
    )
    f = sample_capacity_factors(model, NET, MONTHS, seed=3, draws=50).factors[:, 1, :]
    np.testing.assert_allclose(f, 0.2, atol=1e-12)  # max(0.5, 0.8) lost, not 1 - 0.5*0.2


def test_an_event_past_the_year_end_wraps_to_january() -> None:
    model = OutageModel(
        (event(events_per_year=0.5, median_days=30.0, p90_days=30.0,
               month_weights=(0,) * 11 + (1,)),)
    )  # fmt: skip
    s = sample_capacity_factors(model, NET, MONTHS, seed=9, draws=400)
    ev = s.events
    single = [int(d) for d in ev.draw if (ev.draw == d).sum() == 1]
    assert len(single) > 50
    for d in single:
        start = int(ev.start_day[ev.draw == d][0])
        assert 334 <= start <= 364  # December
        dec_days = min(30, 365 - start)
        jan_days = 30 - dec_days
        f = s.factors[d, 1]
        assert f[11] == pytest.approx(1 - dec_days / 31, abs=1e-12)
        assert f[0] == pytest.approx(1 - jan_days / 31, abs=1e-12)
        assert (f[1:11] == 1.0).all()


def test_partial_days_count_for_their_share() -> None:
    model = OutageModel((event(events_per_year=0.2, median_days=1.5, p90_days=1.5),))
    s = sample_capacity_factors(model, NET, YEAR, seed=4, draws=300)
    once = [d for d in set(s.events.draw.tolist()) if (s.events.draw == d).sum() == 1]
    assert once
    for d in once:
        assert s.factors[d, 1, 0] == pytest.approx(1 - 1.5 / 365, abs=1e-12)


def test_a_derate_is_deterministic_and_day_weighted_into_periods() -> None:
    ice = Hazard("ice", "derate", "route", "A_M", lost_min=0.5,
                 month_weights=(0,) * 10 + (1, 1))  # fmt: skip
    model = OutageModel((ice,))
    m = sample_capacity_factors(model, NET, MONTHS, seed=0, draws=3).factors
    np.testing.assert_array_equal(m[:, 2, 10:], 0.5)
    np.testing.assert_array_equal(m[:, 2, :10], 1.0)
    y = sample_capacity_factors(model, NET, YEAR, seed=0, draws=3).factors
    np.testing.assert_allclose(y[:, 2, 0], 1 - 0.5 * 61 / 365, atol=1e-15)
    assert len(sample_capacity_factors(model, NET, YEAR, seed=0, draws=3).events) == 0


def test_a_derate_and_an_event_on_one_day_take_the_larger_loss() -> None:
    ice = Hazard("ice", "derate", "route", "B_M", lost_min=0.5, month_weights=(1,) * 12)
    full = event(events_per_year=30.0, median_days=400.0, p90_days=400.0, lost_min=0.3)
    f = sample_capacity_factors(OutageModel((ice, full)), NET, YEAR, seed=1, draws=5).factors
    np.testing.assert_allclose(f[:, 1, 0], 0.5, atol=1e-12)


def test_shared_rows_are_struck_by_the_same_events() -> None:
    model = mixed_model()
    ev = sample_capacity_factors(model, NET, MONTHS, seed=8, draws=200).events
    ids = np.array(ev.hazard_ids)[ev.hazard]
    a = [
        (d, e, s, u)
        for d, e, s, u, h in zip(
            ev.draw, ev.event, ev.start_day, ev.duration_days, ids, strict=True
        )
        if h == "storm"
    ]
    b = [
        (d, e, s, u)
        for d, e, s, u, h in zip(
            ev.draw, ev.event, ev.start_day, ev.duration_days, ids, strict=True
        )
        if h == "storm2"
    ]
    assert a == b and len(a) > 100
    lost2 = ev.lost[ids == "storm2"]
    assert (lost2 >= 0.2).all() and (lost2 <= 0.6).all() and lost2.std() > 0.05
    months = {
        (int(s) - 0) for s in ev.start_day[ids == "storm"]
    }  # storms start only in months of positive weight: not April to September
    assert not any(90 <= s < 273 for s in months)


def test_empirical_durations_take_only_listed_values() -> None:
    model = OutageModel(
        (Hazard("h", "event", "route", "B_M", events_per_year=5.0, duration_days=(2.0, 7.5)),)
    )
    ev = sample_capacity_factors(model, NET, YEAR, seed=2, draws=500).events
    assert set(ev.duration_days.tolist()) == {2.0, 7.5}


def test_lognormal_durations_have_the_given_median_and_p90() -> None:
    model = OutageModel((event(events_per_year=4.0, median_days=10.0, p90_days=30.0),))
    dur = sample_capacity_factors(model, NET, YEAR, seed=6, draws=5000).events.duration_days
    assert np.median(dur) == pytest.approx(10.0, rel=0.05)
    assert np.quantile(dur, 0.9) == pytest.approx(30.0, rel=0.07)


def test_an_empty_model_gives_factors_of_one() -> None:
    s = sample_capacity_factors(OutageModel(), NET, MONTHS, seed=0, draws=10)
    assert s.factors.shape == (10, 3, 12) and (s.factors == 1.0).all() and len(s.events) == 0


@pytest.mark.parametrize(
    ("kw", "match"),
    [
        (dict(seed=-1, draws=5), "seed"),
        (dict(seed=1.5, draws=5), "seed"),
        (dict(seed=1, draws=0), "draws"),
        (dict(seed=1, draws=range(5, 5)), "draws"),
        (dict(seed=1, draws=range(0, 10, 2)), "draws"),
        (dict(seed=1, draws=5, batch_size=0), "batch_size"),
    ],
)
def test_bad_arguments_are_rejected(kw: dict[str, object], match: str) -> None:
    with pytest.raises(ValueError, match=match):
        sample_capacity_factors(OutageModel(), NET, YEAR, **kw)  # type: ignore[arg-type]


def test_default_dataset_draws_are_sane() -> None:
    net = load_dataset()
    s = sample_capacity_factors(net.outages, net, MONTHS, seed=2025, draws=500)
    assert s.factors.shape == (500, len(net.routes), 12)
    assert ((s.factors >= 0) & (s.factors <= 1)).all()
    hit = set()
    for h in net.outages.hazards:
        hit.update(net.outages.route_ids(h, net))
    for i, rid in enumerate(s.route_ids):
        if rid not in hit:
            assert (s.factors[:, i] == 1.0).all(), rid
    kuryk = s.route_ids.index("KURYK_SANGACHAL")
    np.testing.assert_array_equal(s.factors[:, kuryk, 10:], 0.5)
    cpc = s.route_ids.index("CPC_TERMINAL_MED")
    assert 0.8 < s.factors[:, cpc].mean() < 1.0


def test_a_numpy_integer_draw_count_is_accepted() -> None:
    a = sample_capacity_factors(mixed_model(), NET, YEAR, seed=3, draws=np.int64(40))
    b = sample_capacity_factors(mixed_model(), NET, YEAR, seed=3, draws=40)
    same(a, b)
    with pytest.raises(ValueError, match="draws"):
        sample_capacity_factors(mixed_model(), NET, YEAR, seed=3, draws="40")  # type: ignore[arg-type]


def test_p95_of_the_annual_loss_matches_the_poisson_quantile() -> None:
    # one-day events of full loss: the year's lost days are the distinct start days, which
    # is the Poisson count N except for rare coincidences; Poisson(3)'s 95th percentile is 6
    lam, n = 3.0, 20_000
    model = OutageModel((event(events_per_year=lam, median_days=1.0, p90_days=1.0),))
    lost_days = (1.0 - sample_capacity_factors(model, NET, YEAR, seed=12, draws=n).factors) * 365
    q95 = float(np.quantile(lost_days[:, 1, 0], 0.95, method="inverted_cdf"))
    assert q95 == pytest.approx(6.0, abs=1e-9)
    cdf = sum(math.exp(-lam) * lam**k / math.factorial(k) for k in range(6))
    below = float((lost_days[:, 1, 0] < 5.5).mean())  # P(N <= 5) = 0.916
    assert abs(below - cdf) < 4 * math.sqrt(cdf * (1 - cdf) / n) + 0.01  # + coincidences
