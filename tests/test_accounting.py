"""The accounting suite (issue 17): every strategy of every library scenario obeys conservation of
material and the same random draws. One replication of each, with per stock point series."""

from __future__ import annotations

import functools
from pathlib import Path

import numpy as np
import pytest

import resim
from resim.experiment.outcome import reduce_model
from resim.experiment.runner import prepare

pytestmark = pytest.mark.slow  # simulations, subprocesses or real faults: the full suite only

SCENARIOS = Path(__file__).resolve().parents[1] / "scenarios"
LIBRARY = sorted(p.stem for p in SCENARIOS.glob("*.yaml"))


@functools.lru_cache(maxsize=None)
def scenario(name: str) -> resim.Scenario:
    return resim.load_scenario(SCENARIOS / f"{name}.yaml")


@functools.lru_cache(maxsize=None)
def runs(name: str) -> dict:
    """strategy -> (model, response, ledger) of replication 0."""
    sc = scenario(name)
    found = {}
    for strategy in ["none", *(s.id for s in sc.strategies if s.id != "none")]:
        model, response = prepare(sc, strategy, 0, sc.seed, detail=True)
        found[strategy] = (model, response, model.run())
    return found


def strategies(name: str) -> list[str]:
    sc = scenario(name)
    return ["none", *(s.id for s in sc.strategies if s.id != "none")]


ALL = [(name, strategy) for name in LIBRARY for strategy in strategies(name)]


@pytest.mark.parametrize("name, strategy", ALL)
def test_no_maker_makes_more_than_its_components_allow(name, strategy):
    """Every node that makes a part with a bill of materials, MaaS providers included, made by
    each day at most what the components it had received (and held on day 0) allow. A supplier
    of the scenario that holds none of its part's components is a black box whose own supply is
    in its price (docs/model.md, Costs); a MaaS provider never is."""
    model, _, ledger = runs(name)[strategy]
    net, series = model.net, ledger.stock_series
    parts = model.scenario.parts_by_id
    declared = {n.id for n in model.scenario.nodes}
    for row, sku in enumerate(net.row_sku):
        node, part = net.sku_keys[sku]
        if net.row_from_cores[row] or not parts[part].bom:
            continue
        if node in declared and not any((node, child) in net.sku_index for child in parts[part].bom):
            continue
        made = np.cumsum(series["produced"][:, sku])
        for child, quantity in parts[part].bom.items():
            key = (node, child)
            assert key in net.sku_index, f"{node} makes {part} without holding its component {child}"
            c = net.sku_index[key]
            available = model.opening_on_hand[c] if c < len(model.opening_on_hand) else 0.0
            available = available + np.cumsum(series["received"][:, c])
            assert np.all(made * quantity <= available + 1e-6 * (1 + available)), (node, part, child)


@pytest.mark.parametrize("name, strategy", ALL)
def test_stock_on_hand_and_on_hold_balance_every_day(name, strategy):
    """docs/model.md, The ledger: on hand changes by received + produced + released - shipped -
    consumed - scrapped - held, on hold is the running sum of held - released, and every flow
    and stock is non-negative, at every stock point (providers and reman centres included)."""
    model, _, ledger = runs(name)[strategy]
    s = ledger.stock_series
    opening = np.zeros(s["on_hand"].shape[1])
    opening[:len(model.opening_on_hand)] = model.opening_on_hand
    for column, values in s.items():
        assert values.min(initial=0.0) >= -1e-6 * (1 + np.abs(values).max(initial=0.0)), column
    before = np.vstack([opening, s["on_hand"][:-1]])
    change = (s["received"] + s["produced"] + s["released"] - s["shipped"] - s["consumed"] - s["scrapped"]
              - s["held"])
    tolerance = 1e-6 * (1 + np.abs(s["on_hand"]).max())
    np.testing.assert_allclose(s["on_hand"] - before, change, atol=tolerance)
    np.testing.assert_allclose(s["on_hold"], np.cumsum(s["held"] - s["released"], axis=0), atol=tolerance)


@pytest.mark.parametrize("name, strategy", ALL)
def test_markets_receive_what_was_demanded_at_most(name, strategy):
    model, _, ledger = runs(name)[strategy]
    m = ledger.market
    backlog_before = np.vstack([np.zeros(m["backlog"].shape[1]), m["backlog"][:-1]])
    np.testing.assert_allclose(m["backlog"], backlog_before + m["demand"] - m["delivered"] - m["lost"], atol=1e-6)
    assert np.all(m["delivered"] <= backlog_before + m["demand"] + 1e-6)


@pytest.mark.parametrize("name", LIBRARY)
def test_every_strategy_meets_the_same_demand_and_disruptions(name):
    """Common random numbers: replication 0 draws the same demand and the same disruptions
    (ids, days) in every strategy."""
    found = runs(name)
    reference_model, _, reference = found["none"]
    events = [(e.what, e.id, e.day) for e in reference.events]
    for strategy, (model, _, ledger) in found.items():
        np.testing.assert_array_equal(ledger.market["demand"], reference.market["demand"], err_msg=strategy)
        assert [(e.what, e.id, e.day) for e in ledger.events] == events, strategy


@pytest.mark.parametrize("name", LIBRARY)
def test_a_provider_answers_the_same_request_the_same_way_in_every_strategy(name):
    """Common random numbers in negotiation: the same request (disruption, offering, part,
    destination, day asked) gets the same answer, price and start in every strategy; a request
    to an offering the strategy pre-qualified is another contract (a call-off of its standby
    agreement: accepted at once, no onboarding), the same in every strategy that holds one."""
    answers: dict[tuple, tuple] = {}
    for strategy, (_, response, _) in runs(name).items():
        for deal in (response.agreements if response is not None else []):
            key = (deal.offering, deal.part, deal.destination, deal.requested_day, deal.prequalified)
            seen = (deal.answer, round(deal.unit_price, 9), deal.start_day, deal.qualified_day)
            assert answers.setdefault(key, seen) == seen, (strategy, key)


@pytest.mark.parametrize("name, strategy", ALL)
def test_reman_makes_at_most_what_cores_and_its_policy_allow(name, strategy):
    """Every reman node: the good units it made are at most the graded cores fit for its routes
    (cores returned = disassembled + waiting; graded = processed + waiting + other routes), and its
    stock of each part never exceeds its policy's target by more than its largest day's output."""
    from resim.sim.circular import ROUTES
    from resim.scenario.format.chain import policy_target

    model, _, ledger = runs(name)[strategy]
    circular = model.circular
    if circular is None:
        return
    led = circular.ledger
    assert led.returned.sum() == pytest.approx(led.disassembled.sum() + circular.cores_in_stock(), abs=1e-6)
    for node in (n for n in model.scenario.nodes if n.kind == "reman"):
        for part in node.makes:
            fit = sum(v for (p, state), v in led.graded.items() if p == part and state in ROUTES)
            made = led.output_by_part.get(part, 0.0)
            assert made <= fit + 1e-6, (node.id, part)
            stock = node.stock(part)
            if stock is None:
                continue
            held = ledger.stock_series["on_hand"][:, model.net.sku_index[(node.id, part)]]
            batch = np.max(ledger.stock_series["produced"][:, model.net.sku_index[(node.id, part)]], initial=0.0)
            limit = max(policy_target(stock.policy), stock.initial_units)
            assert held.max() <= limit + batch + 1e-6, (node.id, part, held.max(), limit)


@pytest.mark.parametrize("name, strategy", ALL)
def test_the_stock_change_profit_counts_is_the_value_of_the_days_flows(name, strategy):
    """docs/model.md, Metrics: ``stock_change`` (the value of the firm's stock at the horizon's end
    less on day 0, at unit cost) equals the value of what the days' flows added to it: at each
    focal stock point received + produced − shipped − consumed − scrapped (on hold stays the
    firm's), and on each paid lane into one (not a contracted one, whose units are paid on
    receipt) what was shipped less what arrived."""
    model, response, ledger = runs(name)[strategy]
    net, s = model.net, ledger.stock_series
    focal = np.zeros(s["on_hand"].shape[1], bool)
    focal[:len(net.sku_focal)] = net.sku_focal
    value = np.zeros(len(focal))
    value[:len(net.sku_value)] = net.sku_value
    held = (s["received"] + s["produced"] - s["shipped"] - s["consumed"] - s["scrapped"]).sum(axis=0)
    arcs = net.repl[~model._cohort.contracted[model._row, net.repl]]
    arcs = arcs[net.sku_focal[net.arc_dst[arcs]]]
    moving = (model.shipped_total[arcs] - model.received_total[arcs]) @ net.sku_value[net.arc_dst[arcs]]
    outcome = reduce_model(model, response, strategy, 0)
    expected = float(held[focal] @ value[focal]) + float(moving)
    assert outcome.metrics["stock_change"] == pytest.approx(expected, rel=1e-9, abs=1e-6 * (1 + abs(expected)))
