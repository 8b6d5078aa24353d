"""A multi-year study: the quickstart over 10 years (3,650 days), as ``resim run`` runs it
(batched engine, process pool, every table and annual.csv built; no files written).

Run: .venv/bin/python benchmarks/multi_year.py [--years 10] [--replications 200 1000] [--strategies none,buffer]

Prints, per row, the wall seconds, replication-years simulated per second, and the process's
peak resident memory (VmHWM, Linux; the parent only: workers have their own). Issue 24 asks that a
10-year, 1,000-replication study be practical.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import textwrap

PROBE = textwrap.dedent("""
    import sys, time
    import resim
    years, reps, strategies, workers = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3].split(","), int(sys.argv[4])
    sc = resim.load_scenario("scenarios/quickstart.yaml").replace(horizon_days=365 * years)
    start = time.perf_counter()
    res = resim.run(sc, replications=reps, strategies=strategies, executor="processes", workers=workers)
    assert len(res.annual) and len(res.replications) == reps * len(strategies)
    peak = next(line.split()[1] for line in open("/proc/self/status") if line.startswith("VmHWM"))
    print(f"{time.perf_counter() - start:.1f} {int(peak) / 1024:.0f}")
""")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--years", type=int, default=10)
    parser.add_argument("--replications", type=int, nargs="+", default=[200, 1000])
    parser.add_argument("--strategies", default="none,buffer", help="comma-separated ids")
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    runs = len(args.strategies.split(","))
    print(f"{'years':>5} {'replications':>12} {'strategies':<16} {'seconds':>8} {'rep-years/s':>11} {'peak MB':>8}")
    for reps in args.replications:
        out = subprocess.run([sys.executable, "-c", PROBE, str(args.years), str(reps), args.strategies,
                              str(args.workers)], capture_output=True, text=True, check=True).stdout.split()
        seconds = float(out[0])
        rate = reps * runs * args.years / seconds
        print(f"{args.years:>5} {reps:>12} {args.strategies:<16} {seconds:>8.1f} {rate:>11.1f} {out[1]:>8}", flush=True)


if __name__ == "__main__":
    main()
