#!/usr/bin/env python3
"""Time piggyback's f64 hypergradient against the Python tools on the same problem.

Elastic net  min_w 1/(2n)||X w - y||^2 + l1 ||w||_1 + l2/2 ||w||^2,
validation loss  L(w) = 1/(2 n_val) ||X_val w - y_val||^2,
hypergradient dL/d(l1, l2) at l1 = 0.1 * lambda_max, l2 = 0.01 * lambda_max.
Dense Gaussian design, 10% informative features, fixed seed.

Methods (same data, one run; each solver is followed by the same support-restricted
implicit formula  (X_S^T X_S / n + l2 I) u = v_S,  v_S = X_val[:, S]^T (X_val w - y_val)/n_val,
dL/dl1 = -sign(w_S).u, dL/dl2 = -w_S.u, so only the solvers differ):
  sklearn   ElasticNet coordinate descent (duality gap <= tol ||y||^2/n, tol = 1e-10)
  skglm     ElasticNet, working sets + Anderson-accelerated CD (KKT violation <= tol)
  celer     ElasticNet, working sets + dual extrapolation (gap <= tol ||y||^2/n)
  piggyback `diff::enet` (working-set CD with Anderson extrapolation, gap-safe screening,
            parallel X^T r; gap <= 1e-10 ||y||^2/n), by running
            `cargo run --release --example hypergrad_compare -- DIR --auto-only --repeats 1`
  (with --slow) numpy ISTA 500 + AID-FP 500 and jaxopt ProximalGradient + implicit diff.

Timing: ROUNDS rounds; in each round every method runs once, in turn (round-robin, so
a busy machine slows all methods alike); reported: the median and the minimum per
method, the load average before and after, and the agreement of dL/dl1 with sklearn's.

Usage: python3 scripts/compare_python.py [--sizes 500x100,2000x5000] [--rounds 7] [--slow]
Creates scripts/.venv and installs numpy, scikit-learn, skglm, celer (and jax, jaxopt)
from PyPI on first use.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
VENV = os.path.join(HERE, ".venv")
PACKAGES = ["numpy", "scikit-learn", "skglm", "celer", "jax", "jaxopt"]


def ensure_venv():
    """Re-exec inside scripts/.venv with the packages installed."""
    py = os.path.join(VENV, "bin", "python")
    if os.path.realpath(sys.prefix) == os.path.realpath(VENV):
        return
    if not os.path.exists(py):
        subprocess.check_call([sys.executable, "-m", "venv", VENV])
    subprocess.check_call([py, "-m", "pip", "install", "-q"] + PACKAGES)
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


def restricted_hypergrad(X, Xv, yv, w, l2):
    """The support-restricted implicit formula, shared by every Python solver."""
    import numpy as np

    n = X.shape[0]
    S = np.flatnonzero(w)
    if len(S) == 0:
        return np.zeros(2)
    XS = X[:, S]
    vS = Xv[:, S].T @ (Xv[:, S] @ w[S] - yv) / len(yv)
    H = XS.T @ XS / n + l2 * np.eye(len(S))
    u = np.linalg.solve(H, vS)
    return np.array([-(np.sign(w[S]) @ u), -(w[S] @ u)])


def sklearn_cd(X, y, Xv, yv, l1, l2):
    from sklearn.linear_model import ElasticNet

    alpha = l1 + l2
    model = ElasticNet(alpha=alpha, l1_ratio=l1 / alpha, fit_intercept=False, tol=1e-10, max_iter=100000)
    model.fit(X, y)
    return restricted_hypergrad(X, Xv, yv, model.coef_, l2)


def skglm_cd(X, y, Xv, yv, l1, l2):
    from skglm import ElasticNet

    alpha = l1 + l2
    # skglm stops on the largest KKT violation (absolute, on the 1/n-scaled datafit).
    model = ElasticNet(alpha=alpha, l1_ratio=l1 / alpha, fit_intercept=False, tol=1e-10 * l1, max_iter=1000)
    model.fit(X, y)
    return restricted_hypergrad(X, Xv, yv, model.coef_, l2)


def celer_cd(X, y, Xv, yv, l1, l2):
    from celer import ElasticNet

    alpha = l1 + l2
    model = ElasticNet(alpha=alpha, l1_ratio=l1 / alpha, fit_intercept=False, tol=1e-10, max_iter=1000)
    model.fit(X, y)
    return restricted_hypergrad(X, Xv, yv, model.coef_, l2)


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


def build_piggyback():
    subprocess.run(["cargo", "build", "--release", "--quiet", "--example", "hypergrad_compare"], cwd=ROOT, check=True)
    return os.path.join(ROOT, "target", "release", "examples", "hypergrad_compare")


def run_piggyback(exe, tmp):
    """One solve + hypergradient, timed inside the process (data loading excluded)."""
    out = subprocess.run([exe, tmp, "--auto-only", "--repeats", "1"], check=True, capture_output=True, text=True)
    rows = [json.loads(line) for line in out.stdout.splitlines() if line.startswith("{")]
    r = next(r for r in rows if r["engine"] == "cd+restricted")
    return r["seconds"], r["hypergrad"]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default="500x100,2000x5000")
    ap.add_argument("--rounds", type=int, default=7)
    ap.add_argument("--slow", action="store_true", help="also time numpy ISTA+AID-FP and jaxopt")
    ap.add_argument("--json", default=os.path.join(HERE, "compare_python.json"))
    args = ap.parse_args()
    ensure_venv()
    import numpy as np

    exe = build_piggyback()
    rows = []
    for size in args.sizes.split(","):
        n, p = map(int, size.split("x"))
        X, y, Xv, yv, l1, l2 = make_problem(n, p)
        methods = {
            "scikit-learn CD": lambda: sklearn_cd(X, y, Xv, yv, l1, l2),
            "skglm": lambda: skglm_cd(X, y, Xv, yv, l1, l2),
            "celer": lambda: celer_cd(X, y, Xv, yv, l1, l2),
        }
        if args.slow:
            methods["numpy ISTA+AID-FP"] = lambda: numpy_ista_aidfp(X, y, Xv, yv, l1, l2)
            run = make_jaxopt(X, y, Xv, yv)
            run(l1, l2)  # compile (warm)
            methods["jaxopt implicit"] = lambda: run(l1, l2)
        for f in methods.values():
            f()  # warm-up: imports, numba/JIT compilation, page faults
        times = {k: [] for k in methods}
        times["piggyback diff::enet"] = []
        grads = {}
        load_before = os.getloadavg()
        with tempfile.TemporaryDirectory() as tmp:
            for name, arr in [("X", X), ("y", y), ("Xv", Xv), ("yv", yv), ("lambda", np.array([l1, l2]))]:
                np.save(os.path.join(tmp, name + ".npy"), np.asfortranarray(arr))
            run_piggyback(exe, tmp)  # warm-up (page cache)
            for _ in range(args.rounds):
                for k, f in methods.items():
                    t = time.perf_counter()
                    grads[k] = np.asarray(f())
                    times[k].append(time.perf_counter() - t)
                t, g = run_piggyback(exe, tmp)
                times["piggyback diff::enet"].append(t)
                grads["piggyback diff::enet"] = np.asarray(g)
        load_after = os.getloadavg()
        ref = grads["scikit-learn CD"]
        med = {k: statistics.median(v) for k, v in times.items()}
        peers = ["scikit-learn CD", "skglm", "celer"]
        fastest_peer = min(med[k] for k in peers)
        print(f"\n(n, p) = ({n}, {p}), l1 = {l1:.4g}, l2 = {l2:.4g}, {args.rounds} rounds, "
              f"load average {load_before[0]:.2f} before, {load_after[0]:.2f} after")
        print(f"{'method':24s} {'median s':>10s} {'min s':>10s} {'fastest peer / this':>20s} {'dL/dl1':>18s} {'rel. diff to sklearn':>20s}")
        for k, v in times.items():
            g = grads[k]
            rel = float(abs(g[0] - ref[0]) / max(abs(ref[0]), 1e-300))
            print(f"{k:24s} {med[k]:10.4g} {min(v):10.4g} {fastest_peer / med[k]:19.2f}x {g[0]:18.12g} {rel:20.2e}")
            rows.append({"n": n, "p": p, "method": k, "median_seconds": med[k], "min_seconds": min(v),
                         "seconds": v, "speedup_vs_fastest_peer": fastest_peer / med[k],
                         "dL_dl1": float(g[0]), "dL_dl2": float(g[1]), "rel_diff_dl1": rel,
                         "load_before": load_before[0], "load_after": load_after[0]})
    with open(args.json, "w") as fh:
        json.dump(rows, fh, indent=1)


if __name__ == "__main__":
    main()
