"""The daily model against independent oracles: inventory theory and a ledger computed by hand.

Timing used by the oracles (see resim.sim.engine): a stock point reviews at the end of day t; its
supplier makes and ships on day t + 1; the goods arrive after the lane's lead time L, so demand of
the L + 1 days after a review falls on the stock ordered at it.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

import resim
from resim.sim.engine import Model, simulate
from tests.chains import hand_chain

pytestmark = pytest.mark.slow  # simulations, subprocesses or real faults: the full suite only


def single_stage(policy: dict, rate: float, lead: int, horizon: int) -> resim.Scenario:
    """Unlimited supplier -> DC (the policy) -> market with Poisson demand, fixed lead time."""
    return resim.scenario_from_dict({
        "name": "single stage", "horizon_days": horizon, "seed": 11,
        "parts": [{"id": "P", "unit_cost": 10}],
        "nodes": [
            {"id": "s", "kind": "supplier", "country": "DE", "region": "europe", "makes": "P"},
            {"id": "dc", "kind": "dc", "country": "DE", "region": "europe",
             "inventory": [{"part": "P", "policy": policy}]},
            {"id": "m", "kind": "market", "country": "DE", "region": "europe"},
        ],
        "lanes": [{"from": "s", "to": "dc", "parts": "P", "lead_time_days": lead},
                  {"from": "dc", "to": "m", "parts": "P", "lead_time_days": 1}],
        "demand": [{"market": "m", "part": "P", "daily": f"poisson({rate})"}],
    })


def expected_excess(mean: float, level: np.ndarray) -> np.ndarray:
    """E[(X - level)+] for X ~ Poisson(mean), exactly."""
    level = np.asarray(level, float)
    # E[(X-s)+] = mean - s + E[(s-X)+], and E[(s-X)+] = sum_{k<s} (s-k) P(X=k).
    ks = np.arange(int(level.max()) + 1)
    pmf = stats.poisson.pmf(ks, mean)
    below = np.array([np.sum((s - ks[ks < s]) * pmf[ks < s]) for s in level])
    return mean - level + below


def simulated_fill(scenario: resim.Scenario, warmup: int, replications: int = 4):
    fills, backorders = [], []
    for i in range(replications):
        ledger = simulate(scenario, replication=i)
        demand = ledger.market["demand"][warmup:, 0]
        fills.append(ledger.market["on_time"][warmup:, 0].sum() / demand.sum())
        backorders.append(ledger.market["backlog"][warmup:, 0].mean())
    return np.array(fills), np.array(backorders)


def within(simulated: np.ndarray, expected: float, sigmas: float = 4.0) -> bool:
    error = simulated.std(ddof=1) / np.sqrt(len(simulated))
    return abs(simulated.mean() - expected) <= sigmas * error + 1e-3


@pytest.mark.parametrize("rate,lead,level", [(10, 3, 45), (5, 7, 44), (20, 1, 45)])
def test_base_stock_with_poisson_demand_matches_theory(rate, lead, level):
    # Net inventory before a day's demand is S - X_L; after it S - X_{L+1} (X_k ~ Poisson(k*rate)).
    short = expected_excess(rate * (lead + 1), [level])[0] - expected_excess(rate * lead, [level])[0]
    fill_theory = 1 - short / rate
    backorders_theory = expected_excess(rate * (lead + 1), [level])[0]
    scenario = single_stage({"type": "base_stock", "level": level}, rate, lead, horizon=6000)
    fills, backorders = simulated_fill(scenario, warmup=lead + 2)
    assert 0.5 < fill_theory < 0.999  # the cases are informative, not trivially full
    assert within(fills, fill_theory), (fills.mean(), fill_theory)
    assert within(backorders, backorders_theory), (backorders.mean(), backorders_theory)


@pytest.mark.parametrize("rate,lead,r,q", [(8, 4, 30, 25), (3, 10, 28, 12)])
def test_r_q_with_poisson_demand_matches_theory(rate, lead, r, q):
    # With integer demand, the position after ordering is uniform on r+1..r+Q in steady state
    # (a random walk modulo Q), so the (r, Q) fill rate averages the base-stock one over it.
    levels = np.arange(r + 1, r + q + 1)
    short = (expected_excess(rate * (lead + 1), levels) - expected_excess(rate * lead, levels)).mean()
    fill_theory = 1 - short / rate
    scenario = single_stage({"type": "r_Q", "r": r, "Q": q}, rate, lead, horizon=6000)
    fills, _ = simulated_fill(scenario, warmup=5 * (lead + q // rate + 2))
    assert 0.5 < fill_theory < 0.999
    assert within(fills, fill_theory), (fills.mean(), fill_theory)


def test_lost_sales_lose_what_is_not_delivered_and_keep_no_backlog():
    scenario = single_stage({"type": "base_stock", "level": 20}, 10, 3, horizon=300)
    scenario = scenario.replace(**{"demand[0].unmet": "lost_sales"})
    ledger = simulate(scenario)
    m = ledger.market
    assert m["lost"].sum() > 0 and m["backlog"].max() == 0
    np.testing.assert_allclose(m["demand"], m["on_time"] + m["lost"])


def test_a_deterministic_chain_follows_the_ledger_computed_by_hand():
    # Day by day (end-of-day values), worked out on paper:
    # day 0: dc ships 10 (30->20), orders 10.            plant idle.
    # day 1: dc 20->10; plant makes 10 P from 20 A (A 40->20), ships them (arrive day 2); plant
    #        orders 20 A; dc orders 10.
    # day 2: dc +10 -> 20 -> 10; plant makes 10 (A 20->0); sA makes and ships 20 A (arrive day 4).
    # day 3: dc +10 -> 20 -> 10; plant has no A: makes 0; sA ships the day-2 order of 20 (day 5).
    # day 4: dc 10 -> 0 (nothing arrives); plant A +20, makes 10 of the 20 P owed; sA idle.
    # day 5: dc +10 -> 10 -> 0; plant A +20, makes 10; sA ships 20 (the day-4 order).
    ledger = simulate(hand_chain(), detail=True)
    stock = ledger.stock().set_index(["node", "part", "day"]).sort_index()
    series = lambda node, part, col: stock.loc[(node, part), col].tolist()  # noqa: E731
    assert series("dc", "P", "on_hand") == [20, 10, 10, 10, 0, 0]
    assert series("plant", "A", "on_hand") == [40, 20, 0, 0, 0, 0]
    assert series("plant", "P", "produced") == [0, 10, 10, 0, 10, 10]
    assert series("sA", "A", "produced") == [0, 0, 20, 20, 0, 20]
    assert ledger.market["on_time"][:, 0].tolist() == [10] * 6
    costs = ledger.cost_totals()
    assert costs["production"] == 3 * 40          # 40 P made at 3 each
    assert costs["transport"] == 1 * 60           # 60 A carried at 1 each
    assert costs["procurement"] == 5 * 60         # 60 A bought from the supplier at 5 each
    assert costs["holding"] > 0 and costs["shortage_penalty"] == 0


def test_capacity_limits_production_and_the_shortfall_accumulates():
    # The plant can make only 6 P a day against demand of 10: after the DC's 30 units are gone,
    # exactly 6 a day reach the market, and the backlog grows by 4 a day.
    scenario = hand_chain(horizon=40).replace(**{"nodes[plant].capacity_per_day": 6})
    ledger = simulate(scenario)
    delivered = ledger.market["delivered"][:, 0]
    assert np.allclose(delivered[-10:], 6)
    assert np.allclose(np.diff(ledger.market["backlog"][-10:, 0]), 4)


def test_lane_capacity_caps_shipments():
    scenario = hand_chain(horizon=40, a_level=200).replace(**{"lanes[plant->dc].capacity_per_day": 7})
    ledger = simulate(scenario, detail=True)
    shipped = ledger.stock().query("node == 'plant' and part == 'P'")["shipped"]
    assert shipped.max() <= 7 + 1e-9
    assert np.allclose(ledger.market["delivered"][-10:, 0], 7)


def test_closing_and_reopening_a_lane_pauses_then_catches_up():
    # Closing the only lane into the DC stops supply; orders keep accruing and are served at once
    # when it reopens, so nothing is lost: the backlog is cleared after the lead time.
    model = Model(hand_chain(horizon=80, a_level=200))
    model.at(10, lambda m: m.set_lane_open("plant->dc", False))
    model.at(30, lambda m: m.set_lane_open("plant->dc", True))
    ledger = model.run()
    delivered, backlog = ledger.market["delivered"][:, 0], ledger.market["backlog"][:, 0]
    assert backlog[29] > 0 and backlog[-1] == pytest.approx(0)
    assert delivered.sum() == pytest.approx(10 * 80)
    assert np.all(delivered[13:31] == 0)  # 30 units of stock cover days 10-12


def test_a_lane_added_mid_run_restores_supply():
    # The plant stops on day 5; on day 15 a new source (a provider with its own supply of A) is
    # connected to the DC, the orders stuck at the plant are cancelled, and the DC re-orders all
    # it misses from the provider: the backlog is cleared once the provider's lead time has passed.
    from resim.scenario.format.chain import Lane, Node

    model = Model(hand_chain(horizon=60, a_level=200))
    provider = Node(id="provider", kind="supplier", country="PL", region="europe", makes=("P",))

    def connect(m: Model) -> None:
        m.add_node(provider)
        m.add_lane(Lane(source="provider", dest="dc", parts=("P",), lead_time_days=2))
        m.set_share("plant->dc", 0.0)
        # The DC's orders placed at the ends of days 4..14 never left the stopped plant.
        assert m.cancel_orders("plant->dc") == pytest.approx(10 * 11)

    model.at(5, lambda m: m.set_capacity("plant", 0.0))
    model.at(15, connect)
    ledger = model.run()
    backlog = ledger.market["backlog"][:, 0]
    # Before day 5 the DC ends each day with 10 on hand and 10 arriving next day, so stock covers
    # days 5-6 and the backlog grows by 10 a day from day 7. At the end of day 15 the DC's position
    # is -90 (the backlog): it orders 120 from the provider, shipped on day 16, received on day 18.
    assert backlog[7] == 10 and backlog[17] == 110 and backlog[18] == 0
    assert ledger.market["on_time"][18:, 0].tolist() == [10] * (60 - 18)
