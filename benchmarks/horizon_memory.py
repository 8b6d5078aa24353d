"""Peak memory against the horizon: the quickstart over 1, 10 and 100 years, one replication.

Run: .venv/bin/python benchmarks/horizon_memory.py [--strategies none] [--years 1 10 100]

Each horizon runs ``resim.run`` (serial, one replication, the timeseries table built) in a fresh
process and reports its peak resident memory (VmHWM, Linux) and wall time. Issue 21's target:
36,500 days under 300 MB (before the daily fill-rate quantiles kept their values instead of a
2,000-bin histogram per day and strategy: 1,366 MB with every strategy).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import textwrap

PROBE = textwrap.dedent("""
    import sys, time
    import resim
    days, strategies = int(sys.argv[1]), sys.argv[2].split(",") if sys.argv[2] else None
    sc = resim.load_scenario("scenarios/quickstart.yaml").replace(horizon_days=days)
    start = time.perf_counter()
    resim.run(sc, replications=1, executor="serial", strategies=strategies).timeseries
    peak = next(line.split()[1] for line in open("/proc/self/status") if line.startswith("VmHWM"))
    print(f"{time.perf_counter() - start:.1f} {int(peak) / 1024:.0f}")
""")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--strategies", default="", help="comma-separated ids (default: every strategy)")
    parser.add_argument("--years", type=int, nargs="+", default=[1, 10, 100])
    args = parser.parse_args()
    print(f"{'days':>7} {'strategies':<12} {'seconds':>8} {'peak MB':>8}")
    for years in args.years:
        out = subprocess.run([sys.executable, "-c", PROBE, str(365 * years), args.strategies],
                             capture_output=True, text=True, check=True).stdout.split()
        print(f"{365 * years:>7} {args.strategies or 'all':<12} {out[0]:>8} {out[1]:>8}", flush=True)


if __name__ == "__main__":
    main()
