"""What each ``resim`` command does: a function per command, from the parsed arguments
(:mod:`resim.cli.parser`) to the exit code, in :data:`COMMANDS` by name. Answers go to stdout,
problems and warnings to stderr; :mod:`resim.cli.main` turns the errors they raise into exit codes.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Sequence

from resim.cli.parser import MAX_SWEEP_RUNS
from resim.core.files import FolderInUse, claim_folder, folder_lock, save_figure, save_folder, write_atomic, write_csv
from resim.core.errors import Problem, ScenarioError

if TYPE_CHECKING:
    from resim.scenario import Scenario

__all__ = ["COMMANDS", "EXIT_OK", "EXIT_FAILED", "EXIT_BAD_INPUT", "EXIT_INTERRUPTED"]

EXIT_OK, EXIT_FAILED, EXIT_BAD_INPUT, EXIT_INTERRUPTED = 0, 1, 2, 130
CRITERION_SHORT = "highest mean profit, paired over the replications"
SWEEP_FILES = ("sweep.csv",)
CRITICALITY_FILES = ("criticality.csv", "figures/criticality.png")
OPTIMIZE_FILES = ("trials.csv", "front.csv", "plan.csv", "plan.json", "sensitivity.csv", "importance.csv",
                  "optimize.json", "report.html", "figures/optimize_front.png",
                  "figures/optimize_history.png")
STUDY_FILE = "study.journal"


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


def _running_for() -> float:
    """Seconds since this process started (Linux, from /proc): Python's start-up and resim's
    imports come before any command runs. 0 where it cannot be known."""
    try:
        fields = Path("/proc/self/stat").read_text().rsplit(")", 1)[1].split()
        started = int(fields[19]) / os.sysconf("SC_CLK_TCK")  # field 22, starttime: clock ticks after boot
        return max(time.clock_gettime(time.CLOCK_BOOTTIME) - started, 0.0)
    except (OSError, ValueError, IndexError, AttributeError):
        return 0.0


def _cmd_run(args: argparse.Namespace) -> int:
    started = time.perf_counter() - _running_for()  # run.json's wall_seconds: from the process's start
    from resim.cli.progress import Phases
    from resim.experiment.results import LARGE_CHAIN_FILES, RUN_FILES
    from resim.experiment.runner import run
    from resim.scenario import load_scenario

    phases = Phases(Path(args.path).name)
    with phases.waiting("loading"):  # a chain of thousands of nodes takes a while to read and check
        scenario = load_scenario(args.path)
    scenario = _warned(scenario, args.strict, args.horizon)
    loaded = time.perf_counter()
    strategies = [s.strip() for s in args.strategies.split(",") if s.strip()] if args.strategies else None
    output = Path(args.output or Path("results") / Path(args.path).stem)
    checkpoint = output / ".checkpoint"
    if checkpoint.is_symlink():  # it would be followed and written through, out of the results folder
        print(f"resim run: {checkpoint} is a symbolic link; remove it (a checkpoint is a folder resim makes "
              f"itself), or choose another folder with -o", file=sys.stderr)
        return EXIT_BAD_INPUT
    with folder_lock(output):  # one resim at a time writes a folder (and its checkpoint)
        interrupted = checkpoint.is_dir()  # an unfinished run: --resume continues it in this folder
        names = (*RUN_FILES, *LARGE_CHAIN_FILES)
        if not _claimed("run", output, names, args.overwrite or (args.resume and interrupted), interrupted):
            return EXIT_BAD_INPUT
        try:
            results = run(scenario, replications=args.replications, seed=args.seed, strategies=strategies,
                          executor=args.executor, workers=args.workers, alternatives=args.alternatives,
                          scheduler=args.scheduler, checkpoint=checkpoint, resume=args.resume,
                          progress=lambda done, total: phases("replications", done, total))
        except ValueError as exc:
            print(f"resim run: {exc}", file=sys.stderr)
            return EXIT_BAD_INPUT
        results.info["phase_seconds"] = {"load": round(loaded - started, 3),
                                         "simulate": round(time.perf_counter() - loaded, 3)}
        results.save(output, figures=args.figures, progress=phases, started=started)
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
    suggestions = Path(args.suggest_strategies) if args.suggest_strategies else None
    if suggestions is not None and not suggestions.parent.is_dir():  # found out before the simulations, not after
        print(f"resim risk: --suggest-strategies: no folder {suggestions.parent}", file=sys.stderr)
        return EXIT_BAD_INPUT
    output = Path(args.output or Path("results") / f"{Path(args.path).stem}-risk")
    with folder_lock(output):
        if not _claimed("risk", output, RISK_FILES, args.overwrite):
            return EXIT_BAD_INPUT
        report = assess_risk(scenario, replications=args.replications, seed=args.seed, executor=args.executor,
                             workers=args.workers, scheduler=args.scheduler, nodes=nodes,
                             simulate_nodes=args.simulate_nodes, default_ttr_days=args.ttr,
                             progress=ProgressBar(f"risk {Path(args.path).name}"))
        report.save(output, figures=args.figures)
    for line in (*report.headline(), *report.register_lines()):
        print(line)
    print(f"risk register written to {output}/")
    if suggestions is not None:
        _write_suggestions(scenario, report, suggestions)
    return EXIT_OK


def _write_suggestions(scenario, report, path: Path) -> None:
    """The strategies R1 suggests preparing (:func:`resim.assess.risk.suggest_strategies`), as a
    ``strategies:`` snippet written to ``path`` in one step."""
    import yaml

    from resim.assess.risk import suggest_strategies
    from resim.core.files import write_atomic

    suggested, notes = suggest_strategies(scenario, report.register)
    header = [f"# Strategies to prepare for the disruptions resim risk flags high risk in {scenario.source}",
              f"# (seed {report.info['seed']}, {report.info['replications']} replications); paste under the "
              f"scenario's strategies:, then set delays and limits.",
              "# Or give a strategy responds_to_high_risk: true to follow the register as it is when the run starts.",
              *(f"# {note}" for note in notes)]
    body = yaml.safe_dump({"strategies": suggested}, sort_keys=False, allow_unicode=True)
    write_atomic(path, "\n".join(header) + "\n" + body)
    print(f"{len(suggested)} suggested strategies written to {path}" + (f" ({len(notes)} flagged disruptions "
                                                                       f"without one: see its comments)" if notes else ""))


def _cmd_providers(args: argparse.Namespace) -> int:
    if args.target == "generate":
        return _providers_generate(args)
    import numpy as np

    from resim.sim.capacity import CapacityLedger
    from resim.sim.internal import scenario_pool
    from resim.supply.matching import active_disruptions, candidates, score
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
    pool = scenario_pool(scenario)  # the firm's own sites' offerings too (maas.internal)
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
        if ranked.internal.any():  # which candidates are the firm's own sites
            shown.insert(2, "internal", ranked.head(args.top).internal.map({True: "yes", False: ""}).to_numpy())
        print(shown.to_string(index=False, float_format=three_digits))
    excluded = [f"{count} {reason}" for reason, count in table[~table.eligible].reason.value_counts().items()]
    if table.attrs["not_offering"]:
        excluded.insert(0, f"{table.attrs['not_offering']} offer other processes")
    if excluded:
        print("excluded: " + "; ".join(excluded))
    return EXIT_OK


def _cmd_compare(args: argparse.Namespace) -> int:
    from resim.experiment.compare_runs import compare_runs

    if args.output and not _claimed("compare", Path(args.output), ("compare.csv",), args.overwrite):
        return EXIT_BAD_INPUT
    try:
        table = compare_runs([Path(p) for p in args.folders])
    except ValueError as exc:
        print(f"resim compare: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    if args.output:
        write_csv(Path(args.output) / "compare.csv", table)
    from resim.core.formatting import metric_value

    shown = table[table.metric.isin(args.metrics.split(","))] if args.metrics else table
    shown = shown.copy()
    for column in shown.columns[2:]:
        shown[column] = [metric_value(m, v) for m, v in zip(shown.metric, shown[column])]
    print(shown.to_string(index=False))
    return EXIT_OK


def _optimizing(scenario: "Scenario", args: argparse.Namespace) -> "Scenario":
    """The scenario with its optimize section as the command line amends it (validated again,
    so a lever given on the command line is checked as one in the file)."""
    from resim.assess.optimize_levers import parse_lever, with_levers
    from resim.scenario.format.optimize import Optimize

    levers = [parse_lever(text) for text in args.lever or ()]
    spec = scenario.optimize
    if spec is None:
        if args.strategy is None or not levers:
            raise ValueError("the scenario has no optimize section: give --strategy and --lever "
                             "(or add optimize: to the scenario, see docs/optimize.md)")
        spec = Optimize(strategy=args.strategy, levers=tuple(levers))
    spec = with_levers(spec, levers)
    data = spec.model_dump(mode="json", exclude_unset=True)
    data["levers"] = [lever.model_dump(mode="json", exclude_unset=True) for lever in spec.levers]
    for key, value in (("strategy", args.strategy), ("trials", args.trials),
                       ("fresh_replications", args.fresh_replications), ("sampler", args.sampler)):
        if value is not None:
            data[key] = value
    if args.target is not None:
        data["objective"] = {**data.get("objective", {}), "target": args.target}
    return scenario.replace(optimize=data)


def _cmd_optimize(args: argparse.Namespace) -> int:
    from resim.assess.optimize import optimize
    from resim.cli.progress import ProgressBar
    from resim.report.optimize_figures import front, history
    from resim.report.optimize_html import render_optimize_report
    from resim.scenario import load_scenario

    scenario = load_scenario(args.path)
    try:
        scenario = _optimizing(scenario, args)
    except ValueError as exc:
        print(f"resim optimize: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    output = Path(args.output or Path("results") / f"{Path(args.path).stem}-optimize")
    journal = output / STUDY_FILE
    with folder_lock(output):
        started = journal.is_file()  # an interrupted study: --resume continues it
        if args.resume and not started:
            print(f"resim optimize: --resume: {journal} does not exist (no study to continue)", file=sys.stderr)
            return EXIT_BAD_INPUT
        if not _claimed("optimize", output, (*OPTIMIZE_FILES, STUDY_FILE), args.overwrite or args.resume, True):
            return EXIT_BAD_INPUT
        if started and not args.resume:
            journal.unlink()  # --overwrite: a new study
        try:
            opt = optimize(scenario, seed=args.seed, replications=args.replications, executor=args.executor,
                           workers=args.workers, scheduler=args.scheduler, storage=journal, resume=args.resume,
                           progress=ProgressBar(f"optimize {Path(args.path).name}"))
        except ValueError as exc:
            print(f"resim optimize: {exc}", file=sys.stderr)
            return EXIT_BAD_INPUT
        opt.info.update(scenario=str(args.path), scenario_sha256=scenario.sha256)
        write_csv(output / "trials.csv", opt.trials)
        write_csv(output / "front.csv", opt.front)
        write_csv(output / "plan.csv", opt.plan)
        write_csv(output / "sensitivity.csv", opt.sensitivity)
        write_csv(output / "importance.csv", opt.importance)
        write_atomic(output / "plan.json", json.dumps(opt.to_json(), indent=2) + "\n")
        write_atomic(output / "optimize.json", json.dumps(opt.info, indent=2) + "\n")
        (output / "figures").mkdir(exist_ok=True)
        images = {}
        for name, draw, caption in (
                ("optimize_front", front, "Cost against service of every candidate, the Pareto front, the target "
                                          "and the recommended plan with its fresh interval"),
                ("optimize_history", history, "Each trial's cost and the cheapest meeting the target so far")):
            path = output / "figures" / f"{name}.png"
            save_figure(draw(opt, currency=scenario.currency), path)
            images[name] = (caption, path.read_bytes())
        write_atomic(output / "report.html", render_optimize_report(opt, images, title=scenario.name,
                                                                    currency=scenario.currency))
    from resim.core.formatting import money, share, units

    def shown(name: str, value: float) -> str:
        if name in ("fill_rate", "service"):
            return share(value)
        return money(value, scenario.currency) if name.startswith(("cost", "maas_budget")) else units(value)

    columns = ("search", "value", "ci_low", "ci_high")
    print(opt.plan.assign(**{c: [shown(n, v) for n, v in zip(opt.plan.name, opt.plan[c])] for c in columns})
          .to_string(index=False))
    verdict = "meets" if opt.info["meets_target"] else "does NOT meet (no candidate did; the best service shown)"
    print(f"recommended plan (trial {opt.info['chosen_trial']}) {verdict} the service target "
          f"{scenario.optimize.objective.target:g}; value and intervals from {opt.info['fresh_replications']} "
          f"fresh replications, search from {opt.info['replications']} common ones")
    better = opt.sensitivity[opt.sensitivity.feasible & (opt.sensitivity.cost_change < 0)]
    for move in better.itertuples():
        print(f"note: {move.lever} at {units(move.value)} is cheaper by {money(-move.cost_change, scenario.currency)} "
              f"and meets the target too: more --trials may find a cheaper plan")
    print(f"{len(opt.trials)} trials, {len(opt.front)} plans on the front; written to {output}/")
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
        write_csv(output / "sweep.csv", table)
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
        write_csv(stage / "criticality.csv", table)
        if args.figures != "none":
            save_figure(criticality_ranking(table), stage / "figures" / "criticality.png")

    with folder_lock(output):
        if not _claimed("criticality", output, CRITICALITY_FILES, args.overwrite):
            return EXIT_BAD_INPUT
        save_folder(output, write, names=CRITICALITY_FILES)
    columns = [c for c in ("rank", "part", "score", "sources", "region_concentration", "coverage_days",
                           "substitutes", "hazard", "reman_fit") if c in table.columns]
    from resim.core.formatting import plain

    print(table[columns].head(args.top).to_string(index=False, float_format=plain))
    print(f"criticality table{'' if args.figures == 'none' else ' and figure'} written to {output}/")
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


def _cmd_schema(args: argparse.Namespace) -> int:
    from resim.scenario.jsonschema import scenario_schema

    text = json.dumps(scenario_schema(), indent=2) + "\n"
    if args.output:
        write_atomic(Path(args.output), text)
    else:
        sys.stdout.write(text)
    return EXIT_OK


#: What each command of :func:`resim.cli.parser.build_parser` does, by name.
COMMANDS: dict[str, Callable[[argparse.Namespace], int]] = {
    "validate": _cmd_validate, "info": _cmd_info, "run": _cmd_run, "risk": _cmd_risk,
    "providers": _cmd_providers, "sweep": _cmd_sweep, "optimize": _cmd_optimize, "generate": _cmd_generate, "compare": _cmd_compare,
    "criticality": _cmd_criticality, "schema": _cmd_schema,
}
