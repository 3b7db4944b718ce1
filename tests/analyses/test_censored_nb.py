"""The censored negative binomial likelihood, computed with scipy's unchecked functions, equals the public ones'."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

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

