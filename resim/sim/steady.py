"""A steady start: the value chain on day 0 as it runs in normal times, pipelines full.

A chain that starts with empty pipelines and every stock at its policy's target spends its first
lead time on a transient: stock at the destinations of long lanes is higher than it will ever be
again in normal times, so a disruption inside that transient (a stress test on day 35 behind a
40-day sea leg) meets more stock than it would later and its impact is understated. With
``start: steady`` (the default) the model begins as if it had run for ever at the expected
demand:

* **Expected flows.** Each stock point's expected daily outflow ``x`` solves the linear balance
  ``x = d + M x``: ``d`` is the mean demand the stock point serves directly (split over the lanes
  into each market by their shares), and ``M`` passes a stock point's outflow on to its sources,
  through its inbound lanes by their shares, or, where it is made, to its components by the bill
  of materials. Remanufacturing runs on returned cores and passes nothing upstream.
* **Pipelines.** Each lane carries its expected flow for its mean lead time: the shipments of the
  last ``L`` days arrive on days ``0 .. L-1``, one day's flow each; and it holds one day's orders,
  which its source sees the next day. A stock point made to stock has one day's production ordered.
* **Stock.** A stock point whose ``initial`` the scenario leaves unset starts at its policy's
  target minus what is already ordered or on its way to it, so its inventory position starts at
  the target (as it is in normal times right after an order), never below zero. An ``initial``
  set in the scenario is kept as given.

``start: empty`` keeps the old behaviour (empty pipelines, stock at the targets), for hand-made
cases where every unit on day 0 should be visible in the file.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from scipy import sparse
from scipy.sparse.linalg import MatrixRankWarning, spsolve

if TYPE_CHECKING:
    from resim.sim.network import Network

__all__ = ["SteadyState", "expected_flows", "steady_state"]


def _normalised_share(net: "Network") -> np.ndarray:
    """Each arc's base share of its destination's orders (or of its market's demand)."""
    totals = np.bincount(net.arc_group, net.base_share, minlength=net.n_groups)
    return np.divide(net.base_share, totals[net.arc_group], out=np.zeros(net.n_arcs),
                     where=totals[net.arc_group] > 0)


def _outflows(net: "Network") -> tuple[np.ndarray, np.ndarray]:
    """Expected units per day leaving each stock point, and on each arc (module docstring)."""
    share = _normalised_share(net)
    n = net.n_sku
    means = np.array([entry.daily.mean for entry in net.demand], float)
    cust, repl = net.cust, net.repl
    direct = np.bincount(net.arc_src[cust], means[net.arc_dem[cust]] * share[cust], minlength=n)
    made = net.sku_row >= 0
    # A made stock point is refilled by its own production, not by its inbound lanes.
    bought = repl[~made[net.arc_dst[repl]]]
    passes = sparse.csr_matrix((share[bought], (net.arc_src[bought], net.arc_dst[bought])), shape=(n, n))
    components = net.bom_t.tocoo()  # stock point of a component x production row
    used = sparse.csr_matrix((components.data, (components.row, net.row_sku[components.col])), shape=(n, n))
    system = (sparse.identity(n, format="csc") - (passes + used).tocsc())
    none = np.zeros(n), np.zeros(net.n_arcs)
    try:
        with warnings.catch_warnings():  # a singular system (a loop with no way out) is answered below
            warnings.simplefilter("ignore", MatrixRankWarning)
            outflow = np.atleast_1d(spsolve(system, direct))
    except RuntimeError:
        return none
    if not np.all(np.isfinite(outflow)):
        return none
    outflow = np.maximum(outflow, 0.0)
    flows = np.zeros(net.n_arcs)
    flows[cust] = means[net.arc_dem[cust]] * share[cust]
    flows[bought] = outflow[net.arc_dst[bought]] * share[bought]
    return outflow, flows


def expected_flows(net: "Network") -> np.ndarray:
    """Expected units per day on each arc in normal times, from the mean demand (see the module
    docstring); zero for a part of the chain the balance cannot settle (a loop that feeds itself)."""
    return _outflows(net)[1]


@dataclass
class SteadyState:
    """Day 0 of a chain in its normal running: stock on hand and orders per stock point, orders
    owed per arc, and shipments in transit (``pipeline[k, arc]`` arrives on day ``k``)."""

    on_hand: np.ndarray
    work_orders: np.ndarray
    arc_backlog: np.ndarray
    pipeline: np.ndarray


def steady_state(net: "Network", lead_days: np.ndarray) -> SteadyState:
    """Day 0 for a chain in its normal running (module docstring): each lane carries its flow
    for its lead time, and holds one day of orders (a source sees an order the day after it is
    placed); a made-to-stock point has one day of production ordered; stock left at its target
    has what is on its way deducted, so the inventory position starts at the target.

    ``lead_days`` is each lane's lead time in whole days (at least 1)."""
    outflow, flows = _outflows(net)
    repl = net.repl
    made = net.sku_row >= 0
    bought = repl[~made[net.arc_dst[repl]]]
    lead = np.asarray(lead_days, np.int64)[net.arc_lane[bought]]
    pipeline = np.zeros((int(lead.max(initial=1)) + 1, net.n_arcs))
    for arc, days in zip(bought, lead):
        pipeline[:days, arc] = flows[arc]
    arc_backlog = np.zeros(net.n_arcs)
    arc_backlog[bought] = flows[bought]
    work_orders = np.where(made & (net.sku_policy > 0), outflow, 0.0)
    coming = np.bincount(net.arc_dst[bought], flows[bought] * (lead + 1), minlength=net.n_sku) + work_orders
    on_hand = net.sku_initial.copy()
    defaulted = _defaulted(net)
    on_hand[defaulted] = np.maximum(on_hand[defaulted] - coming[defaulted], 0.0)
    return SteadyState(on_hand, work_orders, arc_backlog, pipeline)


def _defaulted(net: "Network") -> np.ndarray:
    """Stock points whose day-0 stock is the policy's target because the scenario sets none."""
    flags = np.zeros(net.n_sku, bool)
    for node in net.nodes:
        for stock in node.inventory:
            if stock.initial is None:
                flags[net.sku_index[(node.id, stock.part)]] = True
    return flags
