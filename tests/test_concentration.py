"""Concentration measures: hand-computed examples and properties that hold for any portfolio."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from kamdesk.analytics import concentration as c

portfolios = st.lists(st.floats(min_value=0, max_value=1e9, allow_nan=False), min_size=1, max_size=60)
positive_portfolios = st.lists(st.floats(min_value=1, max_value=1e9, allow_nan=False), min_size=1, max_size=60)


# --- hand-computed examples -----------------------------------------------------------------------------------


def test_shares_and_hhi_of_a_small_portfolio():
    values = [50, 30, 20]
    assert c.shares(values).tolist() == pytest.approx([0.5, 0.3, 0.2])
    # 50² + 30² + 20² = 2500 + 900 + 400
    assert c.hhi(values) == pytest.approx(3800)
    # (0.38 - 1/3) / (1 - 1/3) = 0.07
    assert c.normalised_hhi(values) == pytest.approx(0.07)


def test_extremes_of_the_hhi():
    assert c.hhi([7]) == pytest.approx(10_000)
    assert c.normalised_hhi([7]) == 1.0
    assert c.hhi([5, 5, 5, 5]) == pytest.approx(2500)
    assert c.normalised_hhi([5, 5, 5, 5]) == pytest.approx(0)
    assert c.hhi([]) == 0.0 and c.hhi([0, 0]) == 0.0
    assert c.normalised_hhi([0, 0]) == 0.0


def test_negative_values_carry_no_weight():
    assert c.shares([-10, 30, 10]).tolist() == pytest.approx([0, 0.75, 0.25])
    assert c.hhi([-10, 30, 10]) == pytest.approx(c.hhi([30, 10]))


def test_pareto_curve_sorts_largest_first():
    curve = c.pareto_curve([10, 40, 30, 20])
    assert curve.order.tolist() == [1, 2, 3, 0]
    assert curve.account_share.tolist() == pytest.approx([0.25, 0.5, 0.75, 1.0])
    assert curve.cumulative_share.tolist() == pytest.approx([0.4, 0.7, 0.9, 1.0])


def test_top_n_and_top_fifth():
    values = [100, 50, 20, 10, 10, 5, 5, 0, 0, 0]  # total 200
    assert c.top_n_share(values, 1) == pytest.approx(0.5)
    assert c.top_n_share(values, 3) == pytest.approx(0.85)
    assert c.top_n_share(values, 50) == pytest.approx(1.0)
    assert c.top_count(10) == 2 and c.top_count(11) == 3 and c.top_count(1) == 1 and c.top_count(0) == 0
    assert c.top_fraction_share(values) == pytest.approx(0.75)


def test_losing_each_customer():
    impact = c.loss_impact([50, 30, 20])
    assert impact.share.tolist() == pytest.approx([0.5, 0.3, 0.2])
    assert impact.remaining_total.tolist() == pytest.approx([50, 70, 80])
    # without the 50: 30/50 and 20/50 -> 3600 + 1600; without the 30: 50/70, 20/70; without the 20: 50/80, 30/80
    expected = [5200, (2500 + 400) / 49 * 100, (2500 + 900) / 64 * 100]
    assert impact.remaining_hhi.tolist() == pytest.approx(expected)
    assert impact.hhi_change.tolist() == pytest.approx([e - 3800 for e in expected])
    assert impact.remaining_top_share.tolist() == pytest.approx([0.6, 50 / 70, 50 / 80])
    # two customers left in each case: (H/10,000 - 1/2) / (1/2)
    assert impact.remaining_normalised_hhi.tolist() == pytest.approx([(e / 10_000 - 0.5) * 2 for e in expected])


def test_losing_part_of_a_customer():
    # A subsidiary worth 10 of the first customer's 50 goes.
    impact = c.loss_impact([50, 30, 20], lost=[10, 0, 0])
    assert impact.share[0] == pytest.approx(0.1)
    assert impact.remaining_hhi[0] == pytest.approx(c.hhi([40, 30, 20]))
    assert impact.remaining_top_share[0] == pytest.approx(40 / 90)
    # Losing nothing changes nothing.
    assert impact.remaining_hhi[1] == pytest.approx(3800)


def test_shares_without_one_customer():
    assert c.shares_without([50, 30, 20], 0).tolist() == pytest.approx([0, 0.6, 0.4])


def test_hhi_along_an_axis_measures_each_column():
    matrix = np.array([[50, 10], [30, 10], [20, 0]])
    assert c.hhi(matrix, axis=0).tolist() == pytest.approx([3800, 5000])
    assert c.normalised_hhi(matrix, axis=0).tolist() == pytest.approx([0.07, 0.0])


def test_a_single_customer_loss_leaves_nothing():
    impact = c.loss_impact([42])
    assert impact.remaining_total.tolist() == [0]
    assert impact.remaining_hhi.tolist() == [0]
    assert impact.remaining_top_share.tolist() == [0]


# --- properties -------------------------------------------------------------------------------------------------


@given(portfolios)
def test_hhi_stays_within_its_bounds(values):
    index = c.hhi(values)
    positive = sum(1 for v in values if v > 0)
    if positive == 0:
        assert index == 0
    else:
        assert 10_000 / positive - 1e-6 <= index <= 10_000 + 1e-6
    assert 0 <= c.normalised_hhi(values) <= 1


@given(portfolios)
def test_shares_add_up_to_one(values):
    total = c.shares(values).sum()
    assert total == pytest.approx(1.0) if sum(values) > 0 else total == 0


@given(portfolios)
def test_pareto_curve_rises_to_one_and_bends_down(values):
    curve = c.pareto_curve(values)
    steps = np.diff(np.concatenate([[0.0], curve.cumulative_share]))
    assert (steps >= -1e-12).all()  # never falls
    assert (np.diff(steps) <= 1e-9).all()  # each customer adds no more than the one before (concave)
    if sum(values) > 0:
        assert curve.cumulative_share[-1] == pytest.approx(1.0)
        # The largest k customers bring at least k/n of the total.
        assert (curve.cumulative_share >= curve.account_share - 1e-9).all()


@given(positive_portfolios, st.integers(min_value=1, max_value=80))
def test_top_n_share_grows_with_n(values, n):
    assert c.top_n_share(values, n) <= c.top_n_share(values, n + 1) + 1e-12
    assert c.top_n_share(values, n) >= min(n, len(values)) / len(values) - 1e-9


@given(positive_portfolios)
def test_vectorised_loss_matches_recomputing_without_each_customer(values):
    impact = c.loss_impact(values)
    for i in range(len(values)):
        rest = values[:i] + values[i + 1 :]
        assert impact.remaining_hhi[i] == pytest.approx(c.hhi(rest), rel=1e-6, abs=1e-6)
        assert impact.remaining_normalised_hhi[i] == pytest.approx(c.normalised_hhi(rest), abs=1e-6)
        top = max(rest) / sum(rest) if rest else 0
        assert impact.remaining_top_share[i] == pytest.approx(top, rel=1e-9)
        assert c.shares_without(values, i).sum() == pytest.approx(1.0 if rest else 0.0)
