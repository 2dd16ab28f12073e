"""How concentrated a portfolio is, and what losing one customer would do to it.

Pure numpy: the callers pass one value per customer (revenue, gross margin, ...) and get floats or arrays
back. A negative value (an account that credited more than it invoiced) carries no weight: it is counted as
zero, so shares stay between 0 and 1 and always add up to 1 when anything was sold.

Terms:
- share: a customer's part of the total, 0..1.
- Pareto curve: customers sorted from largest to smallest; x is the share of customers so far, y the share
  of the total they bring.
- HHI (Herfindahl-Hirschman index): the sum of the squared percentage shares, 0..10,000. 10,000 is one
  customer holding everything; n equal customers give 10,000 / n.
- normalised HHI: the HHI rescaled to 0..1 for the number of customers n: (H/10,000 - 1/n) / (1 - 1/n).
  0 is a perfectly even spread, 1 is everything at one customer.
"""

from dataclasses import dataclass
from math import ceil

import numpy as np

FULL_SCALE = 10_000.0  # HHI of a single customer holding 100 %
TOP_FRACTION = 0.2


def weights(values) -> np.ndarray:
    """The values as non-negative floats: negatives and NaN count as zero."""
    array = np.asarray(values, dtype=float)
    return np.where(np.isnan(array) | (array < 0), 0.0, array)


def shares(values, axis: int = -1) -> np.ndarray:
    """Each value's part of the total along ``axis``; all zeros where the total is zero."""
    w = weights(values)
    total = w.sum(axis=axis, keepdims=True)
    return np.divide(w, total, out=np.zeros_like(w), where=total > 0)


@dataclass(frozen=True)
class ParetoCurve:
    order: np.ndarray  # indices of the input, largest value first (ties keep the input order)
    account_share: np.ndarray  # (k + 1) / n for the k-th largest
    cumulative_share: np.ndarray  # share of the total brought by the k + 1 largest


def pareto_curve(values) -> ParetoCurve:
    w = weights(values)
    order = np.argsort(-w, kind="stable")
    n = len(w)
    cumulative = np.cumsum(shares(w)[order])
    return ParetoCurve(
        order=order, account_share=np.arange(1, n + 1) / n if n else np.zeros(0), cumulative_share=cumulative
    )


def top_count(count: int, fraction: float = TOP_FRACTION) -> int:
    """How many customers "the top 20 %" of ``count`` customers are: rounded up, at least one."""
    if count <= 0:
        return 0
    return max(1, min(count, ceil(count * fraction - 1e-9)))


def top_n_share(values, n: int) -> float:
    """Share of the total brought by the ``n`` largest customers."""
    s = np.sort(shares(values))[::-1]
    return float(s[: max(n, 0)].sum())


def top_fraction_share(values, fraction: float = TOP_FRACTION) -> float:
    """Share of the total brought by the largest ``fraction`` of the customers (top 20 % by default)."""
    return top_n_share(values, top_count(len(np.atleast_1d(values)), fraction))


def hhi(values, axis: int = -1):
    """Herfindahl-Hirschman index along ``axis``: 0 when nothing was sold, else 10,000 / n .. 10,000."""
    s = shares(values, axis=axis)
    result = FULL_SCALE * np.square(s).sum(axis=axis)
    return float(result) if np.ndim(result) == 0 else result


def normalised_hhi(values, axis: int = -1):
    """The HHI rescaled to 0..1 for the number of customers that sold anything."""
    w = weights(values)
    return _normalise(np.asarray(hhi(w, axis=axis)), (w > 0).sum(axis=axis))


def _normalise(index: np.ndarray, count: np.ndarray):
    """(H/10,000 - 1/n) / (1 - 1/n); 1 for a single customer, 0 for none."""
    count = np.asarray(count, dtype=float)
    floor = np.divide(1.0, count, out=np.zeros_like(count), where=count > 0)
    spread = 1.0 - floor
    result = np.divide(index / FULL_SCALE - floor, spread, out=np.zeros_like(spread), where=spread > 0)
    result = np.where(count == 1, 1.0, result)
    result = np.clip(result, 0.0, 1.0)
    return float(result) if np.ndim(result) == 0 else result


def shares_without(values, index: int) -> np.ndarray:
    """Everyone's share once customer ``index`` is gone (theirs is zero)."""
    w = weights(values).copy()
    w[index] = 0.0
    return shares(w)


@dataclass(frozen=True)
class LossImpact:
    """For each customer i, the portfolio after losing ``lost[i]`` of customer i's value (all of it by
    default) — every scenario computed at once."""

    share: np.ndarray  # share of the portfolio that is lost
    remaining_total: np.ndarray
    remaining_hhi: np.ndarray
    remaining_normalised_hhi: np.ndarray
    remaining_top_share: np.ndarray  # the largest customer's share of what is left
    hhi_change: np.ndarray  # remaining HHI minus today's HHI


def loss_impact(values, lost=None) -> LossImpact:
    """What losing each customer does, vectorised: O(n), no n x n matrix.

    ``lost`` (optional, one amount per customer) is the part that goes, e.g. one subsidiary of a group; it
    is clipped to 0..value.
    """
    w = weights(values)
    gone = w.copy() if lost is None else np.clip(weights(lost), 0.0, w)
    kept = w - gone  # what is left of customer i in scenario i
    total = w.sum()
    # Sums over "everyone else" from prefix and suffix sums, not total minus own: subtracting a huge value
    # from a huge total would wipe out the small ones (floating-point cancellation).
    remaining_total = _sum_of_others(w) + kept
    remaining_squares = _sum_of_others(np.square(w)) + np.square(kept)
    remaining_hhi = FULL_SCALE * np.divide(
        remaining_squares, np.square(remaining_total), out=np.zeros_like(w), where=remaining_total > 0
    )
    count = (w > 0).sum() - ((w > 0) & (kept <= 0))
    largest_other = _largest_other(w)
    remaining_top = np.divide(
        np.maximum(largest_other, kept), remaining_total, out=np.zeros_like(w), where=remaining_total > 0
    )
    return LossImpact(
        share=np.divide(gone, total, out=np.zeros_like(w), where=total > 0),
        remaining_total=remaining_total,
        remaining_hhi=remaining_hhi,
        remaining_normalised_hhi=np.atleast_1d(_normalise(remaining_hhi, count)),
        remaining_top_share=remaining_top,
        hhi_change=remaining_hhi - hhi(w),
    )


def _sum_of_others(x: np.ndarray) -> np.ndarray:
    """For each i, the sum of all the other elements (non-negative inputs)."""
    before = np.concatenate([[0.0], np.cumsum(x)[:-1]]) if len(x) else x
    after = np.concatenate([np.cumsum(x[::-1])[:-1][::-1], [0.0]]) if len(x) else x
    return before + after


def _largest_other(w: np.ndarray) -> np.ndarray:
    """For each i, the largest value among all the others."""
    if len(w) < 2:
        return np.zeros_like(w)
    first = int(np.argmax(w))
    runner_up = np.max(np.delete(w, first))
    result = np.full_like(w, w[first])
    result[first] = runner_up
    return result
