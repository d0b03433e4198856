#!/usr/bin/env python3
"""Binding overhead: the Python calls of `piggyback` timed against the same Rust calls
(`examples/enet_timing.rs`) on the same data.

Elastic net 1/(2n)‖Xw − y‖² + l1‖w‖₁ + l2/2‖w‖², Gaussian design, 10% informative
features, l1 = 0.1·λ_max, l2 = 0.01·λ_max; validation loss ‖X_v w − y_v‖²/(2 n_v).
Each call's best time over REPEATS runs, both sides; the overhead is the difference and
the ratio Python/Rust. The load average (1, 5, 15 min) is printed before and after: on a
shared machine the numbers mean little when it exceeds the number of cores.

Usage (piggyback installed in release mode, e.g. `pip install ./python`):
    python python/bench/overhead.py [--sizes 200x50,2000x500] [--repeats 20]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

import numpy as np

import piggyback as pb

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def best(repeats, f):
    out = f()
    t_best = float("inf")
    for _ in range(repeats):
        t = time.perf_counter()
        out = f()
        t_best = min(t_best, time.perf_counter() - t)
    return t_best, out


def problem(n, p, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, p))
    xv = rng.standard_normal((n, p))
    w = np.zeros(p)
    k = max(1, p // 10)
    w[:k] = rng.standard_normal(k)
    y = x @ w + 0.1 * rng.standard_normal(n)
    yv = xv @ w + 0.1 * rng.standard_normal(n)
    lmax = np.max(np.abs(x.T @ y)) / n
    return x, y, xv, yv, 0.1 * lmax, 0.01 * lmax


def rust_times(x, y, xv, yv, l1, l2, repeats):
    with tempfile.TemporaryDirectory() as d:
        for name, a in [("X", x), ("y", y), ("Xv", xv), ("yv", yv), ("lambda", np.array([l1, l2]))]:
            np.save(os.path.join(d, f"{name}.npy"), a)
        out = subprocess.run(
            ["cargo", "run", "--quiet", "--release", "--example", "enet_timing", "--", d, str(repeats)],
            cwd=ROOT,
            check=True,
            capture_output=True,
            text=True,
        )
    return json.loads(out.stdout)


def python_times(x, y, xv, yv, l1, l2, repeats):
    t_new, prob = best(repeats, lambda: pb.ElasticNet(x, y))
    t_solve, sol = best(repeats, lambda: prob.solve(l1, l2, tol=1e-10))
    t_hyper, (_, hg) = best(repeats, lambda: prob.validation_hypergradient(sol, xv, yv))
    t_jac, _ = best(repeats, lambda: prob.jacobian(sol))
    t_tune, path = best(repeats, lambda: prob.tune(xv, yv, (l1, l2), steps=10))
    return {
        "construct": t_new,
        "solve": t_solve,
        "validation_hypergradient": t_hyper,
        "jacobian": t_jac,
        "tune": t_tune,
        "grad": list(hg.grad),
        "tune_steps": len(path),
        "nnz": len(sol.kinks.support),
    }


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", default="200x50,2000x500")
    ap.add_argument("--repeats", type=int, default=20)
    args = ap.parse_args()
    print(f"piggyback {pb.__version__}, Python {sys.version.split()[0]}, NumPy {np.__version__}; best of {args.repeats}")
    print(f"load average before: {loadavg()} ({os.cpu_count()} cores)")
    for size in args.sizes.split(","):
        n, p = (int(v) for v in size.split("x"))
        data = problem(n, p)
        r = rust_times(*data, args.repeats)
        py = python_times(*data, args.repeats)
        # Same data, same calls: the results must agree before the times mean anything.
        assert r["tune_steps"] == py["tune_steps"] and r["nnz"] == py["nnz"], (r, py)
        assert np.allclose(r["grad"], py["grad"], rtol=1e-12, atol=0), (r["grad"], py["grad"])
        print(f"\n(n, p) = ({n}, {p}), nnz = {py['nnz']}, tune steps = {py['tune_steps']}")
        print(f"{'call':<28}{'Rust':>12}{'Python':>12}{'overhead':>12}{'ratio':>8}")
        for call in ["construct", "solve", "validation_hypergradient", "jacobian", "tune"]:
            a, b = r[call], py[call]
            print(f"{call:<28}{a * 1e6:>10.1f}µs{b * 1e6:>10.1f}µs{(b - a) * 1e6:>10.1f}µs{b / a:>8.2f}")
    print(f"\nload average after: {loadavg()}")


def loadavg():
    try:
        return ", ".join(f"{v:.2f}" for v in os.getloadavg())
    except OSError:
        return "unavailable"


if __name__ == "__main__":
    main()
