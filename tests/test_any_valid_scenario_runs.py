"""Whatever validates must run: small hypothesis-drawn chains of every node kind and inventory
policy, lanes between any kinds validation accepts (plants straight to markets, with or without
DCs), either start, with a disruption or none. Each one that validates runs without an exception
and conserves material: stock on hand is never negative, and every market's demand is delivered,
added to its backlog or lost."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings, strategies as st

import resim
from resim.experiment.runner import prepare, run_replication

pytestmark = pytest.mark.slow  # simulations, subprocesses or real faults: the full suite only

PARTS = [{"id": "R", "unit_cost": 1},
         {"id": "C", "unit_cost": 5, "bom": {"R": 2}},
         {"id": "P", "unit_cost": 20, "bom": {"C": 1, "R": 1}}]


@st.composite
def policies(draw):
    kind = draw(st.sampled_from(["base_stock", "periodic", "s_S", "r_Q"]))
    low = draw(st.integers(0, 20))
    high = low + draw(st.integers(1, 30))
    if kind == "base_stock":
        policy = {"type": kind, "level": high}
    elif kind == "periodic":
        policy = {"type": kind, "level": high, "review_days": draw(st.integers(1, 5))}
    elif kind == "s_S":
        policy = {"type": kind, "s": low, "S": high}
    else:
        policy = {"type": kind, "r": low, "Q": high - low}
    return policy


@st.composite
def stocks(draw, parts):
    chosen = draw(st.lists(st.sampled_from(parts), unique=True, max_size=len(parts)))
    entries = []
    for part in chosen:
        entry = {"part": part, "policy": draw(policies())}
        if draw(st.booleans()):
            entry["initial"] = draw(st.integers(0, 30))
        entries.append(entry)
    return entries


def _node(id_, kind, **fields):
    return {"id": id_, "kind": kind, "country": "DE", "region": "europe", **fields}


@st.composite
def scenarios(draw):
    nodes = []
    for i in range(draw(st.integers(0, 2))):
        makes = draw(st.lists(st.sampled_from(["R", "C"]), min_size=1, unique=True))
        makes = makes if i else sorted({"R", *makes})  # some raw material to start from
        nodes.append(_node(f"s{i}", "supplier", makes=makes, inventory=draw(stocks(["R", "C"]))))
    for i in range(draw(st.integers(1, 2))):
        # A plant may make its components (and their raw material) in place.
        makes = draw(st.lists(st.sampled_from(["P", "C", "R"]), min_size=1, unique=True))
        node = _node(f"p{i}", "plant", makes=makes, inventory=draw(stocks(["R", "C", "P"])))
        if draw(st.booleans()):
            node["capacity_per_day"] = draw(st.integers(1, 30))
        nodes.append(node)
    for i in range(draw(st.integers(0, 2))):
        nodes.append(_node(f"d{i}", "dc", inventory=draw(stocks(["C", "P"]))))
    if draw(st.booleans()):
        nodes.append(_node("r0", "reman", makes=[draw(st.sampled_from(["C", "P"]))],
                           inventory=draw(stocks(["C", "P"]))))
    # A maker (not reman, which makes from returned cores) mostly stocks the components it uses.
    for node in nodes:
        held = {s["part"] for s in node["inventory"]}
        for part in node.get("makes", ()) if node["kind"] != "reman" else ():
            for child in next(p for p in PARTS if p["id"] == part).get("bom", {}):
                if child not in held and draw(st.integers(0, 5)):
                    node["inventory"].append({"part": child, "policy": draw(policies())})
                    held.add(child)
    markets = [f"m{i}" for i in range(draw(st.integers(1, 2)))]
    nodes.extend(_node(m, "market") for m in markets)
    demand = []
    for m in markets:
        for part in draw(st.lists(st.sampled_from(["P", "C"]), min_size=1, unique=True)):
            demand.append({"market": m, "part": part,
                           "daily": draw(st.sampled_from([3, "poisson(4)", "uniform(0, 8)"])),
                           "unmet": draw(st.sampled_from(["backorder", "lost_sales"]))})
    wanted = {m: {d["part"] for d in demand if d["market"] == m} for m in markets}

    def holds(node):
        return {*node.get("makes", ()), *(s["part"] for s in node.get("inventory", ()))}

    # Every part a node takes (a market's demand, a stock point it does not make) comes by a
    # lane from a drawn node holding it; then a few lanes between any two nodes, carrying what
    # the source holds and the destination takes. Kinds are free: plants may serve markets.
    by_id = {n["id"]: n for n in nodes}

    def holds(node):
        return {*node.get("makes", ()), *(s["part"] for s in node.get("inventory", ()))}

    def takes(node):
        if node["kind"] == "market":
            return wanted[node["id"]]
        return {s["part"] for s in node.get("inventory", ())}

    carried: dict[tuple[str, str], set] = {}
    for node in nodes:
        for part in sorted(takes(node) - set(node.get("makes", ()))):
            sources = [n["id"] for n in nodes if n is not node and part in holds(n)]
            if sources:
                carried.setdefault((draw(st.sampled_from(sources)), node["id"]), set()).add(part)
    ids = list(by_id)
    for src, dst in draw(st.lists(st.tuples(st.sampled_from(ids), st.sampled_from(ids)), max_size=4)):
        parts = holds(by_id[src]) & takes(by_id[dst])
        if src != dst and parts:
            carried.setdefault((src, dst), set()).update(parts)
    lanes = []
    for (src, dst), parts in carried.items():
        lane = {"from": src, "to": dst, "parts": sorted(parts),
                "lead_time_days": draw(st.sampled_from([0, 1, 2, "uniform(1, 4)"]))}
        if draw(st.integers(0, 4)) == 0:
            lane["capacity_per_day"] = draw(st.integers(1, 20))
        lanes.append(lane)
    assume(lanes)

    disruptions = []
    kind = draw(st.sampled_from(["none", "capacity_loss", "logistics", "demand_shock",
                                 "supplier_failure", "quality"]))
    timing = {"id": "x", "onset_day": draw(st.integers(0, 10)), "duration_days": draw(st.integers(1, 8))}
    makers = [n["id"] for n in nodes if n.get("makes")]
    if kind == "capacity_loss":
        disruptions.append({**timing, "type": kind, "nodes": [draw(st.sampled_from(makers))]})
    elif kind == "logistics":
        lane = draw(st.sampled_from(lanes))
        disruptions.append({**timing, "type": kind, "lanes": [f"{lane['from']}->{lane['to']}"]})
    elif kind == "demand_shock":
        disruptions.append({**timing, "type": kind, "markets": [markets[0]], "multiplier": 2.0})
    elif kind == "supplier_failure":
        disruptions.append({**timing, "type": kind, "nodes": [draw(st.sampled_from(makers))]})
    elif kind == "quality":
        disruptions.append({**timing, "type": kind, "nodes": [draw(st.sampled_from(makers))],
                            "action": draw(st.sampled_from(["quarantine", "scrap"]))})

    data = {"name": "drawn", "horizon_days": draw(st.integers(5, 30)),
            "start": draw(st.sampled_from(["steady", "empty"])), "seed": draw(st.integers(0, 99)),
            "parts": PARTS, "nodes": nodes, "lanes": lanes, "demand": demand,
            "disruptions": disruptions}
    try:
        return resim.scenario_from_dict(data)
    except resim.ScenarioError:
        assume(False)


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(scenarios())
def test_every_valid_scenario_runs_and_conserves_material(scenario):
    model, _ = prepare(scenario, "baseline", 0, scenario.seed, detail=True)
    ledger = model.run()
    stock = ledger.stock_series["on_hand"]
    tolerance = 1e-6 * (1 + np.abs(stock).max(initial=0.0))
    assert stock.min(initial=0.0) >= -tolerance
    s = ledger.stock_series  # on hold is the running sum of held - released (docs/model.md, The ledger)
    np.testing.assert_allclose(s["on_hold"], np.cumsum(s["held"] - s["released"], axis=0), atol=tolerance)

    m = ledger.market
    before = np.vstack([np.zeros(m["backlog"].shape[1]), m["backlog"][:-1]])
    np.testing.assert_allclose(m["demand"], m["delivered"] + (m["backlog"] - before) + m["lost"],
                               atol=tolerance)
    assert (m["delivered"] >= -tolerance).all() and (m["lost"] >= -tolerance).all()

    # The whole replication, metrics included, as `resim run` does it.
    outcome = run_replication(scenario, "baseline", 0, scenario.seed)
    assert np.isfinite(outcome.metrics["revenue"])
