"""Synthetic chains that exercise the slow paths: disruptions and every strategy kind.

`resim.scenario.synthetic.synthetic_chain` builds the chain alone. :func:`stressed_chain` adds
what a real study holds: a regional natural disaster over the region with the most suppliers,
a tariff on the most common supplier country's goods into the plants' countries, a plant's
recurring breakdowns, a remanufacturing centre fed by take-back of the first product, a MaaS
provider pool (`resim.supply.generator.generate_pool`) and one strategy per action kind.
Benchmarks import it; nothing in resim does.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import yaml

import resim
from resim.scenario.synthetic import synthetic_chain
from resim.supply.generator import generate_pool
from resim.supply.pool import write_pool_csv

STRATEGIES = ("none", "buffer", "dual_source", "maas_same_tier", "maas_upstream", "circular")


def stressed_chain(nodes: int, folder: Path, *, seed: int = 1, offerings: int = 2000,
                   horizon_days: int = 365) -> resim.Scenario:
    """A ``nodes``-site synthetic chain with disruptions, circular supply, a provider pool of
    ``offerings`` (written to ``folder``/providers.csv) and one strategy per action kind."""
    data = synthetic_chain(nodes, tiers=3, seed=seed, horizon_days=horizon_days)
    sites = {n["id"]: n for n in data["nodes"]}
    suppliers = [n for n in data["nodes"] if n["kind"] == "supplier"]
    plants = [n for n in data["nodes"] if n["kind"] == "plant"]
    region = Counter(n["region"] for n in suppliers).most_common(1)[0][0]
    country = Counter(n["country"] for n in suppliers).most_common(1)[0][0]
    product = data["demand"][0]["part"]
    market = data["demand"][0]["market"]
    plant = next(l["to"] for l in data["lanes"] if sites[l["to"]]["kind"] == "plant"
                 and product in _made(sites[l["to"]]))
    bom = next(p for p in data["parts"] if p["id"] == product)["bom"]
    component = sorted(bom)[0]   # assembled into the product at the plant: reman and buffer target
    data["disruptions"] = [
        {"id": "regional_quake", "type": "natural_disaster", "footprint": {"regions": [region]},
         "onset_day": 60, "duration_days": "triangular(30, 60, 90)", "severity": 1.0,
         "stock_destroyed": 0.3, "recovery": {"profile": "ramp", "ramp_days": 20}},
        {"id": "tariff", "type": "trade_barrier", "barrier": "tariff", "from_countries": [country],
         "to_countries": sorted({p["country"] for p in plants} - {country}) or ["US"], "rate": 0.25,
         "onset_day": 120, "duration_days": 180},
        {"id": "breakdowns", "type": "capacity_loss", "nodes": [plant], "severity": 0.4, "onset_day": 0,
         "duration_days": horizon_days, "mtbf_days": "exponential(90)", "mttr_days": "triangular(1, 2, 4)"},
    ]
    reman = {"id": "reman_x", "kind": "reman", "country": sites[plant]["country"],
             "region": sites[plant]["region"], "makes": component, "capacity_per_day": 40,
             "inventory": [{"part": component, "policy": {"type": "base_stock", "level": 50}, "initial": 0}]}
    data["nodes"].append(reman)
    usual = [l for l in data["lanes"] if l["to"] == plant and component in _listed(l["parts"])]
    for lane in usual:  # a share on every lane of the group once the reman lane joins it
        lane.setdefault("share", round(1 / len(usual), 6))
    data["lanes"].append({"from": "reman_x", "to": plant, "parts": component, "lead_time_days": 2,
                          "cost_per_unit": 1.0, "share": 0})
    data["circular"] = {
        "take_back": [{"product": product, "market": market, "to": "reman_x", "return_rate": 0.35,
                       "use_life_days": "lognormal(1460, 400)", "installed_base": 20000}],
        "grading": [{"part": component, "reuse": 0.1, "remanufacture": 0.5, "recycle": 0.4}],
        "processes": [{"node": "reman_x", "process": step, "capacity_per_day": 80, "time_days": 1,
                       "yield": 0.95, "cost_per_unit": 5}
                      for step in ("disassembly", "testing", "reconditioning", "reassembly")]}
    folder.mkdir(parents=True, exist_ok=True)
    write_pool_csv(generate_pool(offerings, seed=seed), folder / "providers.csv")
    data["maas"] = {"providers": {"csv": "providers.csv"}}
    reactive: dict[str, Any] = {"detection_delay_days": 2, "decision_delay_days": 5, "budget": 2_000_000,
                                "max_premium": 1.0, "max_providers": 2, "responds_to": ["natural_disaster"]}
    data["strategies"] = [
        {"id": "none", "actions": ["none"]},
        {"id": "buffer", "actions": ["buffer"], "buffer": {component: 500}},
        {"id": "dual_source", "actions": ["dual_source"], "budget": 5_000_000, "max_premium": 1.0},
        {"id": "maas_same_tier", "actions": ["maas_same_tier"], **reactive},
        {"id": "maas_upstream", "actions": ["maas_upstream"], **reactive},
        {"id": "circular", "actions": ["circular"], "detection_delay_days": 2, "decision_delay_days": 3,
         "responds_to": ["natural_disaster"]},
    ]
    path = folder / f"stressed_{nodes}.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return resim.load_scenario(path)


def _listed(value: str | list[str]) -> list[str]:
    return [value] if isinstance(value, str) else list(value)


def _made(node: dict) -> list[str]:
    return _listed(node.get("makes", []))
