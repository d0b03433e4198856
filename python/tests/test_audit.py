"""The audit of NumPy Jacobian code (``piggyback.audit``, the crate's audit engine):
wrong derivative conventions at kinks and wrong sign patterns are caught with
counterexamples that reproduce against the user's own code; valid conventions pass;
the three outcomes; exceptions and shapes in user code."""

from __future__ import annotations

import numpy as np
import pytest

import piggyback as pb


def relu_jacobian(at0: float):
    def jac(x):
        return np.array([[1.0 if x[0] > 0 else (0.0 if x[0] < 0 else at0)]])

    return jac


def relu(x):
    return np.maximum(x, 0.0)


@pytest.mark.parametrize("at0", [2.0, -0.5, 1.0 + 1e-3])
def test_relu_derivative_outside_0_1_at_the_kink_is_caught(at0):
    r = pb.audit(relu, 1, jacobian=relu_jacobian(at0), seed=3)
    assert r.verdict == "fail" and r.failed and not r.passed, r
    c = r.violations[0]
    assert c.kind == "outside_clarke", c
    # Found at the kink itself, x = 0 exactly, where the claim is relu'(0)·d.
    assert c.point.tolist() == [0.0]
    d = c.direction[0]
    assert d != 0
    assert c.claimed.tolist() == [at0 * d]
    # The one-sided derivatives of relu along d are max(d, 0) and min(d, 0)
    # (closed form); expected holds f'(0; d) then −f'(0; −d).
    assert np.allclose(c.expected, [max(d, 0.0), min(d, 0.0)], atol=1e-6)
    assert "OutsideClarke" in str(c) and "FAIL" in str(r)


@pytest.mark.parametrize("at0", [0.0, 0.25, 0.5, 1.0])
def test_relu_with_any_value_in_0_1_at_the_kink_passes(at0):
    r = pb.audit(relu, 1, jacobian=relu_jacobian(at0), seed=1)
    assert r.verdict == "pass", r
    assert r.violations == ()
    assert r.kinks_located > 0, r
    assert r.chain_rule_decided >= r.min_decided


def test_a_value_at_one_point_is_allowed_by_the_conservative_convention():
    r = pb.audit(relu, 1, jacobian=relu_jacobian(2.0), conventions="conservative", seed=3)
    assert r.verdict == "pass", r


LAM = 0.5


def soft(x):
    return np.sign(x) * np.maximum(np.abs(x) - LAM, 0.0)


def test_soft_threshold_with_the_wrong_sign_pattern_is_caught():
    # Elementwise soft-thresholding R³ → R³. The Jacobian is diag(|x| > λ); the
    # wrong one has sign(x) on the diagonal (−1 where x < −λ).
    wrong = lambda x: np.diag(np.where(np.abs(x) > LAM, np.sign(x), 0.0))  # noqa: E731
    r = pb.audit(soft, 3, jacobian=wrong, hints=[LAM, -LAM], seed=2)
    assert r.verdict == "fail", r
    c = r.violations[0]
    assert c.kind == "chain_rule", c
    # The counterexample reproduces against the user's code and a closed form:
    # the true derivative along d is d_i on |x_i| > λ, 0 inside.
    x, d = c.point, c.direction
    assert np.array_equal(c.claimed, wrong(x) @ d)
    truth = np.where(np.abs(x) > LAM, d, 0.0)
    assert np.allclose(c.expected, truth, atol=1e-6), (c, truth)
    assert not np.allclose(c.claimed, truth)
    assert np.any((x < -LAM) & (d != 0)), c  # where the sign is wrong
    assert c.estimated


def soft2(z):
    """S(u, λ) with λ as an input: R² → R, domain λ > 0."""
    u, lam = z
    if lam <= 0:
        raise pb.OutsideDomain(f"λ = {lam} must be > 0")
    return np.sign(u) * max(abs(u) - lam, 0.0)


def soft2_jvp(sign: float):
    # The Jacobian on |u| > λ is [1, −sign(u)]; `sign = −1` flips the λ column.
    def jvp(z, v):
        u, lam = z
        if lam <= 0:
            raise pb.OutsideDomain("λ must be > 0")
        if abs(u) > lam:
            return np.array([v[0] - sign * np.sign(u) * v[1]])
        return np.zeros(1)

    return jvp


def test_soft_threshold_in_lambda_jvp_wrong_sign_caught_and_correct_one_passes():
    r = pb.audit(soft2, 2, jvp=soft2_jvp(-1.0), n_out=1)
    assert r.verdict == "fail", r
    c = r.violations[0]
    assert c.kind == "chain_rule"
    u, lam = c.point
    assert abs(u) > lam > 0, c
    for conv in ("clarke", "conservative"):
        r = pb.audit(soft2, 2, jvp=soft2_jvp(1.0), n_out=1, conventions=conv)
        assert r.verdict == "pass", r
        # λ ≤ 0 is outside the domain: counted, named among the reasons, never a violation.
        assert r.undecided["domain"] > 0
        assert any("outside the domain" in s for s in r.reasons)


def test_smooth_map_and_a_transposed_jacobian():
    f = lambda x: np.array([np.sin(x[0]) * np.cos(x[1]), np.exp(x[0] / 2) + x[1] ** 3])  # noqa: E731

    def jac(x):
        return np.array(
            [
                [np.cos(x[0]) * np.cos(x[1]), -np.sin(x[0]) * np.sin(x[1])],
                [np.exp(x[0] / 2) / 2, 3 * x[1] ** 2],
            ]
        )

    assert pb.audit(f, 2, jacobian=jac).verdict == "pass"
    r = pb.audit(f, 2, jacobian=lambda x: jac(x).T)
    assert r.verdict == "fail" and r.violations[0].kind == "chain_rule", r
    assert r.violations[0].element is not None
    assert r.violations[0].element.shape == (2, 2)


def test_tolerance_is_what_the_claim_may_be_off_by():
    # A Jacobian off by a relative 1e-4 (as f32 code would be): fails at the default
    # tol_rel = 1e-6, passes at tol_rel = 1e-3.
    f = lambda x: np.array([x[0] ** 2])  # noqa: E731
    jac = lambda x: np.array([[2 * x[0] * (1 + 1e-4)]])  # noqa: E731
    assert pb.audit(f, 1, jacobian=jac, seed=4).verdict == "fail"
    assert pb.audit(f, 1, jacobian=jac, seed=4, tol_rel=1e-3).verdict == "pass"


def test_mostly_outside_the_domain_is_inconclusive():
    def f(x):
        if x[0] < 1.99:
            raise pb.OutsideDomain("x < 1.99")
        return x

    with pytest.raises(pb.InputError, match="give n_out"):
        pb.audit(f, 1, jacobian=lambda x: np.eye(1))
    r = pb.audit(f, 1, n_out=1, jacobian=lambda x: np.eye(1))
    assert r.verdict == "inconclusive", r
    assert not r.passed and not r.failed
    assert r.reasons[0].startswith("only"), r.reasons


def test_a_nan_claim_is_never_a_pass():
    r = pb.audit(relu, 1, jacobian=lambda x: np.array([[np.nan]]), budget="quick")
    assert r.verdict == "inconclusive", r
    assert r.undecided["claim"] > 0
    assert any("claims returned an error" in s for s in r.reasons)


def test_runs_are_reproducible_from_the_seed():
    a = pb.audit(relu, 1, jacobian=relu_jacobian(2.0), seed=11)
    b = pb.audit(relu, 1, jacobian=relu_jacobian(2.0), seed=11)
    assert a.text == b.text
    assert a.seed == 11 and a.violations[0].seed == 11


def test_errors_in_user_code_and_arguments():
    def boom(x):
        raise TypeError("bug in user code")

    with pytest.raises(TypeError, match="bug in user code"):
        pb.audit(boom, 1, n_out=1, jacobian=lambda x: np.eye(1))
    with pytest.raises(pb.ShapeError, match=r"jacobian returned an array of shape \(3,\), expected \(2, 2\)"):
        pb.audit(lambda x: x, 2, jacobian=lambda x: np.ones(3))
    with pytest.raises(pb.ShapeError, match=r"f returned .* shape \(2,\), expected \(3,\)"):
        pb.audit(lambda x: x[:2], 3, n_out=3, jacobian=lambda x: np.eye(3))
    with pytest.raises(pb.InputError, match="exactly one of jacobian= and jvp="):
        pb.audit(relu, 1)
    with pytest.raises(pb.InputError, match="exactly one"):
        pb.audit(relu, 1, jacobian=relu_jacobian(0), jvp=lambda x, v: v)
    with pytest.raises(pb.InputError, match="conventions"):
        pb.audit(relu, 1, jacobian=relu_jacobian(0), conventions="ad")  # type: ignore[arg-type]
    with pytest.raises(pb.InputError, match="tolerance"):
        pb.audit(relu, 1, jacobian=relu_jacobian(0), tol_abs=-1.0)
    with pytest.raises(pb.InputError, match="tolerance"):
        pb.audit(relu, 1, jacobian=relu_jacobian(0), tol_rel=float("nan"))
    with pytest.raises(pb.ShapeError, match="bounds"):
        pb.audit(relu, 1, jacobian=relu_jacobian(0), bounds=[(0, 1), (0, 1)])
    with pytest.raises(pb.InputError, match="empty"):
        pb.audit(relu, 1, jacobian=relu_jacobian(0), bounds=[(1, 1)])
    with pytest.raises(pb.InputError, match="budget"):
        pb.audit(relu, 1, jacobian=relu_jacobian(0), budget="huge")  # type: ignore[arg-type]
    with pytest.raises(pb.InputError):
        pb.audit(relu, 1, jacobian=relu_jacobian(0), lines=0, structured_lines=0, kink_points=0)
    # A complex claim is refused, not silently truncated to its real part.
    with pytest.raises(TypeError, match="complex"):
        pb.audit(relu, 1, jacobian=lambda x: np.array([[1j]]))


def test_bounds_set_the_sampling_box():
    # |x| claimed with slope 1 everywhere: wrong for x < 0 only. Sampled in [0.5, 1.5]
    # the error is out of reach (probes may step a little outside the box, never
    # onto an interval of x < 0 long enough to confirm); sampled in [−2, 2] it is caught.
    seen = []

    def f(x):
        seen.append(float(x[0]))
        return np.abs(x)

    one = lambda x: np.ones((1, 1))  # noqa: E731
    r = pb.audit(f, 1, jacobian=one, bounds=[(0.5, 1.5)], budget="quick")
    assert r.verdict == "pass", r
    assert seen[0] == 1.0  # n_out is inferred at the centre of the box
    r = pb.audit(f, 1, jacobian=one, budget="quick")
    assert r.verdict == "fail", r
    assert r.violations[0].point[0] < 0
