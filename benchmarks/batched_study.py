"""A study's speed: replications simulated one at a time against batched (issue 21).

Run: .venv/bin/python benchmarks/batched_study.py [--replications 30] [--large 1000]

In one process and one run of this script, side by side on the same code: the quickstart's
replications × every strategy simulated as `resim.run` does it (simulation, responses, outcomes,
the tables folded; no files written), serial and with 2 worker processes, first one replication
per batch (``BATCH_BYTES`` set so that a batch holds one), then in batches
(:func:`resim.sim.engine.batch_rows`). The same again for the quickstart without take-back
(no circular supply: the engine and the strategies' own work only). ``--large N`` adds N
replications × every strategy, batched, with 2 worker processes (issue 21's target: 1,000
under 60 s). Replications per second, and the batched / one-at-a-time ratio (target: at least 10).
*Simulation s*: the batched run again until every replication is simulated and reduced, without
the summary statistics ``resim.run`` computes after (issue 21's "under 2 s of simulation").
"""

from __future__ import annotations

import argparse
import time

import resim
from resim.experiment.runner import outcomes
from resim.experiment.strategy_runs import strategy_runs
from resim.sim import engine


def timed(scenario: resim.Scenario, replications: int, executor: str, alone: bool) -> float:
    """Seconds for ``resim.run`` of ``scenario`` (every strategy)."""
    budget = engine.BATCH_BYTES
    engine.BATCH_BYTES = 1 if alone else budget  # 1 byte: batch_rows gives one row
    try:
        start = time.perf_counter()
        resim.run(scenario, replications=replications, executor=executor, workers=2)
        return time.perf_counter() - start
    finally:
        engine.BATCH_BYTES = budget


def simulated(scenario: resim.Scenario, replications: int, executor: str) -> float:
    """Seconds until every replication of every strategy is simulated and reduced to its outcome,
    batched, as ``resim.run`` lists them (replication by replication), without the tables'
    summary statistics (bootstrap intervals) that ``resim.run`` then computes."""
    runs = strategy_runs(scenario, None)
    tasks = [(chosen, i, scenario.seed) for i in range(replications) for chosen in runs]
    start = time.perf_counter()
    for _ in outcomes(scenario, tasks, executor, 2):
        pass
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--replications", type=int, default=30)
    parser.add_argument("--large", type=int, default=0, help="also N replications, batched, 2 processes")
    args = parser.parse_args()
    quickstart = resim.load_scenario("scenarios/quickstart.yaml")
    cases = {"quickstart": quickstart,
             "quickstart, no take-back": quickstart.replace(**{"circular.take_back": []})}
    strategies = len(strategy_runs(quickstart, None))
    print(f"{'scenario':<26} {'executor':<10} {'runs':>6} {'one at a time s':>16} {'batched s':>10} "
          f"{'runs/s one':>11} {'runs/s batched':>15} {'ratio':>6} {'simulation s':>13}")
    for name, scenario in cases.items():
        resim.run(scenario, replications=1, executor="serial")  # warm: imports, pool index
        for executor in ("serial", "processes"):
            runs = args.replications * strategies
            one = timed(scenario, args.replications, executor, alone=True)
            batched = timed(scenario, args.replications, executor, alone=False)
            simulation = simulated(scenario, args.replications, executor)
            print(f"{name:<26} {executor:<10} {runs:>6} {one:>16.2f} {batched:>10.2f} {runs / one:>11.1f} "
                  f"{runs / batched:>15.1f} {one / batched:>6.1f} {simulation:>13.2f}", flush=True)
    if args.large:
        for name, scenario in cases.items():
            seconds = timed(scenario, args.large, "processes", alone=False)
            simulation = simulated(scenario, args.large, "processes")
            runs = args.large * strategies
            print(f"{name:<26} {'processes':<10} {runs:>6} {'':>16} {seconds:>10.2f} {'':>11} {runs / seconds:>15.1f} "
                  f"{'':>6} {simulation:>13.2f}", flush=True)


if __name__ == "__main__":
    main()
