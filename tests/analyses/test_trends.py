"""The negative binomial trend (:mod:`analysis.analyses.trends`), against statsmodels and a likelihood written out.

statsmodels' negative binomial (NB2) regression where no count is censored, and the censored likelihood written out
with scipy.special and maximised by scipy.optimize where some are.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import statsmodels.api as sm
from scipy import optimize, stats
from second_routes import nb_logpmf

from analysis.analyses.count_models import trend

YEARS = list(range(2007, 2023))
#: Norway's detected victims 2007-2022 as UNODC writes them, 2017 given a stand-in value.
DETECTED = [203, 256, 292, 127, 134, 136, 124, 324, 301, 262, 150, 106, 241, 254, 86, 86]


def test_trend_without_censoring_is_statsmodels_negative_binomial_and_its_detectable_change_follows_its_error():
    fit = trend(YEARS, [(c, c) for c in DETECTED])
    x = sm.add_constant(np.array(YEARS, float) - np.mean(YEARS))
    nb = sm.NegativeBinomial(np.array(DETECTED), x, loglike_method="nb2").fit(disp=False, maxiter=500)
    assert fit.percent_a_year == pytest.approx(100 * math.expm1(nb.params[1]), abs=0.02)
    assert fit.alpha == pytest.approx(nb.params[2], rel=1e-3)
    z = stats.norm.ppf(0.975) + stats.norm.ppf(0.8)
    assert fit.detectable_change == pytest.approx(100 * math.expm1(z * nb.bse[1]), rel=0.02)
    # Likelihood-ratio test of no slope, against statsmodels' fit without the year.
    flat = sm.NegativeBinomial(np.array(DETECTED), x[:, :1], loglike_method="nb2").fit(disp=False, maxiter=500)
    assert fit.p_value == pytest.approx(stats.chi2.sf(2 * (nb.llf - flat.llf), 1), rel=1e-2)
    assert fit.detectable == (fit.p_value < 0.05)


def test_trend_is_always_the_negative_binomial_even_where_counts_look_poisson():
    counts = [9, 6, 5, 8, 7, 8, 5, 8, 12, 16, 5, 13, 5, 6, 7, 9]
    fit = trend(YEARS, [(c, c) for c in counts])
    assert fit.model.startswith("negative binomial")
    assert fit.low < fit.percent_a_year < fit.high


@pytest.mark.slow
def test_trend_with_a_break_lets_the_level_shift_and_refuses_a_break_outside_the_years():
    counts = [5] * 8 + [15] * 8
    flat = trend(YEARS, [(c, c) for c in counts])
    shifted = trend(YEARS, [(c, c) for c in counts], break_year=2015)
    assert flat.percent_a_year > 5  # a step read as a slope
    assert shifted.percent_a_year == pytest.approx(0, abs=0.5)
    with pytest.raises(ValueError, match="break year 2030 must fall inside"):
        trend(YEARS, [(c, c) for c in counts], break_year=2030)


def test_trend_with_censored_years_maximises_the_censored_negative_binomial_likelihood_written_out():
    # Norway's persons convicted 2007-2022 as UNODC's 2025 release writes them: four "<5" years, 2021 not reported.
    counts = {2007: 9, 2008: None, 2009: 5, 2010: 8, 2011: None, 2012: 8, 2013: 5, 2014: 8, 2015: 12, 2016: 16,
              2017: 5, 2018: 13, 2019: 5, 2020: None, 2022: None}
    bounds = [(math.nan, math.nan) if y not in counts else ((1, 4) if counts[y] is None else (counts[y], counts[y]))
              for y in YEARS]
    fit = trend(YEARS, bounds)
    assert fit.censored_years == (2008, 2011, 2020, 2022) and 2021 not in fit.years
    kept = [y for y in YEARS if y in counts]
    x = np.array(kept, float) - np.mean(kept)

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
    assert fit.alpha == pytest.approx(math.exp(best.x[2]), rel=0.02)


def test_trend_needs_three_years():
    with pytest.raises(ValueError, match="at least three years"):
        trend([2020, 2021, 2022], [(5, 5), (math.nan, math.nan), (6, 6)])
