"""Replications per second by executor, and peak memory against the number of replications.

Run: .venv/bin/python benchmarks/scale.py [--quick]
Part 1 times `resim.run` on the quickstart (all strategies) and on a 1,000-node synthetic chain
(strategy none) with the serial, processes (2 workers) and dask executors: a two-worker local
cluster started by the run (its start-up timed too) and one already running (`--scheduler`, its
workers warm, as on a real cluster). Part 2 runs 100, 1,000 and 10,000 replications of a small
synthetic chain, each in a fresh process, and reports its peak resident memory (VmHWM).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import textwrap
import time

CASES = {
    "quickstart": "import resim; sc = resim.load_scenario('scenarios/quickstart.yaml'); strategies = None",
    "1000 nodes": ("import resim; from resim.scenario.synthetic import synthetic_chain; "
                   "sc = resim.scenario_from_dict(synthetic_chain(1000, tiers=3, seed=1)); strategies = ['none']"),
}
MEMORY_CHAIN = ("import resim; from resim.scenario.synthetic import synthetic_chain; "
                "sc = resim.scenario_from_dict(synthetic_chain(20, tiers=2, seed=1, horizon_days=120))")


RUNNING_CLUSTER = ("from distributed import Client, LocalCluster\n"
                   "cluster = LocalCluster(n_workers=2, threads_per_worker=1, dashboard_address=None)\n"
                   "Client(cluster).run(lambda: __import__('resim') and None)\n")


def timed(setup: str, replications: int, executor: str, workers: int) -> float:
    """Seconds for one resim.run in a fresh process; executor 'dask-running' uses a cluster
    started (and its workers warmed) before the clock starts."""
    running = executor == "dask-running"
    code = (f"{setup}\n{RUNNING_CLUSTER if running else ''}import time\nt = time.perf_counter()\n"
            f"resim.run(sc, replications={replications}, executor='{'dask' if running else executor}', "
            f"workers={workers}, strategies=strategies"
            f"{', scheduler=cluster.scheduler_address' if running else ''})\n"
            "print(time.perf_counter() - t)")
    script = f"def main():\n{textwrap.indent(code, '    ')}\n\nif __name__ == '__main__':\n    main()\n"
    with tempfile.NamedTemporaryFile("w", suffix=".py", delete=False) as file:  # dask spawns: needs a real main
        file.write(script)
    try:
        out = subprocess.run([sys.executable, file.name], capture_output=True, text=True, check=True)
    finally:
        os.unlink(file.name)
    return float(out.stdout.strip().splitlines()[-1])


def peak_mb(replications: int) -> float:
    code = (f"{MEMORY_CHAIN}\nresim.run(sc, replications={replications}, executor='serial', strategies=['none'])\n"
            "print([l for l in open('/proc/self/status') if l.startswith('VmHWM')][0].split()[1])")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return int(out.stdout.strip().splitlines()[-1]) / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer replications")
    args = parser.parse_args()
    counts = {"quickstart": 10 if args.quick else 30, "1000 nodes": 8 if args.quick else 60}
    executors = {"serial": 1, "processes": 2, "dask": 2, "dask-running": 2}
    print("replications per second (speed-up over serial)")
    print(f"{'case':<12} {'replications':>12}" + "".join(f" {e:>17}" for e in executors))
    rows = []
    for name, setup in CASES.items():
        n = counts[name]
        seconds = {e: timed(setup, n, e, w) for e, w in executors.items()}
        rows.append({"case": name, "n": n, **seconds})
        cells = "".join(f" {n / t:>9.2f} ({seconds['serial'] / t:4.2f})" for t in seconds.values())
        print(f"{name:<12} {n:>12}{cells}")
    print()
    print(f"{'replications':>12} {'peak MB':>9} {'KB per replication over 100':>28}")
    first = None
    for n in ((100, 1000) if args.quick else (100, 1000, 10000)):
        mb = peak_mb(n)
        first = first or (n, mb)
        growth = "" if n == first[0] else f"{(mb - first[1]) * 1024 / (n - first[0]):.2f}"
        print(f"{n:>12} {mb:>9.0f} {growth:>28}")
    print(json.dumps(rows))


if __name__ == "__main__":
    started = time.perf_counter()
    main()
    print(f"# total {time.perf_counter() - started:.0f} s", file=sys.stderr)
