"""The warnings of a valid scenario: what has no effect, chiefly disruptions that cannot start
inside the horizon (and the follow-ups they take along)."""

from __future__ import annotations

from collections import defaultdict
from typing import TYPE_CHECKING, Any

from resim.scenario.checks_references import Finding

if TYPE_CHECKING:
    from resim.scenario import Scenario

__all__ = ["check_warnings", "earliest_onsets"]


def _day(value: float) -> int:
    """A drawn day as the simulation rounds it (see resim.sim.disruptions.sample_occurrences)."""
    return max(int(round(float(value))), 0)


def _lowest(dist: Any) -> float:
    """The smallest value a (non-negative) distribution can take."""
    kind = dist.dist
    if kind == "constant":
        return dist.value
    if kind in ("uniform", "triangular"):
        return dist.low
    if kind == "normal" and dist.sd == 0:
        return dist.mean
    if kind == "discrete":
        return min(v for v, w in zip(dist.values, dist.weights) if w > 0)
    return 0.0  # the others reach 0 (a normal is clipped there)


def earliest_onsets(sc: "Scenario") -> dict[str, int | None]:
    """The earliest day each disruption can start in a replication, whatever the horizon
    (None: never). A follow-up (named by ``then``) starts only after its predecessor ends: at the
    earliest, the predecessor's earliest start plus its shortest duration (at least a day) plus
    the follow-up's own shortest ``onset_day`` (0 with ``annual_probability``)."""
    by_id = {d.id: d for d in sc.disruptions}
    preceding: dict[str, list] = defaultdict(list)
    for d in sc.disruptions:
        if d.then is not None:
            preceding[d.then].append(d)
    earliest: dict[str, int | None] = {}

    def start(d) -> int | None:
        if d.id in earliest:
            return earliest[d.id]
        earliest[d.id] = None  # a loop (an error, reported elsewhere) never starts
        if d.id not in preceding:
            if d.onset_day is not None:
                day = _day(_lowest(d.onset_day))
            elif d.rate_per_year is not None:  # a hazard's first event may come on day 0
                day = 0
            else:
                day = 0 if d.annual_probability > 0 else None
        else:
            days = [follow for before in preceding[d.id]
                    if (follow := _follow_start(before, d, start(before))) is not None]
            day = min(days, default=None)
        earliest[d.id] = day
        return day

    for d in by_id.values():
        start(d)
    return earliest


def _end(before, begins: int | None) -> int | None:
    """The earliest day ``before`` ends when it starts on ``begins`` (None: never, or for good)."""
    if begins is None or before.duration_days is None:
        return None
    return begins + max(_day(_lowest(before.duration_days)), 1)


def _follow_start(before, after, begins: int | None) -> int | None:
    end = _end(before, begins)
    if end is None:
        return None
    if after.annual_probability is not None:
        return end if after.annual_probability > 0 else None
    return end + _day(_lowest(after.onset_day))


def check_warnings(sc: "Scenario") -> list[Finding]:
    """What is valid but has no effect: a disruption that cannot start inside the horizon (a
    fixed or earliest onset at or after ``horizon_days``, an ``annual_probability`` of 0, a
    follow-up that can only start after the horizon or after a predecessor that lasts for good),
    and ``metrics.reference`` naming such a disruption."""
    horizon = sc.horizon_days
    bound = f"the horizon ({horizon} days, the last is day {horizon - 1})"
    earliest = earliest_onsets(sc)
    happens = {name for name, day in earliest.items() if day is not None and day < horizon}
    by_id = {d.id: d for d in sc.disruptions}
    if happens:
        effect = "so it changes no result"
    else:
        # proactive actions act from day 0, whether or not anything happens
        standing = sorted({a for s in sc.strategies for a in s.actions if a.proactive})
        effect = ("so every strategy gives the same result" if not standing else
                  f"so strategies differ only by their standing measures ({', '.join(standing)})")

    def never(d, subject: str = "it") -> str:
        """'it never happens', with the follow-ups it takes along, and what that means."""
        gone, follow = [], d.then
        while follow in by_id and follow not in happens and follow not in gone and follow != d.id:
            gone.append(follow)
            follow = by_id[follow].then
        names = ", ".join(f"'{g}'" for g in gone)
        also = f", nor its follow-up{'s' if len(gone) > 1 else ''} {names}" if gone else ""
        return f"{subject} never happens{also}, {effect}"

    found: list[Finding] = []
    followers = {d.then for d in sc.disruptions if d.then is not None}
    for i, d in enumerate(sc.disruptions):
        if d.id in happens:
            continue
        if d.id not in followers:
            if d.annual_probability is not None:
                found.append((("disruptions", i, "annual_probability"),
                              f"a chance of 0: {never(d)} (expected above 0)"))
            elif d.onset_day.dist == "constant":
                found.append((("disruptions", i, "onset_day"),
                              f"day {d.onset_day} is after {bound}: {never(d)}"))
            else:
                found.append((("disruptions", i, "onset_day"),
                              f"{d.onset_day} starts on day {earliest[d.id]} at the earliest, "
                              f"after {bound}: {never(d)}"))
            continue
        before = next((b for b in sc.disruptions if b.then == d.id and b.id in happens), None)
        if before is None:
            continue  # no predecessor happens: their warnings name this follow-up
        j = sc.disruptions.index(before)
        end = _end(before, earliest[before.id])
        if end is None:
            found.append((("disruptions", j, "then"),
                          f"'{before.id}' lasts for good (no duration_days) and its follow-up "
                          f"'{d.id}' starts only when it ends: {never(d, repr(d.id))}"))
        elif d.annual_probability is not None and d.annual_probability == 0:
            found.append((("disruptions", i, "annual_probability"),
                          f"a chance of 0 that it follows '{before.id}': {never(d)} (expected above 0)"))
        else:
            delay = f", then onset_day {d.onset_day} of '{d.id}'" if d.onset_day is not None else ""
            found.append((("disruptions", j, "then"),
                          f"follow-up '{d.id}' starts on day {earliest[d.id]} at the earliest "
                          f"('{before.id}' ends on day {end} at the earliest{delay}), after {bound}: "
                          f"{never(d, repr(d.id))}"))
    reference = sc.metrics.reference
    if reference in by_id and reference not in happens:
        found.append((("metrics", "reference"),
                      f"disruption '{reference}' never happens inside {bound}, so the recovery "
                      "metrics of every strategy see no disruption: recovery time 0, no dip "
                      f"(expected a disruption that can start by day {horizon - 1})"))
    return found
