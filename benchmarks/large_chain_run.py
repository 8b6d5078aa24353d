"""Large chains end to end: ``resim run`` of a synthetic chain, phase by phase (issue 21).

For each size, writes the synthetic chain (``resim.scenario.synthetic.synthetic_chain``, 3 tiers,
seed 0) as YAML, then runs ``resim run PATH --replications R -o DIR`` in a fresh process, as a
user would, and prints a table: the seconds of each phase as run.json records them (load,
simulate, tables, graph, figures, report), run.json's wall seconds, the elapsed seconds
measured around the process and its CPU seconds (workers included), the size of report.html and of figures/, and the tallest
figure in pixels. With ``--repeat N`` each size runs N times and the fastest run is shown.

Run: .venv/bin/python benchmarks/large_chain_run.py                      # 1,000 and 5,000 nodes, 5 replications
     .venv/bin/python benchmarks/large_chain_run.py --sizes 5000 --repeat 3 --figures summary
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import struct
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

from resim.scenario.synthetic import synthetic_chain

PHASES = ("load", "simulate", "tables", "graph", "figures", "report")


def _png_height(path: Path) -> int:
    """Height in pixels, from the PNG header (IHDR: width and height at bytes 16-24)."""
    return struct.unpack(">II", path.read_bytes()[16:24])[1]


def _load() -> float:
    """The 1-minute load average: other work on a shared machine slows every phase."""
    return os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")


def run_once(chain: Path, out: Path, args: argparse.Namespace) -> dict:
    """One ``resim run`` in a fresh process: its phases, wall seconds and output sizes."""
    command = [sys.executable, "-m", "resim", "run", str(chain), "--replications", str(args.replications),
               "--executor", args.executor, "--figures", args.figures, "--overwrite", "-o", str(out)]
    before, started = resource.getrusage(resource.RUSAGE_CHILDREN), time.perf_counter()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
    elapsed, after = time.perf_counter() - started, resource.getrusage(resource.RUSAGE_CHILDREN)
    info = json.loads((out / "run.json").read_text())
    figures = sorted((out / "figures").glob("*.png")) if (out / "figures").is_dir() else []
    return {"phases": info["phase_seconds"], "wall_seconds": info["wall_seconds"], "process_seconds": elapsed,
            # CPU of the run and its workers: on a shared machine, less noisy than the elapsed time
            "cpu_seconds": after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime,
            "report_bytes": (out / "report.html").stat().st_size,
            "figures_bytes": sum(p.stat().st_size for p in figures),
            "tallest_figure_px": max((_png_height(p) for p in figures), default=0)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,5000", help="node counts, comma-separated (default 1000,5000)")
    parser.add_argument("--replications", type=int, default=5)
    parser.add_argument("--repeat", type=int, default=1, help="runs per size; the fastest is shown")
    parser.add_argument("--figures", choices=("none", "summary", "all"), default="summary")
    parser.add_argument("--executor", choices=("serial", "processes"), default="processes")
    parser.add_argument("--json", metavar="PATH", help="also write the raw results here")
    args = parser.parse_args()
    rows, load_before = [], _load()
    with tempfile.TemporaryDirectory(prefix="resim-large-") as tmp:
        for nodes in (int(n) for n in args.sizes.split(",")):
            chain = Path(tmp) / f"chain-{nodes}.yaml"
            chain.write_text(yaml.safe_dump(synthetic_chain(nodes), sort_keys=False), encoding="utf-8")
            runs = []
            for _ in range(args.repeat):
                runs.append(run_once(chain, Path(tmp) / f"out-{nodes}", args))
                print(json.dumps({"nodes": nodes, **runs[-1]}), file=sys.stderr, flush=True)
            rows.append({"nodes": nodes, "runs": len(runs), **min(runs, key=lambda r: r["process_seconds"])})
    print(f"{args.replications} replications, --figures {args.figures}, --executor {args.executor}; best of "
          f"{args.repeat}; 1-minute load average {load_before:.1f} before, {_load():.1f} after, on "
          f"{os.cpu_count()} cores\n")
    head = ["nodes", *(f"{p} s" for p in PHASES), "run.json wall s", "process s", "CPU s", "report MB", "figures MB",
            "tallest figure px"]
    print("| " + " | ".join(head) + " |")
    print("| " + " | ".join("---:" for _ in head) + " |")
    for row in rows:
        cells = [f"{row['nodes']:,}", *(f"{row['phases'].get(p, 0.0):.1f}" for p in PHASES),
                 f"{row['wall_seconds']:.1f}", f"{row['process_seconds']:.1f}", f"{row['cpu_seconds']:.1f}",
                 f"{row['report_bytes'] / 1e6:.2f}", f"{row['figures_bytes'] / 1e6:.2f}",
                 f"{row['tallest_figure_px']:,}"]
        print("| " + " | ".join(cells) + " |")
    if args.json:
        Path(args.json).write_text(json.dumps(rows, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
