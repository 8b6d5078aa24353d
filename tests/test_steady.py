"""The steady start (resim.sim.steady): day 0 as the chain runs in normal times, checked by hand and
by the absence of a start-up transient."""

from __future__ import annotations

import numpy as np
import pytest

from resim.sim.engine import Model
from resim.sim.steady import expected_flows
from tests.chains import hand_chain


def flows_by_lane(model: Model) -> dict[str, float]:
    net = model.net
    flows = expected_flows(net)
    return {net.lanes[lane].key: float(flows[arc]) for arc, lane in enumerate(net.arc_lane)}


def test_expected_flows_follow_demand_through_the_bill_of_materials():
    # Demand 10 P a day; P = 2 A: 10 P a day on plant->dc and dc->m, 20 A a day on sA->plant.
    model = Model(hand_chain(horizon=20).replace(start="steady"))
    assert flows_by_lane(model) == pytest.approx({"sA->plant": 20.0, "plant->dc": 10.0, "dc->m": 10.0})


def test_day_zero_holds_full_pipelines_and_the_rest_of_the_target_on_hand():
    model = Model(hand_chain(horizon=20, a_level=100).replace(start="steady"))
    net = model.net
    lane_arc = {net.lanes[lane].key: arc for arc, lane in enumerate(net.arc_lane)}
    # sA->plant takes 2 days: 20 A arrive on day 0 and on day 1, and yesterday's order of 20 is
    # owed (sA sees it today), so the plant holds 100 - 40 - 20 = 40 A.
    assert model.pipeline[:2, lane_arc["sA->plant"]].tolist() == [20.0, 20.0]
    assert model.arc_backlog[lane_arc["sA->plant"]] == 20.0
    assert model.on_hand[net.sku_index[("plant", "A")]] == 40.0
    # plant->dc takes 1 day: 10 P arrive on day 0 and 10 are owed, so the dc holds 30 - 20 = 10.
    assert model.pipeline[:, lane_arc["plant->dc"]].sum() == 10.0
    assert model.on_hand[net.sku_index[("dc", "P")]] == 10.0
    # The inventory position (on hand + in transit + owed to it) starts at the policy's target.
    arc = lane_arc["plant->dc"]
    assert model.on_hand[net.sku_index[("dc", "P")]] + model.in_transit[arc] + model.arc_backlog[arc] == 30.0


def test_a_steady_start_has_no_start_up_transient():
    # Constant demand and lead times: started steady, the stock on hand never drifts; started
    # empty, the destinations hold their whole target until the first shipments land.
    steady = Model(hand_chain(horizon=30, a_level=100).replace(start="steady"), detail=True).run()
    empty = Model(hand_chain(horizon=30, a_level=100), detail=True).run()
    held = steady.totals["on_hand"]
    assert np.ptp(held) == pytest.approx(0.0, abs=1e-9)
    assert np.ptp(steady.totals["in_transit"]) == pytest.approx(0.0, abs=1e-9)
    # The empty start reaches the same running state after the first lead times.
    assert empty.totals["on_hand"][-1] == pytest.approx(held[-1])
    assert empty.totals["on_hand"][0] > held[0]
    # Both deliver every unit on time: the start changes where stock sits, not the service.
    np.testing.assert_allclose(steady.market["on_time"], steady.market["demand"])


def test_a_set_initial_stock_is_kept_as_given():
    scenario = hand_chain(horizon=20)
    data = scenario.model_dump(mode="json", by_alias=True, exclude_unset=True)
    data["nodes"][2]["inventory"][0]["initial"] = 25.0
    model = Model(scenario.replace(start="steady", nodes=data["nodes"]))
    assert model.on_hand[model.net.sku_index[("dc", "P")]] == 25.0
