"""Intervals, effect sizes and tests of sernn.analysis.statistics against published values and scipy."""
import numpy as np
import pytest
from scipy import stats

from sernn.analysis.statistics import (bootstrap_ci, compare_groups, compare_proportions, hedges_g,
                                       newcombe_interval, wilson_interval)


def test_wilson_interval_matches_newcombes_published_values():
    # Newcombe (1998), Statistics in Medicine 17, 857-872, Table I (method 3, Wilson score)
    assert wilson_interval(81, 263) == pytest.approx((0.2553, 0.3662), abs=1e-4)
    assert wilson_interval(15, 148) == pytest.approx((0.0624, 0.1605), abs=1e-4)
    assert wilson_interval(0, 20) == pytest.approx((0.0, 0.1611), abs=1e-4)
    assert wilson_interval(1, 29) == pytest.approx((0.0061, 0.1718), abs=1e-4)
    assert all(np.isnan(wilson_interval(0, 0)))
    with pytest.raises(ValueError, match="successes <= trials"):
        wilson_interval(5, 3)


def test_newcombe_difference_matches_published_values():
    # Newcombe (1998b), Statistics in Medicine 17, 873-890, Table II, method 10
    assert newcombe_interval(56, 70, 48, 80) == pytest.approx((0.2, 0.0524, 0.3339), abs=1e-4)
    assert newcombe_interval(9, 10, 3, 10) == pytest.approx((0.6, 0.1705, 0.8090), abs=1e-4)
    result = compare_proportions(9, 10, 3, 10)
    assert result["fisher_p"] == pytest.approx(stats.fisher_exact([[9, 1], [3, 7]])[1])


def test_bootstrap_ci_covers_the_mean_at_the_nominal_rate():
    rng = np.random.default_rng(0)
    covered = 0
    for trial in range(200):
        sample = rng.normal(1.0, 2.0, size=40)
        low, high = bootstrap_ci(sample, n_boot=2000, seed=trial)
        covered += low <= 1.0 <= high
    assert 0.88 <= covered / 200 <= 0.99
    assert bootstrap_ci([1.0, 2.0, 3.0], seed=4) == bootstrap_ci([1.0, 2.0, 3.0], seed=4)


def test_hedges_g_by_hand_and_compare_groups_against_scipy():
    a, b = np.array([2.0, 3.0, 4.0]), np.array([1.0, 2.0, 3.0])
    # pooled sd 1, d = 1, correction 1 - 3 / (4 * 6 - 9) = 0.8
    assert hedges_g(a, b) == pytest.approx(0.8)
    rng = np.random.default_rng(1)
    x, y = rng.normal(0.5, 1.0, 60), rng.normal(0.0, 1.5, 80)
    result = compare_groups(x, y, n_boot=4000, seed=2)
    assert result["n_a"] == 60 and result["difference"] == pytest.approx(x.mean() - y.mean())
    assert result["welch_p"] == pytest.approx(stats.ttest_ind(x, y, equal_var=False).pvalue)
    assert result["mannwhitney_p"] == pytest.approx(stats.mannwhitneyu(x, y).pvalue)
    # the bootstrap CI of the difference is close to Welch's t interval
    se = np.sqrt(x.var(ddof=1) / 60 + y.var(ddof=1) / 80)
    assert result["ci_low"] == pytest.approx(result["difference"] - 1.96 * se, abs=0.08)
    assert result["ci_high"] == pytest.approx(result["difference"] + 1.96 * se, abs=0.08)
    empty = compare_groups([], [1.0, 2.0])
    assert empty["n_a"] == 0 and np.isnan(empty["difference"]) and np.isnan(empty["welch_p"])


def test_bad_arguments_are_named():
    with pytest.raises(ValueError, match=r"confidence must be a finite real number in \(0, 1\); got 95"):
        bootstrap_ci([1.0, 2.0], confidence=95)
    with pytest.raises(TypeError, match=r"confidence must be a finite real number in \(0, 1\); got 'high'"):
        wilson_interval(1, 2, confidence="high")
    with pytest.raises(ValueError, match="n_boot must be an integer >= 100; got 10"):
        compare_groups([1.0, 2.0], [1.0, 3.0], n_boot=10)
    with pytest.raises(TypeError, match="n_boot must be an integer >= 100; got 1000.0"):
        compare_groups([1.0, 2.0], [1.0, 3.0], n_boot=1000.0)


def test_strength_bins_put_a_value_on_an_edge_in_the_bin_it_opens():
    import pandas as pd

    from sernn.analysis.findings import binned_band, strength_bins

    # np.linspace(0.1, 0.4, 4) computes the edge 0.3 as 0.30000000000000004; 0.3 still opens its bin
    assert strength_bins([0, 0.1, 0.2, 0.3, 0.4], bins=3).tolist() == [
        "0", "[0.1, 0.2)", "[0.2, 0.3)", "[0.3, 0.4]", "[0.3, 0.4]"]
    frame = pd.DataFrame({"s": [0.1, 0.2, 0.3, 0.4], "y": [1.0, 2.0, 3.0, 4.0], "g": ["a"] * 4})
    band = binned_band(frame, "s", "y", "g", bins=3)
    assert band["n"].tolist() == [1, 1, 2]
