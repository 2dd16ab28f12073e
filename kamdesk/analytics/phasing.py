"""Spreading a total over periods (an annual target over its months) in whole cents.

Amounts are integers in the smallest unit (cents), so the parts always add up exactly to the total: the
share of each part is rounded down and the cents left over go, one each, to the parts whose share lost
the most in rounding (the largest-remainder method). Weights say how the total is shared; with no usable
weights (none given, all zero or negative) it is shared evenly.
"""

import numpy as np
from numpy.typing import ArrayLike


def seasonal_weights(history: ArrayLike) -> np.ndarray:
    """Weights from last year's figures per period: a period that sold nothing — or less than nothing,
    when credit notes outweighed sales — gets no share of next year's figure."""
    values = np.asarray(history, dtype=np.float64)
    return np.where(np.isfinite(values) & (values > 0), values, 0.0)


def allocate(totals: ArrayLike, weights: ArrayLike) -> np.ndarray:
    """Split each total (integer cents, shape ``(k,)``) over ``m`` parts by its row of ``weights`` (shape
    ``(k, m)``); returns integer cents of shape ``(k, m)`` whose rows add up exactly to ``totals``.

    A row whose weights do not add up to something positive is split evenly. For a positive total no part
    is negative; a negative total is split like its absolute value, with the sign turned round.
    """
    totals = np.asarray(totals, dtype=np.int64)
    weights = seasonal_weights(np.atleast_2d(weights))
    if weights.shape[0] != totals.shape[0]:
        raise ValueError(f"{totals.shape[0]} totals but {weights.shape[0]} rows of weights")
    parts = weights.shape[1]
    if parts == 0:
        raise ValueError("there must be at least one part to allocate to")
    row_sums = weights.sum(axis=1)
    usable = row_sums > 0
    shares = np.where(usable[:, None], weights / np.where(usable, row_sums, 1.0)[:, None], 1.0 / parts)
    magnitudes = np.abs(totals)
    quotas = shares * magnitudes[:, None].astype(np.float64)
    floors = np.clip(np.floor(quotas).astype(np.int64), 0, magnitudes[:, None])
    _settle(floors, quotas - floors, magnitudes)
    return floors * np.where(totals < 0, -1, 1)[:, None]


def _settle(floors: np.ndarray, remainders: np.ndarray, totals: np.ndarray) -> None:
    """Adjust the rounded-down parts (in place) so each row adds up to its total: the cents left over go
    to the parts with the largest remainders, one each. Floating-point error can leave a row a cent or so
    over instead; those cents come off the parts with the smallest remainders that have any to give."""
    missing = totals - floors.sum(axis=1)
    parts = floors.shape[1]
    rounds, leftover = np.divmod(missing.clip(min=0), parts)
    floors += rounds[:, None]  # more cents missing than parts: only ever from float error on huge totals
    # Rank the parts of each row by remainder, largest first (ties: the earlier part first).
    order = np.argsort(-remainders, axis=1, kind="stable")
    ranks = np.empty_like(order)
    np.put_along_axis(ranks, order, np.arange(parts)[None, :].repeat(len(order), axis=0), axis=1)
    floors += ranks < leftover[:, None]
    for row in np.nonzero(missing < 0)[0]:
        for part in order[row][::-1]:
            take = min(int(floors[row, part]), int(floors[row].sum() - totals[row]))
            floors[row, part] -= take
            if floors[row].sum() == totals[row]:
                break


def allocate_one(total: int, weights: ArrayLike | None = None, parts: int | None = None) -> np.ndarray:
    """Split one total (integer cents) by ``weights``, or evenly over ``parts`` parts when no weights."""
    if weights is None:
        if not parts:
            raise ValueError("give weights or a number of parts")
        weights = np.zeros(parts)
    return allocate(np.array([total]), np.atleast_2d(np.asarray(weights, dtype=np.float64)))[0]
