"""Checks that every sentence of a recommendation is true of the table printed beside it.

Each reason and warning must match one of the known sentence forms; the numbers it quotes are
compared with the comparison table, and what it claims (highest, costs more, recovers sooner) is
recomputed here from the replications."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from resim.experiment.comparison import Comparison
from resim.core.formatting import days, money, share, signed_money


def _paired(replications: pd.DataFrame, a: str, b: str, column: str) -> np.ndarray:
    wide = replications.pivot(index="replication", columns="strategy", values=column)
    return (wide[a] - wide[b]).to_numpy()


def check_sentences(comparison: Comparison, replications: pd.DataFrame, currency: str = "") -> None:
    """Assert that each reason and warning of ``comparison`` states what its table shows."""
    table = comparison.table.set_index("strategy")
    name = comparison.recommended
    candidates = table[~table.status.str.startswith("identical")]
    for reason in comparison.reasons:
        if m := re.fullmatch(r"(\S+) has the highest mean profit: (.+) \(revenue - total cost \+ stock change\)", reason):
            assert m[1] == name and table.loc[name, "profit"] == candidates.profit.max()
            assert m[2] == money(table.loc[name, "profit"], currency)
        elif m := re.fullmatch(r"its profit exceeds that of the runner-up, (\S+), by (.+) on average "
                               r"\(\d+% interval of the paired difference: (.+) to (.+)\)", reason):
            runner = m[1]
            assert runner == candidates.drop(index=name).profit.idxmax()
            assert m[2] == money(_paired(replications, name, runner, "profit").mean(), currency)
        elif m := re.fullmatch(r"its service fell below the failure level in (.+) of the replications and had "
                               r"recovered by the end of the horizon in (.+); median time to recover (.+) "
                               r"\(Kaplan-Meier, 0 when service never fell\), restricted mean (.+)", reason):
            row = table.loc[name]
            mine = replications[replications.strategy == name]
            assert m[1] == share(mine.time_to_impact_days.notna().mean(), 0) == share(row.dipped_share, 0)
            assert m[2] == share(mine.recovered.mean(), 0) == share(row.recovered_share, 0)
            assert m[3] == days(row.recovery_median_days)
            assert m[4] == days(row.recovery_restricted_mean_days)
        elif m := re.fullmatch(r"it (costs more than|costs less than|costs the same as) none: total cost (.+) "
                               r"per run on average \(\d+% interval (.+) to (.+)\)", reason):
            diff = _paired(replications, name, "none", "cost_total").mean()
            # The claim compares the column it names: total cost, not profit.
            more = table.loc[name, "cost_total"] - table.loc["none", "cost_total"]
            expected = "costs more than" if diff > 0 else "costs less than" if diff < 0 else "costs the same as"
            assert m[1] == expected and np.sign(more) == np.sign(diff)
            assert m[2] == signed_money(diff, currency) == signed_money(table.loc[name, "cost_response"], currency)
        elif m := re.fullmatch(r"it was the most profitable strategy in (.+) of the replications", reason):
            profit = replications.pivot(index="replication", columns="strategy", values="profit")
            best = (profit[name] >= profit.max(axis=1) - 1e-9).mean()
            assert m[1] == share(best, 0) == share(table.loc[name, "best_share"], 0)
        elif m := re.fullmatch(r"it recovers sooner \(restricted mean time to recover\) and has a higher mean "
                               r"profit than (.+)", reason):
            for other in m[1].split(", "):
                assert table.loc[other, "recovery_restricted_mean_days"] > table.loc[name, "recovery_restricted_mean_days"]
                assert table.loc[other, "profit"] < table.loc[name, "profit"]
        else:
            raise AssertionError(f"a sentence no check knows: {reason!r}")
    for warning in comparison.warnings:
        if m := re.fullmatch(r"(\S+) and (\S+) cannot be told apart on profit with (\d+) replications \(paired "
                             r"difference (.+), \d+% interval (.+) to (.+)\)(; .*)?", warning):
            diff = _paired(replications, m[1], m[2], "profit")
            assert m[1] == name and int(m[3]) == len(diff)
            assert m[4] == money(diff.mean(), currency)
            low = float(m[5].replace(currency, "").replace(",", "").replace(" ", ""))
            assert low <= 0  # the interval does not exclude 0: the two are not told apart
        elif warning.startswith(("every strategy gave the same results", "only one strategy was run")):
            assert name is None
        elif m := re.fullmatch(r"only (\d+) replications: the intervals rest on few values and the advice may "
                               r"change with more \(run \d+ or more\)", warning):
            assert int(m[1]) == replications.replication.nunique() < 10
        else:
            raise AssertionError(f"a warning no check knows: {warning!r}")
