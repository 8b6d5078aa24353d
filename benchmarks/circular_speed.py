"""What circular supply (take-back, grading, reman) costs a replication of the quickstart, a day.

Run: .venv/bin/python benchmarks/circular_speed.py [--replications 5] [--together]
     [--against TREE [--rounds 3]]

Times circular supply's daily work (``CircularBatch.start_of_day`` + ``end_of_day``, called by
the batch's day; in versions before it, ``CircularSupply.start_of_day`` + ``end_of_day``, each
replication's day hooks) summed over a replication of every quickstart strategy (``resim run``'s
replication: the response attached, the ledger reduced), and the whole replication: the median
over ``--replications`` run one at a time, in milliseconds of the thread's CPU time
(``time.thread_time``), so that what other processes on a shared machine take of it is not
counted. With ``--together`` the replications of a strategy run as one batch
(``run_together``, as ``resim run`` runs them), three times, and the times are the batch's
median divided by the replications. With ``--against TREE`` (a folder holding another version's
``resim`` package, e.g. one unpacked by ``git archive BASE resim | tar -x -C TREE``) each round
runs that version and this one, each in a subprocess, one after the other, so that a busy
machine slows both alike; the table gives the medians over the rounds and the ratio other / this.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SCENARIO = ROOT / "scenarios" / "quickstart.yaml"


def measure(replications: int, together: bool = False) -> dict[str, dict[str, float]]:
    """``strategy -> {"hooks_ms", "replication_ms"}``: medians of the circular supply's daily work
    summed over a replication, and of the replication, in milliseconds of CPU time; one at a time
    over ``replications``, or ``together`` (three batches of them, per replication)."""
    import resim
    import resim.sim.circular as circular
    from resim.experiment.runner import run_replication, run_together

    spent = [0.0]

    def timed(hook):
        def wrapper(*args):
            start = time.thread_time()
            hook(*args)
            spent[0] += time.thread_time() - start
        return wrapper

    # Wrapping the class's methods suffices: the engine calls them (or, before CircularBatch,
    # each model registered them as bound methods when it was made).
    daily = getattr(circular, "CircularBatch", None) or circular.CircularSupply
    daily.start_of_day = timed(daily.start_of_day)
    daily.end_of_day = timed(daily.end_of_day)
    scenario = resim.load_scenario(SCENARIO)
    run_replication(scenario, scenario.strategies[0].id, 0, scenario.seed)  # warm: imports, caches
    found = {}
    for spec in scenario.strategies:
        hooks, whole = [], []
        for replication in range(3 if together else replications):
            spent[0] = 0.0
            start = time.thread_time()
            if together:
                run_together(scenario, spec.id, list(range(replications)), scenario.seed)
            else:
                run_replication(scenario, spec.id, replication, scenario.seed)
            per = replications if together else 1
            whole.append((time.thread_time() - start) / per)
            hooks.append(spent[0] / per)
        found[spec.id] = {"hooks_ms": 1e3 * statistics.median(hooks),
                          "replication_ms": 1e3 * statistics.median(whole)}
    return found


def _in_tree(tree: Path, replications: int, together: bool) -> dict[str, dict[str, float]]:
    """:func:`measure` with the ``resim`` package of ``tree``, in a subprocess."""
    code = (f"import json, sys; sys.path.insert(0, {str(Path(__file__).parent)!r}); "
            f"from circular_speed import measure; print(json.dumps(measure({replications}, {together})))")
    done = subprocess.run([sys.executable, "-c", code], env=dict(os.environ, PYTHONPATH=str(tree)),
                          cwd=tree, check=True, capture_output=True, text=True)
    return json.loads(done.stdout.splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--replications", type=int, default=5)
    parser.add_argument("--together", action="store_true", help="the replications of a strategy as one batch")
    parser.add_argument("--against", type=Path, help="a folder holding another version's resim package")
    parser.add_argument("--rounds", type=int, default=3, help="rounds of both versions, with --against")
    args = parser.parse_args()
    if args.against is None:
        print(f"{'strategy':<18} {'hooks ms':>9} {'µs a day':>9} {'replication ms':>15}")
        for strategy, t in measure(args.replications, args.together).items():
            print(f"{strategy:<18} {t['hooks_ms']:>9.2f} {1e3 * t['hooks_ms'] / 365:>9.1f} "
                  f"{t['replication_ms']:>15.1f}")
        return
    rounds = [(_in_tree(args.against.resolve(), args.replications, args.together),
               _in_tree(ROOT, args.replications, args.together))
              for _ in range(args.rounds)]
    print(f"{'strategy':<18} {'hooks ms other':>15} {'hooks ms this':>14} {'ratio':>6} "
          f"{'replication ms other':>21} {'replication ms this':>20}")
    for strategy in rounds[0][0]:
        def median(side: int, what: str) -> float:
            return statistics.median(r[side][strategy][what] for r in rounds)
        other, this = median(0, "hooks_ms"), median(1, "hooks_ms")
        print(f"{strategy:<18} {other:>15.2f} {this:>14.2f} {other / this:>6.1f} "
              f"{median(0, 'replication_ms'):>21.1f} {median(1, 'replication_ms'):>20.1f}")


if __name__ == "__main__":
    main()
