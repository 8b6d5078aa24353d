"""The distribution notation (resim.core.dists), checked against scipy.stats and numpy draws."""

from __future__ import annotations

import math

import numpy as np
import pytest
from pydantic import BaseModel, ValidationError
from scipy import stats

from resim.core.dists import (NAMES, Constant, Discrete, Dist, NegativeBinomial, Normal, Poisson,
                         Triangular, nonnegative, parse_dist, whole_days)


class M(BaseModel):
    d: Dist


class Optional_(BaseModel):
    d: Dist | None = None
    many: list[Dist] = []


def _lognorm(mean: float, sd: float):
    sigma2 = math.log(1 + sd ** 2 / mean ** 2)
    return stats.lognorm(s=math.sqrt(sigma2), scale=math.exp(math.log(mean) - sigma2 / 2))


# (distribution as written, the equivalent scipy distribution, built independently)
CASES = [
    ("uniform(2, 10)", stats.uniform(loc=2, scale=8)),
    ("triangular(2, 3, 7)", stats.triang(c=(3 - 2) / (7 - 2), loc=2, scale=5)),
    ("triangular(0, 0, 4)", stats.triang(c=0, loc=0, scale=4)),
    ("normal(40, 8)", stats.norm(40, 8)),
    ("lognormal(30, 12)", _lognorm(30, 12)),
    ("gamma(40, 10)", stats.gamma(a=40 ** 2 / 10 ** 2, scale=10 ** 2 / 40)),
    ("exponential(7.5)", stats.expon(scale=7.5)),
    ("weibull(1.5, 100)", stats.weibull_min(c=1.5, scale=100)),
    ("beta(2, 5)", stats.beta(2, 5)),
    ("poisson(40)", stats.poisson(40)),
    ("negative_binomial(40, 10)", stats.nbinom(n=40 ** 2 / (100 - 40), p=40 / 100)),
    ({"dist": "discrete", "values": [1, 2, 5], "weights": [1, 2, 1]},
     stats.rv_discrete(values=([1, 2, 5], [0.25, 0.5, 0.25]))),
]
IDS = [c[0] if isinstance(c[0], str) else c[0]["dist"] for c in CASES]


def test_names_cover_every_distribution():
    assert NAMES == ("constant", "uniform", "triangular", "normal", "lognormal", "gamma",
                     "exponential", "weibull", "beta", "poisson", "negative_binomial", "discrete")
    assert {parse_dist(c[0]).dist for c in CASES} | {"constant"} == set(NAMES)


@pytest.mark.parametrize("written, ref", CASES, ids=IDS)
def test_mean_and_sd_equal_the_scipy_moments(written, ref):
    d = parse_dist(written)
    assert isinstance(d.mean, float) and isinstance(d.sd, float)
    assert d.mean == pytest.approx(ref.mean(), rel=1e-12)
    assert d.sd == pytest.approx(ref.std(), rel=1e-12)


@pytest.mark.parametrize("written, ref", CASES, ids=IDS)
def test_sample_moments_are_within_a_few_standard_errors(written, ref):
    n = 200_000
    x = parse_dist(written).sample(np.random.default_rng(20260101), n)
    assert isinstance(x, np.ndarray) and x.shape == (n,) and x.dtype == np.float64
    mean, var = ref.mean(), ref.var()
    assert abs(x.mean() - mean) < 5 * math.sqrt(var / n)
    # standard error of the sample variance: sigma² sqrt((excess kurtosis + 2) / n)
    se_var = var * math.sqrt((float(ref.stats(moments="k")) + 2) / n)
    assert abs(x.var(ddof=1) - var) < 5 * se_var
    # and the draws stay inside the support
    lo, hi = ref.support()
    assert x.min() >= lo and x.max() <= hi


def test_discrete_draws_follow_the_normalised_weights():
    d = parse_dist({"dist": "discrete", "values": [10, 20, 30], "weights": [2, 0, 6]})
    x = d.sample(np.random.default_rng(3), 100_000)
    assert set(np.unique(x)) == {10.0, 30.0}
    assert np.mean(x == 10) == pytest.approx(0.25, abs=0.01)
    assert d.probabilities.tolist() == [0.25, 0.0, 0.75]


def test_sample_without_size_is_a_float():
    rng = np.random.default_rng(1)
    for written, _ in CASES:
        assert type(parse_dist(written).sample(rng)) is float
    assert type(parse_dist(5).sample(rng)) is float


def test_integer_distributions_draw_whole_numbers():
    rng = np.random.default_rng(2)
    for written in ("poisson(3.5)", "negative_binomial(3, 4)"):
        x = parse_dist(written).sample(rng, 1000)
        assert np.all(x == np.round(x))


def test_constant_returns_its_value():
    d = parse_dist(5)
    rng = np.random.default_rng(0)
    assert d == Constant(value=5)
    assert (d.mean, d.sd) == (5.0, 0.0)
    assert d.sample(rng) == 5.0
    assert d.sample(rng, 4).tolist() == [5.0] * 4
    assert d.sample(rng, (2, 3)).shape == (2, 3)


def test_lognormal_sampling_uses_the_mean_and_sd_of_the_variable():
    d = parse_dist("lognormal(1460, 400)")
    mu, sigma = d.log_params
    assert sigma ** 2 == pytest.approx(math.log(1 + 400 ** 2 / 1460 ** 2))
    assert mu == pytest.approx(math.log(1460) - sigma ** 2 / 2)
    x = d.sample(np.random.default_rng(5), 200_000)
    assert np.median(x) == pytest.approx(math.exp(mu), rel=0.01)


@pytest.mark.parametrize("value", [5, 5.5, -3, 0, "5", " 2.5 ", "-1e3", np.float64(4), np.int64(7)])
def test_a_number_is_a_constant(value):
    d = M(d=value).d
    assert isinstance(d, Constant)
    assert d.value == float(value)


@pytest.mark.parametrize("written", [
    "poisson(40)", "normal(40, 8)", "triangular(2, 3, 7)", "uniform(0.5, 2.25)", "gamma(3, 1.5)",
    "lognormal(1460, 400)", "exponential(12)", "weibull(2, 30)", "beta(0.5, 0.5)",
    "negative_binomial(10, 4)", "normal(-2.5, 0)", "5", "-0.125", "constant(7)",
])
def test_compact_strings_round_trip(written):
    d = parse_dist(written)
    assert parse_dist(str(d)) == d
    expected = "7" if written == "constant(7)" else written
    assert str(d) == expected


def test_str_of_each_form():
    assert str(parse_dist("normal(40, 8)")) == "normal(40, 8)"
    assert str(parse_dist("normal( 40 ,8 )")) == "normal(40, 8)"
    assert str(parse_dist(5)) == "5"
    assert str(parse_dist(0.1)) == "0.1"
    assert str(parse_dist({"dist": "poisson", "mean": 40})) == "poisson(40)"
    assert str(parse_dist({"dist": "discrete", "values": [1, 2], "weights": [1, 3]})) == \
        "discrete(values=[1, 2], weights=[1, 3])"


def test_the_three_forms_agree():
    assert parse_dist("normal(40, 8)") == parse_dist({"dist": "normal", "mean": 40, "sd": 8}) \
        == Normal(mean=40, sd=8)
    assert parse_dist("triangular(2, 3, 7)") == Triangular(low=2, mode=3, high=7)
    assert parse_dist(parse_dist("poisson(4)")) == Poisson(mean=4)


def test_dist_works_as_optional_and_list_field_type():
    m = Optional_(d="poisson(3)", many=[1, "normal(1, 2)", {"dist": "beta", "a": 1, "b": 2}])
    assert isinstance(m.d, Poisson)
    assert [x.dist for x in m.many] == ["constant", "normal", "beta"]
    assert Optional_().d is None
    assert Optional_.model_validate(m.model_dump()) == m


def test_models_are_frozen_and_forbid_extra_fields():
    d = parse_dist("normal(1, 2)")
    with pytest.raises(ValidationError):
        d.sd = 3  # type: ignore[misc]
    assert hash(d) == hash(parse_dist("normal(1, 2)"))
    with pytest.raises(ValidationError, match="sdev"):
        M(d={"dist": "normal", "mean": 1, "sdev": 2})


def _error(value) -> str:
    with pytest.raises(ValidationError) as info:
        M(d=value)
    errors = info.value.errors()
    assert len(errors) == 1, errors
    return errors[0]["msg"]


EXPECTED = "expected one of constant, uniform, triangular, normal, lognormal, gamma"


@pytest.mark.parametrize("value, fragments", [
    ("xyz", ["cannot read 'xyz' as a distribution "
             "(expected e.g. poisson(40), normal(40, 8) or a number)"]),
    ("triangular(3, 5", ["cannot read 'triangular(3, 5' as a distribution"]),
    ("normal(40, eight)", ["cannot read 'normal(40, eight)' as a distribution"]),
    ("gauss(2, 1)", ["unknown distribution 'gauss' (", EXPECTED]),
    ("gama(40, 8)", ["unknown distribution 'gama' (", EXPECTED, ", did you mean 'gamma'?"]),
    ("posson(4)", ["unknown distribution 'posson'", "did you mean 'poisson'?"]),
    ("normal(40, 8, 2)", ["normal takes 2 arguments (mean, sd), got 3"]),
    ("poisson(4, 5)", ["poisson takes 1 argument (mean), got 2"]),
    ("triangular(1, 2)", ["triangular takes 3 arguments (low, mode, high), got 2"]),
    ("exponential()", ["exponential takes 1 argument (mean), got 0"]),
    ("discrete(1, 2)", ["discrete must be written as a mapping with values and weights"]),
    ({"mean": 40, "sd": 8}, [f"missing 'dist' ({EXPECTED}"]),
    ({"dist": "gauss", "mean": 1, "sd": 2}, ["unknown distribution 'gauss' (", EXPECTED]),
    ({"dist": "Normal", "mean": 1, "sd": 2}, ["did you mean 'normal'?"]),
    (True, ["cannot read True as a distribution"]),
    ([1, 2], ["cannot read [1, 2] as a distribution"]),
])
def test_notation_errors_are_readable(value, fragments):
    msg = _error(value)
    for fragment in fragments:
        assert fragment in msg


def test_no_hint_when_nothing_is_close():
    assert "did you mean" not in _error("zzzzzz(1)")


def test_compact_strings_are_never_evaluated():
    msg = _error("__import__('os').system('echo pwned')")
    assert "unknown distribution '__import__'" in msg
    assert "cannot read" in _error("1 + 2")


@pytest.mark.parametrize("value, fragment", [
    ("uniform(5, 5)", "uniform needs low < high"),
    ("uniform(6, 5)", "uniform needs low < high, got low=6, high=5"),
    ("triangular(2, 8, 7)", "triangular needs low <= mode <= high"),
    ("triangular(2, 1, 7)", "triangular needs low <= mode <= high"),
    ("triangular(3, 3, 3)", "low < high"),
    ("normal(40, -1)", "normal needs sd >= 0"),
    ("lognormal(0, 1)", "lognormal needs mean > 0"),
    ("lognormal(5, -1)", "sd >= 0"),
    ("gamma(-1, 2)", "gamma needs mean > 0 and sd > 0"),
    ("gamma(1, 0)", "gamma needs mean > 0 and sd > 0"),
    ("exponential(0)", "exponential needs mean > 0"),
    ("weibull(0, 3)", "weibull needs shape > 0 and scale > 0"),
    ("weibull(2, -3)", "weibull needs shape > 0 and scale > 0"),
    ("beta(0, 1)", "beta needs a > 0 and b > 0"),
    ("poisson(-1)", "poisson needs mean >= 0"),
    ("negative_binomial(40, 5)", "negative_binomial needs sd**2 > mean"),
    ("negative_binomial(4, 2)", "negative_binomial needs sd**2 > mean"),
    ("negative_binomial(0, 2)", "negative_binomial needs mean > 0"),
    ({"dist": "discrete", "values": [1, 2], "weights": [1]}, "as many weights as values"),
    ({"dist": "discrete", "values": [1, 2], "weights": [1, -1]}, "weights >= 0"),
    ({"dist": "discrete", "values": [1, 2], "weights": [0, 0]}, "positive sum"),
    ({"dist": "discrete", "values": [], "weights": []}, "at least one value"),
])
def test_parameter_ranges_are_checked(value, fragment):
    assert fragment in _error(value)


@pytest.mark.parametrize("value", ["nan", "inf", "normal(nan, 1)", "uniform(0, inf)"])
def test_non_finite_numbers_are_rejected(value):
    with pytest.raises(ValidationError, match="finite"):
        M(d=value)


def test_boundary_parameters_are_accepted():
    assert parse_dist("negative_binomial(4, 2.01)") == NegativeBinomial(mean=4, sd=2.01)
    assert parse_dist("triangular(3, 3, 5)").mean == pytest.approx(11 / 3)
    assert parse_dist("normal(3, 0)").sample(np.random.default_rng(0)) == 3.0
    assert parse_dist("poisson(0)").sample(np.random.default_rng(0)) == 0.0


@pytest.mark.parametrize("value, expected", [
    ("normal(40, 8)", False),
    ("normal(40, 0)", True),
    ("normal(-1, 0)", False),
    ("uniform(0, 3)", True),
    ("uniform(-1, 3)", False),
    ("triangular(0, 1, 2)", True),
    ("triangular(-2, 1, 2)", False),
    (5, True),
    (0, True),
    (-5, False),
    ("lognormal(3, 1)", True),
    ("gamma(3, 1)", True),
    ("exponential(3)", True),
    ("weibull(2, 3)", True),
    ("beta(2, 3)", True),
    ("poisson(3)", True),
    ("negative_binomial(3, 2)", True),
    ({"dist": "discrete", "values": [0, 2], "weights": [1, 1]}, True),
    ({"dist": "discrete", "values": [-1, 2], "weights": [1, 1]}, False),
    ({"dist": "discrete", "values": [-1, 2], "weights": [0, 1]}, True),
])
def test_nonnegative(value, expected):
    assert nonnegative(parse_dist(value)) is expected


def test_discrete_is_a_mapping_only_and_hashable():
    d = parse_dist({"dist": "discrete", "values": [1, 2, 3], "weights": [0.2, 0.5, 0.3]})
    assert isinstance(d, Discrete)
    assert d.mean == pytest.approx(2.1)
    assert hash(d) == hash(parse_dist(d.model_dump()))


def test_durations_must_not_be_negative_but_a_clear_normal_is_allowed():
    from pydantic import BaseModel, ValidationError

    from resim.core.dists import NonNegativeDist

    class Wait(BaseModel):
        days: NonNegativeDist

    assert Wait(days="normal(10, 3)").days.mean == 10          # 10 >= 3 x 3
    for bad in ("normal(10, 4)", "uniform(-1, 5)", -2):
        with pytest.raises(ValidationError, match="can take negative values"):
            Wait(days=bad)


def test_whole_days_rounds_to_the_nearest_day_between_1_and_most():
    days = whole_days([0.0, 0.4, 1.5, 2.5, 2.6, 9.0, 30.2], most=9)
    assert days.dtype == np.int64
    # 0 and 0.4 take a day at least; halves go to the even day (2, not 3 for 2.5); 30.2 stops at 9.
    assert days.tolist() == [1, 1, 2, 2, 3, 9, 9]
    assert whole_days([30.2, 4.5]).tolist() == [30, 4]     # no most: no upper bound
    assert whole_days(7.6, 5) == 5
