"""Time synthetic provider pools: generate_pool, and pool_frame over validated Offerings.

Run: .venv/bin/python benchmarks/pool_generate.py [--sizes 1000,10000,100000] [--repeat 3] [--seed 0]

For each size: ``generate_pool(n)``; then the same pool as validated ``Offering`` objects (built
apart, not timed: this is what ``scenario.maas.providers`` holds) and ``pool_frame`` over them.
The best of ``--repeat`` runs is shown (the machine may be shared), and the check that
``pool_frame`` gives the generated frame back. Target: 100,000 offerings generated in < 1 s.
"""

from __future__ import annotations

import argparse
import time


from resim.supply.generator import generate_pool
from resim.supply.pool import offerings_from_frame, pool_frame


def best(fn, repeat: int) -> tuple[float, object]:
    """The shortest of ``repeat`` timed calls, and the last result."""
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return min(times), result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000,100000", help="offering counts, comma-separated")
    parser.add_argument("--repeat", type=int, default=3, help="runs per measurement (best shown)")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    generate_pool(100, seed=args.seed)                      # imports and table set-up
    rows = []
    for n in sizes:
        generate_s, pool = best(lambda: generate_pool(n, seed=args.seed), args.repeat)
        objects = offerings_from_frame(pool)
        frame_s, frame = best(lambda: pool_frame(objects), args.repeat)
        same = frame.equals(pool)
        rows.append((n, pool.provider.nunique(), generate_s, n / generate_s, frame_s, n / frame_s, same))
    print("| offerings | providers | generate_pool s | offerings/s | pool_frame s | offerings/s | round trip |")
    print("| ---: | ---: | ---: | ---: | ---: | ---: | :---: |")
    for n, providers, gs, grate, fs, frate, same in rows:
        print(f"| {n:,} | {providers:,} | {gs:.3f} | {grate:,.0f} | {fs:.3f} | {frate:,.0f} | "
              f"{'equal' if same else 'DIFFERS'} |")


if __name__ == "__main__":
    main()
