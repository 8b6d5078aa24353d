"""A MaaS provider's inputs (resim.sim.inputs): it makes only what the components it receives allow,
from the firm's usual makers (consigned) or the open market, and the firm pays for them."""

from __future__ import annotations

import numpy as np
import pytest

import resim
from resim.sim.engine import Model
from resim.sim.ledger import COST_COMPONENTS
from resim.scenario.format.chain import Lane, Node
from resim.sim.inputs import Market, input_stock, supply_inputs


def chain(market: list[dict] | None = None, **extra) -> resim.Scenario:
    """sC makes C (5 a unit) -> plant makes P = 2 C -> market m wants 10 P a day; a disruption
    'fire' stops sC from day 5 to day 40. Started empty, every day-0 unit is in the file."""
    return resim.scenario_from_dict({
        "name": "inputs", "horizon_days": 60, "start": "empty",
        "parts": [{"id": "P", "unit_cost": 50, "bom": {"C": 2}}, {"id": "C", "unit_cost": 5}],
        "nodes": [
            {"id": "sC", "kind": "supplier", "country": "TW", "region": "east_asia", "makes": "C",
             "capacity_per_day": 100},
            {"id": "plant", "kind": "plant", "country": "DE", "region": "europe", "makes": "P",
             "capacity_per_day": 100,
             "inventory": [{"part": "C", "policy": {"type": "base_stock", "level": 60}},
                           {"part": "P", "policy": {"type": "base_stock", "level": 30}}]},
            {"id": "m", "kind": "market", "country": "DE", "region": "europe"},
        ],
        "lanes": [{"from": "sC", "to": "plant", "parts": "C", "lead_time_days": 3, "cost_per_unit": 0.5},
                  {"from": "plant", "to": "m", "parts": "P", "lead_time_days": 1}],
        "demand": [{"market": "m", "part": "P", "daily": 10}],
        "disruptions": [{"id": "fire", "type": "supplier_failure", "nodes": ["sC"], "onset_day": 5,
                         "duration_days": 35}],
        "maas": {"market": market or []},
        **extra,
    })


def provider(model: Model, inputs: str, units_per_day: float = 10.0) -> tuple[str, list[str]]:
    """A provider of P, added on day 0 and shipping to the plant, with its inputs' lanes."""
    scenario = model.scenario
    node = Node(id="prov", kind="supplier", country="PL", region="europe", makes=("P",),
                capacity_per_day=units_per_day, inventory=input_stock(scenario, "P", units_per_day, 3.0))
    model.add_node(node)
    keys = supply_inputs(model, Market(model), node.id, "P", inputs)
    model.add_lane(Lane(source="prov", dest="m", parts=("P",), lead_time_days=1), price=60.0)
    return node.id, keys


def made(ledger, model: Model, node: str, part: str) -> np.ndarray:
    return ledger.stock_series["produced"][:, model.net.sku_index[(node, part)]]


def received(ledger, model: Model, node: str, part: str) -> np.ndarray:
    return ledger.stock_series["received"][:, model.net.sku_index[(node, part)]]


def test_a_provider_makes_nothing_without_components():
    # Consigned C come from sC, which is down from day 5 to 40: the provider is short exactly
    # when the firm is, and never makes more P than the C it received allow (2 C per P).
    model = Model(chain(), detail=True)
    node, keys = provider(model, "consigned")
    assert keys == ["sC->prov"]
    ledger = model.run()
    out, got = made(ledger, model, node, "P"), received(ledger, model, node, "C")
    # By every day, it made at most half the C it had received.
    assert np.all(np.cumsum(out) <= np.cumsum(got) / 2 + 1e-9)
    # Nothing leaves sC while it is down (days 5..39), so nothing arrives from day 8 (3-day lane)
    # to day 40; what the provider makes meanwhile comes from the C it held on day 7.
    held = model.ledger.stock_series["on_hand"][7, model.net.sku_index[(node, "C")]]
    assert got[8:41].sum() == 0
    assert out[8:41].sum() <= held / 2 + 1e-9 and out[20:41].sum() == 0
    assert out.sum() > 0  # before and after the fire, it does make P


def test_market_inputs_are_capped_by_what_the_market_offers_and_priced_up():
    # A broker sells 4 C a day while the fire lasts, at 20 (unit cost 5), +100 % when all is taken.
    offer = {"part": "C", "country": "SG", "region": "southeast_asia", "units_per_day": 4, "unit_price": 20,
             "price_increase": 1.0, "lead_time_days": 2, "during": ["fire"]}
    model = Model(chain([offer]), detail=True)
    node, keys = provider(model, "market")
    assert keys == ["market_C_0->prov"]
    ledger = model.run()
    broker = model.net.sku_index[("market_C_0", "C")]
    shipped = ledger.stock_series["shipped"][:, broker]
    # Only while the fire is in force (days 5..39), at most 4 a day, so at most 2 P a day.
    assert shipped[:5].sum() == 0 and shipped[40:].sum() == 0
    assert shipped.max() <= 4 + 1e-9 and shipped.sum() > 0
    out = made(ledger, model, node, "P")
    assert out.sum() <= shipped.sum() / 2 + 1e-9
    # Money: the provider's price 60 for a P (unit cost 50, C included at 5 each) is paid once the
    # market delivers P: 50 procurement and 10 premium; the broker's C, delivered to the provider
    # (a supplier, whose price includes them), cost the firm only what they cost beyond their unit
    # cost: 20 - 5 = 15 premium each, plus the scarcity surcharge 20 x 100 % x the share taken.
    surcharge = (shipped * 20 * 1.0 * np.minimum(shipped / 4, 1.0)).sum()
    arc = model.lane_arcs("prov->m")
    delivered_p = model.shipped_total[arc].sum()
    expected = 15 * received(ledger, model, node, "C").sum() + surcharge + 10 * delivered_p
    premium = ledger.cost[:, COST_COMPONENTS.index("maas_premium")].sum()
    assert premium == pytest.approx(expected)
    # Procurement: sC's C into the plant at 5 (shipped into a focal site), the provider's P at 50;
    # nothing for the broker's C (the provider's price covers their unit cost).
    usual = model.shipped_total[model.lane_arcs("sC->plant")].sum() * 5
    procurement = ledger.cost[:, COST_COMPONENTS.index("procurement")].sum()
    assert procurement == pytest.approx(usual + 50 * delivered_p)


def test_providers_at_a_day_shows_what_the_components_allow(capsys):
    # The quickstart on day 130: the MCU fab is down, so consigned MCUs allow no board; the brokers
    # sell 40 a day while the quake lasts. `resim providers --at` caps each candidate as the
    # simulation would: by its inputs, consigned (smt_cn_1) or market (the European EMS).
    from pathlib import Path

    from resim.cli.main import main

    quickstart = Path(__file__).parents[1] / "scenarios" / "quickstart.yaml"
    assert main(["providers", str(quickstart), "--part", "pcba", "--at", "130"]) == 0
    out = capsys.readouterr().out
    assert "components allow 0/day with inputs consigned; 40/day with inputs market" in out
    rows = {line.split()[1]: line.split() for line in out.splitlines() if line.split()[:1] and line.split()[0].isdigit()}
    header = next(line.split() for line in out.splitlines() if line.lstrip().startswith("rank"))
    cap = header.index("cap/day") - 3  # "unit cost" and "days to 1st" are headed by 2 and 3 words
    assert float(rows["smt_cn_1"][cap]) == 0.0
    assert all(float(rows[o][cap]) <= 40 for o in ("smt_hu_1", "smt_pl_1", "smt_de_2"))


def test_a_market_claim_lapses_when_its_agreement_ends():
    # Two offers of C, 4 and 6 a day. An agreement making 2 P a day (4 C) from day 10 to day 30
    # claims 4 C from the larger offer: 6 left on days 10-29 (4 + 2), all 10 again from day 30,
    # when a later need may count on them.
    from resim.sim.inputs import claim_inputs

    offers = [{"part": "C", "country": "SG", "region": "southeast_asia", "units_per_day": units, "unit_price": 20}
              for units in (4, 6)]
    model = Model(chain(market=offers))
    market = Market(model)
    claim_inputs(market, model.scenario, "P", "market", 2.0, 10, 30)
    assert market.available("C", 10) == {0: 4.0, 1: 2.0}
    assert market.available("C", 29) == {0: 4.0, 1: 2.0}
    assert market.available("C", 30) == {0: 4.0, 1: 6.0}
