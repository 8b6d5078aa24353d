"""Scenario discovery with the Exploratory Modelling Workbench: PRIM finds what breaks service."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from resim.assess.workbench import parameter_name, workbench_model
from tests.chains import hand_chain

pytestmark = pytest.mark.slow  # simulations, subprocesses or real faults: the full suite only

warnings.filterwarnings("ignore", message=".*ipyparallel.*")


def test_parameter_names_are_identifiers():
    assert parameter_name("disruptions[0].duration_days") == "disruptions_0_duration_days"
    assert parameter_name("lanes[sA->plant].share") == "lanes_sA_plant_share"


def test_prim_finds_that_long_outages_break_service():
    import ema_workbench
    from ema_workbench.analysis import prim

    # The supplier of A fails on day 20 for 5 to 60 days; the plant's 200 A and the DC's 30 P
    # bridge about ten days, so short outages pass and long ones break the 90 % service target
    # (each day beyond the bridge costs 10 units of 1,200 demanded on time).
    scenario = hand_chain(horizon=120, a_level=200).replace(disruptions=[
        {"id": "out", "type": "supplier_failure", "nodes": ["sA"], "onset_day": 20, "duration_days": 5}])
    model = workbench_model(scenario, uncertainties={"disruptions[out].duration_days": (5, 60),
                                                     "demand[0].shortage_penalty_per_unit": (0.0, 50.0)},
                            replications=1, outcomes=("fill_rate", "cost_total"))
    np.random.seed(2)  # the workbench's Latin hypercube draws from NumPy's global generator
    experiments, outcomes = ema_workbench.perform_experiments(model, scenarios=40)
    duration = experiments["disruptions_out_duration_days"].to_numpy()
    broken = outcomes["fill_rate"] < 0.9
    assert 0 < broken.sum() < len(broken)
    # Fill rate falls with the outage's length, whatever the penalty (which changes only costs).
    assert np.corrcoef(duration, outcomes["fill_rate"])[0, 1] < -0.9
    box = prim.Prim(experiments[["disruptions_out_duration_days", "demand_0_shortage_penalty_per_unit"]],
                    broken, threshold=0.8).find_box()
    limits = box.box_lims[-1]
    shortest_broken = duration[broken].min()
    # PRIM's box starts where outages begin to break service, and leaves the penalty unrestricted.
    assert limits["disruptions_out_duration_days"].iloc[0] == pytest.approx(shortest_broken, abs=3)
    assert limits["demand_0_shortage_penalty_per_unit"].iloc[0] <= experiments[
        "demand_0_shortage_penalty_per_unit"].min() + 1e-9
