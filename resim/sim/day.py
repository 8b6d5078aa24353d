"""One day's flows, phase by phase: the model's day step (:meth:`resim.sim.engine.Model.run`).

Each day's flows of all nodes advance together as array operations, at time ``day + 0.5``
(after the day's SimPy events: a disruption's onset, an agreement starting), in this order:

1. **Receipts**: shipments due today arrive and join stock on hand.
2. **Demand**: each market's demand of the day joins its backlog; the total wanted is split over
   the open lanes into the market by their shares.
3. **Production**: a node makes what its work orders ask (a make-to-stock part: the orders of its
   policy; a make-to-order part: what its customers want beyond its stock), within the node's
   capacity (shared by its parts in proportion to what each asks) and the components on hand
   (shared in proportion too); made units are available the same day.
4. **Shipping**: each stock point serves what is asked of it, old and new alike, in proportion to
   each customer's request when stock is short (the *proportional* allocation rule); a lane's
   capacity then caps its shipments (what it cannot carry stays owed). Customer shipments are
   deliveries: a market's backlog is served first, then the day's demand, and the units of the
   day's demand delivered that day are *on time*. A market with lost sales loses what is not
   delivered; a backordering market keeps it as backlog.
5. **Ordering**: each stock point due for review computes its inventory position (on hand + in
   transit to it + ordered and not yet shipped − owed to customers) and orders by its policy.
   Orders go to the open inbound lanes by share (to production for parts the node makes) and
   are served from the next day; a shipment leaving on day ``t`` over a lane with lead time ``L``
   (at least one day) is received on day ``t + L``.

The day-start hooks run after the receipts, the day-end hooks after the day is booked.
Quantities are continuous (a fluid model at the day level): shares and shortages may split units.

Each phase is a function of the model and the day's :class:`DayFlows`; it reads and assigns the
model's arrays as plain attributes (the speed of the hot loop) and leaves what later phases need
in the flows.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from resim.core.dists import whole_days
from resim.sim.ledger import COST_COMPONENTS
from resim.sim.network import POLICY_R_Q, POLICY_S_S, POLICY_UP_TO, sum_by

if TYPE_CHECKING:
    from resim.sim.engine import Model

__all__ = ["DayFlows", "receive", "demand", "produce", "ship", "deliver", "order", "book_costs", "record",
           "close_day", "open_arcs"]

_COST = {name: i for i, name in enumerate(COST_COMPONENTS)}


@dataclass
class DayFlows:
    """One day's flows, filled in by the day's phases and booked at its end."""

    day: int
    arriving: np.ndarray = field(init=False)   # per arc: shipments due today
    rejected: np.ndarray = field(init=False)   # per arc: of those, rejected by inspection
    received: np.ndarray = field(init=False)   # per stock point: units arrived (before rejection)
    demand: np.ndarray = field(init=False)     # per demand entry: today's demand
    wanted: np.ndarray = field(init=False)     # per demand entry: backlog + today's demand
    share: np.ndarray = field(init=False)      # per arc: its part of its group's orders today
    request: np.ndarray = field(init=False)    # per arc: what its destination asks of it
    asked: np.ndarray = field(init=False)      # per stock point: what is asked of it
    produced: np.ndarray = field(init=False)   # per stock point: units made
    consumed: np.ndarray = field(init=False)   # per stock point: components used
    ship: np.ndarray = field(init=False)       # per arc: units shipped
    shipped: np.ndarray = field(init=False)    # per stock point: units shipped
    delivered: np.ndarray = field(init=False)  # per demand entry: units delivered
    on_time: np.ndarray = field(init=False)    # per demand entry: of today's demand, delivered today
    lost: np.ndarray = field(init=False)       # per demand entry: sales lost


def _share_of(values: np.ndarray, groups: np.ndarray, n_groups: int) -> np.ndarray:
    """Normalise ``values`` within groups (each group sums to 1, or 0 when its values do)."""
    total = sum_by(groups, values, n_groups)[groups]
    return np.divide(values, total, out=np.zeros_like(values), where=total > 0)


def open_arcs(model: "Model", arcs: np.ndarray | slice = slice(None)) -> np.ndarray:
    """Whether each arc (every arc, or those of ``arcs``) is open: its lane and the arc itself."""
    levers = model.levers
    return (levers["lane"][model.net.arc_lane[arcs]] > 0) & (levers["arc"][arcs] > 0)


def order_weights(model: "Model", arcs: np.ndarray | slice, open_: np.ndarray) -> np.ndarray:
    """Per arc of ``arcs``, the weight with which it takes its destination's new orders today:
    share × every cause's share factor, 0 where ``open_`` (its :func:`open_arcs`) is False."""
    levers = model.levers
    return levers["share"][arcs] * levers["share_factor"][arcs] * open_


def receive(model: "Model", flows: DayFlows) -> None:
    """1. Receipts: shipments due today join stock on hand, less what inspection rejects."""
    net, day = model.net, flows.day
    slot = day % model.pipeline.shape[0]
    arriving = model.pipeline[slot].copy()
    model.pipeline[slot] = 0.0
    model.in_transit -= arriving
    rejected = np.zeros(net.n_arcs)
    for arc, accepted in model.acceptance.items():
        rejected[arc] = arriving[arc] * (1.0 - accepted[day])
    received = sum_by(net.arc_dst[net.repl], arriving[net.repl], net.n_sku)
    scrapped = sum_by(net.arc_dst[net.repl], rejected[net.repl], net.n_sku)
    model.on_hand += received - scrapped
    model.scrapped_today += scrapped
    model.received_total += arriving
    model.rejected_total += rejected
    flows.arriving, flows.rejected, flows.received = arriving, rejected, received


def demand(model: "Model", flows: DayFlows) -> None:
    """2. Demand: the day's demand joins each market's backlog and what is wanted is split over
    the open lanes into the market; with the orders owed on open arcs, what each stock point
    is asked."""
    net, levers = model.net, model.levers
    flows.demand = model.demand_draws[:, flows.day] * levers["demand"]
    flows.wanted = model.market_backlog + flows.demand
    open_arc = open_arcs(model)
    flows.share = _share_of(order_weights(model, slice(None), open_arc), net.arc_group, net.n_groups)
    request = np.where(open_arc, model.arc_backlog, 0.0)
    request[net.cust] = flows.wanted[net.arc_dem[net.cust]] * flows.share[net.cust]
    flows.request = request
    flows.asked = sum_by(net.arc_src, request, net.n_sku)


def produce(model: "Model", flows: DayFlows) -> None:
    """3. Production: run the production rows on what their stock points are asked; units made
    outside them today (reman output) count as production too."""
    net, asked = model.net, flows.asked
    made, used = np.zeros(net.n_sku), np.zeros(net.n_sku)
    if len(net.row_sku):
        out = net.row_sku
        make_to_stock = net.sku_policy[out] > 0
        want = np.where(make_to_stock, model.work_orders[out], np.maximum(asked[out] - model.on_hand[out], 0.0))
        want[net.row_from_cores] = 0.0  # remanufacturing runs on returned cores (circular supply)
        factor = model.levers["capacity"]
        # Unlimited capacity stopped is zero, not inf * 0 = nan.
        capacity = np.multiply(net.node_capacity, factor, out=np.zeros_like(factor), where=factor > 0)
        per_node = sum_by(net.row_node, want, len(capacity))
        fit = np.divide(capacity, per_node, out=np.ones_like(per_node), where=per_node > 0)
        want = want * np.minimum(fit, 1.0)[net.row_node] * model.levers["process"]
        bom = net.bom
        if bom.nnz:
            need = net.bom_t @ want
            enough = np.divide(model.on_hand, need, out=np.ones(net.n_sku), where=need > 0)
            enough = np.minimum(enough, 1.0)[bom.indices]
            counts = np.diff(bom.indptr)
            rows = np.flatnonzero(counts)
            scale = np.ones(len(want))
            scale[rows] = np.minimum.reduceat(enough, bom.indptr[rows])
            want = want * scale
            used = net.bom_t @ want
            model.on_hand = np.maximum(model.on_hand - used, 0.0)
        made[out] = want
        model.on_hand += made
        model.work_orders[out] = np.where(make_to_stock, model.work_orders[out] - want, 0.0)
    made += model.produced_today
    flows.produced, flows.consumed = made, used


def ship(model: "Model", flows: DayFlows) -> None:
    """4. Shipping: proportional allocation, then lane capacity; replenishments leave for the
    pipeline with today's lead time of their lane."""
    net, levers, day = model.net, model.levers, flows.day
    n_sku, asked = net.n_sku, flows.asked
    available = np.divide(model.on_hand, asked, out=np.ones(n_sku), where=asked > 0)
    available = np.minimum(available, 1.0) * levers["shipping"][net.sku_node]
    shipping = flows.request * available[net.arc_src]
    on_lane = sum_by(net.arc_lane, shipping, len(net.lane_keys))
    lane_factor = levers["lane"]
    capacity = np.multiply(net.lane_capacity, lane_factor, out=np.zeros_like(lane_factor), where=lane_factor > 0)
    room = np.divide(capacity, on_lane, out=np.ones_like(on_lane), where=on_lane > 0)
    shipping *= np.minimum(room, 1.0)[net.arc_lane]
    shipped = sum_by(net.arc_src, shipping, n_sku)
    model.last_ship = shipping
    model.shipped_total += shipping
    model.on_hand = np.maximum(model.on_hand - shipped, 0.0)  # clears rounding dust only

    repl = net.repl
    model.arc_backlog[repl] -= shipping[repl]
    lead = whole_days(model.lead_times[net.arc_lane[repl], day] * levers["lead_time"][net.arc_lane[repl]],
                      model.horizon)
    _ensure_pipeline(model, int(lead.max(initial=1)))
    model.pipeline[(day + lead) % model.pipeline.shape[0], repl] += shipping[repl]
    model.in_transit[repl] += shipping[repl]
    flows.ship, flows.shipped = shipping, shipped


def _ensure_pipeline(model: "Model", longest: int) -> None:
    """Grow the ring of shipments in transit when a lead time outgrows it."""
    size = model.pipeline.shape[0]
    if longest < size:
        return
    grown = np.zeros((longest + 1, model.pipeline.shape[1]))
    for offset in range(size):  # keep each day's arrivals on its day
        day = model.day + offset
        grown[day % (longest + 1)] = model.pipeline[day % size]
    model.pipeline = grown


def deliver(model: "Model", flows: DayFlows) -> None:
    """4. Shipping to markets: deliveries serve the backlog first, then the day's demand (on
    time); a market with lost sales loses what is not delivered, others keep it as backlog."""
    net, cust = model.net, model.net.cust
    flows.delivered = sum_by(net.arc_dem[cust], flows.ship[cust], len(flows.demand))
    flows.on_time = np.clip(flows.delivered - model.market_backlog, 0.0, flows.demand)
    unmet = np.maximum(flows.wanted - flows.delivered, 0.0)
    flows.lost = np.where(net.dem_lost_sales, unmet, 0.0)
    model.market_backlog = unmet - flows.lost


def order(model: "Model", flows: DayFlows) -> None:
    """5. Ordering: each stock point due for review orders by its policy on its inventory
    position, to its production or to its open inbound lanes by today's share."""
    net, n_sku, share = model.net, model.net.n_sku, flows.share
    repl, cust = net.repl, net.cust
    owed = sum_by(net.arc_src[repl], model.arc_backlog[repl], n_sku)
    owed += sum_by(net.arc_src[cust], model.market_backlog[net.arc_dem[cust]] * share[cust], n_sku)
    coming = sum_by(net.arc_dst[repl], model.in_transit[repl] + model.arc_backlog[repl], n_sku)
    position = model.on_hand + coming + model.work_orders - owed
    policy, a, b = net.sku_policy, net.sku_a, net.sku_b
    due = (flows.day % net.sku_review) == 0
    wanted = np.zeros(n_sku)
    up_to = due & (policy == POLICY_UP_TO)
    wanted[up_to] = np.maximum(a[up_to] - position[up_to], 0.0)
    s_s = due & (policy == POLICY_S_S) & (position <= a)
    wanted[s_s] = b[s_s] - position[s_s]
    r_q = due & (policy == POLICY_R_Q) & (position <= a)
    wanted[r_q] = b[r_q] * (np.floor((a[r_q] - position[r_q]) / b[r_q]) + 1)
    made_here = net.sku_row >= 0
    model.work_orders[made_here] += wanted[made_here]
    model.arc_backlog[repl] += wanted[net.arc_dst[repl]] * share[repl] * (~made_here[net.arc_dst[repl]])


def book_costs(model: "Model", flows: DayFlows) -> None:
    """The day's costs, by component."""
    net, levers, shipping = model.net, model.levers, flows.ship
    cost = model.ledger.cost[flows.day]
    cost[_COST["production"]] = flows.produced @ net.node_cost[net.sku_node]
    # Purchases are paid when shipped into a focal node; a contracted lane instead when its
    # units are accepted, wherever it delivers (a lane into a market delivers when it ships).
    contracted = model.contract_arcs
    bought = shipping.copy()
    bought[contracted] = 0.0
    paid = np.where(net.arc_dst[contracted] >= 0, flows.arriving[contracted] - flows.rejected[contracted],
                    shipping[contracted])
    cost[_COST["procurement"]] = bought @ net.arc_price + paid @ model.contract_value
    cost[_COST["transport"]] = bought @ net.arc_transport + paid @ model.contract_freight
    cost[_COST["maas_premium"]] = bought @ net.arc_premium + paid @ model.contract_premium
    # Every flow a rule covers pays it: into the firm's own sites directly, between
    # suppliers passed on in the importer's price (full pass-through, docs/model.md).
    cost[_COST["tariff"]] = shipping @ (levers["tariff"] * net.sku_value[net.arc_src] + levers["duty"])
    cost[_COST["holding"]] = model.on_hand @ net.sku_holding
    cost[_COST["shortage_penalty"]] = (flows.demand - flows.on_time) @ net.dem_penalty


def record(model: "Model", flows: DayFlows) -> None:
    """The day's market flows, totals and (with ``detail``) stock series in the ledger."""
    net, ledger, day = model.net, model.ledger, flows.day
    for name, values in (("demand", flows.demand), ("delivered", flows.delivered), ("on_time", flows.on_time),
                         ("backlog", model.market_backlog), ("lost", flows.lost)):
        ledger.market[name][day] = values
    focal, repl = net.sku_focal, net.repl
    inbound = sum_by(net.arc_dst[repl], model.in_transit[repl], net.n_sku)
    ledger.totals["on_hand"][day] = model.on_hand[focal].sum()
    ledger.totals["in_transit"][day] = inbound[focal].sum()
    ledger.totals["produced"][day] = flows.produced.sum()
    if ledger.critical_parts:
        ledger.critical_on_hand[day] = _critical_on_hand(model)
    if ledger.detail:
        for name, values in (("on_hand", model.on_hand), ("in_transit", inbound),
                             ("on_hold", model.on_hold), ("received", flows.received),
                             ("produced", flows.produced), ("consumed", flows.consumed),
                             ("shipped", flows.shipped), ("scrapped", model.scrapped_today),
                             ("held", model.held_today), ("released", model.released_today)):
            ledger.stock_series[name][day] = values


def _critical_on_hand(model: "Model") -> np.ndarray:
    """Units on hand of each critical part, over every node of the chain."""
    position = model.net.sku_critical
    held = position >= 0
    return sum_by(position[held], model.on_hand[held], len(model.net.critical_parts))


def close_day(model: "Model") -> None:
    """Start the next day's flows from zero."""
    model.scrapped_today[:] = 0.0
    model.held_today[:] = 0.0
    model.released_today[:] = 0.0
    model.produced_today[:] = 0.0
