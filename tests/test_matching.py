"""MaaS stage 2 on hand-made pools: filters with reasons, scores computed by hand, selection vs
brute force."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from resim.scenario.format.maas import Offering, ScoreWeights
from resim.supply.matching import Matches, Need, Pool, candidates, match, score, select
from resim.supply.pool import pool_frame


def offering(id_, **fields) -> Offering:
    base = dict(id=id_, provider=f"p_{id_}", process="cutting/milling/5-axis", materials=["AlSi10Mg"],
                tolerance_mm=0.02, size_mm=[600, 400, 300], certifications=["ISO 9001"],
                capacity_per_day=50, setup_cost=1000, unit_price=40, lead_time_days=5,
                onboarding_days=10, conformance_rate=0.99, on_time_rate=0.95, country="DE",
                region="europe", lat=50.0, lon=8.0)
    return Offering(**{**base, **fields})


def need(**fields) -> Need:
    base = dict(part="housing", process="cutting/milling", material="AlSi10Mg", tolerance_mm=0.05,
                size_mm=(100.0, 200.0, 300.0), certifications=frozenset({"ISO 9001"}), units_per_day=80,
                unit_cost=35, weight_kg=0, destination="plant", country="DE", region="europe",
                lat=50.0, lon=8.0)
    return Need(**{**base, **fields})


def test_each_hard_constraint_names_why_an_offering_is_out():
    pool = pool_frame([
        offering("ok"),
        offering("turning", process="cutting/turning"),
        offering("steel_only", materials=["16MnCr5"]),
        offering("coarse", tolerance_mm=0.1),
        offering("small", size_mm=[250, 250, 250]),
        offering("uncertified", certifications=[]),
        offering("controlled", export_controlled=True, country="US", region="north_america",
                 lat=40.0, lon=-75.0),
        offering("any_material", materials=[]),
    ])
    table = candidates(pool, need())
    assert table.attrs["not_offering"] == 1  # the turning shop is not a candidate at all
    table = table.set_index("id")
    assert table.loc["ok"].eligible and table.loc["any_material"].eligible
    assert table.reason.to_dict() == {
        "ok": "", "steel_only": "does not process AlSi10Mg",
        "coarse": "cannot hold ±0.05 mm", "small": "part of (100.0, 200.0, 300.0) mm does not fit",
        "uncertified": "lacks ISO 9001", "controlled": "export-controlled: cannot ship abroad",
        "any_material": ""}


def test_a_general_offering_does_not_satisfy_a_specific_process():
    pool = pool_frame([offering("generic", process="cutting/milling"), offering("five_axis")])
    table = candidates(pool, need(process="cutting/milling/5-axis"))
    assert list(table.id) == ["five_axis"] and table.attrs["not_offering"] == 1


def test_conditions_of_the_moment_exclude_providers():
    from resim.scenario.format.events import NaturalDisaster, TradeBarrier

    pool = pool_frame([offering("de"), offering("tw", country="TW", region="east_asia", lat=24.8, lon=121.0),
                       offering("cn", country="CN", region="east_asia", lat=31.2, lon=121.5)])
    quake = NaturalDisaster(id="q", type="natural_disaster", footprint={"countries": ["TW"]},
                            onset_day=0, duration_days=10)
    ban = TradeBarrier(id="b", type="trade_barrier", barrier="embargo", from_countries=["CN"],
                       to_countries=["DE"], onset_day=0, duration_days=10)
    table = candidates(pool, need(), active=[quake, ban]).set_index("id")
    assert table.reason.to_dict() == {"de": "", "tw": "inside the footprint of q", "cn": "embargoed by b"}


def test_premium_limit_compares_landed_cost_with_the_parts_cost():
    pool = pool_frame([offering("cheap", unit_price=40), offering("dear", unit_price=60)])
    table = candidates(pool, need(unit_cost=35), max_premium=0.5).set_index("id")
    # 40 / 35 - 1 = 14 % is within 50 %; 60 / 35 - 1 = 71 % is not.
    assert table.loc["cheap"].eligible and table.loc["dear"].reason == "premium above 50%"


def test_scores_are_weighted_min_max_scaled_criteria():
    pool = pool_frame([
        offering("a", unit_price=40, lead_time_days=5, onboarding_days=10, conformance_rate=0.99),
        offering("b", unit_price=50, lead_time_days=3, onboarding_days=7, conformance_rate=0.98),
        offering("c", unit_price=45, lead_time_days=10, onboarding_days=20, conformance_rate=0.97),
    ])
    weights = ScoreWeights(cost=2, lead_time=1, quality=1, on_time=0, capacity=0, distance=0)
    ranked = score(candidates(pool, need()), need(), weights).set_index("id")
    # cost: a 1, b 0, c 0.5; first delivery (onboarding + lead time + 1 day by road to the plant next
    # door) 16, 11, 31 days: a 0.75, b 1, c 0; quality a 1, b 0.5, c 0.
    expected = {"a": (2 * 1 + 0.75 + 1) / 4, "b": (0 + 1 + 0.5) / 4, "c": (2 * 0.5 + 0 + 0) / 4}
    assert ranked.score.to_dict() == pytest.approx(expected)
    assert list(ranked.index) == ["a", "b", "c"] and list(ranked["rank"]) == [1, 2, 3]
    parts = ranked.filter(like="part_").sum(axis=1)
    assert parts.to_dict() == pytest.approx(expected)  # the explanation adds up to the score


def test_scoring_and_selecting_on_arrays_gives_the_rows_the_frames_give():
    # The simulation ranks and selects on Matches (arrays); resim providers on frames. Same rows.
    pool = pool_frame([offering(f"o{i}", unit_price=40 + 3 * i, capacity_per_day=20 + 10 * (i % 3),
                                setup_cost=500 * (i % 4), lead_time_days=3 + i) for i in range(8)]
                      + [offering("steel_only", materials=["16MnCr5"])])
    sought = need(units_per_day=45.0)
    weights = ScoreWeights(cost=2, lead_time=1, quality=1, on_time=1, capacity=1, distance=0)
    on_frames = score(candidates(pool, sought), sought, weights)
    on_arrays = score(match(Pool(pool), sought), sought, weights)
    assert isinstance(on_arrays, Matches) and on_arrays.frame().equals(on_frames)
    assert len(on_frames) == 8 and "steel_only" not in set(on_frames.id)
    for limit in (2, None):  # exact enumeration, then the MILP
        framed = select(on_frames, sought, days=30, budget=80_000, max_providers=limit)
        arrayed = select(on_arrays, sought, days=30, budget=80_000, max_providers=limit)
        assert arrayed.chosen.frame().equals(framed.chosen) and len(framed.chosen) > 0
        assert (arrayed.covered_per_day, arrayed.cost) == (framed.covered_per_day, framed.cost)


def brute_force(units, setups, capacity, gap, days, budget, max_providers):
    """Best (coverage, -cost) over every subset, filling the cheapest units first."""
    best = (0.0, 0.0)
    n = len(units)
    for size in range(0, n + 1):
        if max_providers is not None and size > max_providers:
            break
        for subset in itertools.combinations(range(n), size):
            money = (budget if budget is not None else np.inf) - sum(setups[i] for i in subset)
            if money < -1e-9:
                continue
            covered = cost = 0.0
            for i in sorted(subset, key=lambda i: units[i]):
                take = min(capacity[i], gap - covered, money / (units[i] * days) if units[i] > 0 else np.inf)
                covered += take
                cost += take * units[i] * days
                money -= take * units[i] * days
            cost += sum(setups[i] for i in subset)
            if (covered, -cost) > (best[0] + 1e-6, best[1]) or (
                    abs(covered - best[0]) <= 1e-6 and -cost > best[1] + 1e-6):
                best = (covered, -cost)
    return best[0], -best[1]


@pytest.mark.parametrize("seed", range(12))
def test_selection_matches_brute_force(seed):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(2, 7))
    units = rng.uniform(30, 60, n).round(1)
    setups = rng.uniform(0, 5000, n).round(0)
    capacity = rng.uniform(10, 60, n).round(0)
    gap = float(rng.uniform(20, 150))
    days = 30.0
    budget = float(rng.uniform(10_000, 200_000)) if seed % 2 else None
    limit = int(rng.integers(1, 4)) if seed % 3 else None
    pool = pool_frame([offering(f"o{i}", unit_price=units[i], setup_cost=setups[i], capacity_per_day=capacity[i])
                       for i in range(n)])
    sought = need(units_per_day=gap)
    ranked = score(candidates(pool, sought), sought, ScoreWeights())
    chosen = select(ranked, sought, days=days, budget=budget, max_providers=limit)
    covered, cost = brute_force(units, setups, capacity, gap, days, budget, limit)
    assert chosen.covered_per_day == pytest.approx(covered, abs=1e-5)
    assert chosen.cost == pytest.approx(cost, rel=1e-6, abs=1e-3)
    assert chosen.missing_per_day == pytest.approx(gap - covered, abs=1e-5)
    if limit is not None:
        assert len(chosen.chosen) <= limit


def test_resim_providers_ranks_and_explains_for_the_quickstart(capsys):
    from pathlib import Path

    from resim.cli.main import main

    quickstart = str(Path(__file__).parents[1] / "scenarios" / "quickstart.yaml")
    assert main(["providers", quickstart, "--part", "pcba", "--at", "130"]) == 0
    out = capsys.readouterr().out
    # The Hsinchu SMT line is inside the earthquake's footprint on day 130; Monterrey lacks IPC-A-610.
    assert "1 inside the footprint of tw_earthquake" in out and "1 lacks IPC-A-610" in out
    ranked = [line.split()[1] for line in out.splitlines()[2:] if line.split() and line.split()[0].isdigit()]
    assert "smt_tw_1" not in ranked and "smt_mx_1" not in ranked and len(ranked) == 4
    assert main(["providers", quickstart, "--part", "pcba"]) == 0
    assert "smt_tw_1" in capsys.readouterr().out  # before the quake it is a candidate
    assert main(["providers", quickstart, "--part", "nothing"]) == 2
