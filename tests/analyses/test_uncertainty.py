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

import numpy as np
import pytest
import statsmodels.api as sm
from scipy import optimize, special, stats
from second_routes import garwood, wilson

from analysis.analyses.uncertainty import (
    ci_label,
    compare_rates,
    confidence_problems,
    count_interval,
    pooled,
    rate_interval,
    ratio_interval,
    share_interval,
    shown_interval,
    trend,
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

def test_comparison_p_value_is_scipys_exact_binomial_test_and_the_interval_maps_clopper_pearson():
    # 2013: 5 convictions against 350 victims; 2014: 5 against 270. Conditional on 10, y1 ~ Bin(10, 350 / 620).
    result = compare_rates((5, 5), 350, (5, 5), 270)
    assert result.p_value == pytest.approx(stats.binomtest(5, 10, 350 / 620).pvalue, rel=1e-9)
    ci = stats.binomtest(5, 10).proportion_ci(method="exact")
    assert (result.low,
            result.high) == pytest.approx((ci.low / (1 - ci.low) * 270 / 350, ci.high / (1 - ci.high) * 270 / 350),
                                          rel=1e-9)
    assert result.ratio == pytest.approx(((5 / 350) / (5 / 270),) * 2)
    assert not result.differs


def test_comparison_finds_a_large_difference():
    # 60 against 20 over equal exposure: the two-sided exact p is twice P(X >= 60 | Bin(80, 1/2)).
    result = compare_rates((60, 60), 1, (20, 20), 1)
    assert result.p_value == pytest.approx(2 * stats.binom.sf(59, 80, 0.5), rel=1e-9)
    assert result.differs and result.low > 1


def test_comparison_with_a_censored_count_takes_the_largest_p_value():
    result = compare_rates((12, 12), 1, (1, 4), 1)
    assert result.p_value == pytest.approx(max(stats.binomtest(12, 12 + k, 0.5).pvalue for k in range(1, 5)), rel=1e-9)
    assert result.ratio == pytest.approx((3.0, 12.0))


# --- a trend ---

YEARS = list(range(2007, 2023))


def test_trend_without_censoring_equals_statsmodels_poisson_glm():
    counts = [9, 6, 5, 8, 7, 8, 5, 8, 12, 16, 5, 13, 5, 6, 7, 9]
    fit = trend(YEARS, [(c, c) for c in counts])
    x = sm.add_constant(np.array(YEARS, float) - np.mean(YEARS))
    glm = sm.GLM(np.array(counts), x, family=sm.families.Poisson()).fit()
    b, se = glm.params[1], glm.bse[1]
    assert fit.model == "Poisson"
    assert fit.percent_a_year == pytest.approx(100 * math.expm1(b), abs=1e-3)
    assert (fit.low,
            fit.high) == pytest.approx((100 * math.expm1(b - 1.959964 * se), 100 * math.expm1(b + 1.959964 * se)),
                                       abs=1e-2)
    assert fit.dispersion == pytest.approx(glm.pearson_chi2 / glm.df_resid, rel=1e-4)
    assert fit.censored_years == ()


def test_trend_with_censored_years_maximises_the_censored_likelihood():
    # Counts 2007-2022 with four "<5" years and one not reported, shaped like Norway's persons convicted but within
    # Poisson's spread.
    counts = {2007: 9, 2008: None, 2009: 5, 2010: 8, 2011: None, 2012: 8, 2013: 5, 2014: 8, 2015: 9, 2016: 10, 2017: 5,
              2018: 9,
              2019: 5, 2020: None, 2022: None}
    bounds = [(math.nan, math.nan) if y not in counts else ((1, 4) if counts[y] is None else (counts[y], counts[y]))
              for y in YEARS]
    fit = trend(YEARS, bounds)
    assert fit.censored_years == (2008, 2011, 2020, 2022)
    assert 2021 not in fit.years

    # The same Poisson likelihood written out: log p(y) = y log mu - mu - log y!; a censored year adds log sum_{k=1..4}
    # p(k).
    x = np.array([y for y in YEARS if y in counts], float) - np.mean([y for y in YEARS if y in counts])
    ys = [counts[y] for y in YEARS if y in counts]

    def minus_loglike(theta):
        total = 0.0
        for xi, y in zip(x, ys, strict=True):
            mu = math.exp(theta[0] + theta[1] * xi)
            if y is None:
                total += math.log(sum(math.exp(k * math.log(mu) - mu - special.gammaln(k + 1)) for k in range(1, 5)))
            else:
                total += y * math.log(mu) - mu - special.gammaln(y + 1)
        return -total

    best = optimize.minimize(minus_loglike, [1.5, 0.0], method="Nelder-Mead",
                             options={"xatol": 1e-10, "fatol": 1e-12, "maxiter": 10000})
    poisson_slope_pct = 100 * math.expm1(best.x[1])
    # The dispersion check is over the exact years, from the Poisson fit.
    mean = np.exp(best.x[0] + best.x[1] * x)
    exact = [i for i, y in enumerate(ys) if y is not None]
    pearson = sum((ys[i] - mean[i]) ** 2 / mean[i] for i in exact)
    assert fit.dispersion == pytest.approx(pearson / (len(exact) - 2), rel=1e-3)
    assert fit.model == "Poisson"
    assert fit.percent_a_year == pytest.approx(poisson_slope_pct, abs=0.01)
    assert fit.low < fit.percent_a_year < fit.high


def test_overdispersed_series_moves_to_the_negative_binomial_as_statsmodels_fits_it():
    counts = [203, 256, 292, 127, 134, 136, 124, 324, 301, 262, 150, 106, 241, 254, 86, 86]
    fit = trend(YEARS, [(c, c) for c in counts])
    assert fit.dispersion > 10 and fit.dispersion_p < 0.05
    assert fit.model == "negative binomial"
    x = sm.add_constant(np.array(YEARS, float) - np.mean(YEARS))
    nb = sm.NegativeBinomial(np.array(counts), x, loglike_method="nb2").fit(disp=False, maxiter=500)
    b, se = nb.params[1], nb.bse[1]
    assert fit.percent_a_year == pytest.approx(100 * math.expm1(b), abs=0.05)
    assert (fit.low,
            fit.high) == pytest.approx((100 * math.expm1(b - 1.959964 * se), 100 * math.expm1(b + 1.959964 * se)),
                                       abs=0.1)


def test_trend_needs_three_years():
    with pytest.raises(ValueError, match="at least three years"):
        trend([2020, 2021, 2022], [(5, 5), NAN, (6, 6)])


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


def test_overdispersed_series_with_censored_years_maximises_the_censored_negative_binomial_likelihood():
    # Norway's persons convicted 2007-2022 as UNODC's 2025 release writes them: four "<5" years, 2021 not reported.
    counts = {2007: 9, 2008: None, 2009: 5, 2010: 8, 2011: None, 2012: 8, 2013: 5, 2014: 8, 2015: 12, 2016: 16, 2017: 5,
              2018: 13,
              2019: 5, 2020: None, 2022: None}
    bounds = [(math.nan, math.nan) if y not in counts else ((1, 4) if counts[y] is None else (counts[y], counts[y]))
              for y in YEARS]
    fit = trend(YEARS, bounds)
    assert fit.model == "negative binomial" and fit.dispersion_p < 0.05

    kept = [y for y in YEARS if y in counts]
    x = np.array(kept, float) - np.mean(kept)

    def nb_logpmf(k, mu, a):
        # NB2: variance mu + a mu^2; size r = 1 / a.
        r = 1 / a
        return (special.gammaln(k + r) - special.gammaln(r) - special.gammaln(k + 1)
                + r * math.log(r / (r + mu)) + k * math.log(mu / (r + mu)))

    def minus_loglike(theta):
        a = math.exp(theta[2])
        total = 0.0
        for xi, y in zip(x, (counts[y] for y in kept), strict=True):
            mu = math.exp(theta[0] + theta[1] * xi)
            total += (math.log(sum(math.exp(nb_logpmf(k, mu, a)) for k in range(1, 5))) if y is None
                      else nb_logpmf(y, mu, a))
        return -total

    best = optimize.minimize(minus_loglike, [2.0, 0.0, math.log(0.1)], method="Nelder-Mead",
                             options={"xatol": 1e-10, "fatol": 1e-12, "maxiter": 20000})
    assert fit.percent_a_year == pytest.approx(100 * math.expm1(best.x[1]), abs=0.05)


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
    assert result.p_value == pytest.approx(fisher_by_hand(68, 104, 1, 5), rel=1e-6)
    assert result.first == pytest.approx((68 / 104,) * 2)


@pytest.mark.slow
def test_share_comparison_with_censored_counts_takes_the_largest_p_value():
    from analysis.analyses.uncertainty import compare_shares
    result = compare_shares((20, 44), (77, 80), (742, 742), (2534, 2534))
    expected = max(fisher_by_hand(k, n, 742, 2534) for k in range(20, 45) for n in range(77, 81))
    assert result.p_value == pytest.approx(expected, rel=1e-6)
    assert result.first == pytest.approx((20 / 80, 44 / 77))
