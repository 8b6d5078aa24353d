"""Synthetic multi-tier value chains of any size, for benchmarks, tests and ``resim generate``.

:func:`synthetic_chain` returns plain scenario data (a dict, as YAML would read it) that
:func:`resim.scenario_from_dict` accepts. The chain reads top-down like a real one:

* **supplier tiers** ``T, T-1, ..., 1``: tier ``T`` suppliers make raw materials (parts without a
  bill of materials); a tier ``k < T`` supplier makes one component from the parts of tier
  ``k + 1`` (its BOM) and keeps a base-stock for each of them. Tiers widen upstream (tier ``k``
  gets a share of the suppliers proportional to ``k``). About a quarter of the suppliers are a
  second source of a part already made by another one, so those parts are dual-sourced: every
  buyer orders them over two lanes with shares 0.5/0.5 or 0.7/0.3;
* **plants** (one, or a few for large chains), each assembling one product from tier-1 parts;
* **distribution centres**, each stocking one or two products bought from their plants;
* **markets**, each served by one DC with Poisson demand for every product the DC carries.

Sites are spread over countries (ISO 3166 alpha-2) in a handful of regions, with raw materials
mostly from resource countries, components from Asia and Europe, and markets near their DC.
Lead times depend on the distance class of a lane: a constant of 1-3 days within a country, a
triangular distribution within a region, and a long sea (or, sometimes, air) leg between regions.
Stock levels and capacities follow from the expected daily flow through each node, so the chain
runs in a steady state with some slack; unit costs roll up the BOM.

Everything random comes from one :class:`numpy.random.Generator` seeded by ``seed``, so the same
arguments give the same dict, key for key.

>>> from resim import scenario_from_dict
>>> data = synthetic_chain(50, tiers=3, seed=1)
>>> len(data["nodes"])
50
>>> scenario_from_dict(data).horizon_days
365
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

__all__ = ["synthetic_chain", "COUNTRIES"]

# (country, region, latitude, longitude): the sites' places, grouped by region.
COUNTRIES: tuple[tuple[str, str, float, float], ...] = (
    ("DE", "europe", 51.0, 10.0), ("FR", "europe", 46.6, 2.2), ("IT", "europe", 42.8, 12.5),
    ("PL", "europe", 52.0, 19.0), ("CZ", "europe", 49.8, 15.5), ("ES", "europe", 40.0, -3.7),
    ("HU", "europe", 47.2, 19.5), ("SE", "europe", 62.0, 15.0), ("NO", "europe", 60.5, 8.5),
    ("CN", "east_asia", 32.0, 112.0), ("JP", "east_asia", 36.0, 138.0),
    ("KR", "east_asia", 36.0, 128.0), ("TW", "east_asia", 23.7, 121.0),
    ("VN", "southeast_asia", 16.0, 107.0), ("MY", "southeast_asia", 4.2, 102.0),
    ("TH", "southeast_asia", 15.9, 101.0), ("ID", "southeast_asia", -2.5, 118.0),
    ("IN", "south_asia", 21.0, 78.0),
    ("US", "north_america", 39.8, -98.6), ("MX", "north_america", 23.6, -102.5),
    ("CA", "north_america", 56.0, -106.0),
    ("BR", "south_america", -14.0, -51.0), ("CL", "south_america", -35.7, -71.5),
    ("AU", "oceania", -25.0, 133.0), ("ZA", "africa", -30.5, 22.9),
)
_PLACE = {c[0]: c for c in COUNTRIES}

# Where each kind of site tends to be.
_RAW_COUNTRIES = ("CN", "AU", "CL", "BR", "ZA", "NO", "ID", "IN", "US", "CA", "SE")
_COMPONENT_COUNTRIES = ("CN", "TW", "KR", "JP", "VN", "MY", "TH", "IN", "MX", "DE", "CZ", "PL",
                        "IT", "HU", "US")
_TIER1_COUNTRIES = ("DE", "CZ", "PL", "IT", "HU", "FR", "ES", "US", "MX", "CN", "JP", "KR")
_PLANT_COUNTRIES = ("DE", "US", "CN", "MX", "CZ", "JP")
_MARKET_COUNTRIES = ("DE", "FR", "IT", "ES", "PL", "SE", "US", "CA", "MX", "BR", "CN", "JP", "KR",
                     "IN", "AU")

# DIN 8580 processes the parts of each level are made by (see resim.scenario.taxonomy).
_RAW_PROCESSES = ("primary_shaping/casting", "forming/rolling", "forming/wire_drawing",
                  "primary_shaping/sintering", "primary_shaping/injection_moulding",
                  "forming/extrusion")
_COMPONENT_PROCESSES = ("cutting/milling", "cutting/turning", "forming/stamping",
                        "joining/welding", "coating/painting", "joining/smt_assembly",
                        "primary_shaping/die_casting", "forming/forging")
_BOM_QUANTITIES = (1, 1, 1, 1, 2, 2, 3)
_NODE_KEYS = ("id", "kind", "country", "region", "lat", "lon", "makes", "capacity_per_day",
              "production_cost_per_unit", "inventory")


def synthetic_chain(nodes: int, tiers: int = 3, seed: int = 0,
                    horizon_days: int = 365) -> dict[str, Any]:
    """A plausible multi-tier value chain with ``nodes`` sites, as plain scenario data.

    Args:
        nodes: number of sites (suppliers, plants, DCs and markets together); the result has
            exactly this many. At least ``tiers + 3``.
        tiers: number of supplier tiers (1 = raw-material suppliers deliver straight to plants).
            ``resim.scenario.valuechain.tiers`` of the built graph gives suppliers tiers ``1..tiers``.
        seed: seed of the generator; the same arguments always give the same dict.
        horizon_days: the scenario's simulated days.

    Returns:
        A dict with ``name``, ``description``, ``horizon_days``, ``seed``, ``replications``,
        ``currency``, ``parts``, ``nodes``, ``lanes`` and ``demand``, holding only str, int, float,
        bool, list and dict values (ready for ``yaml.safe_dump`` or ``json.dumps``).

    Raises:
        ValueError: when ``tiers < 1`` or ``nodes < tiers + 3``.

    >>> data = synthetic_chain(10, tiers=2, seed=3)
    >>> sorted({n["kind"] for n in data["nodes"]})
    ['dc', 'market', 'plant', 'supplier']
    """
    if tiers < 1:
        raise ValueError(f"tiers must be at least 1, not {tiers}")
    if nodes < tiers + 3:
        raise ValueError(f"{tiers} supplier tiers need at least {tiers + 3} nodes, not {nodes}")
    if horizon_days < 1:
        raise ValueError(f"horizon_days must be at least 1, not {horizon_days}")
    rng = np.random.Generator(np.random.PCG64(np.random.SeedSequence(seed)))
    return _Builder(nodes, tiers, horizon_days, seed, rng).build()


def _split(total: int, weights: list[float]) -> list[int]:
    """``total`` split in proportion to ``weights`` (largest remainders), each share at least 1."""
    raw = [total * w / sum(weights) for w in weights]
    counts = [max(1, int(r)) for r in raw]
    order = sorted(range(len(raw)), key=lambda i: raw[i] - int(raw[i]), reverse=True)
    i = 0
    while sum(counts) < total:
        counts[order[i % len(order)]] += 1
        i += 1
    while sum(counts) > total:  # the floor of 1 overshot: take from the largest
        counts[counts.index(max(counts))] -= 1
    return counts


class _Builder:
    """One generation: the counts, then parts, sites, lanes, flows and stock levels, in order."""

    def __init__(self, nodes: int, tiers: int, horizon_days: int, seed: int,
                 rng: np.random.Generator):
        self.n, self.tiers, self.horizon = nodes, tiers, horizon_days
        self.seed, self.rng = seed, rng
        self.parts: dict[str, dict[str, Any]] = {}      # part id -> part entry
        self.sites: dict[str, dict[str, Any]] = {}      # node id -> node entry
        self.lanes: list[dict[str, Any]] = []
        self.lane_means: dict[tuple[str, str], float] = {}  # (from, to) -> mean lead time, days
        self.demand: list[dict[str, Any]] = []

    # -- small random helpers ---------------------------------------------------------------
    def _pick(self, options: tuple | list) -> Any:
        return options[int(self.rng.integers(len(options)))]

    def _uniform(self, low: float, high: float) -> float:
        return float(self.rng.uniform(low, high))

    def _place(self, countries: tuple[str, ...]) -> dict[str, Any]:
        country, region, lat, lon = _PLACE[self._pick(countries)]
        return {"country": country, "region": region,
                "lat": round(min(89.0, max(-89.0, lat + self._uniform(-2, 2))), 3),
                "lon": round(min(179.0, max(-179.0, lon + self._uniform(-3, 3))), 3)}

    # -- the chain ----------------------------------------------------------------------------
    def build(self) -> dict[str, Any]:
        plants = 1 if self.n < 300 else min(8, 1 + round(self.n / 1000))
        dcs = max(1, round(0.04 * self.n))
        markets = max(1, round(0.06 * self.n))
        suppliers = self.n - plants - dcs - markets
        while suppliers < self.tiers:  # tiny chains: give the suppliers what they need
            if markets > 1:
                markets -= 1
            elif dcs > 1:
                dcs -= 1
            suppliers = self.n - plants - dcs - markets
        per_tier = _split(suppliers, [float(k) for k in range(1, self.tiers + 1)])

        makers, products = self._parts_and_suppliers(per_tier, plants)
        carried = self._plants_dcs_markets(products, dcs, markets)
        self._supply_lanes(makers, products)
        self._distribution_lanes(products, carried)
        self._stock_levels(makers, products, carried)
        return {
            "name": f"Synthetic chain, {self.n} nodes, {self.tiers} supplier tiers",
            "description": (f"Generated by resim.scenario.synthetic.synthetic_chain(nodes={self.n}, "
                            f"tiers={self.tiers}, seed={self.seed}, "
                            f"horizon_days={self.horizon})."),
            "horizon_days": int(self.horizon),
            "seed": int(self.seed),
            "replications": 10,
            "currency": "EUR",
            "parts": list(self.parts.values()),
            "nodes": [{k: site[k] for k in _NODE_KEYS if k in site}
                      for site in self.sites.values()],
            "lanes": self.lanes,
            "demand": self.demand,
        }

    def _parts_and_suppliers(self, per_tier: list[int], plants: int
                             ) -> tuple[dict[str, list[str]], list[str]]:
        """Parts of every level with their BOMs and makers; returns makers and the product ids."""
        makers: dict[str, list[str]] = {}
        level_parts: dict[int, list[str]] = {}
        for tier in range(self.tiers, 0, -1):  # raw materials first, so costs roll up
            count = per_tier[tier - 1]
            n_parts = max(1, math.ceil(count / 2), round(count / 1.3))
            prefix = "raw" if tier == self.tiers else f"part{tier}"
            ids = [f"{prefix}_{i:05d}" for i in range(n_parts)]
            level_parts[tier] = ids
            children = level_parts.get(tier + 1)
            boms = self._deal(ids, children) if children else {}
            for part_id in ids:
                self._add_part(part_id, tier, boms.get(part_id, {}))
            # each part gets one maker; the remaining suppliers second-source distinct parts
            second = self.rng.choice(n_parts, size=count - n_parts, replace=False)
            made = ids + [ids[int(i)] for i in second]
            places = _RAW_COUNTRIES if tier == self.tiers else (
                _TIER1_COUNTRIES if tier == 1 else _COMPONENT_COUNTRIES)
            for i, part_id in enumerate(made):
                node_id = f"sup{tier}_{i:05d}"
                makers.setdefault(part_id, []).append(node_id)
                self.sites[node_id] = {"id": node_id, "kind": "supplier", **self._place(places),
                                       "makes": part_id}
        products = [f"prod_{i:02d}" for i in range(plants)]
        boms = self._deal(products, level_parts[1])
        for product in products:
            self._add_part(product, 0, boms[product])
        return makers, products

    def _deal(self, parents: list[str], children: list[str]) -> dict[str, dict[str, int]]:
        """BOMs of ``parents``: the ``children`` dealt out round-robin in a seeded order, so that
        every child has a parent and every parent at least one child; units per parent drawn."""
        dealt: dict[str, list[str]] = {p: [] for p in parents}
        for j, child in enumerate(self.rng.permutation(len(children))):
            dealt[parents[j % len(parents)]].append(children[int(child)])
        for got in dealt.values():
            if not got:
                got.append(self._pick(children))
        return {p: {c: int(self._pick(_BOM_QUANTITIES)) for c in got} for p, got in dealt.items()}

    def _add_part(self, part_id: str, tier: int, bom: dict[str, int]) -> None:
        if bom:
            material = sum(self.parts[c]["unit_cost"] * q for c, q in bom.items())
            cost = round(material * self._uniform(1.15, 1.5) + self._uniform(1, 10), 2)
        else:
            cost = round(self._uniform(1, 20), 2)
        if tier == self.tiers and tier > 0:
            process = self._pick(_RAW_PROCESSES)
        elif tier >= 2:
            process = self._pick(_COMPONENT_PROCESSES)
        else:
            process = "joining/assembly"
        entry: dict[str, Any] = {"id": part_id, "unit_cost": cost}
        if bom:
            entry["bom"] = bom
        if self.rng.random() < 0.1:
            entry["critical"] = True
        entry["process"] = {"process": process}
        self.parts[part_id] = entry

    def _plants_dcs_markets(self, products: list[str], dcs: int, markets: int
                            ) -> dict[str, list[str]]:
        """Plants, DCs and markets with demand; returns DC id -> products it carries."""
        for i, product in enumerate(products):
            node_id = f"plant_{i:02d}"
            self.sites[node_id] = {"id": node_id, "kind": "plant", **self._place(_PLANT_COUNTRIES),
                                   "makes": product}
        carried: dict[str, list[str]] = {}
        dc_ids = [f"dc_{i:04d}" for i in range(dcs)]
        for i, dc in enumerate(dc_ids):
            carried[dc] = [products[i % len(products)]]
        for j in range(dcs, len(products)):  # fewer DCs than products: some carry several
            carried[dc_ids[j % dcs]].append(products[j])
        for dc in dc_ids:
            if len(products) > 1 and self.rng.random() < 0.3:
                extra = self._pick(products)
                if extra not in carried[dc]:
                    carried[dc].append(extra)
            self.sites[dc] = {"id": dc, "kind": "dc", **self._place(_MARKET_COUNTRIES)}
        served = list(dc_ids) + [self._pick(dc_ids) for _ in range(markets - dcs)]
        for i, dc in enumerate(served):
            node_id = f"mkt_{i:04d}"
            region = self.sites[dc]["region"]
            near = tuple(c for c in _MARKET_COUNTRIES if _PLACE[c][1] == region)
            self.sites[node_id] = {"id": node_id, "kind": "market", **self._place(near)}
            lead = int(self.rng.integers(1, 4))
            self._lane(dc, node_id, carried[dc], lead, lead, "road",
                       cost=round(self._uniform(0.5, 3.0), 2))
            for product in carried[dc]:
                mean = int(self.rng.integers(10, 81))
                unit_cost = self.parts[product]["unit_cost"]
                lost = self.rng.random() < 0.25
                self.demand.append({
                    "market": node_id, "part": product, "daily": f"poisson({mean})",
                    "unmet": "lost_sales" if lost else "backorder",
                    "price": round(unit_cost * self._uniform(1.25, 1.6), 2),
                    "shortage_penalty_per_unit": round(unit_cost * self._uniform(0.05, 0.2), 2),
                })
        return carried

    def _lane_timing(self, source: str, dest: str) -> tuple[Any, float, str, float]:
        """(lead_time_days, its mean, mode, cost as a share of unit cost) for a lane by distance."""
        a, b = self.sites[source], self.sites[dest]
        if a["country"] == b["country"]:
            days = int(self.rng.integers(1, 4))
            return days, float(days), "road", self._uniform(0.005, 0.015)
        if a["region"] == b["region"]:
            low = int(self.rng.integers(2, 4))
            mode_ = low + int(self.rng.integers(1, 3))
            high = mode_ + int(self.rng.integers(2, 5))
            return (f"triangular({low}, {mode_}, {high})", (low + mode_ + high) / 3,
                    self._pick(("road", "rail")), self._uniform(0.01, 0.03))
        if self.rng.random() < 0.1:
            low = int(self.rng.integers(2, 4))
            return (f"triangular({low}, {low + 2}, {low + 5})", low + 7 / 3, "air",
                    self._uniform(0.08, 0.12))
        low = int(self.rng.integers(18, 28))
        mode_ = low + int(self.rng.integers(3, 8))
        high = mode_ + int(self.rng.integers(5, 15))
        return (f"triangular({low}, {mode_}, {high})", (low + mode_ + high) / 3, "sea",
                self._uniform(0.02, 0.04))

    def _lane(self, source: str, dest: str, parts: list[str], lead: Any, mean: float, mode: str,
              cost: float, share: float | None = None) -> None:
        lane: dict[str, Any] = {"from": source, "to": dest,
                                "parts": parts[0] if len(parts) == 1 else list(parts),
                                "lead_time_days": lead, "cost_per_unit": cost, "mode": mode}
        if share is not None:
            lane["share"] = share
        self.lanes.append(lane)
        self.lane_means[(source, dest)] = mean

    def _supply_lanes(self, makers: dict[str, list[str]], products: list[str]) -> None:
        """Lanes from the makers of every BOM child to every maker of the parent."""
        buyers = [(n["id"], n["makes"]) for n in self.sites.values()
                  if n["kind"] in ("supplier", "plant")]
        for buyer, made in buyers:
            for child in self.parts[made].get("bom", {}):
                sources = makers[child]
                if len(sources) == 1:
                    shares: tuple[float | None, ...] = (None,)
                else:
                    shares = (0.5, 0.5) if self.rng.random() < 0.5 else (
                        (0.7, 0.3) if self.rng.random() < 0.5 else (0.3, 0.7))
                for source, share in zip(sources, shares):
                    lead, mean, mode, rate = self._lane_timing(source, buyer)
                    cost = max(0.01, round(self.parts[child]["unit_cost"] * rate, 3))
                    self._lane(source, buyer, [child], lead, mean, mode, cost, share)

    def _distribution_lanes(self, products: list[str], carried: dict[str, list[str]]) -> None:
        plant_of = {p: f"plant_{i:02d}" for i, p in enumerate(products)}
        for dc, stocked in carried.items():
            for product in stocked:
                lead, mean, mode, rate = self._lane_timing(plant_of[product], dc)
                cost = max(0.01, round(self.parts[product]["unit_cost"] * rate, 3))
                self._lane(plant_of[product], dc, [product], lead, mean, mode, cost)

    def _stock_levels(self, makers: dict[str, list[str]], products: list[str],
                      carried: dict[str, list[str]]) -> None:
        """Base-stock levels and capacities from the expected daily flow through each node."""
        inbound: dict[tuple[str, str], list[dict[str, Any]]] = {}  # (dest, part) -> lanes
        for lane in self.lanes:
            parts = lane["parts"] if isinstance(lane["parts"], list) else [lane["parts"]]
            for part in parts:
                inbound.setdefault((lane["to"], part), []).append(lane)
        flow: dict[tuple[str, str], float] = {}  # (node, part) -> expected units per day out
        for d in self.demand:
            dc = next(lane["from"] for lane in inbound[(d["market"], d["part"])])
            mean = float(d["daily"][len("poisson("):-1])
            flow[(dc, d["part"])] = flow.get((dc, d["part"]), 0.0) + mean

        def order_up(node: str, part: str, rate: float) -> None:
            """Spread ``rate`` units/day of ``part`` ordered by ``node`` over its inbound lanes."""
            lanes = inbound[(node, part)]
            lead_mean = 0.0
            for lane in lanes:
                share = lane.get("share", 1.0 / len(lanes))
                key = (lane["from"], part)
                flow[key] = flow.get(key, 0.0) + rate * share
                lead_mean += share * self.lane_means[(lane["from"], node)]
            level = math.ceil(rate * (lead_mean + 1 + self._uniform(3, 10)))
            self.sites[node].setdefault("inventory", []).append(
                {"part": part, "policy": {"type": "base_stock", "level": max(1, level)}})

        for dc, stocked in carried.items():
            for product in stocked:
                order_up(dc, product, flow[(dc, product)])
        # then makers, downstream first: plants, tier 1, tier 2, ...
        order = [f"plant_{i:02d}" for i in range(len(products))]
        order += sorted((n for n, s in self.sites.items() if s["kind"] == "supplier"),
                        key=lambda n: (int(n[3:n.index("_")]), n))
        for node in order:
            site = self.sites[node]
            made = site["makes"]
            rate = flow.get((node, made), 0.0)
            stock = site.setdefault("inventory", [])
            stock.append({"part": made, "policy": {
                "type": "base_stock", "level": max(1, math.ceil(rate * self._uniform(3, 10)))}})
            site["capacity_per_day"] = max(1, math.ceil(rate * self._uniform(1.25, 1.6)))
            site["production_cost_per_unit"] = round(
                self.parts[made]["unit_cost"] * self._uniform(0.03, 0.1), 2)
            for child, quantity in self.parts[made].get("bom", {}).items():
                order_up(node, child, rate * quantity)
