"""Small hand-built scenarios shared by tests (plain dicts, written to YAML by the tests)."""

from __future__ import annotations

import copy

import yaml

import resim

_SMALL = {
    "name": "hand-built chain",
    "horizon_days": 60,
    "parts": [
        {"id": "P", "unit_cost": 100, "bom": {"A": 2, "B": 1}},
        {"id": "A", "unit_cost": 20, "bom": {"R": 3}},
        {"id": "B", "unit_cost": 10},
        {"id": "R", "unit_cost": 1, "critical": True},
    ],
    "nodes": [
        {"id": "sR1", "kind": "supplier", "country": "CN", "region": "asia", "makes": "R",
         "capacity_per_day": 100},
        {"id": "sR2", "kind": "supplier", "country": "VN", "region": "asia", "makes": "R",
         "capacity_per_day": 300},
        {"id": "sA", "kind": "supplier", "country": "DE", "region": "europe", "makes": "A",
         "inventory": [{"part": "R", "policy": {"type": "base_stock", "level": 100}}]},
        {"id": "sB", "kind": "supplier", "country": "US", "region": "america", "makes": "B"},
        {"id": "plant", "kind": "plant", "country": "DE", "region": "europe", "makes": "P",
         "inventory": [{"part": "A", "policy": {"type": "base_stock", "level": 50}},
                       {"part": "B", "policy": {"type": "s_S", "s": 10, "S": 40}}]},
        {"id": "dc", "kind": "dc", "country": "DE", "region": "europe",
         "inventory": [{"part": "P", "policy": {"type": "r_Q", "r": 5, "Q": 20}}]},
        {"id": "m", "kind": "market", "country": "DE", "region": "europe"},
    ],
    "lanes": [
        {"from": "sR1", "to": "sA", "parts": "R", "lead_time_days": 2, "share": 0.25},
        {"from": "sR2", "to": "sA", "parts": "R", "lead_time_days": "triangular(2, 3, 5)",
         "share": 0.75},
        {"from": "sA", "to": "plant", "parts": "A", "lead_time_days": 1},
        {"from": "sB", "to": "plant", "parts": "B", "lead_time_days": 4},
        {"from": "plant", "to": "dc", "parts": "P", "lead_time_days": 1},
        {"from": "dc", "to": "m", "parts": "P", "lead_time_days": 0},
    ],
    "demand": [{"market": "m", "part": "P", "daily": "poisson(5)"}],
}


def small_chain() -> dict:
    """A fresh copy of the hand-built 7-node chain (P = 2 A + 1 B, A = 3 R; R dual-sourced)."""
    return copy.deepcopy(_SMALL)


def write(path, data: dict) -> str:
    """Write ``data`` as YAML to ``path`` and return the path as a string."""
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return str(path)


def hand_chain(horizon: int = 6, a_level: float = 40) -> resim.Scenario:
    """Supplier sA -> plant (P = 2 A) -> dc -> market, constant demand 10/day (see the test)."""
    return resim.scenario_from_dict({
        "name": "by hand", "horizon_days": horizon, "start": "empty",  # every day-0 unit in the file
        "parts": [{"id": "P", "unit_cost": 100, "bom": {"A": 2}}, {"id": "A", "unit_cost": 5}],
        "nodes": [
            {"id": "sA", "kind": "supplier", "country": "CN", "region": "asia", "makes": "A"},
            {"id": "plant", "kind": "plant", "country": "DE", "region": "europe", "makes": "P",
             "production_cost_per_unit": 3,
             "inventory": [{"part": "A", "policy": {"type": "base_stock", "level": a_level}}]},
            {"id": "dc", "kind": "dc", "country": "DE", "region": "europe", "holding_cost_rate": 0,
             "inventory": [{"part": "P", "policy": {"type": "base_stock", "level": 30}}]},
            {"id": "m", "kind": "market", "country": "DE", "region": "europe"},
        ],
        "lanes": [{"from": "sA", "to": "plant", "parts": "A", "lead_time_days": 2, "cost_per_unit": 1},
                  {"from": "plant", "to": "dc", "parts": "P", "lead_time_days": 1},
                  {"from": "dc", "to": "m", "parts": "P", "lead_time_days": 1}],
        "demand": [{"market": "m", "part": "P", "daily": 10}],
    })
