"""Replications per second by executor, and peak memory against the number of replications.

Run: .venv/bin/python benchmarks/scale.py [--quick]
Part 1 times `resim.run` on the quickstart (all strategies) and on a 1,000-node synthetic chain
(strategy none) with the serial, processes (2 workers) and dask (local cluster, 2 workers)
executors. Part 2 runs 100, 1,000 and 10,000 replications of a small synthetic chain, each in a
fresh process, and reports its peak resident memory (VmHWM).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time

CASES = {
    "quickstart": "import resim; sc = resim.load_scenario('scenarios/quickstart.yaml'); strategies = None",
    "1000 nodes": ("import resim; from resim.synthetic import synthetic_chain; "
                   "sc = resim.scenario_from_dict(synthetic_chain(1000, tiers=3, seed=1)); strategies = ['none']"),
}
MEMORY_CHAIN = ("import resim; from resim.synthetic import synthetic_chain; "
                "sc = resim.scenario_from_dict(synthetic_chain(20, tiers=2, seed=1, horizon_days=120))")


def timed(setup: str, replications: int, executor: str, workers: int) -> float:
    code = (f"{setup}\nimport time\nt = time.perf_counter()\n"
            f"resim.run(sc, replications={replications}, executor='{executor}', workers={workers}, strategies=strategies)\n"
            "print(time.perf_counter() - t)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
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
    print(f"{'case':<12} {'replications':>12} {'serial rep/s':>13} {'processes rep/s':>16} {'dask rep/s':>11} "
          f"{'speed-up (processes)':>21} {'speed-up (dask)':>16}")
    rows = []
    for name, setup in CASES.items():
        n = counts[name]
        serial = timed(setup, n, "serial", 1)
        processes = timed(setup, n, "processes", 2)
        dask = timed(setup, n, "dask", 2)
        rows.append({"case": name, "n": n, "serial": serial, "processes": processes, "dask": dask})
        print(f"{name:<12} {n:>12} {n / serial:>13.2f} {n / processes:>16.2f} {n / dask:>11.2f} "
              f"{serial / processes:>21.2f} {serial / dask:>16.2f}")
    print()
    print(f"{'replications':>12} {'peak MB':>9}")
    for n in ((100, 1000) if args.quick else (100, 1000, 10000)):
        print(f"{n:>12} {peak_mb(n):>9.0f}")
    print(json.dumps(rows))


if __name__ == "__main__":
    started = time.perf_counter()
    main()
    print(f"# total {time.perf_counter() - started:.0f} s", file=sys.stderr)
