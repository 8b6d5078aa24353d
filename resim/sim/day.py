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

Each phase is a function of a cohort (:class:`resim.sim.engine.Cohort`: the replications of a
batch and their network, a row each) and the day's :class:`DayFlows`; it advances every row
at once, reads and assigns the cohort's arrays as plain attributes (the speed of the hot loop) and
leaves what later phases need in the flows. A row's numbers never depend on the other rows: every
operation works row by row, and every sum adds a row's terms one after another in index order
(:func:`sum_by_row`, :func:`row_totals`), whatever the number of rows.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING, Mapping

import numpy as np

from resim.core.dists import whole_days
from resim.sim.ledger import COST_COMPONENTS
from resim.sim.network import POLICY_R_Q, POLICY_S_S, POLICY_UP_TO

if TYPE_CHECKING:
    from resim.sim.engine import Cohort
    from resim.sim.network import Network

__all__ = ["DayFlows", "receive", "demand", "produce", "ship", "deliver", "order", "book_costs", "record",
           "close_day", "open_arcs", "order_weights", "relaid", "sum_by_row", "row_totals"]

_COST = {name: i for i, name in enumerate(COST_COMPONENTS)}
# The components the day's flows book (assigned, not added: one-off charges go to the others).
_BOOKED = np.array([_COST[name] for name in ("production", "procurement", "transport", "tariff", "holding",
                                             "maas_premium", "shortage_penalty")])


@dataclass
class DayFlows:
    """One day's flows of a cohort's rows (row × entry), filled in by the phases and booked at its end."""

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


def sum_by_row(index: np.ndarray, values: np.ndarray, size: int) -> np.ndarray:
    """``values`` (rows × entries) summed per ``index`` (an entry's bin) into rows × ``size``
    float bins, each row's terms added in entry order. Always floats: ``np.bincount`` returns
    integers when ``index`` is empty (a chain with no replenishment arc, or no customer arc)."""
    rows = values.shape[0]
    flat = (index + _row_offsets(rows, size)).ravel()
    summed = np.bincount(flat, values.ravel(), minlength=rows * size).reshape(rows, size)
    return summed.astype(float, copy=False)


def row_totals(values: np.ndarray) -> np.ndarray:
    """Each row's sum of ``values`` (rows × entries), its terms added in entry order."""
    rows, size = values.shape
    return np.bincount(_row_numbers(rows, size), values.ravel(), minlength=rows).astype(float, copy=False)


@lru_cache(maxsize=256)
def _row_offsets(rows: int, size: int) -> np.ndarray:
    """Where each row's bins start in a flat array of rows × ``size`` bins (a column)."""
    offsets = size * np.arange(rows)[:, np.newaxis]
    offsets.flags.writeable = False
    return offsets


@lru_cache(maxsize=256)
def _row_numbers(rows: int, size: int) -> np.ndarray:
    """The row of each entry of a flat rows × ``size`` array."""
    numbers = np.repeat(np.arange(rows), size)
    numbers.flags.writeable = False
    return numbers


def _share_of(values: np.ndarray, groups: np.ndarray, n_groups: int) -> np.ndarray:
    """Normalise ``values`` within groups (each group sums to 1, or 0 when its values do)."""
    total = sum_by_row(groups, values, n_groups)[:, groups]
    return np.divide(values, total, out=np.zeros_like(values), where=total > 0)


def open_arcs(net: "Network", levers: Mapping[str, np.ndarray], arcs: np.ndarray | slice = slice(None)) -> np.ndarray:
    """Whether each arc (every arc, or those of ``arcs``) is open: its lane and the arc itself.
    ``levers``: a cohort's (row × entry) or one replication's."""
    return (levers["lane"][..., net.arc_lane[arcs]] > 0) & (levers["arc"][..., arcs] > 0)


def order_weights(levers: Mapping[str, np.ndarray], arcs: np.ndarray | slice, open_: np.ndarray) -> np.ndarray:
    """Per arc of ``arcs``, the weight with which it takes its destination's new orders today:
    share × every cause's share factor, 0 where ``open_`` (its :func:`open_arcs`) is False."""
    return levers["share"][..., arcs] * levers["share_factor"][..., arcs] * open_


def receive(c: "Cohort", flows: DayFlows) -> None:
    """1. Receipts: shipments due today join stock on hand, less what inspection rejects."""
    net, day = c.net, flows.day
    slot = day % c.pipeline.shape[1]
    arriving = c.pipeline[:, slot].copy()
    c.pipeline[:, slot] = 0.0
    c.in_transit -= arriving
    rejected = np.zeros_like(arriving)
    if c.inspected_at:
        rows, arcs = zip(*c.inspected_at)
        rejected[rows, arcs] = arriving[rows, arcs] * (1.0 - c.inspected.values[:, day])
    into = net.arc_dst[net.repl]
    received = sum_by_row(into, arriving[:, net.repl], net.n_sku)
    scrapped = sum_by_row(into, rejected[:, net.repl], net.n_sku)
    c.on_hand += received - scrapped
    c.scrapped_today += scrapped
    c.received_total += arriving
    c.rejected_total += rejected
    flows.arriving, flows.rejected, flows.received = arriving, rejected, received


def demand(c: "Cohort", flows: DayFlows) -> None:
    """2. Demand: the day's demand joins each market's backlog and what is wanted is split over
    the open lanes into the market; with the orders owed on open arcs, what each stock point
    is asked."""
    net, levers = c.net, c.levers
    flows.demand = c.demand_draws[:, :, flows.day] * levers["demand"]
    flows.wanted = c.market_backlog + flows.demand
    open_arc = open_arcs(net, levers)
    flows.share = _share_of(order_weights(levers, slice(None), open_arc), net.arc_group, net.n_groups)
    request = np.where(open_arc, c.arc_backlog, 0.0)
    request[:, net.cust] = flows.wanted[:, net.arc_dem[net.cust]] * flows.share[:, net.cust]
    flows.request = request
    flows.asked = sum_by_row(net.arc_src, request, net.n_sku)


def produce(c: "Cohort", flows: DayFlows) -> None:
    """3. Production: run the production rows on what their stock points are asked; units made
    outside them today (reman output) count as production too."""
    net, asked = c.net, flows.asked
    made, used = np.zeros_like(asked), np.zeros_like(asked)
    if len(net.row_sku):
        out = net.row_sku
        make_to_stock = net.sku_policy[out] > 0
        want = np.where(make_to_stock, c.work_orders[:, out], np.maximum(asked[:, out] - c.on_hand[:, out], 0.0))
        want[:, net.row_from_cores] = 0.0  # remanufacturing runs on returned cores (circular supply)
        factor = c.levers["capacity"]
        # Unlimited capacity stopped is zero, not inf * 0 = nan.
        capacity = np.multiply(net.node_capacity, factor, out=np.zeros_like(factor), where=factor > 0)
        per_node = sum_by_row(net.row_node, want, capacity.shape[1])
        fit = np.divide(capacity, per_node, out=np.ones_like(per_node), where=per_node > 0)
        want = want * np.minimum(fit, 1.0)[:, net.row_node] * c.levers["process"]
        bom = net.bom
        if bom.nnz:
            need = (net.bom_t @ want.T).T
            enough = np.divide(c.on_hand, need, out=np.ones_like(need), where=need > 0)
            enough = np.minimum(enough, 1.0)[:, bom.indices]
            rows = np.flatnonzero(np.diff(bom.indptr))
            scale = np.ones_like(want)
            scale[:, rows] = np.minimum.reduceat(enough, bom.indptr[rows], axis=1)
            want = want * scale
            used = np.ascontiguousarray((net.bom_t @ want.T).T)
            c.on_hand = np.maximum(c.on_hand - used, 0.0)
        made[:, out] = want
        c.on_hand += made
        c.work_orders[:, out] = np.where(make_to_stock, c.work_orders[:, out] - want, 0.0)
    made += c.produced_today
    flows.produced, flows.consumed = made, used


def ship(c: "Cohort", flows: DayFlows) -> None:
    """4. Shipping: proportional allocation, then lane capacity; replenishments leave for the
    pipeline with today's lead time of their lane."""
    net, levers, day = c.net, c.levers, flows.day
    asked = flows.asked
    available = np.divide(c.on_hand, asked, out=np.ones_like(asked), where=asked > 0)
    available = np.minimum(available, 1.0) * levers["shipping"][:, net.sku_node]
    shipping = flows.request * available[:, net.arc_src]
    lane_factor = levers["lane"]
    on_lane = sum_by_row(net.arc_lane, shipping, lane_factor.shape[1])
    capacity = np.multiply(net.lane_capacity, lane_factor, out=np.zeros_like(lane_factor), where=lane_factor > 0)
    room = np.divide(capacity, on_lane, out=np.ones_like(on_lane), where=on_lane > 0)
    shipping *= np.minimum(room, 1.0)[:, net.arc_lane]
    shipped = sum_by_row(net.arc_src, shipping, net.n_sku)
    c.last_ship = shipping
    c.shipped_total += shipping
    c.on_hand = np.maximum(c.on_hand - shipped, 0.0)  # clears rounding dust only

    repl = net.repl
    leaving = shipping[:, repl]
    c.arc_backlog[:, repl] -= leaving
    lanes = net.arc_lane[repl]
    lead = c.lead_today(day)[:, lanes]  # whole days already: only a lead-time factor needs rounding
    factor = levers["lead_time"]
    if (factor != 1.0).any():
        lead = whole_days(lead * factor[:, lanes], c.horizon)
    _ensure_pipeline(c, day, int(lead.max(initial=1)))
    rows = np.arange(len(leaving))[:, np.newaxis]
    c.pipeline[rows, (day + lead) % c.pipeline.shape[1], repl] += leaving
    c.in_transit[:, repl] += leaving
    flows.ship, flows.shipped = shipping, shipped


def _ensure_pipeline(c: "Cohort", day: int, longest: int) -> None:
    """Grow the ring of shipments in transit when a lead time outgrows it."""
    if longest >= c.pipeline.shape[1]:
        c.pipeline = relaid(c.pipeline, day, longest + 1)


def relaid(pipeline: np.ndarray, day: int, size: int) -> np.ndarray:
    """The ring of shipments in transit (row × slot × arc, the arrivals of day ``d`` in slot
    ``d % slots``) on ``size`` slots, at least as many as it has, seen from ``day``."""
    old = pipeline.shape[1]
    grown = np.zeros((pipeline.shape[0], size, pipeline.shape[2]))
    for offset in range(old):  # keep each day's arrivals on its day
        grown[:, (day + offset) % size] = pipeline[:, (day + offset) % old]
    return grown


def deliver(c: "Cohort", flows: DayFlows) -> None:
    """4. Shipping to markets: deliveries serve the backlog first, then the day's demand (on
    time); a market with lost sales loses what is not delivered, others keep it as backlog."""
    net, cust = c.net, c.net.cust
    flows.delivered = sum_by_row(net.arc_dem[cust], flows.ship[:, cust], flows.demand.shape[1])
    flows.on_time = np.clip(flows.delivered - c.market_backlog, 0.0, flows.demand)
    unmet = np.maximum(flows.wanted - flows.delivered, 0.0)
    flows.lost = np.where(net.dem_lost_sales, unmet, 0.0)
    c.market_backlog = unmet - flows.lost


def order(c: "Cohort", flows: DayFlows) -> None:
    """5. Ordering: each stock point due for review orders by its policy on its inventory
    position, to its production or to its open inbound lanes by today's share."""
    net, n_sku, share = c.net, c.net.n_sku, flows.share
    repl, cust = net.repl, net.cust
    owed = sum_by_row(net.arc_src[repl], c.arc_backlog[:, repl], n_sku)
    owed += sum_by_row(net.arc_src[cust], c.market_backlog[:, net.arc_dem[cust]] * share[:, cust], n_sku)
    coming = sum_by_row(net.arc_dst[repl], c.in_transit[:, repl] + c.arc_backlog[:, repl], n_sku)
    position = c.on_hand + coming + c.work_orders - owed
    policy, a, b = net.sku_policy, c.level_a, c.level_b
    due = (flows.day % net.sku_review) == 0
    wanted = np.zeros_like(position)
    up_to = due & (policy == POLICY_UP_TO)
    wanted[:, up_to] = np.maximum(a[:, up_to] - position[:, up_to], 0.0)
    s_s = due & (policy == POLICY_S_S)
    if s_s.any():  # most chains hold base stock only: no pass over every row and stock point
        s_s = s_s & (position <= a)
        wanted[s_s] = b[s_s] - position[s_s]
    r_q = due & (policy == POLICY_R_Q)
    if r_q.any():
        r_q = r_q & (position <= a)
        wanted[r_q] = b[r_q] * (np.floor((a[r_q] - position[r_q]) / b[r_q]) + 1)
    made_here = net.sku_row >= 0
    c.work_orders[:, made_here] += wanted[:, made_here]
    into = net.arc_dst[repl]
    c.arc_backlog[:, repl] += wanted[:, into] * share[:, repl] * (~made_here[into])


def book_costs(c: "Cohort", flows: DayFlows) -> None:
    """The day's costs, by component."""
    net, levers, shipping = c.net, c.levers, flows.ship
    cost = np.zeros((len(shipping), len(COST_COMPONENTS)))
    cost[:, _COST["production"]] = row_totals(flows.produced * net.node_cost[net.sku_node])
    # Purchases are paid when shipped into a focal node; a contracted lane instead when its
    # units are accepted, wherever it delivers (a lane into a market delivers when it ships).
    contracted = c.contracted
    bought = np.where(contracted, 0.0, shipping)
    for name, price in (("procurement", net.arc_price), ("transport", net.arc_transport),
                        ("maas_premium", net.arc_premium)):
        cost[:, _COST[name]] = row_totals(bought * price)
    if contracted.any():  # else each row would add 0.0: the same numbers without the passes
        paid = np.where(contracted, np.where(net.arc_dst >= 0, flows.arriving - flows.rejected, shipping), 0.0)
        for name, price in (("procurement", c.contract_value), ("transport", c.contract_freight),
                            ("maas_premium", c.contract_premium)):
            cost[:, _COST[name]] += row_totals(paid * price)
    # Every flow a rule covers pays it: into the firm's own sites directly, between
    # suppliers passed on in the importer's price (full pass-through, docs/model.md).
    cost[:, _COST["tariff"]] = row_totals(shipping * (levers["tariff"] * net.sku_value[net.arc_src] + levers["duty"]))
    # Quarantined units sit in the warehouse too, their capital tied up: held like stock on hand.
    cost[:, _COST["holding"]] = row_totals((c.on_hand + c.on_hold) * net.sku_holding)
    cost[:, _COST["shortage_penalty"]] = row_totals((flows.demand - flows.on_time) * net.dem_penalty)
    c.ledgers.cost[c.ids[:, np.newaxis], flows.day, _BOOKED] = cost[:, _BOOKED]


def record(c: "Cohort", flows: DayFlows) -> None:
    """The day's market flows, totals and (with ``detail``) stock series in the ledgers."""
    net, block, day, ids = c.net, c.ledgers, flows.day, c.ids
    for name, values in (("demand", flows.demand), ("delivered", flows.delivered), ("on_time", flows.on_time),
                         ("backlog", c.market_backlog), ("lost", flows.lost)):
        block.market[name][ids, day] = values
    focal, repl = net.sku_focal, net.repl
    inbound = sum_by_row(net.arc_dst[repl], c.in_transit[:, repl], net.n_sku)
    block.totals["on_hand"][ids, day] = row_totals(c.on_hand[:, focal])
    block.totals["in_transit"][ids, day] = row_totals(inbound[:, focal])
    block.totals["produced"][ids, day] = row_totals(flows.produced)
    if block.critical_on_hand.shape[2]:
        block.critical_on_hand[ids, day] = _critical_on_hand(c)
    if c.detail:
        for row, model in enumerate(c.rows):
            series, own = model.ledger.stock_series, c.own_sku[row]  # its own stock points only
            for name, values in (("on_hand", c.on_hand), ("in_transit", inbound),
                                 ("on_hold", c.on_hold), ("received", flows.received),
                                 ("produced", flows.produced), ("consumed", flows.consumed),
                                 ("shipped", flows.shipped), ("scrapped", c.scrapped_today),
                                 ("held", c.held_today), ("released", c.released_today)):
                series[name][day] = values[row, own]


def _critical_on_hand(c: "Cohort") -> np.ndarray:
    """Units on hand of each critical part, over every node of the chain."""
    position = c.net.sku_critical
    held = position >= 0
    return sum_by_row(position[held], c.on_hand[:, held], len(c.net.critical_parts))


def close_day(c: "Cohort") -> None:
    """Start the next day's flows from zero."""
    c.scrapped_today[:] = 0.0
    c.held_today[:] = 0.0
    c.released_today[:] = 0.0
    c.produced_today[:] = 0.0
