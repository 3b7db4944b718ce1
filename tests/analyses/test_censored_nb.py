"""The censored negative binomial likelihood, computed with scipy's unchecked functions, equals the public ones'."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats
from statsmodels.tools.numdiff import approx_fprime

from analysis.analyses.censored_nb import CountModel


def public_loglike(low, high, exog, exposure, groups, params) -> float:
    """The same likelihood through ``stats.nbinom.logpmf`` and ``.cdf``, which check their arguments."""
    k = exog.shape[1]
    mean = np.exp(exog @ params[:k] + np.log(exposure))
    size = np.exp(-params[k:][groups])
    prob = size / (size + mean)
    exact = low == high
    total = float(np.sum(stats.nbinom.logpmf(low[exact], size[exact], prob[exact])))
    c = ~exact
    inside = stats.nbinom.cdf(high[c], size[c], prob[c]) - stats.nbinom.cdf(low[c] - 1, size[c], prob[c])
    return total + float(np.sum(np.log(np.clip(inside, 1e-300, None))))


@pytest.mark.parametrize("seed", range(5))
def test_the_likelihood_equals_scipys_public_one_bit_for_bit(seed):
    rng = np.random.default_rng(seed)
    low = np.array([0, 3, 17, 250, 1, 1, 0, 40], float)
    high = np.array([0, 3, 17, 250, 4, 4, 4, 40], float)  # two "<5", one "0-4" whose cdf(-1) is 0
    exog = np.column_stack([np.ones(8), np.r_[np.zeros(4), np.ones(4)]])
    exposure = rng.uniform(0.5, 2e6, 8)
    groups = np.r_[np.zeros(4, int), np.ones(4, int)]
    model = CountModel(low, high, exog, exposure, groups)
    for _ in range(20):
        params = np.r_[rng.normal(-8, 4), rng.normal(0, 2), rng.uniform(-12, 5, 2)]
        assert model.loglike(params) == public_loglike(low, high, exog, exposure, groups, params)



@pytest.mark.parametrize("seed", range(5))
def test_the_score_is_the_likelihoods_slope_taken_by_finite_differences(seed):
    """Away from the clip a vanishing censored probability gets (where the finite differences see a flat likelihood)."""
    rng = np.random.default_rng(seed)
    low = np.array([0, 3, 17, 250, 1, 1, 0, 40], float)
    high = np.array([0, 3, 17, 250, 4, 4, 4, 40], float)
    exog = np.column_stack([np.ones(8), np.r_[np.zeros(4), np.ones(4)]])
    exposure = rng.uniform(0.5, 2e6, 8)
    groups = np.r_[np.zeros(4, int), np.ones(4, int)]
    model = CountModel(low, high, exog, exposure, groups)
    checked = 0
    while checked < 20:
        params = np.r_[rng.normal(-8, 4), rng.normal(0, 2), rng.uniform(-12, 5, 2)]
        if model.loglike(params) <= -600:  # a censored probability may be at its clip of 1e-300
            continue
        slope = approx_fprime(params, lambda p: public_loglike(low, high, exog, exposure, groups, p), centered=True)
        np.testing.assert_allclose(model.score(params), slope, rtol=1e-5, atol=1e-5 * np.max(np.abs(slope)))
        checked += 1


def test_bounds_spanning_too_many_values_leave_the_gradient_to_finite_differences():
    low, high = np.array([3.0, 0.0]), np.array([3.0, 20_000.0])
    model = CountModel(low, high, np.ones((2, 1)))
    assert model.score(np.array([1.0, -1.0])) is None
    params, loglike = model.fit()
    assert loglike == pytest.approx(model.loglike(params))
