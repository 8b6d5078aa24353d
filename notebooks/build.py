"""Write the example notebooks from the cell sources below, then execute them in place.

    .venv/bin/python notebooks/build.py                 # every notebook
    .venv/bin/python notebooks/build.py 03 05           # those whose name starts with 03 or 05
    .venv/bin/python notebooks/build.py --no-execute    # write the cells only, without outputs

The notebooks are committed with their outputs, so that they read well on any viewer. Edit the
cells here, never in Jupyter (``tests/test_notebooks.py`` checks that the notebooks match this
script and that each runs without error). Each notebook runs in a fresh kernel of this very
interpreter (not whatever ``python3`` kernel Jupyter finds first) with the notebooks folder as
its working directory, as Jupyter Lab does.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
import tempfile
import textwrap
from pathlib import Path
from typing import Iterator

HERE = Path(__file__).resolve().parent
KERNEL_NAME = "python3"
CELL_TIMEOUT = 600          # seconds per cell


def md(text: str) -> tuple[str, str]:
    return "markdown", textwrap.dedent(text).strip()


def code(text: str) -> tuple[str, str]:
    return "code", textwrap.dedent(text).strip()


NOTEBOOKS: dict[str, list[tuple[str, str]]] = {}

# ---------------------------------------------------------------------------------------------
NOTEBOOKS["01_quickstart"] = [
    md("""
    # Quickstart: one scenario, every response strategy

    resim simulates a manufacturing value chain day by day under disruption and compares how each
    response strategy recovers and at what cost. This notebook runs the commented example
    `scenarios/quickstart.yaml`: an e-bike drive unit whose motor controller needs a
    microcontroller (MCU) from a single fab in Taiwan, which an earthquake stops on day 120.

    The notebook uses the same Python objects as the command line (`resim info`, `resim run`):
    a validated `Scenario`, a `Results` object of pandas DataFrames, and matplotlib figures.
    """),
    code("""
    %matplotlib inline
    import resim
    from resim.report.info import describe

    sc = resim.load_scenario("../scenarios/quickstart.yaml")   # read, validate, freeze
    sc
    """),
    md("""
    ## What is in the scenario

    `describe` is what `resim info` prints: node kinds, supplier tiers, regions, the
    single-sourced critical parts (the weak links), the disruptions, the MaaS provider pool and
    the strategies to compare.
    """),
    code("""
    print(describe(sc))
    """),
    md("""
    ## Run every strategy over the same replications

    Each replication draws demand, lead times and disruptions once, and every strategy meets the
    same draws (common random numbers), so differences between strategies are their own. Three
    replications on one process keep this notebook fast; the scenario's default (30) is what a
    decision should rest on, and `executor="processes"` spreads them over the cores.
    """),
    code("""
    res = resim.run(sc, replications=3, executor="serial")
    res
    """),
    md("""
    ## Key metrics per strategy

    `res.summary` has one row per strategy and metric: the statistic, its estimate, a 95 % interval
    that stays inside the metric's domain, and the method (`docs/model.md`, Summaries). A
    replication that has not recovered by the end of the horizon is *censored*: its time to recover
    is only known to be longer. So recovery is summarised as the share of replications recovered
    (`recovered`), the Kaplan-Meier median (`recovery_time_median_days`, empty when fewer than half
    recovered: "not reached") and the mean restricted to the shortest follow-up
    (`recovery_time_days`), never as a plain average. Here the metrics a planner looks at first.
    """),
    code("""
    key = ["fill_rate", "recovered", "recovery_time_median_days", "recovery_time_days", "shortfall_units",
           "cost_total", "profit"]
    (res.summary[res.summary.metric.isin(key)]
     .pivot(index="strategy", columns="metric", values="estimate")
     .loc[res.info["strategies"], key]
     .round({"fill_rate": 3, "recovered": 2, "recovery_time_median_days": 0, "recovery_time_days": 1,
             "shortfall_units": 0, "cost_total": 0, "profit": 0}))
    """),
    code("""
    res.summary.query("strategy == 'none' and metric.str.startswith('recovery')")[
        ["metric", "statistic", "estimate", "ci_low", "ci_high", "n", "censored", "method"]]
    """),
    md("""
    ## The recommendation and why

    The recommended strategy has the highest mean profit (revenue minus total cost, so lost sales
    count), which is also the least regret (profit given up against the best strategy of each
    replication), compared replication by replication (common random numbers). Its reasons are
    plain sentences built from the numbers of the table below; notes name strategies that gave
    exactly the same results as another or could not act; warnings say when the run is too small
    (as here, with 3 replications) or the best two cannot be told apart.
    `resim.report.display.table_html` shows a table's first rows under a title.
    """),
    code("""
    from IPython.display import HTML
    from resim.report.display import table_html

    print("Recommended:", res.info["recommended"])
    for reason in res.info["reasons"]:
        print(" -", reason)
    for note in res.info["notes"]:
        print("note:", note)
    for warning in res.info["warnings"]:
        print("warning:", warning)
    HTML(table_html(res.comparison.headline(sc.currency), "Strategies compared (res.comparison.headline())"))
    """),
    md("""
    ## Figures

    Service over time: the 7-day fill rate per strategy with its 5-95 % band across replications,
    the disruption and each strategy's median recovery day. Then the planner's figure: the share of
    replications recovered by each day after the onset.
    """),
    code("""
    res.plot.recovery()
    """),
    code("""
    res.plot.recovery_share()
    """),
    md("""
    Restricted mean time to recover against mean profit (the Pareto front and the recommendation),
    and what each response adds or saves against doing nothing, by cost component and lost revenue.
    """),
    code("""
    from IPython.display import display

    display(res.plot.pareto())
    display(res.plot.costs())
    """),
    md("""
    The value chain as the recommended strategy re-orchestrated it in replication 0: the
    disrupted nodes marked, MaaS providers and remanufacturing flows overlaid.
    `res.plot.gantt()` and `res.plot.inventory()` show the orchestration timeline and the critical
    components on hand; `res.save(folder)` writes every table, figure and an HTML report.
    """),
    code("""
    res.plot.network()
    """),
]

# ---------------------------------------------------------------------------------------------
NOTEBOOKS["02_value_chain_in_python"] = [
    md("""
    # A value chain built in Python

    A scenario does not need a YAML file: the same fields as plain Python data (dicts and lists,
    exactly as YAML would read them) go through `resim.scenario_from_dict`, with the same
    validation. This is handy for generated chains and parameter studies.

    The chain: a chip fab in Taiwan feeds a board assembler in Malaysia; boards and die-cast
    housings go to a pump plant in Germany, then to a distribution centre and the EU market. An
    earthquake stops the fab on day 60. One MaaS offering, SMT board assembly in Poland, could
    make boards with chips it buys from a European distributor's stock (`inputs: market`, and the
    `market` entry: a board needs a chip, so the distributor's 30 chips a day bound what renting
    assembly can do; `maas_upstream`).
    """),
    code("""
    %matplotlib inline
    import tempfile
    from pathlib import Path

    import yaml

    import resim
    from resim.scenario import valuechain

    chain = {
        "name": "Pump controller, built in Python",
        "horizon_days": 240, "seed": 11, "replications": 4, "currency": "EUR",
        "parts": [
            {"id": "pump", "unit_cost": 300, "weight_kg": 6, "bom": {"board": 1, "housing": 1},
             "process": {"process": "joining/assembly"}},
            {"id": "board", "unit_cost": 40, "weight_kg": 0.2, "critical": True, "bom": {"chip": 1},
             "process": {"process": "joining/smt_assembly", "certifications": ["ISO 9001"]}},
            {"id": "chip", "unit_cost": 6, "critical": True},
            {"id": "housing", "unit_cost": 25, "weight_kg": 2},
        ],
        "nodes": [
            {"id": "chip_tw", "kind": "supplier", "country": "TW", "region": "east_asia", "makes": "chip",
             "capacity_per_day": 80, "inventory": [{"part": "chip", "policy": {"type": "base_stock", "level": 300}}]},
            {"id": "board_my", "kind": "supplier", "country": "MY", "region": "southeast_asia", "makes": "board",
             "capacity_per_day": 70,
             "inventory": [{"part": "chip", "policy": {"type": "base_stock", "level": 400}},
                           {"part": "board", "policy": {"type": "base_stock", "level": 300}}]},
            {"id": "housing_cz", "kind": "supplier", "country": "CZ", "region": "europe", "makes": "housing",
             "capacity_per_day": 80, "inventory": [{"part": "housing", "policy": {"type": "base_stock", "level": 200}}]},
            {"id": "plant_de", "kind": "plant", "country": "DE", "region": "europe", "lat": 48.1, "lon": 11.6,
             "makes": "pump", "capacity_per_day": 60, "production_cost_per_unit": 30,
             "inventory": [{"part": "board", "policy": {"type": "base_stock", "level": 1700}},
                           {"part": "housing", "policy": {"type": "base_stock", "level": 200}}]},
            {"id": "dc_de", "kind": "dc", "country": "DE", "region": "europe",
             "inventory": [{"part": "pump", "policy": {"type": "base_stock", "level": 250}}]},
            {"id": "market_eu", "kind": "market", "country": "DE", "region": "europe"},
        ],
        "lanes": [
            {"from": "chip_tw", "to": "board_my", "parts": "chip", "mode": "air",
             "lead_time_days": "triangular(3, 4, 6)", "cost_per_unit": 0.2},
            {"from": "board_my", "to": "plant_de", "parts": "board", "mode": "sea",
             "lead_time_days": "triangular(25, 30, 35)", "cost_per_unit": 0.8},
            {"from": "housing_cz", "to": "plant_de", "parts": "housing", "mode": "road",
             "lead_time_days": 2, "cost_per_unit": 1.0},
            {"from": "plant_de", "to": "dc_de", "parts": "pump", "mode": "road", "lead_time_days": 1, "cost_per_unit": 2.0},
            {"from": "dc_de", "to": "market_eu", "parts": "pump", "mode": "road", "lead_time_days": 2, "cost_per_unit": 3.0},
        ],
        "demand": [{"market": "market_eu", "part": "pump", "daily": "poisson(40)", "unmet": "lost_sales",
                    "price": 480, "shortage_penalty_per_unit": 30}],
        "disruptions": [{"id": "tw_quake", "type": "natural_disaster", "description": "An earthquake stops the chip fab",
                         "footprint": {"countries": ["TW"]}, "onset_day": 60,
                         "duration_days": "triangular(40, 60, 90)", "severity": 1.0}],
        "maas": {"providers": [
            {"id": "smt_pl", "provider": "ems_wroclaw", "process": "joining/smt_assembly",
             "certifications": ["ISO 9001"], "capacity_per_day": 60, "setup_cost": 5000, "unit_price": 52,
             "lead_time_days": "triangular(4, 6, 9)", "onboarding_days": "triangular(10, 14, 21)",
             "country": "PL", "region": "europe", "lat": 51.1, "lon": 17.0, "inputs": "market"}],
                 "market": [{"part": "chip", "country": "DE", "region": "europe", "units_per_day": 30,
                             "unit_price": 15, "lead_time_days": 3}]},
        "strategies": [
            {"id": "none", "actions": ["none"], "description": "Wait for the fab to recover"},
            {"id": "maas_upstream", "actions": ["maas_upstream"],
             "description": "Rent SMT board assembly, with the provider's own chips",
             "detection_delay_days": 2, "decision_delay_days": 3, "budget": 500000, "max_premium": 0.6,
             "max_providers": 1}],
        "metrics": {"reference": "tw_quake"},
    }
    """),
    md("""
    ## Validate it

    `scenario_from_dict` checks types, references, bills of materials and whether every market can
    be supplied, and returns a frozen `Scenario`. A mistake is reported with every other problem
    at once, each as `field.path: what is wrong (what is expected)`, never as a traceback deep in
    the model.
    """),
    code("""
    sc = resim.scenario_from_dict(chain, "pump_chain")
    sc
    """),
    code("""
    import copy

    broken = copy.deepcopy(chain)
    broken["lanes"][0]["lead_time_days"] = "triangular(3, 4"                  # a distribution cut short
    broken["parts"][2]["unit_cost"] = -6                                      # a negative price
    broken["nodes"][0]["capasity_per_day"] = broken["nodes"][0].pop("capacity_per_day")   # a typo
    try:
        resim.scenario_from_dict(broken, "broken")
    except resim.ScenarioError as error:
        print(error)
    """),
    md("""
    ## Ask the graph

    `sc.value_chain()` is a `networkx.MultiDiGraph` (nodes are sites, edges are lanes keyed by
    transport mode, with typed attributes: two sites may be joined by a sea and an air lane); `resim.scenario.valuechain` answers the usual questions: supplier tiers, which parts have
    a single maker, how many units of each part one product needs, who is upstream of a part and
    where supply sits.
    """),
    code("""
    g = sc.value_chain()
    print("tiers:            ", valuechain.tiers(g))
    print("single-sourced:   ", valuechain.single_sourced_parts(g))
    print("units per pump:   ", valuechain.bom_explosion(g, "pump"))
    print("upstream of board:", valuechain.upstream_suppliers(g, "board"))
    print("paths to market:  ", valuechain.supply_paths(g, supplier="chip_tw"))
    valuechain.supply_share(g, by="region")
    """),
    md("""
    ## Save it as a scenario file

    `yaml.safe_dump` of the same dict is a scenario file; `resim.load_scenario` (or
    `resim validate` on the command line) reads it back to the same scenario. The file goes to
    a temporary folder here, to keep the repository clean.
    """),
    code("""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "pump_chain.yaml"
        path.write_text(yaml.safe_dump(chain, sort_keys=False), encoding="utf-8")
        again = resim.load_scenario(path)
        text = path.read_text(encoding="utf-8")

    print("same scenario:", again.model_dump() == sc.model_dump())
    print("\\n".join(text.splitlines()[:14]), "\\n...")
    """),
    md("""
    ## Compare waiting with renting board assembly

    Four replications of both strategies. The MaaS provider first has to be found, agree (it may
    decline or counter) and qualify (onboarding) before its boards arrive, so the response is not
    instant and not free.
    """),
    code("""
    res = resim.run(sc, replications=4, executor="serial")
    print(res.info["recommended"], "-", res.info["reasons"][0])
    res.comparison.table[["strategy", "recovered_share", "recovery_median_days", "recovery_restricted_mean_days",
                          "cost_total", "profit", "mean_regret", "status", "recommended"]].round(1)
    """),
    code("""
    res.plot.recovery()
    """),
    md("""
    What the MaaS strategy did in each replication: the agreement (source, units per day, start
    and end, unit cost, status) and its evaluation (units received, rejected and late). A
    replication without an agreement is one where the provider declined.
    """),
    code("""
    res.orchestrations[["replication", "kind", "source", "part", "destination", "units_per_day",
                        "start", "end", "unit_cost", "status", "note"]].round(1)
    """),
]

# ---------------------------------------------------------------------------------------------
NOTEBOOKS["03_maas_matching"] = [
    md("""
    # MaaS matching on a real-sized provider pool

    Manufacturing-as-a-Service stage 2 (matching) in four steps: **specify** what a part needs,
    **filter** the pool by hard constraints (each failure named), **score** the candidates on
    cost, time, quality, on-time rate, capacity and distance (each score explained by its parts)
    and **select** the cheapest set of providers that covers the gap within a budget and a
    number of providers (mixed-integer programming).

    The pool here is a synthetic one of 20,000 offerings from `resim.supply.generator.generate_pool`,
    whose distributions and their sources are documented in `docs/maas-pool.md`; the need comes
    from the quickstart: the controller board (`pcba`) while the Taiwan earthquake is in force.
    """),
    code("""
    %matplotlib inline
    import numpy as np
    import pandas as pd
    from matplotlib.figure import Figure

    import resim
    from resim.supply.matching import Pool, active_disruptions, candidates, need_for, score, select
    from resim.supply.generator import generate_pool

    sc = resim.load_scenario("../scenarios/quickstart.yaml")
    offerings = generate_pool(20000, seed=7)          # a DataFrame in the shape of resim.supply.pool.pool_frame
    print(f"{len(offerings):,} offerings by {offerings.provider.nunique():,} providers "
          f"in {offerings.country.nunique()} countries")
    offerings.process_group.value_counts()
    """),
    md("""
    ## Specify the need

    `need_for` turns the part's process specification (process path, size envelope,
    certifications) into a need at the node that receives the part, for the part's daily use as
    demand and the bill of materials imply it.
    """),
    code("""
    need = need_for(sc, "pcba")
    need
    """),
    md("""
    ## Filter, with the reasons

    Only offerings of the needed process (or a more specific variant) are looked at; each is
    eligible or fails its first hard constraint. On day 130 the earthquake is in force, so
    providers inside its footprint are out, and the strategy's cap of a 60 % price premium
    applies.
    """),
    code("""
    pool = Pool(offerings)                            # index once, query for many parts
    on_day_130 = active_disruptions(sc, 130)
    table = candidates(pool, need, active=on_day_130, max_premium=0.6, scenario=sc)
    print(f"{len(table)} offerings of {table.attrs['process']}; {table.attrs['not_offering']:,} offer other processes")
    table.reason.replace("", "eligible").value_counts()
    """),
    md("""
    ## Score, with the parts of each score

    Each criterion is scaled to 0..1 among the eligible candidates (1 best) and weighted by the
    scenario's `maas.weights`; the `part_*` columns are the weighted contributions, so they add up
    to the score and explain each rank.
    """),
    code("""
    ranked = score(table, need, sc.maas.weights)
    parts = [c for c in ranked.columns if c.startswith("part_")]
    ranked[["rank", "id", "country", "landed_unit_cost", "days_to_first_delivery", "conformance_rate",
            "capacity_per_day", "distance_km", "score", *parts]].head(8).round(3)
    """),
    md("""
    ## Select within a budget

    The cheapest set of at most two providers that covers the daily gap for a 90-day agreement
    within a budget of 600,000 (setup plus landed units). When the gap cannot be covered, the
    most coverage at the least cost is chosen and `missing_per_day` says what is left.

    The selection minimises cost; it does not use the score, so the chosen providers need not be
    the top-ranked ones. In a simulated response the strategy's orchestration style decides
    which candidates go into the selection: `cheapest` all of them, `fastest` those delivering
    within a week of the quickest, `balanced` the better-scored half (`docs/strategies.md`).
    """),
    code("""
    choice = select(ranked, need, days=90, budget=600_000, max_providers=2)
    print(f"covered {choice.covered_per_day:.0f} of {need.units_per_day:.0f} units/day, "
          f"missing {choice.missing_per_day:.0f}, cost {choice.cost:,.0f} {sc.currency}")
    choice.chosen[["id", "country", "units_per_day", "capacity_per_day", "landed_unit_cost", "setup_cost", "rank"]]
    """),
    md("""
    ## Why the top five rank where they do

    Each bar is one candidate's score, stacked from the weighted parts: a candidate can win on
    cost and lose on time to first delivery, and the chart shows which.
    """),
    code("""
    top = ranked.head(5)
    fig = Figure(figsize=(8, 3.2), layout="constrained")
    ax = fig.add_subplot()
    left = np.zeros(len(top))
    colours = ["#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9"]
    for colour, column in zip(colours, parts):
        ax.barh(top.id, top[column], left=left, color=colour, label=column.removeprefix("part_"))
        left += top[column].to_numpy()
    ax.invert_yaxis()
    ax.set_xlabel("score (weighted parts add up to it)")
    ax.set_title("Top 5 candidates for the controller board (pcba)")
    ax.legend(frameon=False, fontsize=8, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    fig
    """),
    md("""
    ## Other weights, other winners

    The weights are the buyer's priorities. Putting most of the weight on time to first delivery
    (a buyer out of stock) changes who ranks first; the filter stays the same.
    """),
    code("""
    hurry = sc.maas.weights.model_copy(update={"cost": 0.1, "lead_time": 0.7})
    fast = score(table, need, hurry)
    pd.DataFrame({"balanced weights": ranked.id.head(5).to_list(), "time first": fast.id.head(5).to_list()},
                 index=pd.RangeIndex(1, 6, name="rank"))
    """),
]

# ---------------------------------------------------------------------------------------------
NOTEBOOKS["04_circular_supply"] = [
    md("""
    # Circular supply: take-back, grading and remanufactured components

    In the quickstart, used drive units come back from EU customers under a deposit scheme
    (circularity process C1), are disassembled and graded, and controllers fit for reuse, repair,
    refurbishment or remanufacturing become a second supply stream at the Polish reman centre.
    When the earthquake cuts the virgin supply of controllers, the `circular` strategy turns that
    stream on (C2). This notebook looks at each step.
    """),
    code("""
    %matplotlib inline
    import numpy as np
    import pandas as pd
    from matplotlib.figure import Figure

    import resim
    from resim.sim.engine import Model
    from resim.report.figures import criticality_ranking

    sc = resim.load_scenario("../scenarios/quickstart.yaml")
    take_back = sc.circular.take_back[0]
    print(f"{take_back.product} from {take_back.market} to {take_back.to}: return rate {take_back.return_rate:.0%}, "
          f"use life {take_back.use_life_days}, installed base {take_back.installed_base:,.0f}, "
          f"deposit {take_back.deposit:g} {sc.currency}")
    pd.DataFrame([g.model_dump() for g in sc.circular.grading]).set_index("part")
    """),
    md("""
    ## One replication, day by day

    `resim.sim.engine.Model` runs one replication; its `circular.ledger` records the circular flows of
    each day. With an installed base *N*, return rate *r* and mean use life *L*, about
    *N·r/L* products come back per day. Cores are taken apart as the disassembly capacity allows
    and graded; graded controllers wait as core stock and are processed (testing, reconditioning,
    reassembly) only when the reman centre's orders pull them: it keeps its base stock of 200
    ready controllers and makes no more, so in `none` most graded controllers stay waiting.
    Motors leave by other routes, as no reman node makes motors.
    """),
    code("""
    model = Model(sc, replication=0)
    model.run()
    ledger = model.circular.ledger
    expected = take_back.installed_base * take_back.return_rate / take_back.use_life_days.mean
    print(f"cores returned: {ledger.returned.sum():,.0f} in {sc.horizon_days} days "
          f"({ledger.returned.mean():.1f}/day; expected {expected:.1f}/day)")
    print(f"disassembled:   {ledger.disassembled.sum():,.0f}")
    print(f"good components out: {ledger.output.sum():,.0f} ("
          + ", ".join(f"{part} {units:,.0f}" for part, units in ledger.output_by_part.items()) + "); "
          f"graded controllers waiting at the end: {model.circular.units_waiting('controller'):,.0f}; "
          "left by other routes: " + ", ".join(f"{part} {units:,.0f}" for part, units in ledger.other_by_part.items()))

    fig = Figure(figsize=(8, 3), layout="constrained")
    ax = fig.add_subplot()
    days = np.arange(sc.horizon_days)
    ax.plot(days, np.cumsum(ledger.returned), label="cores returned", color="#0072B2")
    ax.plot(days, np.cumsum(ledger.output), label="good controllers made (pulled by orders)", color="#009E73")
    ax.set_xlabel("day"), ax.set_ylabel("units, cumulative"), ax.legend(frameon=False)
    fig
    """),
    md("""
    ## Graded shares against the given probabilities

    Every returned product is disassembled and each part is graded into an end-of-life state by
    the scenario's probabilities (a multinomial draw of whole units each day); parts without a
    grading entry are recycled. Over a few thousand cores the simulated shares come close to the
    given ones. Recycling also takes the fractions of a unit the disassembly yield leaves each
    day (98 % of 14 cores is 13.7 units: 0.7 a day), so it comes out a few points above its share
    and the other states slightly below theirs.
    """),
    code("""
    graded = pd.Series(ledger.graded, name="units").rename_axis(["part", "state"]).reset_index()
    graded = graded[graded.part.isin([g.part for g in sc.circular.grading])]
    graded["simulated"] = graded.units / graded.groupby("part").units.transform("sum")
    given = {(g.part, state): getattr(g, state) for g in sc.circular.grading for state in graded.state.unique()}
    graded["given"] = [given[(p, s)] for p, s in zip(graded.part, graded.state)]
    graded.pivot(index="state", columns="part", values=["given", "simulated"]).round(3)
    """),
    md("""
    ## Which components are critical, and which are fit for circular supply

    `resim.assess_criticality` ranks every component by seven factors (sources, regional
    concentration, lead time, stock cover, share of products, MaaS substitutes, and the hazard the
    scenario's disruptions pose to its makers) and flags those the
    circular supply can deliver (`reman_fit`: a graded share that gives back working parts, a
    take-back stream of a product containing it, and a reman node that makes it). See
    `docs/criticality.md`.
    """),
    code("""
    criticality = resim.assess_criticality(sc)
    criticality[["rank", "part", "score", "sources", "coverage_days", "substitutes", "hazard",
                 "critical_flag", "reman_share", "reman_fit"]].round(3)
    """),
    code("""
    criticality_ranking(criticality)
    """),
    md("""
    ## The circular strategy's effect

    Waiting (`none`) against turning the reman stream on when the earthquake is detected
    (`circular`), over the same three replications. The circularity metrics count the
    remanufactured units received, their share of critical parts received and the material and
    CO2 avoided.
    """),
    code("""
    res = resim.run(sc, replications=3, strategies=["none", "circular"], executor="serial")
    metrics = ["recovery_time_days", "fill_rate", "shortfall_units", "profit", "cores_returned",
               "reman_units", "reman_share_critical", "material_avoided_kg", "co2_avoided_kg"]
    (res.summary[res.summary.metric.isin(metrics)]
     .pivot(index="metric", columns="strategy", values="estimate").loc[metrics, ["none", "circular"]].round(3))
    """),
    code("""
    res.plot.recovery()
    """),
]

# ---------------------------------------------------------------------------------------------
NOTEBOOKS["05_risk_assessment"] = [
    md("""
    # Risk assessment (R1): time to survive, time to recover, the risk register

    Before choosing responses, resilience process R1 asks where the chain is exposed and which
    events matter. `resim.assess_risk` gives two views, each checked by the other
    (`docs/risk.md`):

    * **nodes**: how long the rest of the network can meet demand with one node down (time to
      survive, TTS, by linear programming) against how long that node takes to recover (TTR); a
      node with TTS < TTR is *exposed*. The most exposed nodes are also simulated, and the units
      each method finds short over the same window (from the outage day to the end of its TTR)
      are compared: `simulation_check` says where they agree;
    * **catalogue**: each disruption of the scenario simulated on its own against an undisrupted
      run; impact times yearly probability is the expected yearly loss.

    Three replications and three simulated nodes keep this notebook fast; `resim risk` uses more.
    """),
    code("""
    %matplotlib inline
    import resim

    sc = resim.load_scenario("../scenarios/quickstart.yaml")
    report = resim.assess_risk(sc, replications=3, simulate_nodes=3, executor="serial")
    print(f"outage simulated from day {report.info['outage_day']}, {report.info['replications']} replications")
    for line in report.headline():
        print(line)
    """),
    md("""
    ## Time to survive against time to recover, per node

    Sorted by the risk exposure index (the margin lost while the node is down, relative to the
    worst node). `lp_window_units` is what the LP loses over the window of the TTR;
    `simulated_units` is the shortfall the simulation found over the same window for the nodes it
    ran (with its 95 % interval), `simulated_units_after` what the outage still cost after it. A TTS
    of `inf` means the rest of the network keeps up without the node for good.
    """),
    code("""
    columns = ["node", "kind", "tts_days", "ttr_days", "exposed", "lp_window_units", "simulated_units",
               "simulated_units_after", "simulation_check"]
    report.nodes[columns].round(2)
    """),
    code("""
    print("exposed nodes:", ", ".join(report.nodes.loc[report.nodes.exposed, "node"]))
    report.plot_tts_ttr()
    """),
    md("""
    ## The risk register

    The catalogue disruptions ranked by expected yearly loss (profit lost by one event times the
    events a year: a hazard's rate, an annual probability, a breakdown process's repairs (the
    press breakdowns, one repair's impact), or, for an event on a fixed date, once in the horizon,
    which the register marks as an assumption rather than a likelihood). `high_risk` marks those
    with at least half the largest expected loss: the events response strategies (R2) must answer.
    `profit_effect` reads the interval of the profit lost: a loss, a gain (a strike that only
    lowers stock lowers its holding cost), or no measurable impact when the interval contains 0.
    """),
    code("""
    report.register.round(2)
    """),
    code("""
    report.plot_matrix()
    """),
    md("""
    ## Reading it

    * The distribution centres have no time to survive at all (each is the only way to its
      market), but no disruption of the catalogue hits them, so their time to recover is the
      default (`default_ttr_days`, 30): an exposure of the structure, not of a known event.
    * The MCU fab's time to survive falls short of the time it takes to recover from the
      earthquake, and over the same window the simulation loses far more units than the LP, and
      more again after it: the LP re-routes stock instantly and sees no lead times, while the
      boards take a month by sea to Hungary. Where the two disagree, trust the simulation and read
      the LP as an optimistic bound.
    * The earthquake dominates the register: it is the event the quickstart's strategies answer.

    `report.save(folder)` writes `nodes.csv`, `risk.csv` and both figures, as `resim risk` does.
    """),
    md("""
    ## Hazards at their rates

    The quickstart's earthquake is on a fixed day: its likelihood is an assumption. The
    `auto_hazards` library scenario runs the microcontroller chain for five years with hazards
    that arrive at rates: fab fires at 0.1 a year and the shipped catalogue's earthquakes,
    typhoons, floods and port strikes of the chain's countries (`docs/hazards.md` gives each
    rate's source).
    Its register reads each likelihood from the rate and simulates one event of each hazard alone,
    its severity drawn per replication: the impact is the mean over the severities, and it varies
    more than at one severity, so the register keeps its default of 20 replications here.
    """),
    code("""
    hazards = resim.load_scenario("../scenarios/auto_hazards.yaml")
    rates = resim.assess_risk(hazards, simulate_nodes=0, executor="serial")
    rates.register[["disruption", "likelihood", "events_per_year", "probability_per_year", "impact_loss",
                    "profit_effect", "expected_loss_per_year", "high_risk"]].round(3)
    """),
    code("""
    top = rates.register.iloc[0]
    print(f"largest expected yearly loss: {top.disruption}, {top.events_per_year:g} events a year x "
          f"{top.impact_loss:,.0f} {hazards.currency} an event = {top.expected_loss_per_year:,.0f} a year")
    rates.plot_matrix()
    """),
    md("""
    The register simulates one event of each hazard alone. A run over the five years meets them as
    they come, recurring and overlapping, and `event_impact.csv` (`run.event_impact`) says how
    often each struck and how many units short one event cost under each strategy (its share where
    events overlap), with intervals over the replications.
    """),
    code("""
    run = resim.run(hazards, replications=6, strategies=["none", "buffer"], executor="serial")
    impact = run.event_impact[run.event_impact.statistic != "shortfall_per_year"]
    impact.pivot(index="disruption", columns=["strategy", "statistic"], values="estimate").round(2)
    """),
    code("""
    per_event = impact[(impact.strategy == "none") & (impact.statistic == "shortfall_per_event")].dropna(subset=["estimate"])
    worst = per_event.loc[per_event.estimate.idxmax()]
    mildest = per_event.loc[per_event.estimate.idxmin()]
    print(f"costliest event: {worst.disruption}, {worst.estimate:,.0f} units short an event; "
          f"mildest: {mildest.disruption}, {mildest.estimate:,.0f}")
    """),
]

# ---------------------------------------------------------------------------------------------
NOTEBOOKS["06_parameter_sweep"] = [
    md("""
    # A parameter sweep: onboarding time × return rate

    How much does the combined response (`maas_and_circular`: rented board assembly plus
    remanufactured controllers) depend on how fast MaaS providers qualify, and on how many used
    drive units come back? Two levers, each varied over a range:

    * the **onboarding factor** scales every provider's onboarding time (0.25 = four times
      faster qualification, 2 = twice as slow);
    * the **return rate** of the take-back stream, from 10 % to 90 %.

    A Latin hypercube spreads 8 design points over the square so that each lever's range is
    covered evenly with few runs; each point runs 2 replications of `none` and
    `maas_and_circular`. `sc.replace` makes each variant, validated like a file.
    """),
    code("""
    %matplotlib inline
    import numpy as np
    import pandas as pd
    from matplotlib.figure import Figure
    from scipy.interpolate import griddata
    from scipy.stats import qmc

    import resim

    sc = resim.load_scenario("../scenarios/quickstart.yaml")


    def scaled(dist, factor):
        \"\"\"A distribution with every parameter scaled (location-scale families: the variable x factor).\"\"\"
        data = dist.model_dump()
        return {k: (v * factor if k != "dist" else v) for k, v in data.items()}


    def variant(onboarding_factor, return_rate):
        changes = {f"maas.providers[{i}].onboarding_days": scaled(o.onboarding_days, onboarding_factor)
                   for i, o in enumerate(sc.maas.providers)}
        changes["circular.take_back[0].return_rate"] = return_rate
        return sc.replace(**changes)


    print(sc.maas.providers[0].onboarding_days, "->", variant(0.5, 0.35).maas.providers[0].onboarding_days)
    """),
    md("""
    ## The design

    `scipy.stats.qmc.LatinHypercube` draws 8 points in the unit square, one in each eighth of
    each axis; `qmc.scale` maps them onto the ranges.
    """),
    code("""
    sampler = qmc.LatinHypercube(d=2, seed=42)
    design = pd.DataFrame(qmc.scale(sampler.random(8), [0.25, 0.10], [2.0, 0.90]),
                          columns=["onboarding_factor", "return_rate"])
    design.round(3)
    """),
    md("""
    ## Run every point

    Each point is a scenario variant run like any other; `none` runs too, so each point's
    response can be read against waiting in the same replications.
    """),
    code("""
    rows = []
    for point in design.itertuples(index=False):
        res = resim.run(variant(point.onboarding_factor, point.return_rate), replications=2,
                        strategies=["none", "maas_and_circular"], executor="serial")
        mean = res.summary.pivot(index="strategy", columns="metric", values="estimate")
        rows.append({**point._asdict(),
                     "recovery_days": mean.loc["maas_and_circular", "recovery_time_days"],
                     "recovery_days_none": mean.loc["none", "recovery_time_days"],
                     "cost_total": mean.loc["maas_and_circular", "cost_total"],
                     "cost_response": mean.loc["maas_and_circular", "cost_response"],
                     "reman_units": mean.loc["maas_and_circular", "reman_units"]})
    sweep = pd.DataFrame(rows)
    sweep.round(2)
    """),
    md("""
    ## Recovery time and cost over the two levers

    Each panel interpolates linearly between the design points (inside their convex hull; no
    extrapolation beyond it) and marks the points themselves in the same colours.
    """),
    code("""
    grid_x, grid_y = np.meshgrid(np.linspace(0.25, 2.0, 60), np.linspace(0.10, 0.90, 60))
    points = sweep[["onboarding_factor", "return_rate"]].to_numpy()
    fig = Figure(figsize=(10, 4), layout="constrained")
    panels = [("recovery_days", "recovery time (days)", "viridis_r"),
              ("cost_total", f"total cost ({sc.currency})", "magma_r")]
    for i, (column, label, cmap) in enumerate(panels):
        ax = fig.add_subplot(1, 2, i + 1)
        values = sweep[column].to_numpy()
        surface = griddata(points, values, (grid_x, grid_y), method="linear")
        low, high = values.min(), values.max()
        image = ax.pcolormesh(grid_x, grid_y, surface, cmap=cmap, vmin=low, vmax=high, shading="auto")
        ax.scatter(points[:, 0], points[:, 1], c=values, cmap=cmap, vmin=low, vmax=high,
                   edgecolors="white", s=70, zorder=3)
        ax.set_xlabel("onboarding factor (x provider onboarding time)")
        ax.set_ylabel("take-back return rate")
        ax.set_title(f"maas_and_circular: {label}")
        fig.colorbar(image, ax=ax, label=label)
    fig
    """),
    md("""
    ## Reading it

    In this run the return rate decides. With about half of the used drive units coming back or
    more, remanufactured controllers (`reman_units`) fill the gap while the MaaS providers
    qualify, and service never dips (recovery 0 days); with fewer, the chain dips and takes
    about three months to recover, and over this range the onboarding time hardly moves that.
    Total cost rises with the return rate (more units remanufactured, more demand served),
    while the extra cost of the response over waiting (`cost_response`) falls.

    Two replications per point are enough to see the shape, not to rank close points: raise
    `replications` and the number of design points, or use the `processes` executor, before
    drawing conclusions. `sc.replace` accepts any dotted field path, so the same loop sweeps lead
    times, capacities, budgets or disruption durations; the `resim sweep` command runs designs of
    plain field values from the command line.
    """),
]


# ---------------------------------------------------------------------------------------------
NOTEBOOKS["07_methodology"] = [
    md("""
    # The methodology end to end

    resim implements the MaaS methodology of the reference paper: three stages of
    Manufacturing-as-a-Service (1 servitization, 2 matching, 3 execution), the resilience
    processes R1 (assess) and R2 (respond), and the circularity processes C1 (a circular value
    chain from the MaaS network) and C2 (critical components). This notebook walks them in that
    order on the quickstart (`scenarios/quickstart.yaml`: an e-bike drive unit whose controller
    board needs a microcontroller from a single fab in Taiwan, which an earthquake stops), each
    step with what it produces. `docs/methodology.md` maps every activity of the paper to the code.

    Where a step needs something the quickstart does not declare (a site's idle capacity offered
    as a service, circular process providers), the notebook adds it with `sc.replace` and says so:
    these are what-ifs on the quickstart, not its data.
    """),
    code("""
    %matplotlib inline
    import pandas as pd
    import resim
    from resim.assess.risk import suggest_strategies
    from resim.sim.internal import scenario_pool
    from resim.supply.matching import Pool, active_disruptions, match, need_for, score, select

    sc = resim.load_scenario("../scenarios/quickstart.yaml")
    print(f"{sc.name}: {len(sc.nodes)} nodes, {len(sc.parts)} parts, {len(sc.disruptions)} disruptions, "
          f"{len(sc.maas.providers)} MaaS offerings, {len(sc.strategies)} strategies, {sc.horizon_days} days")
    """),
    md("""
    ## Stage 1: processes published as services (activities 1.1-1.4)

    External providers publish offerings: a process of the multi-level taxonomy, what it can do
    (materials, tolerance, envelope, certifications), capacity, price, lead time and onboarding
    (1.2-1.4). The firm's own sites can publish too (MaaS between plants of one enterprise): here,
    as a what-if, the drive-unit plant offers its idle assembly capacity (1.1) at a price from a
    cost model (1.3): 0.5 machine hours at 55 an hour, plus the needed part's components at cost.
    """),
    code("""
    sc = sc.replace(**{"maas.internal": [{"node": "plant_de", "process": "joining/assembly",
                                          "machine_hour_rate": 55, "hours_per_unit": 0.5, "setup_cost": 2000}]})
    pool = scenario_pool(sc)         # the external offerings and the firm's own, in one pool
    plant = sc.nodes_by_id["plant_de"]
    own = pool[pool.internal].iloc[0]
    print(f"plant_de: capacity {plant.capacity_per_day:g}/day; offered {own.capacity_per_day:g}/day of idle "
          f"capacity; conversion price {own.unit_price:g} a unit plus the components at cost")
    pool[["id", "process", "capacity_per_day", "unit_price", "onboarding_days", "internal", "country"]]
    """),
    md("""
    ## Stage 2: matching a part to the services (activities 2.1-2.5)

    The need (2.1-2.2) comes from the part's process specification and its daily use. Here it is
    the motor, an assembly the firm buys from China: every offering is filtered with the reason
    it fails (2.3), the eligible ones are scored on landed cost, days to first delivery, quality,
    on-time rate, capacity and distance (2.4), and the cheapest set that covers the need within
    a budget is selected (2.5). The firm's own plant competes with the external providers on the
    same terms; it qualifies in days instead of weeks.
    """),
    code("""
    need = need_for(sc, "motor")
    table = match(Pool(pool), need, scenario=sc, active=active_disruptions(sc, 130))
    ranked = score(table, need, sc.maas.weights)   # the ranked candidates; .frame() as a DataFrame
    print(f"need: {need.units_per_day:g} {need.part}/day at {need.destination}, process {need.process}")
    ranked.frame()[["rank", "id", "internal", "landed_unit_cost", "days_to_first_delivery", "capacity_per_day",
                    "distance_km", "score"]].round(2)
    """),
    code("""
    choice = select(ranked, need, days=60, budget=2_000_000, max_providers=2)
    print(f"selected for 60 days: covers {choice.covered_per_day:.0f} of {need.units_per_day:.0f} units/day "
          f"at {choice.cost:,.0f} {sc.currency}")
    choice.chosen.frame()[["id", "internal", "units_per_day", "landed_unit_cost", "setup_cost"]]
    """),
    md("""
    ## R1: which events need a response?

    The risk register simulates each disruption alone against the undisrupted run (common random
    numbers) and ranks them by expected yearly loss; `high_risk` flags those the firm should
    prepare responses for, and `suggest_strategies` writes such responses (as `resim risk
    --suggest-strategies` does).
    """),
    code("""
    report = resim.assess_risk(sc, replications=3, simulate_nodes=0, executor="serial")
    register = report.register
    suggested, _ = suggest_strategies(sc, register)
    flagged = register.disruption[register.high_risk.astype(bool)].tolist()
    print(f"flagged high risk: {', '.join(flagged)}; suggested: "
          + "; ".join(f"{s['id']} ({', '.join(s['actions'])})" for s in suggested))
    register[["disruption", "probability_per_year", "impact_units", "impact_loss", "profit_effect",
              "expected_loss_per_year", "high_risk"]].round(2)
    """),
    md("""
    ## R2 and stage 3: responses simulated, compared, executed and monitored

    The quickstart's `maas_upstream` strategy rents board assembly from providers with their own
    microcontroller allocation two days after the earthquake. As a what-if, suppose the firm
    learns of the fab's loss only after three weeks (`late`). Two service modes bring the
    response forward: remote monitoring of the fab (`monitored`, detection after half a day, a
    yearly fee) and a shortage early warning on the board maker's microcontroller cover
    (`warned`: it fires when stock on hand and inbound falls below 7 days of use). `prepared`
    answers whatever R1 flagged high risk (`responds_to_high_risk`). In every run, stage 3
    monitors each agreement's lots (ended for cause above half late, judged from 5 lots) and
    later selections learn from the providers' scorecards (`maas.evaluation`).
    """),
    code("""
    upstream = next(s for s in sc.strategies if s.id == "maas_upstream").model_dump(exclude_defaults=True)
    late = upstream | {"id": "late", "detection_delay_days": 21}
    variants = [late,
                late | {"id": "monitored", "monitoring": {"sites": ["mcu_fab_tw"], "delay_days": 0.5}},
                late | {"id": "warned", "early_warning": {"sites": ["pcba_my"], "parts": ["mcu"], "cover_days": 7}},
                late | {"id": "prepared", "responds_to": [], "responds_to_high_risk": True}]
    study = sc.replace(**{"strategies": [s.model_dump(exclude_defaults=True) for s in sc.strategies] + variants,
                          "maas.monitoring": {"late_share": 0.5, "min_lots": 5},
                          "maas.evaluation": {"prior_lots": 10}})
    names = ["none", "maas_upstream", "late", "monitored", "warned", "prepared"]
    res = resim.run(study, replications=4, executor="serial", strategies=names)
    # Means over the replications (no recovery times here: censored ones are not averaged, see res.summary).
    columns = ["shortfall_units", "fill_rate", "cost_total", "cost_services", "cost_maas_onboarding", "cost_maas_premium"]
    res.replications.groupby("strategy")[columns].mean().T[names].round(2)
    """),
    code("""
    first = (res.orchestrations.query("kind == 'maas_upstream' and status == 'accepted'")
             .groupby("strategy").start.min().reindex(names[1:]))
    fired = res.orchestrations.query("kind == 'early_warning' and status == 'fired' and trigger != ''")
    print("first agreement accepted, day:", ", ".join(f"{k} {v:g}" for k, v in first.items()))
    print(f"early warnings that brought a decision forward: {len(fired)} in {res.info['replications']} replications; "
          f"R1 flagged for 'prepared': {', '.join(res.info['high_risk_disruptions'])}")
    res.orchestrations.query("replication == 0 and strategy == 'warned'")[
        ["kind", "trigger", "source", "part", "start", "status", "note"]]
    """),
    md("""
    Which events cost the shortfall, and which lever closed it: the ripple trace charges each
    market-day's missed units to the disruptions at work then (overlapping ones share it), and
    `levers` credits each strategy's closed shortfall (against `none`, same replications) to its
    levers.
    """),
    code("""
    res.levers.groupby(["strategy", "disruption", "lever"])[["closed_units", "credited_units"]].mean().round(0)
    """),
    md("""
    ## C1: a circular value chain from the MaaS network

    Used drive units come back from EU customers (take-back) and are graded (end-of-life states).
    C1 specifies the circular processes of the returned product like a product's process
    specification (here: disassembly, sorting, testing, reconditioning and reassembly of the
    controller) and contracts MaaS providers for them, with the distance to the returning users
    among the criteria. As a what-if, six circular process offerings are added to the pool (priced
    at the own centre's cost plus 25 %, an assumption) and the collection point is placed at the
    German distribution centre. `partners` sends the cores through the contracted providers;
    `circular` through the firm's own reman centre; both then steer remanufactured controllers
    to the plant when the earthquake strikes.
    """),
    code("""
    def offer(id, provider, process, price, country, lat, lon):
        return {"id": id, "provider": provider, "process": process, "capacity_per_day": 40, "setup_cost": 5000,
                "unit_price": price, "lead_time_days": 1, "onboarding_days": 30, "country": country,
                "region": "europe", "lat": lat, "lon": lon}

    circular_offers = [offer("dis_nl", "demontage_venlo", "cutting/disassembly", 7.5, "NL", 51.37, 6.17),
                       offer("sort_nl", "sorteer_venlo", "other/sorting", 1.0, "NL", 51.37, 6.17),
                       offer("test_nl", "test_venlo", "other/testing", 5.0, "NL", 51.37, 6.17),
                       offer("test_pl", "testy_poznan", "other/testing", 4.5, "PL", 52.41, 16.93),
                       offer("recon_nl", "recon_venlo", "other/reconditioning", 31.0, "NL", 51.37, 6.17),
                       offer("reasm_nl", "montage_venlo", "joining/reassembly", 10.0, "NL", 51.37, 6.17)]
    own_centre = next(s for s in sc.strategies if s.id == "circular").model_dump(by_alias=True, exclude_unset=True)
    c1 = sc.replace(**{
        "nodes[market_eu].lat": 50.1, "nodes[market_eu].lon": 8.7,
        "maas.providers": [p.model_dump(by_alias=True, exclude_unset=True) for p in sc.maas.providers] + circular_offers,
        "circular.specifications": [{"product": "drive_unit", "part": "controller",
                                     "steps": ["disassembly", "sorting", "testing", "reconditioning", "reassembly"]}],
        "strategies": [s.model_dump(by_alias=True, exclude_unset=True) for s in sc.strategies]
                      + [own_centre | {"id": "partners", "actions": ["circular_partners", "circular"]}]})
    circ = resim.run(c1, replications=4, executor="serial", strategies=["none", "circular", "partners"])
    contracted = circ.orchestrations.query("replication == 0 and kind == 'circular_partners'")
    contracted[["source", "part", "start", "status", "unit_cost", "note"]]
    """),
    code("""
    columns = ["shortfall_units", "fill_rate", "cores_returned", "cores_used", "reman_units", "cost_reman",
               "cost_maas_onboarding", "cost_total"]
    c1_table = circ.replications.groupby("strategy")[columns].mean().T[["none", "circular", "partners"]]
    s = c1_table.loc["shortfall_units"]
    print(f"shortfall: none {s['none']:,.0f}, own centre {s['circular']:,.0f}, partners {s['partners']:,.0f} units "
          f"(mean of {circ.info['replications']} replications)")
    c1_table.round(2)
    """),
    md("""
    ## C2: critical components and circular supply as a response

    The criticality ranking (C2.1) scores each component's supply risk and its fitness for
    remanufacturing from the grading (C2.2); the `circular` strategy uses remanufactured
    controllers from take-back as an alternative supply stream when the earthquake strikes (C2.3).
    """),
    code("""
    criticality = resim.assess_criticality(sc)
    flagged = criticality.query("critical_flag or reman_fit")   # critical, or fit for circular supply
    flagged[["rank", "part", "score", "sources", "hazard", "critical_flag", "reman_share", "reman_fit"]].round(3)
    """),
    code("""
    c2 = resim.run(sc, replications=4, executor="serial", strategies=["none", "circular"])
    c2.replications.groupby("strategy")[["shortfall_units", "reman_units", "cost_reman", "cost_total"]].mean().T.round(1)
    """),
    md("""
    ## Where each step lives

    Every activity above, with its code, scenario fields and tests, is in `docs/methodology.md`.
    Four replications on the serial executor are enough to see each step work, not to rank
    strategies: for that, run the scenario's own replications (`resim run`), whose summary gives
    each metric's confidence interval and treats censored recovery times as censored.
    """),
]


# ---------------------------------------------------------------------------------------------
NOTEBOOKS["08_optimize"] = [
    md("""
    # How much buffer? Designing a response by simulation-based optimisation

    The other notebooks grade hand-made strategies. This one asks the inverse question: what is
    the cheapest setting of the response levers that keeps service above a target across the
    disruptions we believe in? `resim.optimize` searches the levers with Optuna's seeded TPE
    sampler; every candidate runs on the same replications (common random numbers), and the
    recommended plan is simulated again on fresh replications, so that its interval is not
    flattered by the search that picked it (the winner's curse). `docs/optimize.md` explains the
    levers' cost models and the objectives.

    The quickstart's `optimize:` section asks, for its `buffer` strategy: how many
    microcontrollers to hold at the board maker, and to which level the plant should stock
    controllers, for the lowest mean total cost at a mean fill rate of at least 95 %. To keep
    this notebook quick it runs 20 candidates of 6 replications each (the file asks for 60 of 20).
    """),
    code("""
    %matplotlib inline
    import pandas as pd
    import resim
    from resim.report.optimize_figures import front, history
    from resim.scenario.format.optimize import Optimize

    sc = resim.load_scenario("../scenarios/quickstart.yaml")
    for lever in sc.optimize.levers:
        print(f"{lever.name}: {lever.low:g} to {lever.high:g} in steps of {lever.step:g}")
    study = resim.optimize(sc, trials=20, replications=6, fresh_replications=10, executor="serial")
    study.plan
    """),
    code("""
    plan = study.plan.set_index("name")
    fill = plan.loc["fill_rate"]
    levers = ", ".join(f"{name} {plan.loc[name, 'value']:,.0f}" for name in study.info["levers"])
    print(f"recommended: {levers}; on {fill.n:.0f} fresh replications mean fill rate {fill.value:.3f} "
          f"({fill.ci_low:.3f} to {fill.ci_high:.3f}), mean cost {plan.loc['cost_mean', 'value']:,.0f} {sc.currency}; "
          + ("the whole interval is above" if fill.ci_low >= study.info['objective']['target'] else "its interval reaches below")
          + f" the target {study.info['objective']['target']:.2f}")
    front(study, currency=sc.currency)
    """),
    md("""
    Each point of the front is a candidate no other candidate beats on both cost and service;
    the chosen plan is the cheapest one that meets the target on the search's replications. The
    history shows how the sampler's candidates improved.
    """),
    code("""
    history(study, currency=sc.currency)
    """),
    code("""
    study.trials.query("on_front")[["trial", *study.info["levers"], "cost_mean", "fill_rate", "feasible", "chosen"]].round(3)
    """),
    md("""
    ## Which lever matters near the plan

    Each lever moved one step either way from the plan, the others held: how cost and service
    change. A move that stays feasible and costs less means the search has not fully converged
    (more trials).
    """),
    code("""
    study.sensitivity.round(3)
    """),
    md("""
    ## A MaaS budget instead of a buffer

    The same question for the `maas_upstream` strategy (renting board assembly from providers
    with their own microcontroller allocation once the earthquake is detected): what budget
    does it need? The lever is the strategy's MaaS budget; the objective and target are the
    same, so the two recommended plans can be set side by side.
    """),
    code("""
    rent = Optimize(strategy="maas_upstream",
                    levers=[{"kind": "maas_budget", "low": 0, "high": 3_000_000, "step": 250_000}],
                    objective=sc.optimize.objective)
    rented = resim.optimize(sc, spec=rent, trials=12, replications=6, fresh_replications=10, executor="serial")
    rented.plan
    """),
    md("""
    ## Or pre-qualify providers?

    A budget buys agreements only once the earthquake is detected, and each new provider then
    needs weeks of onboarding and a probation at half volume. Stage 3 of the methodology can be
    done in advance instead: a **standby agreement** (`prequalified` in a strategy) pays the
    provider's setup on day 0 and a yearly retainer, and in return the provider is asked first
    and ships at full volume from the day it is called (`docs/strategies.md`). Which of the three
    European board assemblers are worth a retainer? Each `prequalify` lever is 0 or 1; the
    retainer of 20,000 a year each is an assumption (a standby fee of the order of a small share
    of the work it secures), not a quote.
    """),
    code("""
    standby = Optimize(strategy="maas_upstream",
                       levers=[{"kind": "prequalify", "offering": offering, "low": 0, "high": 1,
                                "cost_per_unit_year": 20_000} for offering in ("smt_hu_1", "smt_pl_1", "smt_de_2")],
                       objective=sc.optimize.objective)
    ready = resim.optimize(sc, spec=standby, trials=12, replications=6, fresh_replications=10, executor="serial")
    levers = ready.info["levers"]
    ready.trials.drop_duplicates(levers).sort_values("cost_mean")[[*levers, "cost_mean", "fill_rate", "feasible"]].round(3)
    """),
    code("""
    rows = {"buffer": study, "maas_upstream budget": rented, "maas_upstream pre-qualified": ready}
    side = pd.DataFrame({name: {"mean cost": p.loc["cost_mean", "value"], "fill rate": p.loc["fill_rate", "value"],
                                "fill rate low": p.loc["fill_rate", "ci_low"], "fill rate high": p.loc["fill_rate", "ci_high"],
                                "meets target": s.info["meets_target"]}
                         for name, s in rows.items() for p in [s.plan.set_index("name")]})
    side
    """),
    code("""
    # Only a plan that meets the target is a candidate answer; among those, the cheaper one.
    target = sc.optimize.objective.target
    meeting = [name for name in side.columns if side.loc["meets target", name]]
    for name in side.columns:
        print(f"{name}: mean cost {side.loc['mean cost', name]:,.0f} {sc.currency}, fill rate "
              f"{side.loc['fill rate', name]:.3f} ({side.loc['fill rate low', name]:.3f} to "
              f"{side.loc['fill rate high', name]:.3f}); {'meets' if name in meeting else 'misses'} the target {target:.2f}")
    if meeting:
        best = min(meeting, key=lambda name: side.loc["mean cost", name])
        print(f"cheapest plan that meets the target: {best}")
    else:
        print("no plan meets the target: widen the levers' ranges or lower the target")
    """),
    md("""
    The lines above say which plans meet the target. Read them with the quickstart's chain in
    mind: boards need microcontrollers, which the providers buy on a thin broker market while the
    Taiwanese fab is down (`maas.market`, 40 a day), so however ready a provider is, it makes only
    as many boards as it gets chips for; readiness cannot buy chips that do not exist.
    Pre-qualification pays where the providers' inputs are not the bottleneck, qualification is
    slow and a buffer cannot help, as in the next case.
    """),
    md("""
    ## Where pre-qualification beats any buffer: the medical device

    In the `medical_device` library scenario a nonconformance quarantines 90 % of the pump modules
    at the contract manufacturer and at the plant, and stops the manufacturer's line. A buffer of
    modules is made of the same suspect lots and is quarantined with them. How large a buffer would
    reach a 95 % fill rate, and what do the pre-qualified ISO 13485 makers of its
    `prequalified_maas` strategy reach?
    """),
    code("""
    med = resim.load_scenario("../scenarios/medical_device.yaml")
    sizes = Optimize(strategy="buffer", objective={"target": 0.95},
                     levers=[{"kind": "buffer", "part": "pump_module", "low": 0, "high": 24_000, "step": 3_000}])
    held = resim.optimize(med, spec=sizes, trials=9, replications=6, fresh_replications=10, executor="serial")
    tried = held.trials.drop_duplicates("buffer[pump_module]").sort_values("buffer[pump_module]")
    ready = resim.run(med, strategies=["prequalified_maas"], replications=6, executor="serial").replications
    best = tried.loc[tried.fill_rate.idxmax()]
    ready_cost = float((ready.cost_total - ready.stock_change).mean())
    print(f"largest fill rate of a buffer: {best.fill_rate:.3f} with {best['buffer[pump_module]']:,.0f} modules, "
          f"mean cost {best.cost_mean:,.0f} {med.currency}; "
          f"{'some buffer meets' if tried.feasible.any() else 'no buffer tried meets'} the target 0.95")
    print(f"pre-qualified makers, the same 6 replications: fill rate {ready.fill_rate.mean():.3f}, "
          f"mean cost {ready_cost:,.0f} {med.currency} (cost as the optimiser counts it)")
    tried[["buffer[pump_module]", "cost_mean", "fill_rate", "feasible"]].round(3)
    """),
    md("""
    Six replications per candidate are enough to see the method work, not to decide: run
    `resim optimize scenarios/quickstart.yaml` (60 candidates of 20 replications, 40 fresh ones;
    `--executor dask` for a cluster) before acting on a plan. The fresh interval, not the
    search's estimate, is what to read.
    """),
]


# ---------------------------------------------------------------------------------------------
def notebook(name: str):
    """The notebook ``name`` built from its cells (no outputs), with stable cell ids."""
    import nbformat

    nb = nbformat.v4.new_notebook()
    nb.metadata = {
        "kernelspec": {"name": KERNEL_NAME, "display_name": "Python 3 (ipykernel)", "language": "python"},
        "language_info": {"name": "python"},
    }
    for i, (kind, source) in enumerate(NOTEBOOKS[name]):
        make = nbformat.v4.new_markdown_cell if kind == "markdown" else nbformat.v4.new_code_cell
        nb.cells.append(make(source, id=f"{name[:2]}-{i:02d}"))
    return nb


@contextlib.contextmanager
def python_kernel() -> Iterator[str]:
    """A kernelspec named ``python3`` that starts this interpreter (``sys.executable``) with a
    fixed hash seed, put first on ``JUPYTER_PATH`` for the duration; yields the kernel name."""
    saved = {k: os.environ.get(k) for k in ("JUPYTER_PATH", "JUPYTER_PLATFORM_DIRS")}
    with tempfile.TemporaryDirectory() as folder:
        spec = Path(folder) / "kernels" / KERNEL_NAME
        spec.mkdir(parents=True)
        (spec / "kernel.json").write_text(json.dumps({
            "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
            "display_name": "Python 3 (ipykernel)", "language": "python",
            "env": {"PYTHONHASHSEED": "0"}}), encoding="utf-8")   # the same set order in every build
        os.environ["JUPYTER_PATH"] = os.pathsep.join(filter(None, [folder, saved["JUPYTER_PATH"]]))
        os.environ["JUPYTER_PLATFORM_DIRS"] = "1"
        try:
            yield KERNEL_NAME
        finally:
            for key, value in saved.items():
                if value is None:
                    os.environ.pop(key, None)
                else:
                    os.environ[key] = value


def execute(nb, folder: Path):
    """Run ``nb`` in a fresh kernel of this interpreter with ``folder`` as working directory;
    raises nbclient's CellExecutionError on the first failing cell."""
    from nbclient import NotebookClient

    with python_kernel() as kernel:
        client = NotebookClient(nb, timeout=CELL_TIMEOUT, kernel_name=kernel, record_timing=False,
                                resources={"metadata": {"path": str(folder)}})
        client.execute()
    return nb


def main(argv: list[str] | None = None) -> int:
    import nbformat

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("only", nargs="*", help="build only notebooks whose name starts with these")
    parser.add_argument("--no-execute", action="store_true", help="write cells without outputs")
    args = parser.parse_args(argv)
    names = [n for n in NOTEBOOKS if not args.only or any(n.startswith(p) for p in args.only)]
    for name in names:
        nb = notebook(name)
        if not args.no_execute:
            print(f"executing {name} ...", flush=True)
            execute(nb, HERE)
        nbformat.write(nb, HERE / f"{name}.ipynb")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
