"""Numbers as people read them (resim.core.formatting): no e-notation, currency and separators."""

from __future__ import annotations

import math
import re

from hypothesis import given
from hypothesis import strategies as st

from resim.core.formatting import days, metric_value, money, plain, share, signed_money


def test_money_has_currency_and_thousands_separators():
    # Issue 18: a money column printed 1.074e+07 beside 2,053.
    assert money(10_740_000.4, "EUR") == "EUR 10,740,000"
    assert money(-1234.6, "EUR") == "-EUR 1,235"
    assert signed_money(1500, "USD") == "+USD 1,500" and signed_money(-2, "USD") == "-USD 2"
    assert money(math.nan, "EUR") == "–"


def test_shares_days_and_metric_kinds():
    assert share(0.9254) == "92.5 %" and share(1.0, 0) == "100 %"
    assert days(146.0) == "146 days" and days(math.nan) == "not reached"
    assert metric_value("fill_rate", 0.5) == "50.0 %"
    assert metric_value("cost_total", 2_053.2, "EUR") == "EUR 2,053"
    assert metric_value("recovery_time_days", 12) == "12 days"
    assert metric_value("shortfall_units", 10_840) == "10,840"


@given(st.floats(-1e15, 1e15, allow_nan=False))
def test_no_formatter_prints_e_notation(value):
    for text in (money(value, "EUR"), plain(value), metric_value("shortfall_units", value),
                 metric_value("profit", value, "EUR")):
        assert not re.search(r"\de[+-]\d", text), text


def test_plain_keeps_three_decimals_below_a_hundred():
    assert plain(0.12345) == "0.123" and plain(29.41176) == "29.412" and plain(5.0) == "5"
    assert plain(8547.9) == "8,548"
    assert plain(0.0) == "0" and plain(-0.5) == "-0.5"
