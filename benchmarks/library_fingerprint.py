"""Fingerprints of the library's results: does a change of code change any number?

Runs every scenario of scenarios/ (5 replications of each strategy, the scenario's seed, serial)
and hashes each strategy's rows of replications.csv (every metric and cost of every replication)
and of the run's summary.csv. A refactoring must leave every fingerprint as it was.

Run: .venv/bin/python benchmarks/library_fingerprint.py --save   # record benchmarks/library_fingerprint.json
     .venv/bin/python benchmarks/library_fingerprint.py          # compare with it: a table, exit 1 if any differ
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from pathlib import Path

import resim

ROOT = Path(__file__).resolve().parents[1]
RECORD = Path(__file__).with_suffix(".json")
REPLICATIONS = 5


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def fingerprints() -> dict[str, str]:
    """``scenario/strategy`` (and ``scenario/summary``) -> a hash of its numbers."""
    found = {}
    for path in sorted((ROOT / "scenarios").glob("*.yaml")):
        results = resim.run(resim.load_scenario(path), replications=REPLICATIONS, executor="serial")
        for strategy, rows in results.replications.groupby("strategy", sort=False):
            found[f"{path.stem}/{strategy}"] = _digest(rows.to_csv(index=False, float_format="%.10g"))
        found[f"{path.stem}/summary"] = _digest(results.summary.to_csv(index=False, float_format="%.10g"))
    return found


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--save", action="store_true", help=f"record the fingerprints in {RECORD.name}")
    args = parser.parse_args()
    now = fingerprints()
    if args.save:
        RECORD.write_text(json.dumps({"resim": resim.__version__, "fingerprints": now}, indent=1) + "\n")
        print(f"{len(now)} fingerprints recorded in {RECORD}")
        return 0
    recorded = json.loads(RECORD.read_text())["fingerprints"]
    changed = 0
    print(f"{'scenario/strategy':<48} {'recorded':<17} {'now':<17} same")
    for key in sorted(set(recorded) | set(now)):
        same = recorded.get(key) == now.get(key)
        changed += not same
        print(f"{key:<48} {recorded.get(key, '-'):<17} {now.get(key, '-'):<17} {'yes' if same else 'NO'}")
    print(f"{changed} of {len(set(recorded) | set(now))} differ")
    return 1 if changed else 0


if __name__ == "__main__":
    sys.exit(main())
