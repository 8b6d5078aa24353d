"""Numbers as people read them: money with its currency and thousands separators, whole units,
shares as percentages, days; never e-notation. Used by the terminal, the report and the
sentences of the recommendation, so one number reads the same everywhere."""

from __future__ import annotations

import math

__all__ = ["money", "units", "share", "days", "signed_money", "interval", "metric_value", "plain"]


def _missing(value: float) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def money(value: float, currency: str = "") -> str:
    """``EUR 1,234,567`` (rounded to the unit; ``-EUR 1,234`` when negative); ``–`` for NaN."""
    if _missing(value):
        return "–"
    if math.isinf(value):
        return f"{'-' if value < 0 else ''}{currency + ' ' if currency else ''}inf"
    text = f"{abs(value):,.0f}"
    sign = "-" if round(value) < 0 else ""
    return f"{sign}{currency} {text}" if currency else f"{sign}{text}"


def signed_money(value: float, currency: str = "") -> str:
    """Money with an explicit sign: ``+EUR 1,234`` or ``-EUR 1,234``."""
    text = money(value, currency)
    return text if text.startswith(("-", "–")) else "+" + text


def plain(value: float) -> str:
    """A number for a table without a known unit: thousands separators, at most three decimals
    below 100, never e-notation."""
    if _missing(value):
        return "–"
    if abs(value) >= 100:
        return f"{value:,.0f}"
    return f"{value:,.3f}".rstrip("0").rstrip(".") or "0"


def units(value: float) -> str:
    """Units with thousands separators: whole numbers without decimals, others with one."""
    if _missing(value):
        return "–"
    return f"{value:,.0f}" if abs(value - round(value)) < 0.05 or abs(value) >= 100 else f"{value:,.1f}"


def share(value: float, digits: int = 1) -> str:
    """A share as a percentage: ``92.5 %``."""
    if _missing(value):
        return "–"
    return f"{100 * value:.{digits}f} %"


def days(value: float) -> str:
    """Days to the whole day; ``not reached`` for NaN (a quantile the curve never got to)."""
    if _missing(value):
        return "not reached"
    return f"{value:,.0f} days" if value != 1 else "1 day"


def interval(low: float, high: float, form=units) -> str:
    """``low to high`` with the given formatter; ``–`` when either bound is missing."""
    if _missing(low) or _missing(high):
        return "–"
    return f"{form(low)} to {form(high)}"


_SHARES = ("fill_rate", "recovered", "resilience_index", "baseline", "reman_share_critical", "dipped_share",
           "recovered_share", "best_share")
_MONEY = ("cost", "revenue", "profit", "regret", "stock_change")


def metric_value(metric: str, value: float, currency: str = "") -> str:
    """``value`` formatted for the kind of ``metric`` its name says: a share, money, days or units."""
    if metric in _SHARES:
        return share(value)
    if metric.startswith(_MONEY) or metric.endswith(_MONEY):
        return money(value, currency)
    if metric.endswith("_days"):
        return days(value)
    return units(value)
