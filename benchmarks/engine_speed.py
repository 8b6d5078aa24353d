"""How fast resim's engine simulates a year of a large chain, next to two SimPy-style models.

For each size, a synthetic chain (:func:`resim.scenario.synthetic.synthetic_chain`) is written to a JSON
file and simulated for its horizon (365 days), one replication, by

* **resim**: ``resim.sim.engine.simulate(scenario)`` (validation, ``scenario_from_dict``, is timed
  apart and not counted);
* **SimPy per node**: ``benchmarks/simpy_per_node.py``, a minimal hand-written model with one
  SimPy process per node, the style resim's engine replaces;
* **SupplyNetPy**: ``benchmarks/peer_supplynetpy.py`` in its own virtual environment
  (``benchmarks/.venv-peer``), the peer library.

Each run is a fresh subprocess, so its peak resident set size (VmHWM) is its own. Only the
simulation is timed (wall clock, ``time.perf_counter``); building the model is reported apart.
Simulated node-days per second = nodes x days / seconds.

Usage::

    .venv/bin/python benchmarks/engine_speed.py [--sizes 10,100,1000,5000] [--no-peer]
        [--max-peer-nodes 1000] [--json results.json]

``--worker resim CHAIN.json`` is the subprocess entry point for resim's runs.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from chain_dists import peak_rss_mb  # noqa: E402  (benchmarks/ is not a package)

HERE = Path(__file__).resolve().parent
PEER_PYTHON = HERE / ".venv-peer" / "bin" / "python"
TARGETS = ("at 1,000 nodes: resim >= 10x SupplyNetPy and >= 2x SimPy per node; "
           "5,000 nodes x 365 days < 10 s per replication")


def _rss_mb() -> float:
    """Current resident set size of this process, MiB (Linux /proc)."""
    with open("/proc/self/statm", encoding="ascii") as handle:
        return int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def resim_worker(chain: str) -> dict[str, Any]:
    """Validate and simulate one chain with resim in this process; the measurements."""
    import resim
    from resim.sim.engine import simulate

    with open(chain, encoding="utf-8") as handle:
        data = json.load(handle)
    started = time.perf_counter()
    scenario = resim.scenario_from_dict(data)
    validated = time.perf_counter()
    del data
    rss_before = _rss_mb()
    started_run = time.perf_counter()
    ledger = simulate(scenario)
    finished = time.perf_counter()
    demand = float(ledger.market["demand"].sum())
    return {
        "nodes": len(scenario.nodes),
        "days": scenario.horizon_days,
        "seconds": finished - started_run,
        "validate_seconds": validated - started,
        "peak_mb": peak_rss_mb(),
        "rss_before_mb": rss_before,
        "fill_rate": float(ledger.market["delivered"].sum()) / demand if demand else None,
    }


def _run(command: list[str], timeout: float | None) -> dict[str, Any]:
    """Run a worker command; its last stdout line as JSON, or an ``error`` entry."""
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=timeout,
                              check=False)
    except subprocess.TimeoutExpired:
        return {"error": f"timed out after {timeout:g} s"}
    lines = done.stdout.strip().splitlines()
    if done.returncode != 0 or not lines:
        tail = (done.stderr.strip().splitlines() or ["no output"])[-1]
        return {"error": f"exit {done.returncode}: {tail}"}
    return json.loads(lines[-1])


def machine() -> str:
    """One line: CPU model, cores, memory, Python, OS."""
    model = "unknown CPU"
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as handle:
            model = next(line.split(":", 1)[1].strip() for line in handle
                         if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return (f"{model}, {os.cpu_count()} cores, {memory:.0f} GiB, Python "
            f"{platform.python_version()}, {platform.system()} {platform.release()}")


def _fmt(value: float | None, digits: int = 2) -> str:
    if value is None:
        return "-"
    if value >= 100_000:
        return f"{value:,.0f}"
    return f"{value:,.{digits}f}"


def _rate(result: dict | None) -> float | None:
    if not result or "seconds" not in result or not result["seconds"]:
        return None
    return result["nodes"] * result["days"] / result["seconds"]


def _seconds(result: dict | None) -> str:
    if result is None:
        return "not run"
    if "skipped" in result:
        return "skipped"
    if "error" in result:
        return f"error ({result['error']})"
    return _fmt(result["seconds"], 3 if result["seconds"] < 1 else 2)


def _speedup(other: dict | None, mine: dict | None) -> str:
    if not other or not mine or "seconds" not in other or "seconds" not in mine:
        return "-"
    return f"{other['seconds'] / mine['seconds']:.1f}x"


def table(rows: list[dict[str, Any]]) -> str:
    """The results as two Markdown tables: speed, then memory, build times and fill rates."""
    head = ("| nodes | resim s | resim node-days/s | resim peak MB | SimPy-per-node s "
            "| SimPy-per-node node-days/s | SupplyNetPy s | SupplyNetPy node-days/s "
            "| speed-up vs SimPy-per-node | speed-up vs SupplyNetPy |")
    lines = [head, "|" + " ---: |" * 10]
    for row in rows:
        r, s, p = row.get("resim"), row.get("simpy_per_node"), row.get("supplynetpy")
        lines.append(
            f"| {row['nodes']:,} | {_seconds(r)} | {_fmt(_rate(r), 0)} "
            f"| {_fmt(r.get('peak_mb') if r else None, 0)} | {_seconds(s)} | {_fmt(_rate(s), 0)} "
            f"| {_seconds(p)} | {_fmt(_rate(p), 0)} | {_speedup(s, r)} | {_speedup(p, r)} |")
    lines += ["", "| nodes | lanes | resim validation s | resim MB added by the run "
              "| resim fill rate | SimPy-per-node peak MB | SimPy-per-node fill rate "
              "| SupplyNetPy peak MB | SupplyNetPy build s | SupplyNetPy fill rate |",
              "|" + " ---: |" * 10]
    for row in rows:
        r, s, p = (row.get(k) or {} for k in ("resim", "simpy_per_node", "supplynetpy"))
        added = r["peak_mb"] - r["rss_before_mb"] if "peak_mb" in r else None
        lines.append(
            f"| {row['nodes']:,} | {row['lanes']:,} | {_fmt(r.get('validate_seconds'))} "
            f"| {_fmt(added, 0)} | {_fmt(r.get('fill_rate'), 3)} | {_fmt(s.get('peak_mb'), 0)} "
            f"| {_fmt(s.get('fill_rate'), 3)} | {_fmt(p.get('peak_mb'), 0)} "
            f"| {_fmt(p.get('build_seconds'))} | {_fmt(p.get('fill_rate'), 3)} |")
    return "\n".join(lines)


def targets(rows: list[dict[str, Any]]) -> list[str]:
    """Each target, met or not, where this run measured it."""
    found = []
    by_size = {row["nodes"]: row for row in rows}
    row = by_size.get(1000)
    if row and row.get("resim") and "seconds" in row["resim"]:
        for key, name, need in (("supplynetpy", "SupplyNetPy", 10), ("simpy_per_node",
                                                                     "SimPy per node", 2)):
            other = row.get(key)
            if other and "seconds" in other:
                gain = other["seconds"] / row["resim"]["seconds"]
                found.append(f"1,000 nodes, resim vs {name}: {gain:.1f}x "
                             f"(target >= {need}x: {'met' if gain >= need else 'NOT met'})")
    row = by_size.get(5000)
    if row and row.get("resim") and "seconds" in row["resim"]:
        took = row["resim"]["seconds"]
        found.append(f"5,000 nodes x {row['resim']['days']} days: {took:.2f} s "
                     f"(target < 10 s: {'met' if took < 10 else 'NOT met'})")
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10,100,1000,5000",
                        help="comma-separated node counts (default: %(default)s)")
    parser.add_argument("--tiers", type=int, default=3, help="supplier tiers (default: 3)")
    parser.add_argument("--seed", type=int, default=0, help="chain and model seed (default: 0)")
    parser.add_argument("--peer", action=argparse.BooleanOptionalAction,
                        default=PEER_PYTHON.exists(),
                        help="run SupplyNetPy (default: on when benchmarks/.venv-peer exists)")
    parser.add_argument("--max-peer-nodes", type=int, default=1000,
                        help="largest chain given to SupplyNetPy (default: %(default)s)")
    parser.add_argument("--per-node", action=argparse.BooleanOptionalAction, default=True,
                        help="run the SimPy-per-node model (default: on)")
    parser.add_argument("--max-per-node-nodes", type=int, default=10_000,
                        help="largest chain given to the SimPy-per-node model "
                             "(default: %(default)s)")
    parser.add_argument("--timeout", type=float, default=None,
                        help="seconds allowed to each run (default: none)")
    parser.add_argument("--json", metavar="PATH", help="also write the raw results as JSON")
    parser.add_argument("--worker", nargs=2, metavar=("MODEL", "CHAIN"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.worker:
        if args.worker[0] != "resim":
            parser.error(f"unknown worker {args.worker[0]!r}")
        print(json.dumps(resim_worker(args.worker[1])))
        return 0

    from resim.scenario.synthetic import synthetic_chain

    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    if args.peer and not PEER_PYTHON.exists():
        parser.error(f"--peer needs {PEER_PYTHON} (see benchmarks/README.md)")
    print(f"machine: {machine()}", flush=True)
    rows = []
    with tempfile.TemporaryDirectory(prefix="resim-bench-") as folder:
        for nodes in sizes:
            data = synthetic_chain(nodes, tiers=args.tiers, seed=args.seed)
            chain = str(Path(folder) / f"chain_{nodes}.json")
            with open(chain, "w", encoding="utf-8") as handle:
                json.dump(data, handle)
            row: dict[str, Any] = {"nodes": len(data["nodes"]), "lanes": len(data["lanes"])}
            row["resim"] = _run([sys.executable, __file__, "--worker", "resim", chain],
                                args.timeout)
            if args.per_node:
                row["simpy_per_node"] = _run(
                    [sys.executable, str(HERE / "simpy_per_node.py"), chain,
                     "--seed", str(args.seed)], args.timeout
                ) if nodes <= args.max_per_node_nodes else {
                    "skipped": f"over --max-per-node-nodes {args.max_per_node_nodes}"}
            if args.peer:
                row["supplynetpy"] = _run(
                    [str(PEER_PYTHON), str(HERE / "peer_supplynetpy.py"), chain,
                     "--seed", str(args.seed)], args.timeout
                ) if nodes <= args.max_peer_nodes else {
                    "skipped": f"over --max-peer-nodes {args.max_peer_nodes}"}
            rows.append(row)
            print(json.dumps(row), file=sys.stderr, flush=True)
    print(table(rows))
    for line in targets(rows):
        print(line)
    if args.json:
        with open(args.json, "w", encoding="utf-8") as handle:
            json.dump({"machine": machine(), "tiers": args.tiers, "seed": args.seed,
                       "rows": rows}, handle, indent=2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
