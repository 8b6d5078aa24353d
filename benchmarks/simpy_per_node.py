"""A minimal hand-written "one SimPy process per node" model of a synthetic chain: the baseline.

This is the style resim's engine is compared against: every site is one SimPy process that wakes
once a day and, in order,

1. **receives** the shipments that arrived since its last day (an inbox the shipments fill);
2. **produces** (suppliers and plants): up to its base-stock level of the part it makes plus what
   it owes, within its capacity and the components on hand (the BOM), consuming them;
3. **serves** the orders from downstream, first come first served, shipping what it has (partial
   shipments allowed); each shipment is a SimPy timeout of the lane's lead time (rounded to whole
   days, at least one) whose callback puts the units in the buyer's inbox; orders of lost-sales
   markets not filled on the day are dropped;
4. **orders** up to base stock: for each input part, inventory position = on hand + on order -
   owed to customers; the shortfall to the level is ordered from the part's sources by their
   lane shares (equal shares when none are given).

Markets are processes too: each day each (market, product) draws Poisson demand and orders it from
its DC. Quantities are continuous, as in resim. Not modelled: costs, holding, lane capacities,
disruptions and strategies; this is a speed baseline, not a second engine.

Usage::

    .venv/bin/python benchmarks/simpy_per_node.py CHAIN.json [--days 365] [--seed 0]

prints one JSON line ``{"nodes", "seconds", "build_seconds", "peak_mb", "fill_rate", ...}``.
CHAIN.json is the data of :func:`resim.scenario.synthetic.synthetic_chain`; the model reads it as plain
JSON (it needs only SimPy and NumPy).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import deque
from typing import Any, Callable

import numpy as np
import simpy

# benchmarks/ is on sys.path when this runs as a script
from chain_dists import as_list, peak_rss_mb, sampler

Sampler = Callable[[], float]


class Site:
    """A supplier, plant or DC: its stock, its customers' orders and its daily process."""

    def __init__(self, env: simpy.Environment, node: dict[str, Any], bom: dict[str, float]):
        self.env = env
        self.id = node["id"]
        self.makes: str | None = node.get("makes")
        self.bom = bom
        self.capacity = float(node.get("capacity_per_day") or float("inf"))
        self.level = {s["part"]: float(s["policy"]["level"]) for s in node.get("inventory", [])}
        self.on_hand = dict(self.level)
        self.on_order = {part: 0.0 for part in self.level}
        self.inbox: list[tuple[str, float]] = []
        self.queue: dict[str, deque] = {}   # part -> orders [buyer, units left, lead, lose_rest]
        self.owed: dict[str, float] = {}
        self.lossy: set[str] = set()        # parts some lost-sales market orders here
        self.sources: dict[str, list[tuple["Site", float, Sampler]]] = {}
        self.shipments = 0

    # called by other processes -----------------------------------------------------------
    def take_order(self, buyer: Any, part: str, units: float, lead: Sampler,
                   lose_rest: bool = False) -> None:
        """A buyer's order, served by this site's process from its next service step."""
        if part not in self.queue:
            self.queue[part], self.owed[part] = deque(), 0.0
        self.queue[part].append([buyer, units, lead, lose_rest])
        self.owed[part] += units
        if lose_rest:
            self.lossy.add(part)

    def deliver(self, part: str, units: float) -> None:
        """A shipment arrived (a timeout's callback): it waits in the inbox for the next day."""
        self.inbox.append((part, units))

    # the daily process -------------------------------------------------------------------
    def run(self):
        """Receive, produce, serve, order; once a day."""
        env, on_hand = self.env, self.on_hand
        while True:
            if self.inbox:
                for part, units in self.inbox:
                    on_hand[part] += units
                    self.on_order[part] -= units
                self.inbox.clear()
            if self.makes is not None:
                self._produce()
            for part, queue in self.queue.items():
                if queue:
                    self._serve(part, queue)
            for part, sources in self.sources.items():
                position = on_hand[part] + self.on_order[part] - self.owed.get(part, 0.0)
                short = self.level[part] - position
                if short > 1e-9:
                    self.on_order[part] += short
                    for source, share, lead in sources:
                        source.take_order(self, part, short * share, lead)
            yield env.timeout(1)

    def _produce(self) -> None:
        made, on_hand = self.makes, self.on_hand
        units = min(self.capacity,
                    self.level[made] + self.owed.get(made, 0.0) - on_hand[made])
        for child, per_unit in self.bom.items():
            units = min(units, on_hand[child] / per_unit)
        if units > 1e-9:
            for child, per_unit in self.bom.items():
                on_hand[child] -= units * per_unit
            on_hand[made] += units

    def _serve(self, part: str, queue: deque) -> None:
        stock = self.on_hand[part]
        while queue and stock > 1e-9:
            order = queue[0]
            units = min(stock, order[1])
            stock -= units
            order[1] -= units
            self.owed[part] -= units
            self._ship(order[0], part, units, order[2])
            if order[1] <= 1e-9:
                queue.popleft()
        self.on_hand[part] = stock
        if part in self.lossy and queue:  # lost-sales customers leave with what they got
            kept = deque()
            for order in queue:
                if order[3]:
                    self.owed[part] -= order[1]
                    order[0].lost += order[1]
                else:
                    kept.append(order)
            self.queue[part] = kept

    def _ship(self, buyer: Any, part: str, units: float, lead: Sampler) -> None:
        self.shipments += 1
        arrival = self.env.timeout(max(1, round(lead())), value=(buyer, part, units))
        arrival.callbacks.append(_arrive)


def _arrive(event: simpy.Event) -> None:
    """A shipment's timeout fired: hand its units to the buyer (no closure per shipment)."""
    buyer, part, units = event.value
    buyer.deliver(part, units)


class Market:
    """A market: each day, each product's Poisson demand is ordered from its DC."""

    def __init__(self, env: simpy.Environment, market_id: str):
        self.env, self.id = env, market_id
        self.lines: list[tuple[Site, str, Sampler, Sampler, bool]] = []
        self.demanded = self.delivered = self.lost = 0.0

    def deliver(self, part: str, units: float) -> None:
        self.delivered += units

    def run(self):
        while True:
            for dc, part, demand, lead, lose_rest in self.lines:
                units = demand()
                if units > 0:
                    self.demanded += units
                    dc.take_order(self, part, units, lead, lose_rest)
            yield self.env.timeout(1)


def build(data: dict, env: simpy.Environment, rng: np.random.Generator
          ) -> tuple[dict[str, Site], list[Market]]:
    """Sites and markets of a chain, wired by its lanes; their processes started downstream
    first (markets, DCs, plants, tier 1, ...), so an order placed in a day is seen upstream the
    same day."""
    parts = {p["id"]: p for p in data["parts"]}
    sites: dict[str, Site] = {}
    markets: dict[str, Market] = {}
    for node in data["nodes"]:
        if node["kind"] == "market":
            markets[node["id"]] = Market(env, node["id"])
        else:
            bom = parts[node["makes"]].get("bom", {}) if node.get("makes") else {}
            sites[node["id"]] = Site(env, node, {c: float(q) for c, q in bom.items()})
    into: dict[tuple[str, str], list[dict]] = {}
    for lane in data["lanes"]:
        for part in as_list(lane["parts"]):
            into.setdefault((lane["to"], part), []).append(lane)
    demand_of = {(d["market"], d["part"]): d for d in data["demand"]}
    for (dest, part), lanes in into.items():
        for lane in lanes:
            lead = sampler(lane["lead_time_days"], rng)
            share = float(lane.get("share", 1.0 / len(lanes)))
            if dest in markets:
                d = demand_of[(dest, part)]
                markets[dest].lines.append((sites[lane["from"]], part,
                                            sampler(d["daily"], rng), lead,
                                            d.get("unmet", "backorder") == "lost_sales"))
            elif share > 0:
                sites[dest].sources.setdefault(part, []).append((sites[lane["from"]], share, lead))

    # downstream first: breadth-first from the sites that serve markets, against the lanes
    order: dict[str, None] = {}
    frontier = [lane["from"] for (dest, _), lanes in into.items() if dest in markets
                for lane in lanes]
    while frontier:
        for site_id in frontier:
            order.pop(site_id, None)  # a site reached again moves behind its new buyers
            order[site_id] = None
        frontier = list(dict.fromkeys(source.id for site_id in frontier
                                      for sources in sites[site_id].sources.values()
                                      for source, _, _ in sources))
    for market in markets.values():
        env.process(market.run())
    for site_id in [*order, *(s for s in sites if s not in order)]:
        env.process(sites[site_id].run())
    return sites, list(markets.values())


def run(data: dict, days: int, seed: int = 0) -> dict:
    """Build and simulate ``days`` days; return the measurements."""
    rng = np.random.Generator(np.random.PCG64(seed))
    started = time.perf_counter()
    env = simpy.Environment()
    sites, markets = build(data, env, rng)
    built = time.perf_counter()
    env.run(until=days)
    finished = time.perf_counter()
    demanded = sum(m.demanded for m in markets)
    return {
        "nodes": len(sites) + len(markets),
        "days": days,
        "seconds": finished - built,
        "build_seconds": built - started,
        "peak_mb": peak_rss_mb(),
        "fill_rate": sum(m.delivered for m in markets) / demanded if demanded else None,
        "shipments": sum(s.shipments for s in sites.values()),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("chain", help="JSON file of resim.scenario.synthetic.synthetic_chain data")
    parser.add_argument("--days", type=int, default=None,
                        help="days simulated (default: the chain's horizon_days)")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    with open(args.chain, encoding="utf-8") as handle:
        data = json.load(handle)
    print(json.dumps(run(data, args.days or int(data["horizon_days"]), args.seed)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
