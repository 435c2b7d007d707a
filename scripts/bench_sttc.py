"""Speed of sernn.functional.sttc_matrix against a plain pairwise reference.

The reference computes every pair with Python loops (interval merging for T,
a scan over the other train for P), as a direct transcription of Cutts &
Eglen's definition. Both must agree to 1e-12; the script prints the timings
and their ratio.

    python scripts/bench_sttc.py [n_trains] [rate_hz] [duration_s]
"""
import sys
import time

import numpy as np

from sernn.functional import sttc_matrix


def reference_matrix(trains, dt, start, stop):
    def tiled(train):
        total, lo_run, hi_run = 0.0, None, None
        for t in train:
            lo, hi = max(t - dt, start), min(t + dt, stop)
            if hi_run is None or lo > hi_run:
                if hi_run is not None:
                    total += hi_run - lo_run
                lo_run, hi_run = lo, hi
            else:
                hi_run = max(hi_run, hi)
        return (total + (hi_run - lo_run if hi_run is not None else 0.0)) / (stop - start)

    def prop(a, b):
        j, hits = 0, 0
        for t in a:  # both sorted: advance a pointer through b
            while j + 1 < len(b) and b[j + 1] <= t:
                j += 1
            near = [abs(t - b[k]) for k in (j, j + 1) if 0 <= k < len(b)]
            hits += bool(near) and min(near) <= dt + 8 * np.finfo(float).eps * max(stop, dt)
        return hits / len(a)

    def term(p, t):
        return 1.0 if p * t == 1 else (p - t) / (1 - p * t)

    n = len(trains)
    T = [tiled(t) for t in trains]
    out = np.full((n, n), np.nan)
    for i in range(n):
        for j in range(n):
            if len(trains[i]) and len(trains[j]):
                out[i, j] = 0.5 * (term(prop(trains[i], trains[j]), T[j]) +
                                   term(prop(trains[j], trains[i]), T[i]))
    return out


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 100
    rate = float(sys.argv[2]) if len(sys.argv) > 2 else 0.5
    duration = float(sys.argv[3]) if len(sys.argv) > 3 else 600.0
    rng = np.random.default_rng(0)
    fps = 6.3009  # frame-quantised, as from calcium imaging
    trains = [np.sort((np.unique(rng.integers(0, int(duration * fps), rng.poisson(rate * duration)))
                       + 0.5) / fps) for _ in range(n)]
    dt = 1 / fps
    t0 = time.perf_counter()
    fast = sttc_matrix(trains, dt, 0.0, duration)
    t_fast = time.perf_counter() - t0
    t0 = time.perf_counter()
    slow = reference_matrix(trains, dt, 0.0, duration)
    t_slow = time.perf_counter() - t0
    assert np.allclose(fast, slow, atol=1e-12, equal_nan=True)
    spikes = sum(len(t) for t in trains)
    print(f"{n} trains, {spikes} spikes, {duration:.0f} s at {fps} Hz, dt = {dt:.4f} s")
    print(f"sernn.functional.sttc_matrix: {t_fast:.3f} s")
    print(f"pairwise Python reference:    {t_slow:.3f} s")
    print(f"speed-up: {t_slow / t_fast:.0f}x (results equal to 1e-12)")


if __name__ == "__main__":
    main()
