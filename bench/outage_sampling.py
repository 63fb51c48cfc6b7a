"""Measure outage sampling speed: draws per second of ``sample_capacity_factors``.

Usage::

    python bench/outage_sampling.py --draws 100000 --chunk 10000 --repeat 3 --out bench/RESULTS.md

Samples the default Kazakhstan dataset's outage model (``outages.csv``) over the monthly
periods of its base year, ``--draws`` draws computed ``--chunk`` draws per call (the way an
executor asks for them; each call is one or more whole seeding blocks of ``--batch-size``),
``--repeat`` times; reports the median wall time, draws per second (one core), events per draw
and the peak RSS of the process, and appends a section to ``--out``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import resource
import statistics
import subprocess
import time
from pathlib import Path


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--draws", type=int, default=100_000)
    ap.add_argument("--chunk", type=int, default=10_000)
    ap.add_argument("--batch-size", type=int, default=1000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--seed", type=int, default=2025)
    ap.add_argument("--out", type=Path, default=None)
    args = ap.parse_args()

    t0 = time.perf_counter()
    import numpy as np

    from crudeflow.montecarlo import sample_capacity_factors
    from crudeflow.network.load import load_dataset
    from crudeflow.solve.lp import Periods

    imports = time.perf_counter() - t0
    net = load_dataset()
    periods = Periods.monthly(net.meta.base_year)
    model = net.outages
    sample_capacity_factors(model, net, periods, seed=args.seed, draws=args.batch_size)  # warm
    times: list[float] = []
    events = 0
    lost_mean = 0.0
    for _ in range(args.repeat):
        start = time.perf_counter()
        events = 0
        acc = 0.0
        for lo in range(0, args.draws, args.chunk):
            s = sample_capacity_factors(
                model,
                net,
                periods,
                seed=args.seed,
                draws=range(lo, min(lo + args.chunk, args.draws)),
                batch_size=args.batch_size,
            )
            events += len(s.events)
            acc += float((1.0 - s.factors).sum())
        times.append(time.perf_counter() - start)
        lost_mean = acc / args.draws
    med = statistics.median(times)
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    try:
        git = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=False
        ).stdout.strip()
    except OSError:
        git = "?"
    lines = [
        f"## {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC: outage sampling, {args.draws:,} draws",
        "",
        f"- command: `python bench/outage_sampling.py --draws {args.draws} --chunk {args.chunk} "
        f"--batch-size {args.batch_size} --repeat {args.repeat} --seed {args.seed}`",
        f"- machine: {platform.platform()}; {os.cpu_count()} logical CPUs; load average "
        f"{os.getloadavg()[0]:.2f}; python {platform.python_version()}, numpy {np.__version__}; "
        f"crudeflow at git {git}",
        f"- model: default dataset, {len(model.hazards)} hazards ({len(model.processes)} event "
        f"processes), {len(net.routes)} routes, {periods.n} monthly periods of "
        f"{net.meta.base_year}; {events / args.draws:.2f} event records per draw; mean lost "
        f"route-months per draw {lost_mean:.3f}",
        f"- one process, one core: runs {', '.join(f'{t:.2f}' for t in times)} s; median "
        f"{med:.2f} s = **{args.draws / med:,.0f} draws/s** (imports {imports:.2f} s apart); "
        f"peak RSS {rss:.0f} MiB",
        "",
    ]
    text = "\n".join(lines)
    print(text)
    if args.out is not None:
        with args.out.open("a", encoding="utf-8") as fh:
            fh.write("\n" + text)


if __name__ == "__main__":
    main()
