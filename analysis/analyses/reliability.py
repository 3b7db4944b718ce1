"""Whether a number is reliable enough to be read on its own: the rule depends on the kind of number.

- **A share** (a part of a whole: labour's share of the convictions): the
  US National Center for Health Statistics' *Data Presentation Standards for
  Proportions* (Parker JD, Talih M, Malec DJ, et al. Vital Health Stat 2(175),
  2017, https://www.cdc.gov/nchs/data/series/sr_02/sr02_175.pdf), as NCHS's own
  package applies them (CDCgov/surveytable, ``R/z_lpe.R``). A proportion is
  unreliable when

  1. its effective sample size is under 30 (with simple counts, as here, the whole ``n``); or
  2. the absolute width of its 95 % Clopper-Pearson interval is 0.30 or more; or
  3. that width is over 0.05 and under 0.30 and the relative width (width / p) is over 130 %.

  A width of 0.05 or less passes whatever its relative width. The standard's
  further steps are reviews, not suppressions, and are not applied here: the
  complement's relative width (a footnote), the degrees of freedom of a
  complex survey (none here), and proportions of 0 or 1 (left to a reviewer;
  here a proportion of 0 has an infinite relative width, so it is unreliable
  unless its interval is 0.05 wide or less). The rule is the standard's at
  95 %, whatever level the intervals are shown at.
- **A count, a rate or a ratio of two counts**: fewer than
  :data:`~.uncertainty.RELIABLE_EVENTS` (20) events, the ONS and NCHS rule for
  counts and rates (:func:`.uncertainty.unreliable`).

A count written "<5" may take any value from 1 to 4: a number built on it is
unreliable if it is unreliable for any of the values.
"""

from __future__ import annotations

import functools
import itertools
import math

import scipy

from .uncertainty import Bounds

#: Rule 1: a proportion on a smaller (effective) sample is unreliable.
MIN_SAMPLE = 30
#: A Clopper-Pearson interval this wide or narrower passes (rule 3 does not apply).
NARROW = 0.05
#: Rule 2: an interval this wide or wider is unreliable.
WIDE = 0.30
#: Rule 3: between the two widths, a relative width (width / p) above this is unreliable.
MAX_RELATIVE_WIDTH = 1.30
#: The level of the Clopper-Pearson interval the standard's widths are set for.
LEVEL = 0.95
#: The rule in words, said once wherever shares are judged (the words templates' ``share_rule_words``).
SHARE_RULE_WORDS = (f"Shares are judged instead by NCHS's standard for proportions (Parker et al. 2017): a share is "
                    f"unreliable on a whole under {MIN_SAMPLE}, or when its {LEVEL:.0%} Clopper-Pearson interval is "
                    f"{WIDE:.2f} wide or more, or wider than {NARROW:.2f} and more than {MAX_RELATIVE_WIDTH:.0%} of "
                    "the share.")


@functools.cache
def proportion_unreliable(k: int, n: int) -> bool:
    """Whether ``k`` of ``n`` is unreliable by NCHS's standard for proportions (see the module's docstring).

    The Clopper-Pearson interval is scipy's exact binomial interval at :data:`LEVEL`.
    """
    if not 0 <= k <= n:
        raise ValueError(f"a proportion needs 0 <= k <= n; got {k} of {n}")
    if n < MIN_SAMPLE:
        return True
    interval = scipy.stats.binomtest(k, n).proportion_ci(confidence_level=LEVEL, method="exact")
    width = interval.high - interval.low
    if width <= NARROW:
        return False
    if width >= WIDE:
        return True
    return k == 0 or width / (k / n) > MAX_RELATIVE_WIDTH


def share_unreliable(part: Bounds, whole: Bounds) -> bool:
    """Whether ``part / whole`` is unreliable for any of the values the bounds allow (a "<5" is 1 to 4).

    False when either count is not reported (there is no share to mark). A
    whole that may be under :data:`MIN_SAMPLE` is unreliable whatever the part;
    a part that exceeds the whole for every value (a share the data cap at 1)
    is no proportion, so it is unreliable too.
    """
    (p_low, p_high), (w_low, w_high) = part, whole
    if any(math.isnan(v) for v in (p_low, p_high, w_low, w_high)):
        return False
    if w_low < MIN_SAMPLE:
        return True
    parts, wholes = range(int(p_low), int(p_high) + 1), range(int(w_low), int(w_high) + 1)
    pairs = [(k, n) for k, n in itertools.product(parts, wholes) if k <= n]
    return not pairs or any(proportion_unreliable(k, n) for k, n in pairs)
