"""One owner for the network's columns (issue 20, item 1): entries are only ever appended, so a
value changed before or while running (a buffer's raised level, the scenario's lane shares)
survives a MaaS provider or a new lane joining."""

from __future__ import annotations

import numpy as np
import pytest

from resim.sim.engine import Model
from resim.scenario.format.chain import Lane, Node
from resim.sim.network import Network
from resim.sim.state import ARC, State
from resim.experiment.runner import prepare
from tests.chains import hand_chain

def test_a_buffer_keeps_its_raised_level_when_a_maas_provider_joins(quickstart):
    scenario = quickstart
    upstream = next(s for s in scenario.strategies if s.id == "maas_upstream")
    combined = {**upstream.model_dump(exclude_defaults=True), "id": "buffer_and_maas",
                "actions": ["buffer", "maas_upstream"], "buffer": {"mcu": 5100}}
    scenario = scenario.replace(strategies=[*scenario.strategies, combined])
    model, _ = prepare(scenario, "buffer_and_maas", 0, scenario.seed)
    raised = model.level_a.copy()
    scenario_levels = Network(scenario).sku_a
    mcu = [i for i, (_, part) in enumerate(model.net.sku_keys) if part == "mcu"]
    assert (raised[mcu] - scenario_levels[mcu]).max() == pytest.approx(5100)  # the buffer is placed

    model.run()
    assert len(model.net.node_ids) > len(scenario.nodes)  # a provider joined while running
    np.testing.assert_array_equal(model.level_a[:len(raised)], raised)


def test_a_lane_gets_the_scenarios_share_back_when_its_cause_ends_after_a_lane_joined_the_group():
    model = Model(hand_chain(horizon=20))
    original = model.lane_arcs("sA->plant")
    assert model.net.base_share[original] == pytest.approx([1.0])  # the only lane into the plant's A
    model.add_node(Node(id="sB", kind="supplier", country="PL", region="europe", makes=["A"]))
    model.add_lane(Lane(**{"from": "sB", "to": "plant", "parts": ["A"], "lead_time_days": 3}))
    model.set_share("sA->plant", 0.2, cause="steer")
    assert model.levers["share"][original] == pytest.approx([0.2])
    model.end("steer")
    assert model.levers["share"][original] == pytest.approx([1.0])
    added = model.lane_arcs("sB->plant")
    assert model.levers["share"][added] == pytest.approx([0.5])  # an unshared newcomer: split with the one there


def test_overlapping_causes_setting_a_share_reveal_one_another_as_they_end():
    # sA->plant's share in the scenario is 1. Cause "early" sets 0.3, then "late" sets 0.6 (the
    # most recent wins); a factor of 0.5 multiplies whichever share is in force.
    model = Model(hand_chain(horizon=20))
    arc = model.lane_arcs("sA->plant")
    model.set_share("sA->plant", 0.3, cause="early")
    model.set_share("sA->plant", 0.6, cause="late")
    model.set_share_factor("sA->plant", 0.5, cause="halved")
    assert model.order_weights(arc) == pytest.approx([0.3])  # 0.6 x 0.5
    model.end("late")
    assert model.order_weights(arc) == pytest.approx([0.15])  # early's 0.3 x 0.5
    model.end("halved")
    assert model.order_weights(arc) == pytest.approx([0.3])
    model.set_share("sA->plant", 0.6, cause="late")
    model.end("early")  # not the one in force: nothing changes
    assert model.order_weights(arc) == pytest.approx([0.6])
    model.end("late")
    assert model.order_weights(arc) == pytest.approx([1.0])  # the scenario's


def test_every_state_array_grows_with_its_axis_when_a_node_and_a_lane_join():
    from resim.sim.state import ARC, LANE, STOCK

    model = Model(hand_chain(horizon=20))
    model.add_node(Node(id="sB", kind="supplier", country="PL", region="europe", makes=["A"]))
    model.add_lane(Lane(**{"from": "sB", "to": "plant", "parts": ["A"], "lead_time_days": 3}))
    net, state = model.net, model.state
    sizes = {STOCK: net.n_sku, ARC: net.n_arcs, LANE: len(net.lane_keys)}
    grown = {(name, axis): dim for axis in sizes for name, dim in state.along(axis).items()}
    assert {"on_hand", "work_orders", "pipeline"} <= {name for name, _ in grown}
    for (name, axis), dim in grown.items():
        assert state[name].shape[0] == 1 and state[name].shape[1 + dim] == sizes[axis], name  # a row, then its axes
    assert len(model.levers["capacity"]) == len(net.node_ids) and len(model.levers["duty"]) == net.n_arcs
    assert len(model.levers["share"]) == net.n_arcs
    assert np.shares_memory(model.on_hand, state["on_hand"])  # the model's attribute is its row of the state


def test_an_array_grown_into_room_holds_what_growing_by_copies_holds():
    # Entries added one by one (a response's providers), also after the array was replaced whole
    # (the pipeline made deeper): the same values as concatenating at each step, by hand.
    rows, depth = 2, 3
    state = State(rows)
    start = np.arange(rows * depth * 2, dtype=float).reshape(rows, depth, 2)
    state.add("roomy", ARC, start[0], dim=1, room=True)
    state.add("copied", ARC, start[0], dim=1)
    expected = np.broadcast_to(start[0], (rows, depth, 2)).copy()
    for size in range(3, 12):
        if size == 7:  # replaced whole, deeper, as the day's phases may do
            expected = np.concatenate([expected, np.full((rows, 1, size - 1), 5.0)], axis=1)
            state._arrays["roomy"] = expected.copy()
            state._arrays["copied"] = expected.copy()
        value = np.full((expected.shape[1], 1), float(size))
        state.grow(ARC, size, roomy=value, copied=value)
        expected = np.concatenate([expected, np.broadcast_to(value, (rows, expected.shape[1], 1))], axis=2)
        for name in ("roomy", "copied"):
            state[name][1, 0, size - 1] += 0.5  # assigned into: the view writes its room
        expected[1, 0, size - 1] += 0.5
        for name in ("roomy", "copied"):
            np.testing.assert_array_equal(state[name], expected)


def test_the_bill_of_materials_extended_by_added_makers_equals_one_built_from_every_entry():
    # Two makers of P (2 A each, from the A they hold) join after the matrices were first made;
    # extended by rows, they hold what scipy builds from all the entries at once.
    from scipy import sparse

    model = Model(hand_chain(horizon=5))
    net = model.net.network
    assert net.bom.nnz == 1  # the plant's P = 2 A
    for name in ("plant2", "plant3"):
        model.add_node(Node(id=name, kind="plant", country="PL", region="europe", makes=["P"],
                            inventory=[{"part": "A", "policy": {"type": "base_stock", "level": 10}}]))
        rows, cols, quantities = zip(*net._bom_entries)
        whole = sparse.csr_matrix((quantities, (rows, cols)), shape=(len(net.row_sku), net.n_sku))
        for made, expected in ((net.bom, whole), (net.bom_t, whole.T.tocsr())):
            assert made.shape == expected.shape and (made != expected).nnz == 0
            assert made.has_sorted_indices
    assert net.bom.nnz == 3 and net.bom.sum() == 6
