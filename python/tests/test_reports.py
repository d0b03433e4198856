"""certify / check / solve: the command line's JSON reports as dicts with exact
numbers as Fractions; reference values computed here in exact arithmetic."""

from __future__ import annotations

import json
from fractions import Fraction as F

import numpy as np
import pytest

import piggyback as pb
from conftest import PROBLEMS

ENET = PROBLEMS / "elastic_net.json"


def enet_dict(design, response=("1", "-1/2"), theta=("1/10", "0"), name="enet"):
    return {
        "piggyback_problem": 1,
        "name": name,
        "map": {"kind": "elastic_net", "design": design, "response": list(response), "step": "2/5"},
        "theta": list(theta),
    }


def test_certify_elastic_net_contraction_with_exact_numbers():
    res = pb.certify(ENET)
    r = res.report
    assert (r["report"], r["command"], r["version"]) == ("piggyback-report", "certify", 1)
    assert res.outcome == "contraction" and res.exit_code == 0
    claim = r["certificate"]["claim"]
    rho = claim["rho"]
    assert isinstance(rho, F)
    # Exact reference: A = [[6/5, -8/5], [4/5, 3/5]]; AᵀA has trace 5 and determinant
    # 4, so eigenvalues L = 4, μ = 1; the step 2/5 gives the Euclidean contraction
    # factor max(|1 − γμ|, |1 − γL|) = 3/5: a sound bound is ≥ 3/5, and it must be < 1.
    a = [[F(6, 5), F(-8, 5)], [F(4, 5), F(3, 5)]]
    ata = [[sum(a[k][i] * a[k][j] for k in range(2)) for j in range(2)] for i in range(2)]
    tr, det = ata[0][0] + ata[1][1], ata[0][0] * ata[1][1] - ata[0][1] * ata[1][0]
    assert (tr, det) == (5, 4)  # eigenvalues 4 and 1
    gamma = F(2, 5)
    assert F(3, 5) == max(abs(1 - gamma * 1), abs(1 - gamma * 4))
    assert F(3, 5) <= rho < 1
    # The fixed-point certificate: signs and the exact ∂x̄/∂λ₁. With sign(x̄) = (0, −1)
    # the support is {1}: ∂x̄₁/∂λ₁ = −sign(x̄₁)/‖A_1‖² = 1/((−8/5)² + (3/5)²) = 25/73.
    fp = r["fixed_point"]["summary"]
    assert fp["signs"] == [0, -1]
    col = [a[0][1], a[1][1]]
    assert fp["derivative_lambda1"] == [F(0), F(1) / sum(c * c for c in col)] == [0, F(25, 73)]
    assert all(isinstance(c, F) for c in fp["center"])
    assert isinstance(fp["radius"], F) and fp["radius"] >= 0
    # Closed form on the support {1} of ½‖Ax − b‖² + λ₁‖x‖₁ with sign −1:
    # ‖A_1‖² x̄₁ − A_1ᵀb − λ₁ = 0, so x̄₁ = (λ₁ + A_1ᵀb)/‖A_1‖² = −45/73; the certified
    # ball (radius 0 when the exact route applies) must contain it.
    b = [F(1), F(-1, 2)]
    xbar = [F(0), (F(1, 10) + sum(c * y for c, y in zip(col, b))) / sum(c * c for c in col)]
    assert xbar[1] == F(-45, 73)
    assert all(abs(c - x) <= fp["radius"] for c, x in zip(fp["center"], xbar))
    assert r["certificate"]["path"] is None and r["fixed_point"]["path"] is None  # nothing written
    assert r["problem"] == str(ENET)


def test_certificate_round_trip_and_forgeries_are_rejected(tmp_path):
    res = pb.certify(ENET)
    ok = pb.check(res.certificate)
    assert (ok["verdict"], ok["outcome"], ok["exit_code"]) == ("valid", "contraction", 0)
    assert ok["claim"]["rho"] == res.report["certificate"]["claim"]["rho"]
    fp = pb.check(res.fixed_point_certificate)
    assert (fp["verdict"], fp["outcome"]) == ("valid", "fixed_point")
    # From a file and from a dict.
    path = tmp_path / "enet.cert.json"
    path.write_text(res.certificate)
    assert pb.check(path)["verdict"] == "valid"
    assert pb.check(str(path))["certificate"] == str(path)
    assert pb.check(json.loads(res.certificate))["verdict"] == "valid"
    # A forged bound below the true contraction factor 3/5: rejected, not accepted.
    forged = json.loads(res.certificate)
    forged["claim"]["rho"] = "1/2"
    bad = pb.check(forged)
    assert (bad["verdict"], bad["exit_code"]) == ("rejected", 1)
    assert bad["failure"]
    # A forged fixed-point derivative.
    forged_fp = json.loads(res.fixed_point_certificate)
    forged_fp["derivative"] = ["0", "25/72"]
    assert pb.check(forged_fp)["verdict"] == "rejected"
    # Not a certificate at all.
    assert pb.check('{"format": "something else"}')["verdict"] == "malformed"
    with pytest.raises(pb.InputError, match="cannot read"):
        pb.check(tmp_path / "missing.json")


def test_heavy_ball_is_refuted():
    res = pb.certify(PROBLEMS / "heavy_ball.json")
    assert res.outcome == "refuted" and res.exit_code == 4
    claim = res.report["certificate"]["claim"]
    assert claim["kind"] == "refutation" and claim["r"] == 1
    assert all(isinstance(i, int) for i in claim["word"])
    again = pb.check(res.certificate)
    assert (again["verdict"], again["outcome"], again["exit_code"]) == ("valid", "refuted", 4)


def test_problem_dicts_with_numpy_arrays_are_exact():
    """Floats in NumPy arrays are their exact binary values: dyadic entries give the
    same problem as their exact strings."""
    design = np.array([[1.5, -0.25], [0.5, 2.0]])
    as_text = enet_dict([["3/2", "-1/4"], ["1/2", "2"]])
    as_array = enet_dict(design)
    a, b = pb.certify(as_text), pb.certify(as_array)
    assert a.report["certificate"]["claim"] == b.report["certificate"]["claim"]
    assert a.report["fixed_point"]["summary"] == b.report["fixed_point"]["summary"]
    assert a.report["problem"] is None
    # Fractions, Decimals and ints are exact numbers too.
    from decimal import Decimal

    c = pb.certify(enet_dict([[F(3, 2), Decimal("-0.25")], [F(1, 2), 2]]))
    assert c.report["certificate"]["claim"] == a.report["certificate"]["claim"]


def test_problem_dict_errors_are_input_errors():
    with pytest.raises(pb.InputError, match="JSON float 0.1 is ambiguous"):
        pb.certify(enet_dict([["1", "0"], ["0", "1"]], theta=(0.1, "0")))
    with pytest.raises(pb.InputError, match=r"map.design: NaN or infinity at index \(1, 0\)"):
        pb.certify(enet_dict(np.array([[1.0, 0.0], [np.nan, 1.0]])))
    with pytest.raises(pb.InputError, match="problem"):
        pb.certify({"piggyback_problem": 1, "map": {"kind": "no_such_kind"}})
    with pytest.raises(pb.InputError, match="a problem is a dict or a path, got int"):
        pb.certify(3)  # type: ignore[arg-type]
    with pytest.raises(pb.InputError, match="cannot read"):
        pb.solve(PROBLEMS / "missing.json")


def test_names_that_look_like_numbers_stay_text():
    res = pb.certify(enet_dict([["3/2", "0"], ["0", "2"]], name="42"))
    assert res.report["name"] == "42"


def test_solve_lasso_from_csv_with_proof():
    r = pb.solve(PROBLEMS / "lasso.json")
    assert r["command"] == "solve" and r["proved"] and r["exit_code"] == 0
    x = np.array(r["x"])
    boxes = np.array(r["proof"]["x"])
    assert x.shape == (8,) and boxes.shape == (8, 2)
    # The f64 fixed point lies in the proven box (widths tiny), and proven signs match.
    assert np.all(boxes[:, 0] <= x) and np.all(x <= boxes[:, 1])
    for xi, nz in zip(x, r["proof"]["nonzero"]):
        if nz is True:
            assert xi != 0
        if nz is False:
            assert xi == 0
    jac = np.array(r["jacobian"])
    d = np.array(r["proof"]["derivative"])
    assert jac.shape == (8, 1) and d.shape == (8, 1, 2)
    assert np.all(d[..., 0] - 1e-9 <= jac) and np.all(jac <= d[..., 1] + 1e-9)


def test_solve_dict_resolves_data_paths_against_base_dir():
    problem = json.loads((PROBLEMS / "lasso.json").read_text())
    r = pb.solve(problem, base_dir=PROBLEMS)
    assert r["proved"] and r["problem"] is None
    with pytest.raises(pb.InputError):
        pb.solve(problem, base_dir=PROBLEMS.parent.parent)  # ../data does not exist there
    with pytest.raises(pb.InputError, match="base_dir applies to problem dicts"):
        pb.solve(PROBLEMS / "lasso.json", base_dir=PROBLEMS)


def test_exact_strings_become_fractions_only_outside_text_keys():
    from piggyback._reports import exact, parse_report

    r = parse_report('{"name": "7", "rho": "-3/4", "word": [1, 2], "x": [0.5, null], "path": "1/2"}')
    assert r == {"name": "7", "rho": F(-3, 4), "word": [1, 2], "x": [0.5, None], "path": "1/2"}
    assert exact("12") == 12
    with pytest.raises(ValueError):
        exact("0.5")
