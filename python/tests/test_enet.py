"""The elastic-net fast path against scikit-learn, with the implicit-differentiation
formula computed here in NumPy (an independent reference), and its kink report."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.linear_model import ElasticNet as SkElasticNet
from sklearn.linear_model import Lasso as SkLasso

import piggyback as pb
from conftest import regression


def sk_solution(x, y, alpha, l1_ratio):
    """scikit-learn's minimiser of 1/(2n)‖Xw − y‖² + α ρ‖w‖₁ + α(1 − ρ)/2 ‖w‖²."""
    if l1_ratio == 1.0:
        m = SkLasso(alpha=alpha, fit_intercept=False, tol=1e-14, max_iter=1_000_000)
    else:
        m = SkElasticNet(alpha=alpha, l1_ratio=l1_ratio, fit_intercept=False, tol=1e-14, max_iter=1_000_000)
    m.fit(x, y)
    return m.coef_.copy()


def implicit_hypergradient(x, w, l2, v, scale):
    """(∂L/∂l1, ∂L/∂l2) for the objective (s/2)‖Xw − y‖² + l1‖w‖₁ + l2/2‖w‖² at its
    minimiser w, from the optimality condition on the support S:
    s X_Sᵀ(X_S w_S − y) + l1 sign(w_S) + l2 w_S = 0, differentiated:
    (s X_SᵀX_S + l2 I) ∂w_S/∂l1 = −sign(w_S), (…) ∂w_S/∂l2 = −w_S."""
    s_idx = np.flatnonzero(w)
    xs = x[:, s_idx]
    h = scale * xs.T @ xs + l2 * np.eye(len(s_idx))
    u = np.linalg.solve(h, v[s_idx])
    return np.array([-np.sign(w[s_idx]) @ u, -w[s_idx] @ u])


def val_grad(xv, yv, w):
    """∇_w of L(w) = ‖X_val w − y_val‖² / (2 n_val)."""
    return xv.T @ (xv @ w - yv) / len(yv)


@pytest.mark.parametrize("l1_ratio", [1.0, 0.7, 0.3])
def test_solution_matches_scikit_learn(data, l1_ratio):
    x, y, _, _ = data
    n = len(y)
    alpha = 0.05 * np.max(np.abs(x.T @ y)) / n
    w_sk = sk_solution(x, y, alpha, l1_ratio)
    prob = pb.ElasticNet(x, y)  # scale "mean": sklearn's 1/(2n)
    sol = prob.solve(alpha * l1_ratio, alpha * (1 - l1_ratio), tol=1e-14)
    np.testing.assert_allclose(sol.w, w_sk, atol=1e-8)
    np.testing.assert_array_equal(sol.kinks.support, np.flatnonzero(w_sk))
    assert sol.kinks.single_valued


@pytest.mark.parametrize("l1_ratio", [1.0, 0.5])
def test_hypergradient_matches_implicit_formula_on_scikit_learn_solution(data, l1_ratio):
    x, y, xv, yv = data
    n = len(y)
    alpha = 0.05 * np.max(np.abs(x.T @ y)) / n
    l1, l2 = alpha * l1_ratio, alpha * (1 - l1_ratio)
    w_sk = sk_solution(x, y, alpha, l1_ratio)
    reference = implicit_hypergradient(x, w_sk, l2, val_grad(xv, yv, w_sk), 1.0 / n)
    assert np.all(np.abs(reference) > 1e-6), "the reference must not be trivially 0"

    prob = pb.ElasticNet(x, y)
    sol = prob.solve(l1, l2, tol=1e-14)
    hg = prob.hypergradient(sol, val_grad(xv, yv, sol.w))
    np.testing.assert_allclose(hg.grad, reference, rtol=1e-6, atol=1e-10)
    assert hg.single_valued
    np.testing.assert_allclose(hg.vertices, hg.grad[None, :], rtol=1e-12)
    # The validation loss convenience computes the same thing.
    loss, hg2 = prob.validation_hypergradient(sol, xv, yv)
    assert loss == pytest.approx(np.sum((xv @ w_sk - yv) ** 2) / (2 * len(yv)), rel=1e-8)
    np.testing.assert_allclose(hg2.grad, reference, rtol=1e-6, atol=1e-10)
    # The Jacobian ∂w/∂(l1, l2): zero off the support, the formula's columns on it.
    jac = prob.jacobian(sol)
    s_idx = np.flatnonzero(w_sk)
    h = x[:, s_idx].T @ x[:, s_idx] / n + l2 * np.eye(len(s_idx))
    expected = np.zeros((x.shape[1], 2))
    expected[s_idx, 0] = np.linalg.solve(h, -np.sign(w_sk[s_idx]))
    expected[s_idx, 1] = np.linalg.solve(h, -w_sk[s_idx])
    np.testing.assert_allclose(jac, expected, rtol=1e-6, atol=1e-10)


def test_hypergradient_matches_central_differences_of_scikit_learn(data):
    """Independent of the implicit formula: differences of the validation loss at
    scikit-learn solutions for nearby (alpha, l1_ratio) mapped to (l1, l2)."""
    x, y, xv, yv = data
    n = len(y)
    l1, l2 = 0.04 * np.max(np.abs(x.T @ y)) / n, 0.02

    def loss(a, b):
        w = sk_solution(x, y, a + b, a / (a + b))
        return np.sum((xv @ w - yv) ** 2) / (2 * len(yv))

    h = 1e-6
    fd = np.array(
        [(loss(l1 + h, l2) - loss(l1 - h, l2)) / (2 * h), (loss(l1, l2 + h) - loss(l1, l2 - h)) / (2 * h)]
    )
    prob = pb.ElasticNet(x, y)
    sol = prob.solve(l1, l2, tol=1e-14)
    _, hg = prob.validation_hypergradient(sol, xv, yv)
    np.testing.assert_allclose(hg.grad, fd, rtol=1e-4)


def test_sum_scaling_is_the_problem_files_objective(data):
    """scale="sum" minimises ½‖Xw − y‖² + …: scikit-learn's α becomes n·α, and the
    hypergradient in these λ is the scikit-learn one divided by n."""
    x, y, xv, yv = data
    n = len(y)
    alpha, l1_ratio = 0.03 * np.max(np.abs(x.T @ y)) / n, 0.8
    mean = pb.ElasticNet(x, y, scale="mean")
    total = pb.ElasticNet(x, y, scale="sum")
    assert total.scale == 1.0 and mean.scale == pytest.approx(1.0 / n)
    s_mean = mean.solve(alpha * l1_ratio, alpha * (1 - l1_ratio), tol=1e-14)
    s_sum = total.solve(n * alpha * l1_ratio, n * alpha * (1 - l1_ratio), tol=1e-14)
    np.testing.assert_allclose(s_sum.w, s_mean.w, atol=1e-9)
    _, g_mean = mean.validation_hypergradient(s_mean, xv, yv)
    _, g_sum = total.validation_hypergradient(s_sum, xv, yv)
    np.testing.assert_allclose(g_sum.grad * n, g_mean.grad, rtol=1e-6)


def test_exact_kink_reports_every_vertex():
    """l1 = λ_max exactly: w = 0 and the most correlated feature j sits on its kink
    (|s X_jᵀ y| = l1). The conservative Jacobian has two vertices: j out (gradient 0)
    and j in, where (s‖X_j‖² + l2) u = v_j gives (−sign(X_jᵀy) u, −w_j u = 0)."""
    x, y, xv, yv = regression(40, 6, seed=11)
    prob = pb.ElasticNet(x, y)
    s = prob.scale
    corr = s * x.T @ y
    j = int(np.argmax(np.abs(corr)))
    l1, l2 = prob.lambda_max, 0.05
    assert l1 == pytest.approx(np.max(np.abs(corr)), rel=1e-14)
    sol = prob.solve(l1, l2)
    assert not sol.w.any()
    assert not sol.kinks.single_valued
    np.testing.assert_array_equal(sol.kinks.support, [])
    np.testing.assert_array_equal(sol.kinks.equicorrelation, [j])
    np.testing.assert_array_equal(sol.kinks.at_kink, [j])

    v = val_grad(xv, yv, sol.w)
    hg = prob.hypergradient(sol, v)
    assert not hg.single_valued
    u = v[j] / (s * x[:, j] @ x[:, j] + l2)
    expected = np.array([[0.0, 0.0], [-np.sign(corr[j]) * u, 0.0]])
    np.testing.assert_allclose(hg.vertices, expected, rtol=1e-12, atol=1e-15)
    np.testing.assert_array_equal(hg.grad, hg.vertices[0])


def test_too_many_vertices_is_reported_not_hidden():
    """Three copies of the most correlated column: all three at the kink, 2³ vertices."""
    x, y, xv, yv = regression(30, 4, seed=5)
    j = int(np.argmax(np.abs(x.T @ y)))
    x3 = np.column_stack([x, x[:, j], x[:, j]])
    prob = pb.ElasticNet(x3, y)
    sol = prob.solve(prob.lambda_max, 0.1)
    assert sorted(sol.kinks.at_kink) == sorted([j, 4, 5])
    v = val_grad(np.column_stack([xv, xv[:, j], xv[:, j]]), yv, sol.w)
    assert prob.hypergradient(sol, v).vertices.shape == (8, 2)
    hg = prob.hypergradient(sol, v, max_vertices=4)
    assert hg.vertices is None
    assert "2^3 vertices > 4" in hg.vertices_note


def test_outer_loop_descends_and_its_first_hypergradient_is_the_formula(data):
    x, y, xv, yv = data
    n = len(y)
    prob = pb.ElasticNet(x, y)
    lam0 = (0.3 * prob.lambda_max, 0.05 * prob.lambda_max)
    path = prob.tune(xv, yv, lam0, steps=12)
    k = len(path)
    assert k > 3
    assert path.lambdas.shape == (k, 2) and path.grad_log.shape == (k, 2)
    np.testing.assert_array_equal(path.lambdas[0], lam0)
    assert np.all(np.diff(path.val_loss) <= 0)
    assert path.val_loss[-1] < 0.5 * path.val_loss[0]
    assert path.best_lambda == tuple(path.lambdas[-1])
    # Step 0: the hypergradient at λ0 by the formula on scikit-learn's solution.
    alpha = sum(lam0)
    w_sk = sk_solution(x, y, alpha, lam0[0] / alpha)
    ref = implicit_hypergradient(x, w_sk, lam0[1], val_grad(xv, yv, w_sk), 1.0 / n)
    np.testing.assert_allclose(path.grad[0], ref, rtol=1e-6)
    np.testing.assert_allclose(path.grad_log[0], np.array(lam0) * ref, rtol=1e-6)
    # Each recorded validation loss is the loss at scikit-learn's solution there.
    for lam, loss in zip(path.lambdas[[0, -1]], path.val_loss[[0, -1]]):
        w = sk_solution(x, y, lam.sum(), lam[0] / lam.sum())
        assert loss == pytest.approx(np.sum((xv @ w - yv) ** 2) / (2 * len(yv)), rel=1e-6)


def test_outer_loop_tunes_the_lasso_alone(data):
    x, y, xv, yv = data
    path = pb.tune_enet(x, y, xv, yv, (0.5 * np.max(np.abs(x.T @ y)) / len(y), 0.0), tune=(True, False), steps=8)
    assert np.all(path.lambdas[:, 1] == 0.0)
    assert np.all(path.grad_log[:, 1] == 0.0)
    assert path.val_loss[-1] < path.val_loss[0]


def test_logistic_validation_loss(data):
    x, y, xv, yv = data
    labels = (yv > 0).astype(float)
    path = pb.tune_enet(x, y, xv, labels, loss="logistic", steps=5)
    assert np.all(np.diff(path.val_loss) <= 0)
    with pytest.raises(pb.InputError, match=r"labels must be in \[0, 1\]"):
        pb.tune_enet(x, y, xv, yv * 10, loss="logistic")


def test_warm_start_reaches_the_same_solution(data):
    x, y, _, _ = data
    prob = pb.ElasticNet(x, y)
    a = prob.solve(0.1 * prob.lambda_max, 0.01, tol=1e-14)
    b = prob.solve(0.09 * prob.lambda_max, 0.01, tol=1e-14)
    c = prob.solve(0.1 * prob.lambda_max, 0.01, warm_start=b.w, tol=1e-14)
    np.testing.assert_allclose(c.w, a.w, atol=1e-10)
    assert prob.objective(a.w, a.l1, a.l2) == pytest.approx(prob.objective(c.w, c.l1, c.l2), rel=1e-12)
