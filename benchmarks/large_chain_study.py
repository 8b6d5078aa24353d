"""A study of a large stressed chain: time and peak memory against the replications.

Run: .venv/bin/python benchmarks/large_chain_study.py [--size 1000] [--replications 10 20]

For each count, ``resim.run`` of the stressed synthetic chain (benchmarks/stressed_chains.py:
every strategy kind, a regional disaster, a tariff, recurring breakdowns) with 2 worker
processes, in a fresh process: its wall time, the rows of the ripple trace, and the peak
resident memory of the process that folds the tables (VmHWM) and of the largest worker
(``RUSAGE_CHILDREN``). Issue 21: memory flat in replications; the ripple trace of a large chain
has a row per path (hit node, part, market) and replication, 10,000 a replication at 1,000 nodes.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import textwrap

PROBE = textwrap.dedent("""
    import resource, sys, tempfile, time
    from pathlib import Path
    sys.path.insert(0, "benchmarks")
    from stressed_chains import stressed_chain
    import resim
    size, replications = int(sys.argv[1]), int(sys.argv[2])
    scenario = stressed_chain(size, Path(tempfile.mkdtemp()) / "chain")
    start = time.perf_counter()
    results = resim.run(scenario, replications=replications, executor="processes", workers=2)
    wall = time.perf_counter() - start
    peak = next(line.split()[1] for line in open("/proc/self/status") if line.startswith("VmHWM"))
    worker = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    print(f"{wall:.1f} {len(results.ripple)} {int(peak) / 1024:.0f} {worker / 1024:.0f}")
""")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=1000, help="nodes of the stressed chain")
    parser.add_argument("--replications", type=int, nargs="+", default=[10, 20])
    args = parser.parse_args()
    print(f"{'nodes':>6} {'replications':>12} {'seconds':>8} {'ripple rows':>12} {'peak MB':>8} {'worker MB':>10}")
    for replications in args.replications:
        out = subprocess.run([sys.executable, "-c", PROBE, str(args.size), str(replications)],
                             capture_output=True, text=True, check=True).stdout.split()
        print(f"{args.size:>6} {replications:>12} {out[0]:>8} {int(out[1]):>12,} {out[2]:>8} {out[3]:>10}", flush=True)


if __name__ == "__main__":
    main()
