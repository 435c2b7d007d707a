"""Spike time tiling coefficient, spike extraction and correlation (sernn.functional)."""
import numpy as np
import pytest

from sernn.functional import (correlation_matrix, minmax_scale, spike_times, sttc, sttc_matrix,
                              tiling_fraction)


def _reference_sttc(a, b, dt, start, stop):
    """Plain-Python STTC: explicit interval merging and pairwise loops."""
    def tiled(train):
        intervals = sorted((max(t - dt, start), min(t + dt, stop)) for t in train)
        total, cur_lo, cur_hi = 0.0, None, None
        for lo, hi in intervals:
            if cur_hi is None or lo > cur_hi:
                if cur_hi is not None:
                    total += cur_hi - cur_lo
                cur_lo, cur_hi = lo, hi
            else:
                cur_hi = max(cur_hi, hi)
        if cur_hi is not None:
            total += cur_hi - cur_lo
        return total / (stop - start)

    def prop(x, y):
        return sum(any(abs(s - r) <= dt for r in y) for s in x) / len(x)

    ta, tb, pa, pb = tiled(a), tiled(b), prop(a, b), prop(b, a)
    term = lambda p, t: 1.0 if p * t == 1 else (p - t) / (1 - p * t)
    return 0.5 * (term(pa, tb) + term(pb, ta))


def test_hand_worked_partial_overlap():
    # A = {1, 5}, B = {1.5, 8}, dt = 1 on [0, 10]:
    # T_A = |[0,2] ∪ [4,6]| / 10 = 0.4;  T_B = |[0.5,2.5] ∪ [7,9]| / 10 = 0.4
    # P_A = 1/2 (1 is 0.5 from 1.5; 5 is 3 from 8);  P_B = 1/2 (1.5 near 1; 8 near nothing)
    # STTC = ½ [(0.5-0.4)/(1-0.2) + (0.5-0.4)/(1-0.2)] = 0.125
    assert sttc([1.0, 5.0], [1.5, 8.0], dt=1.0, start=0.0, stop=10.0) == pytest.approx(0.125)


def test_hand_worked_merged_and_clipped_windows():
    # A = {0.5, 1.0}: windows [0,1.5] ∪ [0,2] = [0,2] (clipped at 0, overlap once) -> T_A = 0.2
    # B = {9.5}: window [8.5, 10] (clipped at 10) -> T_B = 0.15; P_A = P_B = 0
    # STTC = ½ [(0 - 0.15)/1 + (0 - 0.2)/1] = -0.175
    assert tiling_fraction([0.5, 1.0], 1.0, 0.0, 10.0) == pytest.approx(0.2)
    assert tiling_fraction([9.5], 1.0, 0.0, 10.0) == pytest.approx(0.15)
    assert sttc([0.5, 1.0], [9.5], 1.0, 0.0, 10.0) == pytest.approx(-0.175)


def test_hand_worked_denominator_zero_counts_as_one():
    # Windows of A = {1, 3} tile all of [0, 4] with dt = 1 -> T_A = 1; B = {2}: T_B = 0.5.
    # P_A = 1 (both within 1 of 2), P_B = 1.  Term 1: (1 - 0.5)/(1 - 0.5) = 1;
    # term 2: P_B T_A = 1 -> denominator 0 -> 1.  STTC = 1.
    assert sttc([1.0, 3.0], [2.0], 1.0, 0.0, 4.0) == pytest.approx(1.0)


def test_symmetry_identity_and_reference():
    rng = np.random.default_rng(3)
    for _ in range(20):
        a = rng.uniform(0, 20, rng.integers(1, 30))
        b = rng.uniform(0, 20, rng.integers(1, 30))
        dt = rng.uniform(0.05, 1.0)
        value = sttc(a, b, dt, 0.0, 20.0)
        assert value == pytest.approx(sttc(b, a, dt, 0.0, 20.0), abs=1e-12)
        assert value == pytest.approx(_reference_sttc(a, b, dt, 0.0, 20.0), abs=1e-12)
        assert sttc(a, a, dt, 0.0, 20.0) == pytest.approx(1.0)


def test_independent_poisson_trains_average_zero_at_any_rate():
    rng = np.random.default_rng(11)
    values = []
    for _ in range(200):
        a = rng.uniform(0, 100, rng.poisson(20))   # 0.2 Hz
        b = rng.uniform(0, 100, rng.poisson(300))  # 3 Hz: rates differ strongly
        values.append(sttc(a, b, 0.1, 0.0, 100.0))
    values = np.array(values)
    assert abs(values.mean()) < 3 * values.std() / np.sqrt(values.size) + 0.01


def test_empty_train_is_nan():
    assert np.isnan(sttc([], [1.0, 2.0], 0.5, 0.0, 5.0))
    assert np.isnan(sttc([1.0], [], 0.5, 0.0, 5.0))


def test_shift_invariance():
    rng = np.random.default_rng(5)
    a = rng.uniform(0, 50, 40)
    b = rng.uniform(0, 50, 60)
    base = sttc(a, b, 0.3, 0.0, 50.0)
    for shift in (1e3, 1e5, 3.6e6):  # up to an hour into a recording
        assert sttc(a + shift, b + shift, 0.3, shift, 50.0 + shift) == pytest.approx(base, abs=1e-9)


def test_adjacent_frames_count_as_synchronous_at_one_frame_period():
    # Events in frames k and k+1 (timed at frame centres) are exactly one frame period apart;
    # with dt = one frame period they must count as synchronous whatever the rounding, at any offset.
    fps = 6.3009
    frames = np.arange(0, 600, 7)
    for offset in (0.0, 1234.5678, 3.6e6):
        a = (frames + 0.5) / fps + offset
        b = (frames + 1.5) / fps + offset
        start, stop = offset, 601 / fps + offset
        # P_A = P_B = 1, so STTC = ½[(1 - T_B)/(1 - T_B) + (1 - T_A)/(1 - T_A)] = 1
        assert sttc(a, b, 1 / fps, start, stop) == pytest.approx(1.0)
        assert sttc_matrix([a, b], 1 / fps, start, stop)[0, 1] == pytest.approx(1.0)


def test_matrix_matches_pairs():
    rng = np.random.default_rng(8)
    trains = [rng.uniform(0, 30, rng.integers(1, 25)) for _ in range(6)] + [np.array([])]
    matrix = sttc_matrix(trains, 0.4, 0.0, 30.0)
    assert matrix.shape == (7, 7)
    for i in range(6):
        for j in range(6):
            assert matrix[i, j] == pytest.approx(sttc(trains[i], trains[j], 0.4, 0.0, 30.0), abs=1e-12)
    assert np.allclose(np.diag(matrix)[:6], 1.0)
    assert np.isnan(matrix[6]).all() and np.isnan(matrix[:, 6]).all()


def test_bad_arguments():
    with pytest.raises(ValueError, match="dt must be a finite real number > 0; got 0.0"):
        sttc([1.0], [2.0], 0.0, 0.0, 5.0)
    with pytest.raises(TypeError, match="start must be a finite real number; got '0' \\(str\\)"):
        sttc([1.0], [2.0], 0.5, "0", 5.0)
    with pytest.raises(ValueError, match="stop"):
        sttc([1.0], [2.0], 0.5, 5.0, 5.0)
    with pytest.raises(ValueError, match="outside"):
        sttc([6.0], [2.0], 0.5, 0.0, 5.0)


def test_spike_times_rule():
    # median 0, std = sqrt(0.2 - 0.2**2) = 0.4 -> level 0 + 1 * 0.4 = 0.4; frames 1 and 3 exceed it.
    trace = np.array([0.0, 1.0, 0.0, 1.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0])
    (train,) = spike_times(trace, frame_rate=2.0, threshold=1.0)
    assert np.allclose(train, [(1 + 0.5) / 2.0, (3 + 0.5) / 2.0])
    flat = spike_times(np.ones((2, 10)), frame_rate=2.0)
    assert all(t.size == 0 for t in flat)
    a = spike_times(trace, frame_rate=2.0, threshold=1.0, jitter=True, seed=4)[0]
    b = spike_times(trace, frame_rate=2.0, threshold=1.0, jitter=True, seed=4)[0]
    assert np.array_equal(a, b)
    assert np.all((a >= np.array([0.5, 1.5])) & (a < np.array([1.0, 2.0])))
    with pytest.raises(ValueError, match="seed"):
        spike_times(trace, jitter=True)


def test_correlation_and_minmax():
    rng = np.random.default_rng(2)
    traces = rng.normal(size=(5, 200))
    traces[4] = 3.0  # constant
    corr = correlation_matrix(traces)
    assert np.allclose(corr[:4, :4], np.corrcoef(traces[:4]))
    assert np.isnan(corr[4]).all()
    scaled = minmax_scale(corr)
    off = ~np.eye(4, dtype=bool)
    assert scaled[:4, :4][off].min() == pytest.approx(0.0)
    assert scaled[:4, :4][off].max() == pytest.approx(1.0)
    assert np.all(np.diag(scaled) == 0)
    with pytest.raises(ValueError, match="constant"):
        minmax_scale(np.ones((3, 3)))
