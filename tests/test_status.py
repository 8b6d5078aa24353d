"""The status vocabularies (resim.sim.status): members are their strings, in tables and on disk."""

from __future__ import annotations

import io

import pandas as pd

from resim.sim.status import ACTED, AGREED, NONE_ASKED, ActionStatus, Answer, EventKind


def test_the_vocabularies_are_the_documented_strings():
    # docs/strategies.md lists these as the status column of orchestrations.csv.
    assert [str(s) for s in ActionStatus] == ["accepted", "countered", "declined", "refused", "too late",
                                              "no components", "no candidate", "destination down", "active",
                                              "ended", "fired"]
    assert [str(a) for a in Answer] == ["accepted", "countered", "declined"]
    assert all(ActionStatus(a) == a for a in Answer)  # every answer is also an action's status
    assert [str(k) for k in EventKind] == ["start", "end"]  # a disruption event's `what`


def test_groups():
    assert AGREED == ("accepted", "countered")
    assert ACTED == ("accepted", "countered", "active")
    assert NONE_ASKED == ("no candidate", "destination down")


def test_a_table_writes_and_compares_the_strings():
    statuses = [ActionStatus.ACCEPTED, ActionStatus.NO_CANDIDATE, Answer.DECLINED, ActionStatus.TOO_LATE]
    frame = pd.DataFrame({"status": statuses, "note": ["", "", "", ""]})
    plain = frame.assign(status=[str.__str__(s) for s in statuses])
    assert frame.to_csv(index=False) == plain.to_csv(index=False) == (
        "status,note\naccepted,\nno candidate,\ndeclined,\ntoo late,\n")
    assert f"{ActionStatus.TOO_LATE}" == "too late"
    back = pd.read_csv(io.StringIO(frame.to_csv(index=False)))  # plain strings, as a results folder loads them
    assert back.status.isin(NONE_ASKED).tolist() == frame.status.isin(NONE_ASKED).tolist() == [False, True,
                                                                                               False, False]
    assert back.status.isin(AGREED).tolist() == [True, False, False, False]
