"""Time the R1 stress test (time-to-survive and outage impact LPs for every node) on synthetic chains.

Run: .venv/bin/python benchmarks/risk_speed.py [--sizes 100,1000]
Prints one row per size: nodes stress-tested, seconds, LP solves per second.
"""

from __future__ import annotations

import argparse
import time

import resim
from resim.assess.risk_lp import stress_test
from resim.scenario.synthetic import synthetic_chain


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="100,1000", help="comma-separated node counts")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    print(f"{'nodes':>7} {'tested':>7} {'seconds':>9} {'nodes/s':>9}")
    for size in (int(s) for s in args.sizes.split(",")):
        scenario = resim.scenario_from_dict(synthetic_chain(size, tiers=3, seed=args.seed))
        started = time.perf_counter()
        table = stress_test(scenario)
        seconds = time.perf_counter() - started
        print(f"{size:>7} {len(table):>7} {seconds:>9.2f} {len(table) / seconds:>9.1f}")


if __name__ == "__main__":
    main()
