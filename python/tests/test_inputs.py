"""Bad input raises a Python exception with a clear message; memory layouts and
array-likes are accepted and give the same numbers."""

from __future__ import annotations

import numpy as np
import pytest

import piggyback as pb


def test_fortran_and_strided_arrays_give_identical_results(data):
    x, y, xv, yv = data
    ref = pb.ElasticNet(x, y).solve(0.05, 0.01)
    fortran = np.asfortranarray(x)
    assert fortran.flags.f_contiguous and not fortran.flags.c_contiguous
    np.testing.assert_array_equal(pb.ElasticNet(fortran, y).solve(0.05, 0.01).w, ref.w)
    # Non-contiguous views: every other row and a reversed column order.
    big = np.zeros((2 * x.shape[0], x.shape[1]))
    big[::2] = x
    view = big[::2]
    assert not view.flags.c_contiguous
    np.testing.assert_array_equal(pb.ElasticNet(view, y).solve(0.05, 0.01).w, ref.w)
    rev = x[:, ::-1]  # negative strides: the same as its contiguous copy
    np.testing.assert_array_equal(
        pb.ElasticNet(rev, y).solve(0.05, 0.01).w, pb.ElasticNet(np.ascontiguousarray(rev), y).solve(0.05, 0.01).w
    )
    yy = np.zeros(2 * len(y))
    yy[1::2] = y
    np.testing.assert_array_equal(pb.ElasticNet(x, yy[1::2]).solve(0.05, 0.01).w, ref.w)


def test_array_likes_and_other_dtypes_are_converted():
    x = [[1, 0], [0, 2], [1, 1]]
    y = (1, 2, 3)
    a = pb.ElasticNet(x, y, scale="sum").solve(0.1)
    b = pb.ElasticNet(np.array(x, dtype=np.float32), np.array(y, dtype=np.int8), scale="sum").solve(0.1)
    np.testing.assert_array_equal(a.w, b.w)
    assert a.w.dtype == np.float64


@pytest.mark.parametrize(
    "bad, message",
    [
        (np.nan, r"X contains NaN at \[2, 1\]"),
        (np.inf, r"X contains inf at \[2, 1\]"),
        (-np.inf, r"X contains -inf at \[2, 1\]"),
    ],
)
def test_non_finite_design_is_refused_with_its_position(data, bad, message):
    x, y, _, _ = data
    x = x.copy()
    x[2, 1] = bad
    with pytest.raises(pb.InputError, match=message):
        pb.ElasticNet(x, y)
    with pytest.raises(ValueError):  # also a ValueError
        pb.ElasticNet(x, y)


def test_non_finite_vectors_are_refused(data):
    x, y, xv, yv = data
    y2 = y.copy()
    y2[4] = np.nan
    with pytest.raises(pb.InputError, match=r"y contains NaN at index 4"):
        pb.ElasticNet(x, y2)
    prob = pb.ElasticNet(x, y)
    sol = prob.solve(0.1)
    v = np.zeros(x.shape[1])
    v[0] = np.inf
    with pytest.raises(pb.InputError, match=r"v contains inf at index 0"):
        prob.hypergradient(sol, v)
    xv2 = xv.copy()
    xv2[0, 0] = np.nan
    with pytest.raises(pb.InputError, match=r"X_val contains NaN at \[0, 0\]"):
        prob.tune(xv2, yv)
    with pytest.raises(pb.InputError, match=r"warm_start contains NaN"):
        prob.solve(0.1, warm_start=np.full(x.shape[1], np.nan))


def test_wrong_shapes_name_the_arguments(data):
    x, y, xv, yv = data
    n, p = x.shape
    cases = [
        (lambda: pb.ElasticNet(x[0], y), r"X must be a 2-D array \(samples × features\), got shape \(15,\)"),
        (lambda: pb.ElasticNet(x[None], y), r"X must be a 2-D array .* got shape \(1, 60, 15\)"),
        (lambda: pb.ElasticNet(x, y[:, None]), r"y must be a 1-D array, got shape \(60, 1\)"),
        (lambda: pb.ElasticNet(x, y[:-1]), r"X has 60 rows but y has 59 entries"),
        (lambda: pb.ElasticNet(np.zeros((0, 3)), np.zeros(0)), r"at least one row and one column"),
    ]
    prob = pb.ElasticNet(x, y)
    sol = prob.solve(0.1)
    cases += [
        (lambda: prob.tune(xv[:, :-1], yv), r"X_val has 14 columns but X has 15"),
        (lambda: prob.tune(xv, yv[:-2]), r"X_val has 60 rows but y_val has 58 entries"),
        (lambda: prob.hypergradient(sol, np.zeros(p + 1)), r"v has 16 entries but X has 15 columns"),
        (lambda: prob.solve(0.1, warm_start=np.zeros(3)), r"warm_start has 3 entries but X has 15 columns"),
        (lambda: prob.objective(np.zeros(2), 0.1, 0.0), r"w has 2 entries but X has 15 columns"),
    ]
    for call, message in cases:
        with pytest.raises(pb.ShapeError, match=message):
            call()


def test_bad_options_are_refused(data):
    x, y, xv, yv = data
    prob = pb.ElasticNet(x, y)
    sol = prob.solve(0.1)
    cases = [
        (lambda: prob.solve(-0.1), r"need finite l1 ≥ 0 and l2 ≥ 0, got l1 = -0.1"),
        (lambda: prob.solve(0.1, np.nan), r"l2 = NaN"),
        (lambda: prob.solve(0.1, tol=0.0), r"tol must be finite and > 0"),
        (lambda: prob.solve(0.1, max_outer=0), r"max_outer and max_inner must be ≥ 1"),
        (lambda: pb.ElasticNet(x, y, scale="median"), r'scale must be "mean", "sum" or a number > 0, got "median"'),
        (lambda: pb.ElasticNet(x, y, scale=-1.0), r"scale must be finite and > 0, got -1"),
        (lambda: prob.jacobian(sol, solver="lu"), r'solver must be "auto", "cholesky" or "cg", got "lu"'),
        (lambda: prob.tune(xv, yv, loss="hinge"), r'loss must be "squared" or "logistic", got "hinge"'),
        (lambda: prob.tune(xv, yv, learning_rate=0.0), r"learning_rate must be finite and > 0"),
        (lambda: prob.tune(xv, yv, (0.0, 0.1)), r"λ > 0 where tuned"),
    ]
    for call, message in cases:
        with pytest.raises(pb.InputError, match=message):
            call()


def test_a_solution_is_only_used_with_its_problem(data):
    x, y, _, _ = data
    a, b = pb.ElasticNet(x, y), pb.ElasticNet(x, y)
    sol = a.solve(0.1)
    with pytest.raises(pb.InputError, match="belongs to another ElasticNet problem"):
        b.jacobian(sol)


def test_complex_and_unreadable_arrays_are_type_errors(data):
    x, y, _, _ = data
    with pytest.raises(TypeError, match="X is a complex array"):
        pb.ElasticNet(x + 0j, y)
    with pytest.raises(TypeError, match="y cannot be read as a float64 array"):
        pb.ElasticNet(x, ["a"] * len(y))


def test_no_convergence_is_a_runtime_error(data):
    x, y, _, _ = data
    prob = pb.ElasticNet(x, y)
    with pytest.raises(pb.NotConvergedError, match="did not converge"):
        prob.solve(1e-6, max_outer=1, max_inner=1, tol=1e-16)
    with pytest.raises(RuntimeError):
        prob.solve(1e-6, max_outer=1, max_inner=1, tol=1e-16)


def test_outputs_are_numpy_arrays_of_the_right_dtype(data):
    x, y, xv, yv = data
    prob = pb.ElasticNet(x, y)
    sol = prob.solve(0.05)
    assert isinstance(sol.w, np.ndarray) and sol.w.dtype == np.float64 and sol.w.shape == (15,)
    assert sol.kinks.support.dtype == np.int64
    assert sol.w is sol.w  # the same array every time (moved, not re-copied)
    jac = prob.jacobian(sol)
    assert jac.shape == (15, 2) and jac.dtype == np.float64
    path = prob.tune(xv, yv, steps=2)
    assert path.single_valued.dtype == np.bool_
