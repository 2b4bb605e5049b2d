"""The base measure μ of statistics.md section 1, and its inverse.

An integer n stands for the cell [n, n+1) of a continuous count t weighted by dt/(1+t), i.e. uniform
on log(1+t).  So μ([a, b]) = ln((b+2)/(a+1)) telescopes, and a density that is constant with respect
to μ on [a, b] has closed-form masses and quantiles: this is what makes the fusion exact and
grid-free.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

# Raw quantile positions are computed in floats; a position that is an integer in exact arithmetic
# must not be rounded up to the next one (statistics.md section 3.2).
COUNT_TOLERANCE = 1e-9


def mu(low: NDArray[np.int64], high: NDArray[np.int64]) -> NDArray[np.float64]:
    """μ([low, high]) elementwise, for integer intervals with 0 ≤ low ≤ high."""
    # log1p of the relative width, not ln((b+2)/(a+1)): at a count of 10⁶ the quotient is 1 + 10⁻⁶
    # and its rounding would cost an atom ~10⁻¹⁰ of its measure.
    width = (high - low + 1).astype(np.float64)
    return np.log1p(width / (low + 1))


def first_reaching(
    low: NDArray[np.int64], high: NDArray[np.int64], measure: NDArray[np.float64]
) -> NDArray[np.int64]:
    """The smallest n in [low, high] with μ([low, n]) ≥ measure, elementwise.

    μ([low, n]) = ln((n+2)/(low+1)) ≥ x  ⇔  n ≥ (low+1)·eˣ − 2; the result is clipped to the
    interval, so a measure beyond the interval's own gives ``high``.
    """
    raw = (low + 1) * np.exp(measure) - 2.0 - COUNT_TOLERANCE
    result: NDArray[np.int64] = np.clip(np.ceil(raw), low, high).astype(np.int64)
    return result
