"""The negative binomial (NB2) likelihood of counts that may be censored, with its fit and profile intervals.

The model every pooled rate, comparison and trend of :mod:`~analysis.analyses.count_models` is computed with (that
module says why and how): an exact count enters the likelihood by its probability, a "<5" by the probability of its
bounds; alpha, the overdispersion, is kept within :data:`LOG_ALPHA_BOUNDS` on the log scale.
"""

from __future__ import annotations

import math

import numpy as np
import scipy

from .count_intervals import Bounds

#: The bounds of log(alpha) (alpha: the negative binomial's overdispersion).
LOG_ALPHA_BOUNDS = (-12.0, 5.0)

# The likelihood calls scipy.stats.nbinom's ``_logpmf`` and ``_cdf``, the functions its public ``logpmf`` and ``cdf``
# compute with once they have checked and broadcast their arguments: those checks cost about 60 microseconds a call on
# a dozen values, four fifths of a fit, and the arguments are valid by construction here (whole counts of at least 0,
# size > 0, 0 <= prob <= 1). tests/analyses/test_censored_nb.py holds the likelihood equal, bit for bit, to one
# computed with the public methods, so that a scipy release that changes them is caught. scipy's submodules are
# reached as attributes of ``scipy``, which imports each at its first use: a process that only checks parameter
# values (the runner's) does not pay for them.


#: The most values the censored counts' bounds may span together for :meth:`CountModel.score` to sum over them (a
#: "<5" spans 4 or 5); beyond, the fit takes its gradient by finite differences.
_MOST_VALUES_SUMMED = 10_000


def _nb_score(y, mean, size):
    """The derivatives of the NB2 log-probability of ``y`` with respect to log(mean) and to size."""
    return ((y - mean) * size / (size + mean),
            scipy.special.digamma(y + size) - scipy.special.digamma(size) - np.log1p(mean / size)
            + (mean - y) / (size + mean))


class CountModel:
    """A negative binomial (NB2) log-linear model of counts known to lie in [low, high], with exposures.

    Args:
        low, high: Each row's bounds: equal for an exact count, (1, 4) for a "<5".
        exog: The design matrix (a column of ones first).
        exposure: Each row's exposure (inhabitants, or 1); the mean is ``exposure * exp(exog @ b)``.
        groups: Each row's dispersion group (0, 1, ...): one alpha per group.
    """

    def __init__(self, low, high, exog, exposure=None, groups=None):
        self.low, self.high = np.asarray(low, float), np.asarray(high, float)
        self.exog = np.asarray(exog, float)
        rows = len(self.low)
        self.offset = np.log(np.ones(rows) if exposure is None else np.asarray(exposure, float))
        self.groups = np.zeros(rows, int) if groups is None else np.asarray(groups, int)
        self.k_exog, self.k_groups = self.exog.shape[1], int(self.groups.max()) + 1
        self.exact = self.low == self.high
        if np.any(self.low > self.high) or np.any(self.low < 0):
            raise ValueError("each count's bounds must be 0 <= low <= high")
        self.censored = ~self.exact
        self._counts = self.low[self.exact]
        # a censored count's probability is cdf(high) - cdf(low - 1); cdf(-1) is 0 (scipy's _cdf gives NaN there)
        self._highs, self._below = self.high[self.censored], np.maximum(self.low[self.censored] - 1, 0)
        self._from_zero = self.low[self.censored] == 0
        # the score of a censored count sums over the values its bounds allow: each such value, and its row
        spans = self.high[self.censored] - self.low[self.censored] + 1
        self._spanned = np.all(np.isfinite(spans)) and np.sum(spans) <= _MOST_VALUES_SUMMED
        if self._spanned:
            self._values = np.concatenate([np.arange(lo, hi + 1) for lo, hi in
                                           zip(self.low[self.censored], self.high[self.censored], strict=True)]
                                          + [np.zeros(0)])
            self._value_row = np.repeat(np.arange(int(self.censored.sum())), spans.astype(int))

    def loglike(self, params) -> float:
        """The log-likelihood at ``params``: the coefficients, then one log(alpha) per group."""
        params = np.asarray(params, float)
        mean = np.exp(self.exog @ params[: self.k_exog] + self.offset)
        size = np.exp(-params[self.k_exog:][self.groups])
        prob = size / (size + mean)
        e, c = self.exact, self.censored
        with np.errstate(divide="ignore", invalid="ignore"):  # a prob of 0 gives -inf, which the fit steps away from
            total = float(np.sum(scipy.stats.nbinom._logpmf(self._counts, size[e], prob[e]))) if e.any() else 0.0
            if c.any():
                below = np.where(self._from_zero, 0.0, scipy.stats.nbinom._cdf(self._below, size[c], prob[c]))
                inside = scipy.stats.nbinom._cdf(self._highs, size[c], prob[c]) - below
                total += float(np.sum(np.log(np.clip(inside, 1e-300, None))))
        return total

    def score(self, params) -> np.ndarray | None:
        """The gradient of :meth:`loglike` at ``params``, or None where a censored count's bounds span too many values.

        For an exact count y of mean m and size r = 1/alpha, d/d(log m) = (y - m) r / (r + m) and
        d/dr = digamma(y + r) - digamma(r) - log(1 + m/r) + (m - y) / (r + m), with d/d(log alpha) = -r d/dr. A
        censored count's probability is the sum of those of the values between its bounds, so its gradient is theirs
        weighted by each value's probability.
        """
        if not self._spanned:
            return None
        params = np.asarray(params, float)
        mean = np.exp(self.exog @ params[: self.k_exog] + self.offset)
        size = np.exp(-params[self.k_exog:][self.groups])
        by_mean, by_size = np.zeros(len(mean)), np.zeros(len(mean))
        e, c = self.exact, self.censored
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            by_mean[e], by_size[e] = _nb_score(self._counts, mean[e], size[e])
            if c.any():
                row = self._value_row
                m, r = mean[c][row], size[c][row]
                log_p = scipy.stats.nbinom._logpmf(self._values, r, r / (r + m))
                weight = np.exp(log_p - np.maximum.reduceat(log_p, np.r_[0, np.flatnonzero(np.diff(row)) + 1])[row])
                d_mean, d_size = _nb_score(self._values, m, r)
                total = np.bincount(row, weight)
                by_mean[c] = np.bincount(row, weight * d_mean) / total
                by_size[c] = np.bincount(row, weight * d_size) / total
        return np.concatenate([self.exog.T @ by_mean,
                               np.bincount(self.groups, -size * by_size, minlength=self.k_groups)])

    def _start(self) -> np.ndarray:
        middle = np.maximum((self.low + self.high) / 2, 0.5)
        first = math.log(np.sum(middle) / np.sum(np.exp(self.offset)))
        return np.concatenate([[first], np.zeros(self.k_exog - 1), np.full(self.k_groups, math.log(0.1))])

    def fit(self, fixed: dict[int, float] | None = None, start=None) -> tuple[np.ndarray, float]:
        """The maximum-likelihood parameters and log-likelihood, the parameters in ``fixed`` held at their values."""
        fixed = fixed or {}
        start = self._start() if start is None else np.asarray(start, float)
        free = [i for i in range(len(start)) if i not in fixed]
        bounds = [(None, None) if i < self.k_exog else LOG_ALPHA_BOUNDS for i in free]

        def full(values):
            params = start.copy()
            params[free] = values
            for i, v in fixed.items():
                params[i] = v
            return params

        def minus(values):
            value = -self.loglike(full(values))
            return value if math.isfinite(value) else 1e300

        def minus_score(values):
            score = self.score(full(values))[free]
            return np.where(np.isfinite(score), -score, 0.0)

        x0 = np.clip(start[free], [b[0] if b[0] is not None else -np.inf for b in bounds],
                     [b[1] if b[1] is not None else np.inf for b in bounds])
        found = scipy.optimize.minimize(minus, x0, jac=minus_score if self._spanned else None, method="L-BFGS-B",
                                  bounds=bounds, options={"maxiter": 2000, "ftol": 1e-12, "gtol": 1e-7})
        return full(found.x), -float(found.fun)

    def profile_interval(self, index: int, params: np.ndarray, loglike: float, confidence: float) -> Bounds:
        """The profile-likelihood interval of parameter ``index`` at ``confidence``, from the fit (params, loglike).

        Each end is found to 1e-5 on the log scale (a thousandth of a percent of the rate or ratio).
        """
        limit = scipy.stats.chi2.ppf(confidence, 1) / 2
        best = float(params[index])
        step = self.standard_error(index, params)
        step = 0.5 if not math.isfinite(step) else max(step, 0.05)
        last = {"params": params}

        def drop(value: float) -> float:
            fitted, value_loglike = self.fit({index: value}, start=last["params"])
            last["params"] = fitted
            return loglike - value_loglike - limit

        ends = []
        for sign in (-1, 1):
            far = best + sign * step
            while drop(far) < 0:
                step *= 2
                far = best + sign * step
                if step > 50:
                    ends.append(sign * math.inf)
                    break
            else:
                ends.append(scipy.optimize.brentq(drop, *sorted((best, far)), xtol=1e-5))
            last["params"] = params
        return float(ends[0]), float(ends[1])

    def standard_error(self, index: int, params: np.ndarray) -> float:
        """The standard error of coefficient ``index`` from the observed information, alpha included in the matrix."""
        from statsmodels.tools.numdiff import approx_hess

        at_bound = [i for i in range(self.k_exog, len(params)) if params[i] <= LOG_ALPHA_BOUNDS[0] + 1e-6]
        keep = [i for i in range(len(params)) if i not in at_bound]

        def loglike(values):
            full = params.copy()
            full[keep] = values
            return self.loglike(full)

        hessian = approx_hess(params[keep], loglike)
        try:
            covariance = np.linalg.inv(-hessian)
        except np.linalg.LinAlgError:
            return math.nan
        variance = covariance[keep.index(index), keep.index(index)]
        return math.sqrt(variance) if variance > 0 else math.nan


def counted_rows(counts, exposures=None):
    """The rows with a count (bounds not NaN), as arrays: low, high, exposure, and their positions."""
    counts = list(counts)
    exposures = [1.0] * len(counts) if exposures is None else list(exposures)
    kept = [i for i, (lo, hi) in enumerate(counts) if not (math.isnan(lo) or math.isnan(hi))]
    low = np.array([counts[i][0] for i in kept], float)
    high = np.array([counts[i][1] for i in kept], float)
    return low, high, np.array([exposures[i] for i in kept], float), kept
