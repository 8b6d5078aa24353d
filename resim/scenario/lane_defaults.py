"""A lane's figures by its transport mode, where the file leaves them out: the lead time is the
mode's door-to-door days over the great-circle distance between its two sites, and
``cost_per_kg: mode`` the mode's freight rate per kg-km times that distance
(:data:`resim.core.transport.MODES`, each figure with its source; docs/format.md).

Filled in on the scenario's raw data before it is validated, as the hazard catalogue is, so a
dumped scenario holds the figures and reads back the same.
"""

from __future__ import annotations

from typing import Any

from resim.core.transport import MODES, door_to_door_days, lane_km

__all__ = ["fill_lane_defaults", "mode_fields"]


def fill_lane_defaults(data: dict) -> dict:
    """``data`` with each lane's omitted lead time and ``cost_per_kg: mode`` worked out from its
    mode and its two nodes; lanes naming an unknown node are left for the reference check."""
    lanes, nodes = data.get("lanes"), data.get("nodes")
    if not isinstance(lanes, (list, tuple)) or not isinstance(nodes, (list, tuple)):
        return data
    sites = {_get(n, "id"): n for n in nodes if isinstance(_get(n, "id"), str)}
    filled = [_filled(lane, sites) for lane in lanes]
    return {**data, "lanes": filled} if any(a is not b for a, b in zip(filled, lanes)) else data


def _filled(lane: Any, sites: dict[str, Any]) -> Any:
    if not isinstance(lane, dict):
        if not hasattr(lane, "model_dump"):
            return lane
        lane = lane.model_dump(by_alias=True, exclude_unset=True)  # a Lane built in Python
    mode, wanted = _text(lane.get("mode", "road")), mode_fields(lane)
    source, dest = sites.get(_text(lane.get("from"))), sites.get(_text(lane.get("to")))
    if mode not in MODES or not wanted or source is None or dest is None:
        return lane
    country, region = _get(source, "country"), _get(source, "region")
    km = lane_km(_number(source, "lat"), _number(source, "lon"), _number(dest, "lat"), _number(dest, "lon"),
                 country is not None and country == _get(dest, "country"),
                 region is not None and region == _get(dest, "region"))
    lane = dict(lane)
    if "lead_time_days" in wanted:
        lane["lead_time_days"] = door_to_door_days(mode, km)
    if "cost_per_kg" in wanted:
        lane["cost_per_kg"] = round(MODES[mode].freight_per_kg_km * km, 6)
    return lane


def mode_fields(lane: dict) -> tuple[str, ...]:
    """The fields of a lane (as a file gives it) that its mode fills in: ``lead_time_days`` when
    left out, ``cost_per_kg`` when it says ``mode``."""
    return (("lead_time_days",) if lane.get("lead_time_days") is None else ()) + \
        (("cost_per_kg",) if lane.get("cost_per_kg") == "mode" else ())


def _text(value: Any) -> str | None:
    """``value`` when it is text, else None: a hostile file's list or mapping where an id belongs
    is left for validation to report, not looked up."""
    return value if isinstance(value, str) else None


def _get(item: Any, key: str) -> Any:
    return item.get(key) if isinstance(item, dict) else getattr(item, key, None)


def _number(item: Any, key: str) -> float | None:
    """A coordinate as a number of degrees, None when it is not one (validation says why)."""
    value = _get(item, key)
    if not isinstance(value, (int, float)) or isinstance(value, bool) or not abs(value) <= 180:
        return None   # text, NaN, out of range
    return float(value)
