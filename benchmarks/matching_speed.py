"""Time MaaS matching over a large provider pool: filter + score + select for many parts.

Run: .venv/bin/python benchmarks/matching_speed.py [--offerings 100000] [--parts 100]
Target (issue 5): 100,000 offerings, 100 parts, under 2 s on one core.
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from resim.scenario.format.maas import ScoreWeights
from resim.supply.matching import Need, Pool, candidates, score, select
from resim.supply.generator import generate_pool

PROCESSES = ("cutting/milling", "cutting/turning", "primary_shaping/injection_moulding",
             "primary_shaping/die_casting", "joining/smt_assembly", "joining/assembly",
             "forming/stamping", "primary_shaping/additive_manufacturing")


def needs(count: int, seed: int) -> list[Need]:
    rng = np.random.default_rng(seed)
    found = []
    for i in range(count):
        found.append(Need(part=f"p{i}", process=PROCESSES[i % len(PROCESSES)], material=None,
                          tolerance_mm=float(rng.choice([0.05, 0.1, 0.2])),
                          size_mm=tuple(sorted(rng.uniform(20, 200, 3).round())),
                          certifications=frozenset({"ISO 9001"}), units_per_day=float(rng.uniform(20, 400)),
                          unit_cost=float(rng.uniform(5, 80)), weight_kg=float(rng.uniform(0.05, 3)),
                          destination="plant", country="DE", region="europe", lat=48.8, lon=9.2))
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--offerings", type=int, default=100_000)
    parser.add_argument("--parts", type=int, default=100)
    args = parser.parse_args()
    started = time.perf_counter()
    frame = generate_pool(args.offerings, seed=1)
    generated = time.perf_counter() - started
    started = time.perf_counter()
    pool = Pool(frame)  # indexed once, queried for every part
    indexed = time.perf_counter() - started
    weights = ScoreWeights()
    timings = {"filter": 0.0, "score": 0.0, "select": 0.0}
    eligible = chosen = 0
    for need in needs(args.parts, seed=2):
        t0 = time.perf_counter()
        table = candidates(pool, need, max_premium=1.0)
        t1 = time.perf_counter()
        ranked = score(table, need, weights)
        t2 = time.perf_counter()
        selection = select(ranked, need, days=60, max_providers=3)
        t3 = time.perf_counter()
        timings["filter"] += t1 - t0
        timings["score"] += t2 - t1
        timings["select"] += t3 - t2
        eligible += len(ranked)
        chosen += len(selection.chosen)
    total = sum(timings.values()) + indexed
    print(f"pool: {args.offerings:,} offerings generated in {generated:.2f} s, indexed in {indexed:.2f} s "
          "(the index is part of the total)")
    print(f"{'parts':>6} {'filter s':>9} {'score s':>8} {'select s':>9} {'total s':>8} {'eligible/part':>14} {'chosen/part':>12}")
    print(f"{args.parts:>6} {timings['filter']:>9.2f} {timings['score']:>8.2f} {timings['select']:>9.2f} "
          f"{total:>8.2f} {eligible / args.parts:>14.0f} {chosen / args.parts:>12.1f}")


if __name__ == "__main__":
    main()
