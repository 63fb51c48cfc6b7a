"""Measure the risk engine: draws per second per core end to end, against a bare HiGHS loop.

Usage::

    python bench/risk_bench.py --draws 5000 --repeat 3 --out bench/RESULTS.md

End to end (one process): ``run_risk`` on the default dataset, monthly, its base year,
no foresight, no attribution (sampling, stage factors, re-solves, per-draw tables, the
summary and, unless ``--no-store``, each batch committed to a fresh DuckDB runs store in a
temporary folder, as ``crudeflow risk`` does). Bare: the same model and the same solves (the bounds of each solve of the
end-to-end run, recorded once beforehand, outside the timing; a draw's first solve from the
reference basis, as in the engine), a loop that only sets bounds and calls HiGHS's ``run()``: the floor of
what any engine could do with this LP in Python; a second bare loop sends HiGHS only the
columns whose bounds changed since the previous solve, as the engine does (the differences
found outside the timing). All in one process, interleaved,
``--repeat`` times (median). ``--workers 2`` also times two local worker processes end to end.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import os
import platform
import resource
import statistics
import subprocess
import tempfile
import threading
import time
from pathlib import Path
from typing import Any


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--draws", type=int, default=5000)
    ap.add_argument("--batch-size", type=int, default=1000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--seed", type=int, default=2025)
    ap.add_argument("--workers", type=int, default=0, help="also time N local workers")
    ap.add_argument(
        "--worker-draws", type=int, default=0, help="draws of the workers' runs (default 4x)"
    )
    ap.add_argument(
        "--dask", action="store_true", help="also time a local Dask cluster of --workers"
    )
    ap.add_argument(
        "--no-store", action="store_true", help="end to end without the runs store (in memory)"
    )
    ap.add_argument("--out", type=Path, default=None)
    args = ap.parse_args()

    import numpy as np

    from crudeflow.montecarlo import engine
    from crudeflow.montecarlo.engine import RunSpec, scenario_model
    from crudeflow.montecarlo.run import run_risk
    from crudeflow.store import RunsStore

    load0 = os.getloadavg()[0]
    spec = RunSpec(seed=args.seed, draws=args.draws, batch_size=args.batch_size).resolved()
    model = scenario_model(spec, 0)

    # record every solve's bounds (and whether it starts from the reference basis) once,
    # outside the timing
    calls: list[tuple[bool, Any, Any]] = []
    pending_reset = [False]
    orig_solve, orig_basis = model.session.solve_primal, model.session.set_basis

    def rec_basis(b: Any) -> None:
        pending_reset[0] = True
        orig_basis(b)

    def rec_solve() -> Any:
        calls.append((pending_reset[0], model.cur_lo.copy(), model.cur_hi.copy()))
        pending_reset[0] = False
        return orig_solve()

    model.session.solve_primal = rec_solve  # type: ignore[method-assign]
    model.session.set_basis = rec_basis  # type: ignore[method-assign]
    run_risk(spec)
    model.session.solve_primal = orig_solve  # type: ignore[method-assign]
    model.session.set_basis = orig_basis  # type: ignore[method-assign]
    n_solves = len(calls)
    h = model.session._h  # the bare loop talks to HiGHS through the adapter's object
    idx = np.arange(model.session.n_col, dtype=np.int32)

    # all columns' bounds before each solve; or (as the engine does) only the columns whose
    # bounds changed since the last solve, the differences found outside the timing
    full: list[tuple[bool, Any, Any, Any]] = [(r, idx, lo, hi) for r, lo, hi in calls]
    diffs: list[tuple[bool, Any, Any, Any]] = []
    prev_lo, prev_hi = calls[-1][1], calls[-1][2]
    for reset, lo, hi in calls:
        d = np.flatnonzero((lo != prev_lo) | (hi != prev_hi)).astype(np.int32)
        diffs.append((reset, d, lo[d].copy(), hi[d].copy()))
        prev_lo, prev_hi = lo, hi

    def bare_loop(items: list[tuple[bool, Any, Any, Any]], cpu: list[float]) -> float:
        h.changeColsBounds(idx.size, idx, calls[-1][1], calls[-1][2])  # as the last solve left it
        c = time.process_time()
        t = time.perf_counter()
        for reset, cols, lo, hi in items:
            if cols.size:
                h.changeColsBounds(cols.size, cols, lo, hi)
            if reset:
                h.clearSolver()
                h.setBasis(model.ref_basis)
            h.run()
        dt_ = time.perf_counter() - t
        cpu.append(time.process_time() - c)
        # HiGHS now holds the last bounds: tell the engine's bounds cache
        model.cur_lo, model.cur_hi = calls[-1][1].copy(), calls[-1][2].copy()
        return dt_

    def bare() -> float:
        return bare_loop(full, c_bare)

    def bare_changed() -> float:
        return bare_loop(diffs, c_bare2)

    tmp = tempfile.TemporaryDirectory()
    store = None if args.no_store else RunsStore(Path(tmp.name) / "bench-runs.duckdb")

    def e2e() -> float:
        engine._MODELS.clear()
        engine._MODELS[(spec.dataset, "", spec.year, threading.get_ident())] = model
        c = time.process_time()
        t = time.perf_counter()
        if store is None:
            run_risk(spec)
        else:
            rid = store.create_run(spec.to_dict())
            run_risk(spec, on_batch=lambda b: store.append_batch(rid, b), keep_events=False)
        dt_ = time.perf_counter() - t
        c_e2e.append(time.process_time() - c)
        return dt_

    t_e2e: list[float] = []
    t_bare: list[float] = []
    c_e2e: list[float] = []  # process CPU time: less sensitive to other jobs than wall time
    c_bare: list[float] = []
    c_bare2: list[float] = []
    for _ in range(args.repeat):
        t_e2e.append(e2e())
        t_bare.append(bare())
        bare_changed()
    t_w: list[float] = []
    t_1: list[float] = []
    w_draws = args.worker_draws or 4 * args.draws
    w_spec = dataclasses.replace(spec, draws=w_draws)
    if args.workers > 1:
        for _ in range(args.repeat):
            t = time.perf_counter()
            run_risk(w_spec)
            t_1.append(time.perf_counter() - t)
            t = time.perf_counter()
            run_risk(w_spec, workers=args.workers)
            t_w.append(time.perf_counter() - t)
    t_d: list[float] = []
    if args.dask and args.workers > 1:
        from distributed import LocalCluster

        with LocalCluster(
            n_workers=args.workers,
            threads_per_worker=1,
            processes=True,
            host="127.0.0.1",
            dashboard_address=None,
        ) as cluster:
            for _ in range(args.repeat):
                t = time.perf_counter()
                run_risk(w_spec, scheduler=cluster.scheduler_address)
                t_d.append(time.perf_counter() - t)
    load1 = os.getloadavg()[0]
    if store is not None:
        store.close()
    tmp.cleanup()
    me, mb = statistics.median(t_e2e), statistics.median(t_bare)
    ce, cb = statistics.median(c_e2e), statistics.median(c_bare)
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    try:
        rev = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=True
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        rev = "?"
    now = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    lines = [
        f"## {now}: risk engine, {args.draws:,} draws",
        "",
        f"- command: `python bench/risk_bench.py --draws {args.draws} --batch-size "
        f"{args.batch_size} --repeat {args.repeat} --seed {args.seed}"
        + (f" --workers {args.workers}" if args.workers > 1 else "")
        + (" --dask" if args.dask and args.workers > 1 else "")
        + (" --no-store" if args.no_store else "")
        + "`",
        f"- machine: {platform.platform()}; {os.cpu_count()} logical CPUs; load average (1 min) "
        f"at start / end {load0:.2f} / {load1:.2f} (other engineers' jobs share the CPUs); "
        f"python {platform.python_version()}, numpy {np.__version__}; crudeflow at git {rev}",
        f"- model: default dataset, monthly {spec.year}, LP {model.lp.A.shape[0]} rows x "
        f"{model.lp.A.shape[1]} columns; no foresight; {n_solves / args.draws:.2f} re-solves "
        f"per draw ({n_solves:,} in all)",
        f"- end to end, one process ({'no store' if args.no_store else 'each batch committed to a DuckDB runs store'}): runs {', '.join(f'{t:.2f}' for t in t_e2e)} s; median "
        f"{me:.2f} s = **{args.draws / me:,.0f} draws/s per core**",
        f"- bare loop (same solves, bounds + run() only): runs "
        f"{', '.join(f'{t:.2f}' for t in t_bare)} s; median {mb:.2f} s = "
        f"{args.draws / mb:,.0f} draws/s; end to end = **{mb / me:.0%} of bare**",
        f"- CPU time of the process (less sensitive to the other jobs than wall time): end to "
        f"end {', '.join(f'{t:.2f}' for t in c_e2e)} s, median {ce:.2f} s = "
        f"**{args.draws / ce:,.0f} draws per CPU-second**; bare "
        f"{', '.join(f'{t:.2f}' for t in c_bare)} s, median {cb:.2f} s = "
        f"{args.draws / cb:,.0f} draws per CPU-second; end to end = **{cb / ce:.0%} of bare**",
        f"- bare loop sending only the changed columns' bounds: CPU "
        f"{', '.join(f'{t:.2f}' for t in c_bare2)} s, median {statistics.median(c_bare2):.2f} s"
        f" = {args.draws / statistics.median(c_bare2):,.0f} draws per CPU-second; end to end "
        f"= **{statistics.median(c_bare2) / ce:.0%} of this bare loop**",
    ]
    if t_w:
        mw, m1 = statistics.median(t_w), statistics.median(t_1)
        lines.append(
            f"- {w_draws:,} draws, one process vs {args.workers} local worker processes "
            f"(spawn, imports and model builds included), interleaved: one process "
            f"{', '.join(f'{t:.2f}' for t in t_1)} s; {args.workers} workers "
            f"{', '.join(f'{t:.2f}' for t in t_w)} s; medians {m1:.2f} / {mw:.2f} s = "
            f"**{m1 / mw:.2f}x** (target >= 1.7x)"
        )
    if t_d:
        md = statistics.median(t_d)
        lines.append(
            f"- the same {w_draws:,} draws on a local Dask cluster (scheduler + {args.workers} "
            f"worker processes on 127.0.0.1, started before the timing; the first run builds "
            f"the workers' models): {', '.join(f'{t:.2f}' for t in t_d)} s; median {md:.2f} s "
            f"= **{statistics.median(t_1) / md:.2f}x** one process (target >= 1.5x)"
        )
    lines.append(f"- peak RSS {rss:.0f} MiB")
    cb2 = statistics.median(c_bare2)
    lines.append(
        "- targets: >= 1,500 draws/s per core end to end, >= 70% of bare: "
        + ("met" if args.draws / me >= 1500 else "NOT met")
        + " / "
        + ("met" if mb / me >= 0.7 else "NOT met")
        + f" in wall time; in CPU time {args.draws / ce:,.0f} draws per CPU-second ("
        + ("met" if args.draws / ce >= 1500 else "NOT met")
        + f"), {cb / ce:.0%} of the all-columns bare loop, {cb2 / ce:.0%} of the "
        "changed-columns one"
    )
    text = "\n".join(lines) + "\n"
    print(text)
    if args.out is not None:
        with args.out.open("a", encoding="utf-8") as f:
            f.write("\n" + text)


if __name__ == "__main__":
    main()
