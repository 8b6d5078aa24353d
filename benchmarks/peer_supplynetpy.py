"""Run a resim synthetic chain in SupplyNetPy (the peer) and print one JSON line of timings.

Usage (with the peer's own virtual environment, see benchmarks/README.md)::

    benchmarks/.venv-peer/bin/python benchmarks/peer_supplynetpy.py CHAIN.json [--seed 0]

CHAIN.json is the plain scenario data of :func:`resim.scenario.synthetic.synthetic_chain` (``json.dump``
of the dict). The script imports neither resim nor anything beyond the standard library, NumPy,
SupplyNetPy and ``chain_dists.py`` beside it, so it runs in a virtual environment of its own.

How the chain maps onto SupplyNetPy's classes (``import SupplyNetPy.Components as scm``):

* a raw-material supplier (its part has no BOM) -> ``scm.Supplier`` with an ``scm.RawMaterial``
  mined at ``capacity_per_day`` units per day;
* a supplier of a component, and a plant -> ``scm.Manufacturer`` making an ``scm.Product`` whose
  ``raw_materials`` are the BOM, in batches of ``capacity_per_day`` units per day; its output
  stock follows ``scm.SSReplenishment`` with s = S - 1, reviewed daily (``period=1``), i.e.
  resim's daily base-stock review. SupplyNetPy manufacturers hold no stock of their inputs, so
  the input base stocks are folded into the output's order-up-to level: S = output level +
  the largest (input level / units per product) over the BOM, the same cover in days;
* SupplyNetPy lets a manufacturer buy only from raw-material suppliers (it reads
  ``link.source.raw_material``), so a manufacturer that sells to another manufacturer is given a
  ``raw_material`` attribute: an ``scm.RawMaterial`` standing for the part it makes. This is the
  one adapter that makes multi-tier BOMs possible; nothing else of SupplyNetPy is changed;
* a DC -> one ``scm.InventoryNode`` (``node_type="distributor"``) per product it carries
  (SupplyNetPy holds one product per node), with the same daily (s, S) review;
* a market -> one ``scm.Demand`` per product, one order per day of a Poisson quantity (at least
  one unit: SupplyNetPy refuses empty orders), with the lane's lead time as delivery time;
  backordering markets wait (``tolerance`` = the horizon), lost-sales markets do not;
* a lane -> ``scm.Link`` with the lane's lead time drawn per order (constants stay constants,
  triangular lead times are drawn from the same triangular distribution).

What SupplyNetPy cannot express, and was simplified: a manufacturer keeps no base stock of its
inputs (it orders exactly the components of the units it plans, when it plans them, so its input
buffers become output stock, as above); it orders each component from the first of its sources,
so dual-sourcing shares are not followed: the first source of a dual-sourced part gets both
sources' capacity and stock, and the second idles; link costs are per order, not per unit;
capacities are production batch sizes; raw-material suppliers hold at most four times their
base-stock level; a day's Poisson demand of 0 becomes an order of 1 unit.

Output: ``{"nodes": resim nodes, "peer_nodes": SupplyNetPy nodes + demands, "links": ...,
"seconds": wall seconds of the simulation run, "build_seconds": ..., "peak_mb": peak resident set
size of this process in MiB, "fill_rate": units delivered to customers / units ordered}``.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
import warnings
from typing import Any

import numpy as np
import simpy
import SupplyNetPy.Components as scm

# benchmarks/ is on sys.path when this runs as a script
from chain_dists import as_list, peak_rss_mb, sampler

def build(data: dict, env: simpy.Environment, rng: np.random.Generator) -> dict:
    """The SupplyNetPy network (``scm.create_sc_net``) equivalent to a synthetic chain."""
    parts = {p["id"]: p for p in data["parts"]}
    nodes = {n["id"]: n for n in data["nodes"]}
    levels = {(n["id"], s["part"]): float(s["policy"]["level"])
              for n in data["nodes"] for s in n.get("inventory", [])}
    quiet = {"logging": False}
    # A manufacturer orders each component from its first source only (see the module
    # docstring), so the first source of a dual-sourced part takes over the other's capacity and
    # stock: lanes list a part's sources in the same order for every buyer.
    inbound: dict[tuple[str, str], list[str]] = {}
    for lane in data["lanes"]:
        for part in as_list(lane["parts"]):
            inbound.setdefault((lane["to"], part), []).append(lane["from"])
    takes_over: dict[str, set[str]] = {}
    for (dest, _), sources in inbound.items():
        if len(sources) > 1 and nodes[dest]["kind"] in ("supplier", "plant"):
            takes_over.setdefault(sources[0], set()).update(sources[1:])

    raw_materials = {  # every part that a manufacturer buys, as SupplyNetPy sees it
        pid: scm.RawMaterial(ID=f"rm_{pid}", name=pid, extraction_quantity=1,
                             extraction_time=1, mining_cost=0, cost=max(0.01, p["unit_cost"]))
        for pid, p in parts.items()}

    def cover(site: str) -> float:
        """Order-up-to level of a maker's output, with its input buffers folded in (SupplyNetPy
        manufacturers hold no inputs): output level + max(input level / units per product)."""
        part = parts[nodes[site]["makes"]]
        return levels[(site, part["id"])] + max(
            (levels[(site, c)] / q for c, q in part.get("bom", {}).items()), default=0.0)

    built: dict[str, Any] = {}  # site id (or "dc/product") -> scm node
    for node in data["nodes"]:
        nid, kind = node["id"], node["kind"]
        if kind in ("supplier", "plant"):
            part = parts[node["makes"]]
            pooled = [nid, *sorted(takes_over.get(nid, ()))]
            level = sum(cover(n) for n in pooled)
            capacity = sum(float(nodes[n].get("capacity_per_day") or levels[(n, part["id"])])
                           for n in pooled)
            if not part.get("bom"):
                rm = scm.RawMaterial(ID=f"rm_{part['id']}", name=part["id"],
                                     extraction_quantity=capacity, extraction_time=1,
                                     mining_cost=max(0.0, part["unit_cost"] * 0.05),
                                     cost=max(0.01, part["unit_cost"]))
                built[nid] = scm.Supplier(env=env, ID=nid, name=nid, node_type="supplier",
                                          capacity=4 * level, initial_level=level,
                                          inventory_holding_cost=0.0, raw_material=rm, **quiet)
            else:
                product = scm.Product(  # one per maker: a manufacturer keeps and edits it
                    ID=part["id"], name=part["id"],
                    manufacturing_cost=max(0.01, part["unit_cost"] * 0.05), manufacturing_time=1,
                    sell_price=part["unit_cost"] * 1.2, batch_size=capacity,
                    raw_materials=[(raw_materials[c], q) for c, q in part["bom"].items()])
                site = scm.Manufacturer(
                    env=env, ID=nid, name=nid, capacity=math.inf, initial_level=level,
                    inventory_holding_cost=0.0, product_sell_price=product.sell_price,
                    replenishment_policy=scm.SSReplenishment,
                    policy_param={"s": level - 1, "S": level, "period": 1},
                    product=product, **quiet)
                site.raw_material = raw_materials[part["id"]]  # sells its part to manufacturers
                built[nid] = site
        elif kind == "dc":
            for stock in node["inventory"]:
                level = float(stock["policy"]["level"])
                key = f"{nid}/{stock['part']}"
                built[key] = scm.InventoryNode(
                    env=env, ID=key, name=key, node_type="distributor", capacity=math.inf,
                    initial_level=level, inventory_holding_cost=0.0,
                    replenishment_policy=scm.SSReplenishment,
                    policy_param={"s": level - 1, "S": level, "period": 1},
                    product_sell_price=parts[stock["part"]]["unit_cost"] * 1.2,
                    product_buy_price=parts[stock["part"]]["unit_cost"], **quiet)

    links, market_lanes = [], {}
    for i, lane in enumerate(data["lanes"]):
        source, dest = nodes[lane["from"]], nodes[lane["to"]]
        lane_parts = as_list(lane["parts"])
        if dest["kind"] == "market":
            for part in lane_parts:
                market_lanes[(dest["id"], part)] = lane
            continue
        for part in lane_parts:
            src = built[f"{source['id']}/{part}" if source["kind"] == "dc" else source["id"]]
            dst = built[f"{dest['id']}/{part}" if dest["kind"] == "dc" else dest["id"]]
            links.append(scm.Link(env=env, ID=f"L{i}_{part}", source=src, sink=dst,
                                  cost=float(lane.get("cost_per_unit", 0.0)),
                                  lead_time=sampler(lane["lead_time_days"], rng)))

    demands = []
    for j, d in enumerate(data["demand"]):
        lane = market_lanes[(d["market"], d["part"])]
        demands.append(scm.Demand(
            env=env, ID=f"D{j}", name=f"{d['market']}/{d['part']}", order_arrival_model=1,
            order_quantity_model=sampler(d["daily"], rng, at_least=1.0),
            demand_node=built[f"{lane['from']}/{d['part']}"],
            tolerance=float(data["horizon_days"]) if d.get("unmet", "backorder") == "backorder"
            else 0.0,
            lead_time=sampler(lane["lead_time_days"], rng), **quiet))
    return scm.create_sc_net(nodes=list(built.values()), links=links, demands=demands, env=env)


def run(data: dict, days: int, seed: int) -> dict:
    """Build and simulate ``days`` days; return the measurements as a dict."""
    warnings.simplefilter("ignore")
    scm.global_logger.disable_logging()
    scm.set_seed(seed)
    rng = np.random.Generator(np.random.PCG64(seed))
    started = time.perf_counter()
    env = simpy.Environment()
    net = build(data, env, rng)
    built = time.perf_counter()
    net = scm.simulate_sc_net(net, sim_time=days, logging=False)
    finished = time.perf_counter()
    ordered = net["demand_by_customers"][1]
    delivered = net["fulfillment_received_by_customers"][1]
    return {
        "nodes": len(data["nodes"]),
        "peer_nodes": len(net["nodes"]) + len(net["demands"]),
        "links": len(net["links"]),
        "days": days,
        "seconds": finished - built,
        "build_seconds": built - started,
        "peak_mb": peak_rss_mb(),
        "fill_rate": delivered / ordered if ordered else None,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("chain", help="JSON file of resim.scenario.synthetic.synthetic_chain data")
    parser.add_argument("--days", type=int, default=None, help="days simulated (default: the "
                        "chain's horizon_days)")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    with open(args.chain, encoding="utf-8") as handle:
        data = json.load(handle)
    days = args.days or int(data["horizon_days"])
    print(json.dumps(run(data, days, args.seed)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
