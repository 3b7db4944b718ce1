"""The intervals for chance, each against a value worked out by hand or by a second route.

The package computes Garwood intervals with statsmodels' ``confint_poisson``,
ratios and comparisons through its Clopper-Pearson interval, shares through
its Wilson interval, trends with a censored likelihood of scipy.stats'
distributions. The tests reach the same numbers another way: the chi-square
form of the Poisson interval, closed forms, scipy's binomial test,
statsmodels' GLM and negative binomial models, and a likelihood written out
here and maximised with scipy.optimize.
"""

from __future__ import annotations

import math

import pytest
from scipy import stats
from second_routes import central_p, garwood, wilson

from analysis.analyses.uncertainty import (
    DIFFERS,
    NOT_DETECTED,
    UNDETERMINED,
    ci_label,
    compare_rates,
    confidence_problems,
    count_interval,
    pooled,
    rate_interval,
    ratio_interval,
    share_interval,
    shown_interval,
    unreliable,
)

NAN = (math.nan, math.nan)


# --- a count ---

def test_count_of_five_matches_the_published_example_and_the_chi_square_form():
    low, high = count_interval((5, 5))
    assert (round(low, 2), round(high, 2)) == (1.62, 11.67)
    assert (low, high) == pytest.approx(garwood(5), rel=1e-9)


@pytest.mark.parametrize("n", [1, 2, 8, 16, 324])
@pytest.mark.parametrize("confidence", [0.9, 0.95, 0.99])
def test_count_interval_equals_the_chi_square_form(n, confidence):
    assert count_interval((n, n), confidence) == pytest.approx(garwood(n, confidence), rel=1e-9)


def test_count_of_zero_runs_from_zero_to_minus_log_of_half_alpha():
    # P(0 | mu) = exp(-mu) = 0.025 at the upper end.
    assert count_interval((0, 0)) == pytest.approx((0.0, -math.log(0.025)), abs=1e-9)


def test_censored_count_spans_every_value_it_may_take():
    # The lower end is 1's: exp(-mu) (1 + ...) -> for n = 1, P(X >= 1) = 1 - exp(-mu) = 0.025; the upper end is 4's.
    low, high = count_interval((1, 4))
    assert low == pytest.approx(-math.log(1 - 0.025), rel=1e-9)
    assert high == pytest.approx(garwood(4)[1], rel=1e-9)
    assert count_interval(NAN) == pytest.approx(NAN, nan_ok=True)


def test_rate_per_inhabitant_divides_the_count_interval():
    # Norway 2014: 324 detected victims, 5,137,232 inhabitants, per 100,000.
    low, high = rate_interval((324, 324), 5_137_232, per=100_000)
    g_low, g_high = garwood(324)
    assert (low, high) == pytest.approx((g_low / 5_137_232 * 1e5, g_high / 5_137_232 * 1e5), rel=1e-9)
    assert low < 324 / 5_137_232 * 1e5 < high
    with pytest.raises(ValueError, match="exposure must be positive"):
        rate_interval((3, 3), 0)


# --- a ratio of two counts ---

def test_ratio_matches_the_published_example_and_scipys_exact_binomial_interval():
    low, high = ratio_interval((324, 324), (8, 8))
    assert (round(low, 1), round(high, 1)) == (20.3, 94.6)
    ci = stats.binomtest(324, 332).proportion_ci(confidence_level=0.95, method="exact")
    assert (low, high) == pytest.approx((ci.low / (1 - ci.low), ci.high / (1 - ci.high)), rel=1e-9)


def test_ratio_over_a_zero_denominator_has_no_upper_end():
    # With y2 = 0 the Clopper-Pearson lower end for p = y1 / (y1 + 0) is (a/2)^(1/y1).
    low, high = ratio_interval((5, 5), (0, 0))
    p = 0.025 ** (1 / 5)
    assert low == pytest.approx(p / (1 - p), rel=1e-9)
    assert math.isinf(high)


def test_ratio_with_a_censored_denominator_is_the_union_over_one_to_four():
    # 80 victims against "<5" convicted: the lower end is 80 / 4's, the upper end 80 / 1's.
    low, high = ratio_interval((80, 80), (1, 4))
    assert low == pytest.approx(ratio_interval((80, 80), (4, 4))[0])
    assert high == pytest.approx(ratio_interval((80, 80), (1, 1))[1])
    assert ratio_interval((80, 80), NAN) == pytest.approx(NAN, nan_ok=True)


# --- a share ---

@pytest.mark.parametrize(("k", "n"), [(1, 5), (68, 104), (0, 8), (3, 16)])
def test_share_is_wilsons_closed_form(k, n):
    assert share_interval((k, k), (n, n)) == pytest.approx(wilson(k, n), abs=1e-12)


def test_share_of_one_reaches_one_and_its_lower_end_is_n_over_n_plus_z_squared():
    z2 = stats.norm.ppf(0.975) ** 2
    low, high = share_interval((5, 5), (5, 5))
    assert high == pytest.approx(1.0)
    assert low == pytest.approx(5 / (5 + z2), rel=1e-9)


def test_censored_part_of_a_censored_whole_keeps_part_at_most_whole():
    # "<5" of "<5": pairs (1..4, 1..4) with part <= whole; 1 of 4 gives the lowest lower end, k of k the top.
    low, high = share_interval((1, 4), (1, 4))
    assert low == pytest.approx(wilson(1, 4)[0])
    assert high == pytest.approx(1.0)


# --- pooled over years, with a censored year ---

def test_pooled_counts_add_bounds_and_the_interval_spans_the_sum():
    years = [(8, 8), (1, 4), (5, 5)]
    assert pooled(years) == (14.0, 17.0)
    low, high = count_interval(pooled(years))
    assert (low, high) == pytest.approx((garwood(14)[0], garwood(17)[1]), rel=1e-9)
    assert math.isnan(pooled([(8, 8), NAN])[0])


def test_unreliable_below_twenty_events():
    assert unreliable((19, 19), (300, 300))
    assert unreliable((1, 4))
    assert not unreliable((20, 20), (324, 324))
    assert not unreliable(NAN)
    assert not unreliable(NAN, (5, 5))  # a count not reported: no value to mark


# --- two years or two countries compared ---

def test_comparison_p_value_is_the_central_exact_test_and_the_interval_maps_clopper_pearson():
    # 2013: 5 convictions against 350 victims; 2014: 5 against 270. Conditional on 10, y1 ~ Bin(10, 350 / 620): the
    # central test doubles the smaller one-sided tail (scipy's two-sided binomtest is "minlike", another test).
    result = compare_rates((5, 5), 350, (5, 5), 270)
    tails = (stats.binomtest(5, 10, 350 / 620, alternative="less").pvalue,
             stats.binomtest(5, 10, 350 / 620, alternative="greater").pvalue)
    assert result.p_range == pytest.approx((2 * min(tails),) * 2, rel=1e-9)
    assert result.p_value == pytest.approx(central_p(5, 350, 5, 270), rel=1e-9)
    assert result.p_value != pytest.approx(stats.binomtest(5, 10, 350 / 620).pvalue, rel=1e-3)  # not the minlike p
    ci = stats.binomtest(5, 10).proportion_ci(method="exact")
    assert (result.low,
            result.high) == pytest.approx((ci.low / (1 - ci.low) * 270 / 350, ci.high / (1 - ci.high) * 270 / 350),
                                          rel=1e-9)
    assert result.ratio == pytest.approx(((5 / 350) / (5 / 270),) * 2)
    assert result.verdict == NOT_DETECTED == "no difference detected"


def test_comparison_finds_a_large_difference():
    # 60 against 20 over equal exposure: the two-sided exact p is twice P(X >= 60 | Bin(80, 1/2)).
    result = compare_rates((60, 60), 1, (20, 20), 1)
    assert result.p_range == pytest.approx((2 * stats.binom.sf(59, 80, 0.5),) * 2, rel=1e-9)
    assert result.verdict == DIFFERS == "differs" and result.low > 1


def _binomial_tail(n: int, at_least: int) -> float:
    """P(X >= at_least) for X ~ Bin(n, 1/2), summed from the binomial coefficients."""
    return sum(math.comb(n, x) for x in range(at_least, n + 1)) / 2 ** n


def test_comparison_with_a_censored_count_gives_the_range_of_p_values_and_the_censoring_decides():
    # 12 against a "<5" (1 to 4) over equal exposure. Given 12 + k, the central p is twice P(X >= 12 | Bin(12 + k, 1/2))
    # (the upper tail is the smaller): k = 1 gives 2 (1 + 13) / 2^13 = 0.0034, k = 4 gives 2 * 2517 / 2^16 = 0.077.
    result = compare_rates((12, 12), 1, (1, 4), 1)
    by_hand = [2 * _binomial_tail(12 + k, 12) for k in range(1, 5)]
    assert by_hand[0] == pytest.approx(28 / 8192) and by_hand[3] == pytest.approx(2 * 2517 / 65536)
    assert result.p_range == pytest.approx((min(by_hand), max(by_hand)), rel=1e-9)
    assert result.p_value == pytest.approx(max(by_hand), rel=1e-9)
    assert min(by_hand) < 0.05 <= max(by_hand) and result.verdict == UNDETERMINED == "undetermined"
    assert result.ratio == pytest.approx((3.0, 12.0))


def test_comparison_of_counts_not_reported_has_no_verdict():
    result = compare_rates(NAN, 1, (3, 3), 1)
    assert result.verdict is None and all(math.isnan(v) for v in result.p_range)


@pytest.mark.parametrize("confidence", [0.9, 0.95, 0.99])
def test_comparison_test_and_interval_always_agree(confidence):
    """Over a grid of counts and exposures: p < alpha exactly when a rate ratio of 1 lies outside the interval."""
    alpha = 1 - confidence
    checked = 0
    for y1 in range(0, 31, 3):
        for y2 in range(0, 31, 2):
            for exposure1, exposure2 in [(1, 1), (350, 270), (2.5, 10), (1_000, 37)]:
                result = compare_rates((y1, y1), exposure1, (y2, y2), exposure2, confidence)
                assert result.p_value == pytest.approx(central_p(y1, exposure1, y2, exposure2) if y1 + y2 else 1.0)
                outside = not result.low <= 1 <= result.high
                assert (result.p_value < alpha) == outside, (y1, exposure1, y2, exposure2, result)
                checked += outside
    assert checked > 50  # the grid holds many differences, not only agreements on "no difference"


# --- the confidence level ---

@pytest.mark.parametrize("bad", [0, 1, 1.5, -0.1, True, "0.95", None, math.nan])
def test_confidence_outside_zero_one_is_refused_with_its_name(bad):
    problems = confidence_problems("confidence", bad)
    assert problems and ("confidence must be a "
                         "number strictly between 0 and 1") in problems[0] and repr(bad) in problems[0]
    with pytest.raises(ValueError, match="strictly between 0 and 1"):
        count_interval((5, 5), bad)


def test_labels():
    assert ci_label(0.95) == "95% CI" and ci_label(0.995) == "99.5% CI"
    assert shown_interval((20.31, 94.61)) == "20-95"
    assert shown_interval((0.0362, 0.6245), percent=True) == "4-62%"
    assert shown_interval((0.92, math.inf)) == "at least 1"
    assert shown_interval(NAN) == "n/a"


def fisher_by_hand(k1, n1, k2, n2):
    """Two-sided Fisher: the hypergeometric probabilities no larger than the observed table's, summed."""
    total, parts = n1 + n2, k1 + k2
    dist = stats.hypergeom(total, parts, n1)
    observed = dist.pmf(k1)
    return sum(dist.pmf(k)
               for k in range(max(0, parts - n2), min(parts, n1) + 1) if dist.pmf(k) <= observed * (1 + 1e-7))


def test_share_comparison_is_fishers_exact_test():
    from analysis.analyses.uncertainty import compare_shares
    # 2014: labour 68 of 104 investigations against 1 of 5 convictions.
    result = compare_shares((68, 68), (104, 104), (1, 1), (5, 5))
    expected = fisher_by_hand(68, 104, 1, 5)
    assert result.p_range == pytest.approx((expected, expected), rel=1e-6)
    assert expected == pytest.approx(stats.fisher_exact([[68, 36], [1, 4]]).pvalue, rel=1e-9)
    assert result.first == pytest.approx((68 / 104,) * 2)
    assert expected >= 0.05 and result.verdict == NOT_DETECTED


@pytest.mark.slow
def test_share_comparison_with_censored_counts_gives_the_range_of_p_values():
    from analysis.analyses.uncertainty import compare_shares
    result = compare_shares((20, 44), (77, 80), (742, 742), (2534, 2534))
    every = [fisher_by_hand(k, n, 742, 2534) for k in range(20, 45) for n in range(77, 81)]
    assert result.p_range == pytest.approx((min(every), max(every)), rel=1e-6)
    assert result.p_value == pytest.approx(max(every), rel=1e-6)
    assert min(every) < 0.05 <= max(every) and result.verdict == UNDETERMINED
    assert result.first == pytest.approx((20 / 80, 44 / 77))


def test_share_comparison_where_every_value_differs():
    from analysis.analyses.uncertainty import compare_shares
    # 1 to 4 of 40 against 30 of 40: Fisher's p is below 0.05 for each of the four values.
    result = compare_shares((1, 4), (40, 40), (30, 30), (40, 40))
    every = [stats.fisher_exact([[k, 40 - k], [30, 10]]).pvalue for k in range(1, 5)]
    assert result.p_range == pytest.approx((min(every), max(every)), rel=1e-9)
    assert max(every) < 0.05 and result.verdict == DIFFERS
