"""Measure the runs store: draws per second appended, file bytes per draw, peak memory.

Usage::

    python bench/store_append.py --batches 1000 --batch-size 1000 --groups 6 [--out bench/RESULTS.md]

Appends ``--batches`` synthetic batches of ``--batch-size`` draws (``--groups`` route-group
columns, about one event per draw) to a fresh store in a temporary folder, one transaction
per batch as the risk engine does, then reads every draw back as one frame (``load_draws``). Reports the
median and P95 time per batch, draws stored per second, the read-back time, the file size per
draw and the peak RSS of the process; with ``--out``, appends the same as a section.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import resource
import statistics
import subprocess
import tempfile
import time
from pathlib import Path


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--batches", type=int, default=1000)
    ap.add_argument("--batch-size", type=int, default=1000)
    ap.add_argument("--groups", type=int, default=6)
    ap.add_argument("--out", type=Path, default=None)
    args = ap.parse_args()

    import numpy as np
    import pandas as pd

    from crudeflow.montecarlo.results import EVENT_COLUMNS, BatchResult
    from crudeflow.store import RunsStore

    n, k = args.batch_size, args.groups
    rng = np.random.default_rng(1)

    def batch(b: int) -> BatchResult:
        lost = rng.random(n) * 5.0
        n_events = rng.poisson(1.0, n).astype(np.int64)
        draws = pd.DataFrame(
            {
                "scenario": ["base-2025"] * n,
                "draw": np.arange(b * n, (b + 1) * n, dtype=np.int64),
                "exported_mt": 80.0 - lost,
                "shut_in_mt": lost,
                "netback_musd": 9_000.0 - 300.0 * lost,
                "lost_exports_mt": lost,
                "lost_netback_musd": 300.0 * lost,
                "n_events": n_events,
                "binding_months": ['{"CPC_NOVO": [0, 1]}' if e else "" for e in n_events],
                **{f"flow_mt__G{g}": rng.random(n) * 60.0 for g in range(k)},
            }
        )
        m = int(n_events.sum())
        events = pd.DataFrame(
            {
                "scenario": ["base-2025"] * m,
                "draw": np.repeat(draws["draw"].to_numpy(), n_events),
                "hazard": ["cpc_storm"] * m,
                "start_day": rng.random(m) * 365.0,
                "duration_days": rng.random(m) * 30.0,
                "fraction_lost": rng.random(m),
            },
            columns=list(EVENT_COLUMNS),
        )
        return BatchResult(draws, events, b, 0)

    spec = {
        "scenarios": ["base-2025"],
        "dataset": "",
        "dataset_hash": "bench",
        "year": 2025,
        "seed": 1,
        "draws": args.batches * n,
        "batch_size": n,
        "foresight": "none",
        "code_version": "bench",
    }
    load_start = os.getloadavg()[0]
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "runs.duckdb"
        times: list[float] = []
        with RunsStore(path) as store:
            run_id = store.create_run(spec)
            for b in range(args.batches):
                result = batch(b)  # built outside the timed part
                start = time.perf_counter()
                store.append_batch(run_id, result)
                times.append(time.perf_counter() - start)
        size = path.stat().st_size
        rss_append = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        with RunsStore(path, read_only=True) as store:
            start = time.perf_counter()
            frame = store.load_draws(run_id)
            read_s = time.perf_counter() - start
        assert len(frame) == args.batches * n
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    total = args.batches * n
    median = statistics.median(times)
    p95 = sorted(times)[int(0.95 * (len(times) - 1))]
    git = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=False
    ).stdout.strip()
    lines = [
        f"## {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC: runs store, {total:,} draws",
        "",
        f"- command: `python bench/store_append.py --batches {args.batches} "
        f"--batch-size {n} --groups {k}`",
        f"- machine: {platform.platform()}; {os.cpu_count()} logical CPUs; load average "
        f"{load_start:.2f}; crudeflow at git {git}",
        f"- append (one transaction per batch): median {median * 1000:.1f} ms, P95 "
        f"{p95 * 1000:.1f} ms per batch of {n:,}; **{total / sum(times):,.0f} draws/s** stored",
        f"- read back all draws (`load_draws`, wide): {read_s:.2f} s",
        f"- file {size / 1e6:.1f} MB = {size / total:.0f} bytes per draw; peak RSS "
        f"{rss_append:.0f} MiB while appending, {rss:.0f} MiB after reading all back as one frame",
    ]
    text = "\n".join(lines)
    print(text)
    if args.out is not None:
        with args.out.open("a", encoding="utf-8") as fh:
            fh.write("\n" + text + "\n")


if __name__ == "__main__":
    main()
