"""The ``resim`` command line: the only module that prints or exits.

Exit codes: 0 success, 1 failure while running, 2 bad input or usage, 130 interrupted.
"""

from __future__ import annotations

import argparse
import json
import shutil
import signal
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Sequence

from resim.core.version import __version__
from resim.core.files import FolderBusy, FolderInUse, claim_folder, folder_lock, save_figure, save_folder, write_atomic
from resim.core.errors import Problem, ScenarioError, WorkersLost

if TYPE_CHECKING:
    from resim.scenario import Scenario

__all__ = ["main"]

EXIT_OK, EXIT_FAILED, EXIT_BAD_INPUT, EXIT_INTERRUPTED = 0, 1, 2, 130
CRITERION_SHORT = "highest mean profit, paired over the replications"
SWEEP_FILES = ("sweep.csv",)
MAX_REPLICATIONS = 1_000_000  # the most a scenario file allows (Scenario.replications)
MAX_HORIZON_DAYS = 36_500  # the longest horizon a scenario file allows (Scenario.horizon_days)
MAX_SWEEP_RUNS = 1_000_000  # variants x replications of one sweep: as many as one run may have
MAX_GENERATED_NODES = 1_000_000  # generate builds the whole chain in memory
CRITICALITY_FILES = ("criticality.csv", "figures/criticality.png")


def _print_problems(problems: Sequence[Problem]) -> None:
    for problem in problems:
        print(problem, file=sys.stderr)


def _cmd_validate(args: argparse.Namespace) -> int:
    from resim.scenario import load_scenario

    bad = 0
    for path in args.paths:
        try:
            scenario = load_scenario(path, strict=args.strict)
        except ScenarioError as exc:
            _print_problems(exc.problems)
            bad += 1
        else:
            _print_problems(scenario.warnings)
            if not args.quiet:
                count = len(scenario.warnings)
                print(f"{path}: valid" + (f" ({count} warning{'s' if count > 1 else ''})" if count else ""))
    if bad:
        print(f"{bad} of {len(args.paths)} files invalid", file=sys.stderr)
        return EXIT_BAD_INPUT
    return EXIT_OK


def _cmd_info(args: argparse.Namespace) -> int:
    from resim.report.info import describe
    from resim.scenario import load_scenario

    print(describe(load_scenario(args.path)))
    return EXIT_OK


def _warned(scenario: "Scenario", strict: bool, horizon: int | None) -> "Scenario":
    """The scenario at the horizon it will run with; its warnings printed on stderr, or raised
    as errors with ``strict`` (before anything is written)."""
    if horizon is not None:
        scenario = scenario.replace(horizon_days=horizon)  # warnings of this horizon
    if strict and scenario.warnings:
        raise ScenarioError(scenario.warnings)
    _print_problems(scenario.warnings)
    return scenario


def _claimed(command: str, output: Path, names: Sequence[str], overwrite: bool, resumable: bool = False) -> bool:
    """Whether ``command`` may write ``names`` into ``output``: not when the folder already holds
    any of them (an earlier run), unless ``overwrite``; the refusal is printed as one line."""
    try:
        claim_folder(output, names, overwrite=overwrite)
    except FolderInUse as exc:
        how = ("add --resume to continue the interrupted run in it or --overwrite to replace it" if resumable
               else "add --overwrite to replace it")
        print(f"resim {command}: {exc}; {how}, or choose another folder with -o", file=sys.stderr)
        return False
    return True


def _cmd_run(args: argparse.Namespace) -> int:
    from resim.cli.progress import ProgressBar
    from resim.experiment.results import RUN_FILES
    from resim.experiment.runner import run
    from resim.scenario import load_scenario

    scenario = _warned(load_scenario(args.path), args.strict, args.horizon)
    strategies = [s.strip() for s in args.strategies.split(",") if s.strip()] if args.strategies else None
    output = Path(args.output or Path("results") / Path(args.path).stem)
    checkpoint = output / ".checkpoint"
    if checkpoint.is_symlink():  # it would be followed and written through, out of the results folder
        print(f"resim run: {checkpoint} is a symbolic link; remove it (a checkpoint is a folder resim makes "
              f"itself), or choose another folder with -o", file=sys.stderr)
        return EXIT_BAD_INPUT
    with folder_lock(output):  # one resim at a time writes a folder (and its checkpoint)
        interrupted = checkpoint.is_dir()  # an unfinished run: --resume continues it in this folder
        if not _claimed("run", output, RUN_FILES, args.overwrite or (args.resume and interrupted), interrupted):
            return EXIT_BAD_INPUT
        try:
            results = run(scenario, replications=args.replications, seed=args.seed, strategies=strategies,
                          executor=args.executor, workers=args.workers, alternatives=args.alternatives,
                          scheduler=args.scheduler, checkpoint=checkpoint, resume=args.resume,
                          progress=ProgressBar(f"{Path(args.path).name}"))
        except ValueError as exc:
            print(f"resim run: {exc}", file=sys.stderr)
            return EXIT_BAD_INPUT
        results.save(output)
        shutil.rmtree(checkpoint, ignore_errors=True)  # the run is complete and saved
    comparison = results.comparison
    print(comparison.headline(scenario.currency).to_string(index=False))
    print(f"{results.info['replications']} replications; recovery times are censored at the horizon "
          f"(median 'not reached': fewer than half recovered); * recommended")
    if comparison.recommended:
        print(f"recommended: {comparison.recommended} ({CRITERION_SHORT})")
        for reason in comparison.reasons:
            print(f"  - {reason}")
    for note in comparison.notes:
        print(f"note: {note}")
    for warning in comparison.warnings:
        print(f"warning: {warning}")
    print(f"results written to {output}/")
    return EXIT_OK


def _cmd_risk(args: argparse.Namespace) -> int:
    from resim.cli.progress import ProgressBar
    from resim.assess.risk import RISK_FILES, assess_risk
    from resim.scenario import load_scenario

    scenario = load_scenario(args.path)
    nodes = [n.strip() for n in args.nodes.split(",") if n.strip()] if args.nodes else None
    unknown = [n for n in nodes or [] if n not in scenario.nodes_by_id]
    if unknown:
        print(f"resim risk: unknown node '{unknown[0]}'", file=sys.stderr)
        return EXIT_BAD_INPUT
    output = Path(args.output or Path("results") / f"{Path(args.path).stem}-risk")
    with folder_lock(output):
        if not _claimed("risk", output, RISK_FILES, args.overwrite):
            return EXIT_BAD_INPUT
        report = assess_risk(scenario, replications=args.replications, seed=args.seed, executor=args.executor,
                             workers=args.workers, scheduler=args.scheduler, nodes=nodes,
                             simulate_nodes=args.simulate_nodes, default_ttr_days=args.ttr,
                             progress=ProgressBar(f"risk {Path(args.path).name}"))
        report.save(output)
    for line in (*report.headline(), *report.register_lines()):
        print(line)
    print(f"risk register written to {output}/")
    return EXIT_OK


def _cmd_providers(args: argparse.Namespace) -> int:
    if args.target == "generate":
        return _providers_generate(args)
    import numpy as np

    from resim.sim.capacity import CapacityLedger
    from resim.supply.matching import active_disruptions, candidates, score
    from resim.supply.pool import pool_frame
    from resim.scenario import load_scenario

    if not args.part and not args.process:
        print("resim providers: give --part ID or --process NAME (or: resim providers generate --n N -o FILE)",
              file=sys.stderr)
        return EXIT_BAD_INPUT
    scenario = load_scenario(args.target)
    try:
        need = _providers_need(scenario, args)
    except (ValueError, KeyError) as exc:
        print(f"resim providers: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    active = active_disruptions(scenario, args.at) if args.at is not None else []
    pool = pool_frame(scenario.maas.providers)
    contended: list[str] = []
    components = {}
    if args.at is not None:  # what the simulation gets that day: other firms' contention taken
        ledger = CapacityLedger(pool, scenario)
        pool, contended = ledger.frame(active, args.at, args.at + 1), ledger.contended_regions(active)
        if scenario.parts_by_id[need.part].bom:  # and what the components' sources allow
            from resim.sim.inputs import input_capacity_on

            components = input_capacity_on(scenario, need.part, args.at)
            pool = pool.assign(capacity_per_day=np.minimum(pool.capacity_per_day, pool.inputs.map(components)))
    table = candidates(pool, need, active=active, scenario=scenario)
    ranked = score(table, need, scenario.maas.weights)
    contention = scenario.maas.contention
    print(f"{need.part}: {need.process}"
          + (f", {need.material}" if need.material else "")
          + (f", ±{need.tolerance_mm:g} mm" if need.tolerance_mm else "")
          + (f", {' + '.join(sorted(need.certifications))}" if need.certifications else "")
          + f"; {need.units_per_day:,.1f} units/day to {need.destination}"
          + (f"; conditions of day {args.at}: {', '.join(e.id for e in active) or 'none'}" if args.at is not None else ""))
    if components:
        print("components allow " + "; ".join(f"{v:,.0f}/day with inputs {k}" if np.isfinite(v) else
                                               f"any amount with inputs {k}" for k, v in components.items())
              + " (their sources as the simulation has them that day)")
    if contended:
        print(f"contention: other firms take {contention.capacity_taken:.0%} of the capacity of the providers in "
              f"{', '.join(contended)}; their prices are {contention.price_increase * contention.capacity_taken:.0%} higher")
    if ranked.empty:
        print("no eligible provider")
    else:
        columns = {"rank": "rank", "id": "offering", "country": "country", "landed_unit_cost": "unit cost",
                   "days_to_first_delivery": "days to 1st", "capacity_per_day": "cap/day",
                   "conformance_rate": "quality", "on_time_rate": "on time", "distance_km": "km",
                   "score": "score", **{f"part_{k}": f"s_{k}" for k in ("cost", "lead_time", "quality", "on_time",
                                                                    "capacity", "distance")}}  # score parts: s_*

        def three_digits(v: float) -> str:  # 3 significant digits, thousands separators, never e-notation
            if not np.isfinite(v) or v == 0:
                return f"{v:g}"
            decimals = 2 - int(np.floor(np.log10(abs(v))))
            text = f"{round(v, decimals):,.{max(decimals, 0)}f}"
            return text.rstrip("0").rstrip(".") if "." in text else text

        shown = ranked.head(args.top)[list(columns)].rename(columns=columns)
        print(shown.to_string(index=False, float_format=three_digits))
    excluded = [f"{count} {reason}" for reason, count in table[~table.eligible].reason.value_counts().items()]
    if table.attrs["not_offering"]:
        excluded.insert(0, f"{table.attrs['not_offering']} offer other processes")
    if excluded:
        print("excluded: " + "; ".join(excluded))
    return EXIT_OK


def _cmd_compare(args: argparse.Namespace) -> int:
    from resim.experiment.compare_runs import compare_runs

    try:
        table = compare_runs([Path(p) for p in args.folders])
    except ValueError as exc:
        print(f"resim compare: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    if args.output:
        write_atomic(Path(args.output) / "compare.csv", table.to_csv(index=False, float_format="%.6g"))
    from resim.core.formatting import metric_value

    shown = table[table.metric.isin(args.metrics.split(","))] if args.metrics else table
    shown = shown.copy()
    for column in shown.columns[2:]:
        shown[column] = [metric_value(m, v) for m, v in zip(shown.metric, shown[column])]
    print(shown.to_string(index=False))
    return EXIT_OK


def _cmd_sweep(args: argparse.Namespace) -> int:
    from resim.cli.progress import ProgressBar
    from resim.scenario import load_scenario
    from resim.assess.sweep import grid, latin_hypercube, parse_param, parse_range, run_sweep

    if bool(args.param) == bool(args.lhs):
        print("resim sweep: give --param FIELD=v1,v2 ... or --lhs N with --range FIELD=low:high ...",
              file=sys.stderr)
        return EXIT_BAD_INPUT
    try:
        if args.param:
            params = dict(parse_param(text) for text in args.param)
            variants = 1
            for values in params.values():
                variants *= max(len(values), 1)
            if variants > MAX_SWEEP_RUNS:
                raise ValueError(f"the --param grid has {variants:,} variants; at most {MAX_SWEEP_RUNS:,} "
                                 f"(variants x replications) can be run by one sweep")
            design = grid(params)
        else:
            if not args.range:
                raise ValueError("--lhs needs at least one --range FIELD=low:high")
            if args.lhs > MAX_SWEEP_RUNS:
                raise ValueError(f"--lhs {args.lhs:,}: at most {MAX_SWEEP_RUNS:,} variants "
                                 f"(variants x replications) can be run by one sweep")
            design = latin_hypercube(dict(parse_range(text) for text in args.range), args.lhs,
                                     seed=args.seed or 0)
    except ValueError as exc:
        print(f"resim sweep: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    scenario = load_scenario(args.path)
    replications = args.replications or scenario.replications
    if len(design) * replications > MAX_SWEEP_RUNS:
        print(f"resim sweep: {len(design):,} variants x {replications:,} replications = "
              f"{len(design) * replications:,} runs; at most {MAX_SWEEP_RUNS:,} in one sweep "
              f"(fewer variants or --replications)", file=sys.stderr)
        return EXIT_BAD_INPUT
    strategies = [s.strip() for s in args.strategies.split(",") if s.strip()] if args.strategies else None
    output = Path(args.output or Path("results") / f"{Path(args.path).stem}-sweep")
    with folder_lock(output):
        if not _claimed("sweep", output, SWEEP_FILES, args.overwrite):
            return EXIT_BAD_INPUT
        try:
            table = run_sweep(scenario, design, replications=args.replications, seed=args.seed,
                              strategies=strategies, executor=args.executor, workers=args.workers,
                              scheduler=args.scheduler, progress=ProgressBar(f"sweep {Path(args.path).name}"))
        except ValueError as exc:
            print(f"resim sweep: {exc}", file=sys.stderr)
            return EXIT_BAD_INPUT
        write_atomic(output / "sweep.csv", table.to_csv(index=False, float_format="%.6g"))
    from resim.core.formatting import metric_value

    shown = table[table.metric.isin(["fill_rate", "recovered", "recovery_time_days", "cost_total"])].copy()
    for column in ("estimate", "ci_low", "ci_high"):
        shown[column] = [metric_value(m, v, scenario.currency) for m, v in zip(shown.metric, shown[column])]
    print(shown.to_string(index=False))
    print(f"{len(design)} variants written to {output}/sweep.csv (recovery_time_days: restricted mean, "
          f"censored at the horizon)")
    return EXIT_OK


def _cmd_generate(args: argparse.Namespace) -> int:
    import yaml

    from resim.scenario import scenario_from_dict
    from resim.scenario.synthetic import synthetic_chain

    try:
        data = synthetic_chain(args.nodes, tiers=args.tiers, seed=args.seed, horizon_days=args.horizon)
    except ValueError as exc:
        print(f"resim generate: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    scenario_from_dict(data, f"generated chain of {args.nodes} nodes")  # what is written is valid
    header = (f"# A synthetic value chain: {args.nodes} nodes, {args.tiers} supplier tiers, seed {args.seed}.\n"
              f"# Written by: resim generate --nodes {args.nodes} --tiers {args.tiers} --seed {args.seed}\n")
    write_atomic(Path(args.output), header + yaml.safe_dump(data, sort_keys=False, width=110))
    print(f"{args.nodes:,}-node scenario written to {args.output}")
    return EXIT_OK


def _cmd_criticality(args: argparse.Namespace) -> int:
    from resim.assess.criticality import assess_criticality
    from resim.report.figures import criticality_ranking
    from resim.scenario import load_scenario

    scenario = load_scenario(args.path)
    output = Path(args.output or Path("results") / f"{Path(args.path).stem}-criticality")
    table = assess_criticality(scenario)

    def write(stage: Path) -> None:
        write_atomic(stage / "criticality.csv", table.to_csv(index=False, float_format="%.6g"))
        save_figure(criticality_ranking(table), stage / "figures" / "criticality.png")

    with folder_lock(output):
        if not _claimed("criticality", output, CRITICALITY_FILES, args.overwrite):
            return EXIT_BAD_INPUT
        save_folder(output, write, names=CRITICALITY_FILES)
    columns = [c for c in ("rank", "part", "score", "sources", "region_concentration", "coverage_days",
                           "substitutes", "hazard", "reman_fit") if c in table.columns]
    from resim.core.formatting import plain

    print(table[columns].head(args.top).to_string(index=False, float_format=plain))
    print(f"criticality table and figure written to {output}/")
    return EXIT_OK


def _providers_need(scenario, args: argparse.Namespace):
    from resim.sim.circular import PROCESS_PATHS, partner_need
    from resim.supply.matching import need_for

    if args.process:
        if args.process not in PROCESS_PATHS:
            raise ValueError(f"unknown circular process '{args.process}' (expected one of {', '.join(PROCESS_PATHS)})")
        node = args.destination or next((p.node for p in scenario.circular.processes), None)
        if node is None or node not in scenario.nodes_by_id:
            raise ValueError("name the reman node with --destination")
        return partner_need(scenario, args.process, node, args.units)
    if args.part not in scenario.parts_by_id:
        raise ValueError(f"unknown part '{args.part}'")
    return need_for(scenario, args.part, units_per_day=args.units, destination=args.destination)


def _providers_generate(args: argparse.Namespace) -> int:
    from resim.supply.generator import generate_pool
    from resim.supply.pool import write_pool_csv

    if not args.n or not args.output:
        print("resim providers generate: give --n N and -o FILE", file=sys.stderr)
        return EXIT_BAD_INPUT
    write_pool_csv(generate_pool(args.n, seed=args.seed), Path(args.output))
    print(f"{args.n:,} offerings written to {args.output}")
    return EXIT_OK


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected at least 1, got {value}")
    return value


def _int_at_most(limit: int, why: str) -> Callable[[str], int]:
    """An argparse type: a whole number from 1 to ``limit``, refused with ``why`` above it."""
    def parse(text: str) -> int:
        value = _positive_int(text)
        if value > limit:
            raise argparse.ArgumentTypeError(f"at most {limit:,} ({why}), got {value:,}")
        return value
    return parse


def _cmd_schema(args: argparse.Namespace) -> int:
    from resim.scenario.jsonschema import scenario_schema

    text = json.dumps(scenario_schema(), indent=2) + "\n"
    if args.output:
        write_atomic(Path(args.output), text)
    else:
        sys.stdout.write(text)
    return EXIT_OK


def _experiment_options(parser: argparse.ArgumentParser, replications_help: str) -> None:
    parser.add_argument("--replications", type=_int_at_most(MAX_REPLICATIONS, "the most a scenario allows"),
                        metavar="N", help=replications_help)
    parser.add_argument("--seed", type=int, metavar="S", help="default: the scenario's")
    parser.add_argument("--executor", choices=("serial", "processes", "dask"), default="processes",
                        help="where replications run (default: processes, one per core; dask needs resim[dask])")
    parser.add_argument("--workers", type=_positive_int, metavar="N",
                        help="worker processes (default: all cores)")
    parser.add_argument("--scheduler", metavar="ADDRESS",
                        help="with --executor dask: the scheduler, e.g. tcp://host:8786 (default: a local cluster)")


def _overwrite_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--overwrite", action="store_true",
                        help="replace the files of an earlier run in the folder (without it, a folder "
                             "that holds any of them is refused: exit 2, nothing written)")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="resim",
        description="Simulate manufacturing value chains under disruption and compare how "
                    "response strategies (MaaS, circular supply, buffers) recover, and at what cost.",
    )
    parser.add_argument("--version", action="version", version=f"resim {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    validate = commands.add_parser(
        "validate", help="check scenario files; exit 0 when every file is valid",
        description="Check scenario files. Every problem is printed as FILE:LINE: field.path: "
                    "message; the exit code is 2 when any file is invalid. Warnings (what is valid "
                    "but has no effect, such as a disruption that cannot happen inside the horizon) "
                    "are printed the same way and leave the exit code at 0, unless --strict.")
    validate.add_argument("paths", nargs="+", metavar="PATH", help="scenario YAML files")
    validate.add_argument("-q", "--quiet", action="store_true", help="print only problems and warnings")
    validate.add_argument("--strict", action="store_true",
                          help="warnings are errors: a file with warnings is invalid (exit 2)")
    validate.set_defaults(run=_cmd_validate)

    info = commands.add_parser(
        "info", help="readable summary of a scenario's value chain",
        description="Summarise a scenario: node kinds, supplier tiers, regions, parts, "
                    "single-sourced critical parts and regional concentration.")
    info.add_argument("path", metavar="PATH", help="scenario YAML file")
    info.set_defaults(run=_cmd_info)

    run = commands.add_parser(
        "run", help="simulate a scenario and write a results folder",
        description="Run Monte Carlo replications of each strategy with common random numbers and "
                    "write run.json, summary.csv, replications.csv, timeseries.csv, costs.csv, ... and "
                    "report.html. An earlier run is never replaced unasked: a results folder that "
                    "already holds a run's files is refused (exit 2, nothing run or written) unless "
                    "--overwrite, or --resume to finish an interrupted run in it; re-running an edited "
                    "scenario into its default folder would otherwise lose the results it is compared with.")
    run.add_argument("path", metavar="PATH", help="scenario YAML file")
    run.add_argument("-o", "--output", metavar="DIR",
                     help="results folder (default results/<scenario name>); give a new one to keep earlier runs")
    _experiment_options(run, "default: the scenario's")
    run.add_argument("--strategies", metavar="A,B", help="strategy ids, comma-separated (default: none and every strategy of the scenario)")
    run.add_argument("--horizon", type=_int_at_most(MAX_HORIZON_DAYS, "the longest horizon a scenario allows"), metavar="DAYS", help="default: the scenario's")
    run.add_argument("--resume", action="store_true",
                     help="continue an interrupted run into the same folder: only missing replications run")
    run.add_argument("--overwrite", action="store_true",
                     help="replace the earlier run in the results folder (its files are replaced only "
                          "once the new run has finished)")
    run.add_argument("--alternatives", action="store_true",
                     help="also simulate each MaaS strategy's other orchestrations (cheapest, fastest, balanced)")
    run.add_argument("--strict", action="store_true",
                     help="stop on the scenario's warnings (e.g. a disruption that cannot happen inside "
                          "the horizon) as on errors: exit 2, nothing written")
    run.set_defaults(run=_cmd_run)

    risk = commands.add_parser(
        "risk", help="resilience process R1: risk register, TTS/TTR per node, risk matrix",
        description="Stress-test every node (time to survive vs time to recover, by linear "
                    "programming, checked by simulation) and rank the scenario's disruptions by "
                    "expected yearly loss. Writes risk.csv, nodes.csv and figures/.")
    risk.add_argument("path", metavar="PATH", help="scenario YAML file")
    risk.add_argument("-o", "--output", metavar="DIR", help="default results/<scenario name>-risk")
    _overwrite_option(risk)
    _experiment_options(risk, "per simulated case (default: the scenario's, at most 20)")
    risk.add_argument("--nodes", metavar="A,B", help="nodes to stress-test (default: suppliers, plants, DCs)")
    risk.add_argument("--simulate-nodes", type=int, default=15, metavar="K",
                      help="also simulate the outages of the K most exposed nodes (default 15)")
    risk.add_argument("--ttr", type=float, default=30.0, metavar="DAYS",
                      help="recovery time of nodes no catalogue disruption hits (default 30)")
    risk.set_defaults(run=_cmd_risk)

    providers = commands.add_parser(
        "providers", help="MaaS stage 2: ranked, explained candidate providers for a part",
        description="Rank the scenario's MaaS offerings for a part: hard constraints first (each "
                    "exclusion with its reason), then a weighted score whose parts are shown. "
                    "'resim providers generate --n N -o FILE' writes a synthetic pool as CSV.")
    providers.add_argument("target", metavar="PATH|generate", help="scenario YAML file, or 'generate'")
    providers.add_argument("--part", metavar="ID", help="part to find providers for")
    providers.add_argument("--process", metavar="NAME",
                           help="or a circular process (disassembly, testing, reconditioning, ...) for a reman node")
    providers.add_argument("--at", type=int, metavar="DAY",
                           help="apply the conditions of DAY (footprints, embargoes, local content)")
    providers.add_argument("--destination", metavar="NODE", help="node to deliver to (default: where the part goes)")
    providers.add_argument("--units", type=float, metavar="N", help="units per day sought (default: daily use)")
    providers.add_argument("--top", type=_positive_int, default=10, metavar="K", help="rows shown (default 10)")
    providers.add_argument("--n", type=_int_at_most(MAX_GENERATED_NODES, "the pool is built in memory"), metavar="N", help="generate: number of offerings")
    providers.add_argument("-o", "--output", metavar="FILE", help="generate: CSV file to write")
    providers.add_argument("--seed", type=int, default=0, help="generate: random seed (default 0)")
    providers.set_defaults(run=_cmd_providers)

    sweep = commands.add_parser(
        "sweep", help="run scenario variants (a grid or a Latin hypercube) across the executor",
        description="Vary scenario fields and run every variant with the same seed (common random "
                    "numbers). Writes sweep.csv: variant x field values x strategy x metric.")
    sweep.add_argument("path", metavar="PATH", help="scenario YAML file")
    sweep.add_argument("--param", action="append", metavar="FIELD=v1,v2",
                       help="a field and its values (repeat for a full factorial grid)")
    sweep.add_argument("--lhs", type=_int_at_most(MAX_SWEEP_RUNS, "the most variants one sweep can run"), metavar="N", help="N variants from a Latin hypercube")
    sweep.add_argument("--range", action="append", metavar="FIELD=low:high", help="a field's range for --lhs")
    sweep.add_argument("-o", "--output", metavar="DIR", help="default results/<scenario name>-sweep")
    _overwrite_option(sweep)
    sweep.add_argument("--strategies", metavar="A,B", help="strategy ids (default: none and every strategy)")
    _experiment_options(sweep, "per variant (default: the scenario's)")
    sweep.set_defaults(run=_cmd_sweep)

    generate = commands.add_parser(
        "generate", help="write a large synthetic but plausible scenario (for scale studies)",
        description="Write a synthetic multi-tier value chain (suppliers in tiers, plants, DCs, markets, "
                    "dual-sourced parts, base-stock policies sized to the flow), reproducible from --seed.")
    generate.add_argument("--nodes", type=_int_at_most(MAX_GENERATED_NODES, "generate builds the chain in memory"),
                          required=True, metavar="N", help="number of nodes")
    generate.add_argument("--tiers", type=_positive_int, default=3, metavar="T", help="supplier tiers (default 3)")
    generate.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    generate.add_argument("--horizon", type=_int_at_most(MAX_HORIZON_DAYS, "the longest horizon a scenario allows"), default=365, metavar="DAYS", help="default 365")
    generate.add_argument("-o", "--output", required=True, metavar="FILE", help="scenario YAML file to write")
    generate.set_defaults(run=_cmd_generate)

    compare = commands.add_parser(
        "compare", help="line up finished runs (scenario variants) side by side",
        description="Read the summary.csv of each results folder and show every strategy's metrics "
                    "side by side, one column per run.")
    compare.add_argument("folders", nargs="+", metavar="DIR", help="results folders of resim run")
    compare.add_argument("-o", "--output", metavar="DIR", help="also write compare.csv to DIR")
    compare.add_argument("--metrics", metavar="A,B",
                         help="metrics shown (default: fill rate, recovery, shortfall, resilience index, cost, profit)",
                         default="fill_rate,recovery_time_days,shortfall_units,resilience_index,cost_total,profit")
    compare.set_defaults(run=_cmd_compare)

    criticality = commands.add_parser(
        "criticality", help="circularity process C2: rank components by supply risk, reman fitness",
        description="Score every component on supply risk (sources, regional concentration, lead "
                    "time, inventory coverage, share of products, substitutes in the MaaS pool, hazard "
                    "from the scenario's disruptions) and say which are fit for reuse or remanufacture. "
                    "Writes criticality.csv and a figure.")
    criticality.add_argument("path", metavar="PATH", help="scenario YAML file")
    criticality.add_argument("-o", "--output", metavar="DIR", help="default results/<scenario name>-criticality")
    _overwrite_option(criticality)
    criticality.add_argument("--top", type=_positive_int, default=15, metavar="K", help="rows shown (default 15)")
    criticality.set_defaults(run=_cmd_criticality)

    schema = commands.add_parser(
        "schema", help="JSON Schema of the scenario format (for editors)",
        description="Print the JSON Schema of scenario files, e.g. for the YAML language server "
                    "('# yaml-language-server: $schema=resim.schema.json').")
    schema.add_argument("-o", "--output", metavar="FILE", help="write to FILE instead of stdout")
    schema.set_defaults(run=_cmd_schema)
    return parser


def _resume_hint(args: argparse.Namespace) -> str:
    return "; finished replications are kept: add --resume to continue" if args.command == "run" else ""


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code (also used by the ``resim`` console script)."""
    args = _parser().parse_args(argv)
    run: Callable[[argparse.Namespace], int] = args.run
    if hasattr(signal, "SIGXFSZ"):  # over a file-size limit a write raises OSError instead of killing us
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    try:
        return run(args)
    except ScenarioError as exc:
        _print_problems(exc.problems)
        return EXIT_BAD_INPUT
    except FolderBusy as exc:
        print(f"resim {args.command}: {exc}; wait for it to finish or choose another folder with -o", file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        print(f"interrupted{_resume_hint(args)}", file=sys.stderr)
        return EXIT_INTERRUPTED
    except WorkersLost as exc:
        print(f"resim {args.command}: {exc}{_resume_hint(args)}", file=sys.stderr)
        return EXIT_FAILED
    except BrokenPipeError:
        return EXIT_OK
    except OSError as exc:  # an output that cannot be written: existing file, read-only, disk full, size limit
        where = f"cannot write {exc.filename}: " if exc.filename else "cannot write: "
        print(f"resim {args.command}: {where}{exc.strerror or exc}", file=sys.stderr)
        return EXIT_FAILED


if __name__ == "__main__":
    sys.exit(main())
