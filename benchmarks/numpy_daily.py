"""The engine against a plain NumPy daily model of the same chain (issue 21: within 3x at 10,000 nodes).

Run: .venv/bin/python benchmarks/numpy_daily.py [--sizes 1000 5000 10000] [--rows 1 8]

The plain model is the least a daily array model of the chain must do: the day's phases of
``resim/sim/day.py`` (receipts, demand split by share, production within capacity and components,
proportional shipping within lane capacity, ordering by each stock point's policy) on the chain's
index arrays (resim's ``Network``; the synthetic chains' stock points all hold base stock, the
one policy it knows), with no levers, hooks, disruptions, costs or ledger beyond
the day's delivered total. *resim* is ``Model(scenario, disruptions=False).run()``; *resim
batched* is a ``Batch`` of ``--rows`` replications, per replication. Both on a synthetic chain
(``resim.scenario.synthetic.synthetic_chain``, 365 days), median of 3 runs, seconds of simulation
(building the model is not counted). The fill rates printed beside show that both models move the
same goods.
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np

import resim
from resim.core.dists import whole_days
from resim.core.streams import Streams
from resim.scenario.synthetic import synthetic_chain
from resim.sim.draws import demand_draws, lead_time_draws
from resim.sim.engine import Batch, Model
from resim.sim.network import POLICY_UP_TO, Network


def plain_numpy(scenario: resim.Scenario) -> tuple[float, float]:
    """Simulate the chain as a plain NumPy daily model; (seconds, fill rate)."""
    net, horizon, streams = Network(scenario), scenario.horizon_days, Streams(scenario.seed, 0)
    demand = demand_draws(scenario, streams)
    lead = np.vstack([lead_time_draws(lane, streams, horizon) for lane in net.lanes])
    n_sku, repl, cust = net.n_sku, net.repl, net.cust
    on_hand, work_orders = net.sku_initial.copy(), np.zeros(n_sku)
    backlog, market_backlog = np.zeros(net.n_arcs), np.zeros(len(scenario.demand))
    pipeline = np.zeros((int(lead.max()) + 1, net.n_arcs))
    in_transit = np.zeros(net.n_arcs)
    group_total = np.bincount(net.arc_group, net.base_share, minlength=net.n_groups)[net.arc_group]
    share = np.divide(net.base_share, group_total, out=np.zeros(net.n_arcs), where=group_total > 0)
    out, bom = net.row_sku, net.bom
    make_to_stock = net.sku_policy[out] > 0
    made_here = net.sku_row >= 0
    rows = np.flatnonzero(np.diff(bom.indptr))
    delivered_total = 0.0
    start = time.perf_counter()
    for day in range(horizon):
        slot = day % len(pipeline)
        arriving, pipeline[slot] = pipeline[slot].copy(), 0.0
        in_transit -= arriving
        on_hand += np.bincount(net.arc_dst[repl], arriving[repl], minlength=n_sku)
        wanted = market_backlog + demand[:, day]
        request = backlog.copy()
        request[cust] = wanted[net.arc_dem[cust]] * share[cust]
        asked = np.bincount(net.arc_src, request, minlength=n_sku)
        want = np.where(make_to_stock, work_orders[out], np.maximum(asked[out] - on_hand[out], 0.0))
        per_node = np.bincount(net.row_node, want, minlength=len(net.node_capacity))
        fit = np.minimum(np.divide(net.node_capacity, per_node, out=np.ones_like(per_node), where=per_node > 0), 1.0)
        want = want * fit[net.row_node]
        need = net.bom_t @ want
        enough = np.minimum(np.divide(on_hand, need, out=np.ones(n_sku), where=need > 0), 1.0)[bom.indices]
        scale = np.ones(len(want))
        scale[rows] = np.minimum.reduceat(enough, bom.indptr[rows])
        want = want * scale
        on_hand = np.maximum(on_hand - net.bom_t @ want, 0.0)
        on_hand[out] += want
        work_orders[out] = np.where(make_to_stock, work_orders[out] - want, 0.0)
        available = np.minimum(np.divide(on_hand, asked, out=np.ones(n_sku), where=asked > 0), 1.0)
        shipping = request * available[net.arc_src]
        on_lane = np.bincount(net.arc_lane, shipping, minlength=len(net.lane_capacity))
        room = np.minimum(np.divide(net.lane_capacity, on_lane, out=np.ones_like(on_lane), where=on_lane > 0), 1.0)
        shipping *= room[net.arc_lane]
        on_hand = np.maximum(on_hand - np.bincount(net.arc_src, shipping, minlength=n_sku), 0.0)
        backlog[repl] -= shipping[repl]
        days = whole_days(lead[net.arc_lane[repl], day], horizon)
        pipeline[(day + days) % len(pipeline), repl] += shipping[repl]
        in_transit[repl] += shipping[repl]
        delivered = np.bincount(net.arc_dem[cust], shipping[cust], minlength=len(market_backlog))
        delivered_total += delivered.sum()
        market_backlog = np.maximum(wanted - delivered, 0.0) * ~net.dem_lost_sales
        owed = np.bincount(net.arc_src[repl], backlog[repl], minlength=n_sku)
        owed += np.bincount(net.arc_src[cust], market_backlog[net.arc_dem[cust]] * share[cust], minlength=n_sku)
        coming = np.bincount(net.arc_dst[repl], in_transit[repl] + backlog[repl], minlength=n_sku)
        position = on_hand + coming + work_orders - owed
        due = (day % net.sku_review) == 0
        order = np.where(due & (net.sku_policy == POLICY_UP_TO), np.maximum(net.sku_a - position, 0.0), 0.0)
        work_orders[made_here] += order[made_here]
        into = net.arc_dst[repl]
        backlog[repl] += order[into] * share[repl] * ~made_here[into]
    return time.perf_counter() - start, delivered_total / demand.sum()


def engine(scenario: resim.Scenario, rows: int) -> tuple[float, float]:
    """Seconds of resim's simulation per replication in a batch of ``rows``, and the first's fill rate."""
    if rows == 1:
        model = Model(scenario, disruptions=False)
        start = time.perf_counter()
        ledger = model.run()
    else:
        batch = Batch(scenario, list(range(rows)), disruptions=False)
        start = time.perf_counter()
        ledger = batch.run()[0].ledger
    seconds = (time.perf_counter() - start) / rows
    return seconds, float(ledger.market["delivered"].sum() / ledger.market["demand"].sum())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 5000, 10000])
    parser.add_argument("--rows", type=int, nargs="+", default=[1, 8])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    print(f"{'nodes':>6} {'model':<18} {'seconds':>8} {'node-days/s':>12} {'x plain':>8} {'fill rate':>9}")
    for size in args.sizes:
        # Both start empty (the plain model has no steady start): the same work for both.
        scenario = resim.scenario_from_dict({**synthetic_chain(size, tiers=3, seed=1), "start": "empty"})
        runs = {"plain NumPy": lambda: plain_numpy(scenario)}
        for rows in args.rows:
            runs["resim" if rows == 1 else f"resim batched ({rows})"] = lambda rows=rows: engine(scenario, rows)
        plain = None
        for name, run in runs.items():
            results = [run() for _ in range(args.repeat)]
            seconds = statistics.median(r[0] for r in results)
            plain = plain or seconds
            print(f"{size:>6} {name:<18} {seconds:>8.2f} {size * scenario.horizon_days / seconds:>12,.0f} "
                  f"{seconds / plain:>8.1f} {results[0][1]:>9.3f}", flush=True)


if __name__ == "__main__":
    main()
