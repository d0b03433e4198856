#!/usr/bin/env python3
"""Time piggyback's f64 hypergradient against the Python tools on the same problem.

Elastic net  min_w 1/(2n)||X w - y||^2 + l1 ||w||_1 + l2/2 ||w||^2,
validation loss  L(w) = 1/(2 n_val) ||X_val w - y_val||^2,
hypergradient dL/d(l1, l2) at l1 = 0.1 * lambda_max, l2 = l1 / 10.
Dense Gaussian design, 10% informative features, fixed seed.

Methods timed (each in this one run, same data):
  numpy   ISTA 500 steps + AID-FP 500 steps (plain NumPy)
  jaxopt  ProximalGradient(maxiter=500) with implicit differentiation (jit, warm)
  sklearn ElasticNet coordinate descent + support-restricted implicit formula
  piggyback engines, by running `cargo run --release --example hypergrad_compare -- DIR`

Usage: python3 scripts/compare_python.py [--sizes 500x100,2000x5000] [--repeats 3]
Creates scripts/.venv and installs numpy, scikit-learn, jax, jaxopt on first use.
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
VENV = os.path.join(HERE, ".venv")


def ensure_venv():
    """Re-exec inside scripts/.venv with the packages installed."""
    py = os.path.join(VENV, "bin", "python")
    if os.path.realpath(sys.prefix) == os.path.realpath(VENV):
        return
    if not os.path.exists(py):
        subprocess.check_call([sys.executable, "-m", "venv", VENV])
    subprocess.check_call([py, "-m", "pip", "install", "-q", "numpy", "scikit-learn", "jax", "jaxopt"])
    os.execv(py, [py] + sys.argv)


def make_problem(n, p, seed=0):
    import numpy as np

    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, p))
    Xv = rng.standard_normal((n, p))
    w = np.zeros(p)
    k = max(1, p // 10)
    w[:k] = rng.standard_normal(k)
    y = X @ w + 0.1 * rng.standard_normal(n)
    yv = Xv @ w + 0.1 * rng.standard_normal(n)
    lmax = np.max(np.abs(X.T @ y)) / n
    l1, l2 = 0.1 * lmax, 0.01 * lmax
    return X, y, Xv, yv, l1, l2


def timed(f, repeats):
    best, out = float("inf"), None
    for _ in range(repeats):
        t = time.perf_counter()
        out = f()
        best = min(best, time.perf_counter() - t)
    return best, out


def numpy_ista_aidfp(X, y, Xv, yv, l1, l2, steps=500):
    import numpy as np

    n, p = X.shape
    L = np.linalg.norm(X, 2) ** 2 / n + l2
    g = 1.0 / L
    w = np.zeros(p)
    for _ in range(steps):
        z = w - g * (X.T @ (X @ w - y)) / n
        w = np.sign(z) * np.maximum(np.abs(z) - g * l1, 0) / (1 + g * l2)
    z = w - g * (X.T @ (X @ w - y)) / n
    m = (np.abs(z) > g * l1).astype(float)
    v = Xv.T @ (Xv @ w - yv) / len(yv)
    q = np.zeros(p)
    for _ in range(steps):
        u = m * q / (1 + g * l2)
        q = u - g * (X.T @ (X @ u)) / n + v
    d1 = -g * np.sign(z) * m / (1 + g * l2)
    d2 = -g * w / (1 + g * l2)
    return np.array([d1 @ q, d2 @ q])


def sklearn_cd_implicit(X, y, Xv, yv, l1, l2):
    import numpy as np
    from sklearn.linear_model import ElasticNet

    n, p = X.shape
    alpha = l1 + l2
    model = ElasticNet(alpha=alpha, l1_ratio=l1 / alpha, fit_intercept=False, tol=1e-10, max_iter=100000)
    model.fit(X, y)
    w = model.coef_
    S = np.flatnonzero(w)
    v = Xv.T @ (Xv @ w - yv) / len(yv)
    if len(S) == 0:
        return np.zeros(2)
    XS = X[:, S]
    H = XS.T @ XS / n + l2 * np.eye(len(S))
    u = np.linalg.solve(H, v[S])
    return np.array([-(np.sign(w[S]) @ u), -(w[S] @ u)])


def make_jaxopt(X, y, Xv, yv, steps=500):
    import jax
    import jax.numpy as jnp
    from jaxopt import ProximalGradient

    jax.config.update("jax_enable_x64", True)
    X, y, Xv, yv = map(jnp.asarray, (X, y, Xv, yv))
    n, p = X.shape

    def f(w, data):
        X, y = data
        r = X @ w - y
        return 0.5 * jnp.dot(r, r) / n

    def prox(x, hyper, scaling=1.0):
        l1, l2 = hyper
        return jnp.sign(x) * jnp.maximum(jnp.abs(x) - scaling * l1, 0) / (1 + scaling * l2)

    solver = ProximalGradient(fun=f, prox=prox, maxiter=steps, tol=1e-12, implicit_diff=True, jit=True)

    def outer(hyper):
        w = solver.run(jnp.zeros(p), hyperparams_prox=hyper, data=(X, y)).params
        r = Xv @ w - yv
        return 0.5 * jnp.dot(r, r) / len(yv)

    g = jax.jit(jax.grad(outer))

    def run(l1, l2):
        out = g((jnp.asarray(l1), jnp.asarray(l2)))
        return [float(out[0]), float(out[1])]

    return run


def run_piggyback(tmp):
    cmd = ["cargo", "run", "--release", "--quiet", "--example", "hypergrad_compare", "--", tmp]
    out = subprocess.run(cmd, cwd=ROOT, check=True, capture_output=True, text=True).stdout
    return [json.loads(line) for line in out.splitlines() if line.startswith("{")]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default="500x100,2000x5000")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--skip-jax", action="store_true")
    args = ap.parse_args()
    ensure_venv()
    import numpy as np

    rows = []
    for size in args.sizes.split(","):
        n, p = map(int, size.split("x"))
        X, y, Xv, yv, l1, l2 = make_problem(n, p)
        results = {}
        results["numpy ISTA+AID-FP"] = timed(lambda: numpy_ista_aidfp(X, y, Xv, yv, l1, l2), args.repeats)
        results["sklearn CD+implicit"] = timed(lambda: sklearn_cd_implicit(X, y, Xv, yv, l1, l2), args.repeats)
        if not args.skip_jax:
            run = make_jaxopt(X, y, Xv, yv)
            run(l1, l2)  # compile (warm)
            results["jaxopt implicit"] = timed(lambda: run(l1, l2), args.repeats)
        with tempfile.TemporaryDirectory() as tmp:
            for name, arr in [("X", X), ("y", y), ("Xv", Xv), ("yv", yv), ("lambda", np.array([l1, l2]))]:
                np.save(os.path.join(tmp, name + ".npy"), np.asfortranarray(arr))
            for r in run_piggyback(tmp):
                results["piggyback " + r["engine"]] = (r["seconds"], np.array(r["hypergrad"]))
        ref = results["sklearn CD+implicit"][1]
        fastest_py = min(t for k, (t, _) in results.items() if not k.startswith("piggyback"))
        print(f"\n(n, p) = ({n}, {p}), l1 = {l1:.4g}, l2 = {l2:.4g}")
        print(f"{'method':32s} {'seconds':>10s} {'vs fastest Python':>18s} {'rel. diff to sklearn':>20s}")
        for k, (t, g) in results.items():
            rel = float(np.max(np.abs(np.asarray(g) - ref)) / max(np.max(np.abs(ref)), 1e-300))
            print(f"{k:32s} {t:10.4g} {fastest_py / t:17.2f}x {rel:20.2e}")
            rows.append({"n": n, "p": p, "method": k, "seconds": t, "speedup_vs_fastest_python": fastest_py / t, "rel_diff": rel})
    with open(os.path.join(HERE, "compare_python.json"), "w") as fh:
        json.dump(rows, fh, indent=1)


if __name__ == "__main__":
    main()
