"""The reliability rules by kind, against NCHS's standard for proportions written out in the test's second route.

The package computes the Clopper-Pearson interval with scipy's exact binomial
interval; the second route (``second_routes.nchs_unreliable``) with
statsmodels' ``proportion_confint(method="beta")``, and applies the rule's
steps by hand.
"""

from __future__ import annotations

import math

import pytest
from second_routes import nchs_unreliable
from statsmodels.stats.proportion import proportion_confint

from analysis.analyses.reliability import proportion_unreliable, share_unreliable

NAN = (math.nan, math.nan)


def _width(k: int, n: int) -> float:
    low, high = proportion_confint(k, n, alpha=0.05, method="beta")
    return high - low


@pytest.mark.parametrize("n", [1, 5, 12, 29, 30, 31, 45, 60, 100, 150,
                               pytest.param(400, marks=pytest.mark.slow)])  # 401 exact intervals: a second or more
def test_every_proportion_follows_the_standard(n):
    for k in range(n + 1):
        expected = nchs_unreliable(k, n)
        assert proportion_unreliable(k, n) == expected, (k, n)
        assert share_unreliable((k, k), (n, n)) == expected, (k, n)


def test_each_step_of_the_rule():
    # 1. A sample under 30 is unreliable whatever the share: 1 of 5, 17 of 27 (KOM's police reports of 2023).
    assert proportion_unreliable(1, 5) and proportion_unreliable(17, 27) and proportion_unreliable(29, 29)
    # 2. An interval 0.30 wide or more: 15 of 30 runs 0.31-0.69.
    assert _width(15, 30) >= 0.30 and proportion_unreliable(15, 30)
    # 3. Between 0.05 and 0.30 wide, the relative width decides: 9 of 100 is 0.122 wide, 136 % of 0.09; 10 of 100 is
    # 0.127 wide, 127 % of 0.10.
    assert 0.05 < _width(9, 100) < 0.30 and _width(9, 100) / 0.09 > 1.30 and proportion_unreliable(9, 100)
    assert 0.05 < _width(10, 100) < 0.30 and _width(10, 100) / 0.10 <= 1.30 and not proportion_unreliable(10, 100)
    # An interval 0.05 wide or narrower passes whatever its relative width: 1 of 500 runs 0.0001-0.011.
    assert _width(1, 500) <= 0.05 and _width(1, 500) / (1 / 500) > 1.30 and not proportion_unreliable(1, 500)
    # A share of 0 has no relative width to speak of: unreliable unless its interval is 0.05 wide or less.
    assert proportion_unreliable(0, 30) and not proportion_unreliable(0, 2000)
    # 37 of 106 (KOM's police reports of 2014) and 68 of 104 (the TIP's labour investigations of 2014) pass.
    assert not proportion_unreliable(37, 106) and not proportion_unreliable(68, 104)


def test_a_censored_count_is_unreliable_if_it_is_for_any_value():
    # 1 to 4 of 100: each fails step 3 (4 of 100: 0.088 wide, 221 % of 0.04).
    assert share_unreliable((1, 4), (100, 100)) == any(nchs_unreliable(k, 100) for k in range(1, 5)) is True
    # 20 to 44 of 77 to 80 (UNODC's persons convicted for forced labour, pooled): reliable for every value.
    assert not any(nchs_unreliable(k, n) for k in range(20, 45) for n in range(77, 81))
    assert not share_unreliable((20, 44), (77, 80))
    # A "<5" whole is under 30 for every value; one value that fails is enough.
    assert share_unreliable((1, 1), (1, 4))
    assert share_unreliable((9, 10), (100, 100)) == (nchs_unreliable(9, 100) or nchs_unreliable(10, 100)) is True


def test_a_share_not_reported_is_not_marked_and_a_part_above_its_whole_is():
    assert not share_unreliable(NAN, (100, 100)) and not share_unreliable((3, 3), NAN)
    assert share_unreliable((80, 80), (50, 50))  # no value is a proportion
    with pytest.raises(ValueError, match="0 <= k <= n"):
        proportion_unreliable(6, 5)
