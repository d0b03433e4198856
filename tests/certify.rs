//! Certificates: format, trusted checker, finders, mutation and reference tests.
//!
//! Ground truth never comes from the code under test: singular values and
//! eigenvalues from nalgebra (f64, used only with a margin away from ties), exact
//! determinants by the 2×2 formula, and hand derivations in comments.

use piggyback::certify::contraction::{
    certified_rho, certify_norm_bound, certify_weighted_at, certify_weighted_bound,
    find_norm_bound, find_weighted_bound, SearchOptions,
};
use piggyback::certify::invertible::certify_invertible;
use piggyback::certify::refute::find_refutation;
use piggyback::certify::{
    check_json, family_data, from_json, to_json, Certificate, CheckFailure, Claim, FamilyData,
    InvertWitness, Letter, Subject, Verdict,
};
use piggyback::certify::{num_text, RadiusWitness as RadiusText};
use piggyback::linalg::lu::determinant;
use piggyback::linalg::norms::Norm;
use piggyback::scalar::Rational;
use piggyback::MatrixSetView;
use piggyback::{Error, Matrix, MatrixSet, Scalar};
use piggyback_kernel::certificate::MAX_DIM;
use proptest::prelude::*;
use serde_json::Value;

/// The kernel's check with the default budget.
fn check(c: &Certificate) -> Result<Verdict, CheckFailure> {
    piggyback_kernel::check::check(c, &mut piggyback_kernel::Budget::default())
}

/// The written family of a certificate about a family.
fn family_mut(c: &mut Certificate) -> &mut FamilyData {
    match &mut c.subject {
        Subject::Family { family } => family,
        other => panic!("not a family certificate: {other:?}"),
    }
}

fn family_of(c: &Certificate) -> &FamilyData {
    match &c.subject {
        Subject::Family { family } => family,
        other => panic!("not a family certificate: {other:?}"),
    }
}

fn subject(f: FamilyData) -> Subject {
    Subject::Family { family: f }
}

fn indices(w: &[usize]) -> Vec<Letter> {
    w.iter().map(|&i| Letter::Index(i)).collect()
}

fn index_word(w: &[Letter]) -> Vec<usize> {
    w.iter()
        .map(|l| match l {
            Letter::Index(i) => *i,
            Letter::Pattern(_) => panic!("not a vertex word"),
        })
        .collect()
}

fn q(p: i64, d: i64) -> Rational {
    Rational::from((p, d))
}

fn mat(rows: &[Vec<(i64, i64)>]) -> Matrix<Rational> {
    Matrix::from_ratio_rows(rows).expect("well-formed test matrix")
}

fn sigma_max(m: &Matrix<Rational>) -> f64 {
    m.to_f64()
        .to_nalgebra()
        .singular_values()
        .iter()
        .copied()
        .fold(0.0, f64::max)
}

fn opts() -> SearchOptions {
    SearchOptions::default()
}

/// The heavy-ball vertices (M₁ for x ≥ 0, M₂ for x < 0; α = 1, β = 3/4).
fn heavy_ball() -> (Matrix<Rational>, Matrix<Rational>) {
    (
        mat(&[vec![(3, 4), (-3, 4)], vec![(1, 1), (0, 1)]]),
        mat(&[vec![(3, 2), (-3, 4)], vec![(1, 1), (0, 1)]]),
    )
}

/// W = (9/10)·Q with Q = [[3/5, −4/5], [4/5, 3/5]] (Pythagorean triple 3-4-5, QᵀQ = I):
/// ‖W‖₂ = 9/10 exactly.
fn relu_weight() -> Matrix<Rational> {
    mat(&[vec![(27, 50), (-36, 50)], vec![(36, 50), (27, 50)]])
}

/// {diag(q)·W : q ∈ {0,1}²}.
fn relu_family(w: &Matrix<Rational>) -> MatrixSet<Rational> {
    let n = w.rows();
    let vs = (0u32..1 << n)
        .map(|mask| {
            let d: Vec<Rational> = (0..n).map(|i| Rational::from((mask >> i) & 1)).collect();
            w.scale_rows(&d).expect("shape")
        })
        .collect();
    MatrixSet::finite(vs).unwrap()
}

// ------------------------------------------------------------------ format

#[test]
fn round_trip_and_check() -> piggyback::Result<()> {
    let c = find_norm_bound(&relu_family(&relu_weight()), Norm::Two, &opts())?;
    let text = to_json(&c);
    let back = from_json(&text).expect("round trip");
    assert_eq!(back, c);
    assert!(check_json(&text).is_ok());
    assert!(text.contains("\"piggyback-certificate\"") && text.contains("\"9/10\""));
    Ok(())
}

#[test]
fn truncated_and_corrupted_files_are_clean_errors() -> piggyback::Result<()> {
    let c = find_norm_bound(&relu_family(&relu_weight()), Norm::Two, &opts())?;
    let text = to_json(&c);
    // Every proper prefix is malformed (no panic, a Malformed error).
    for cut in 0..text.len() {
        if !text.is_char_boundary(cut) {
            continue;
        }
        assert!(
            matches!(check_json(&text[..cut]), Err(CheckFailure::Malformed(_))),
            "prefix {cut} accepted"
        );
    }
    // Corrupting single bytes never panics; if the result still parses it must be
    // either accepted (the claim happens to stay true) or a typed failure.
    let bytes = text.as_bytes();
    for k in (0..bytes.len()).step_by(3) {
        let mut b = bytes.to_vec();
        b[k] = b"x}\"0-/9"[k % 7];
        if let Ok(s) = String::from_utf8(b) {
            let _ = check_json(&s);
        }
    }
    Ok(())
}

fn with_rho(c: &Certificate, rho: &str) -> Certificate {
    let mut c = c.clone();
    if let Claim::NormBound { rho: r, .. } = &mut c.claim {
        *r = rho.to_string();
    }
    c
}

#[test]
fn bad_numbers_and_data_are_typed() -> piggyback::Result<()> {
    let c = find_norm_bound(&relu_family(&relu_weight()), Norm::Two, &opts())?;
    for bad in ["1/0", "abc", "1/2/3", "", "0x10", "1e100000", "NaN", "inf"] {
        assert!(
            matches!(
                check(&with_rho(&c, bad)),
                Err(CheckFailure::BadNumber { .. })
            ),
            "{bad:?} accepted"
        );
    }
    let huge = "9".repeat(100_000);
    assert!(matches!(
        check(&with_rho(&c, &huge)),
        Err(CheckFailure::BadNumber { .. })
    ));
    // Ragged matrix.
    let mut ragged = c.clone();
    if let FamilyData::Finite { vertices } = family_mut(&mut ragged) {
        vertices[0][0].push("1".into());
    }
    assert!(matches!(check(&ragged), Err(CheckFailure::BadData { .. })));
    // Mixed shapes.
    let mut mixed = c.clone();
    if let FamilyData::Finite { vertices } = family_mut(&mut mixed) {
        vertices[1] = vec![vec!["1".into()]];
    }
    assert!(matches!(check(&mixed), Err(CheckFailure::BadData { .. })));
    // Empty set; oversized dimension.
    let empty = Certificate {
        subject: subject(FamilyData::Hull { vertices: vec![] }),
        ..c.clone()
    };
    assert!(matches!(check(&empty), Err(CheckFailure::BadData { .. })));
    let big = Certificate {
        subject: subject(FamilyData::Hull {
            vertices: vec![vec![vec!["0".into()]; MAX_DIM + 1]],
        }),
        ..c.clone()
    };
    assert!(matches!(check(&big), Err(CheckFailure::BadData { .. })));
    // Version and format.
    let mut v = serde_json::to_value(&c).expect("serialisable");
    v["version"] = Value::from(3);
    assert!(matches!(
        check_json(&v.to_string()),
        Err(CheckFailure::Malformed(_))
    ));
    v["version"] = Value::from(1);
    assert!(matches!(
        check_json(&v.to_string()),
        Err(CheckFailure::Malformed(m)) if m.contains("version 1")
    ));
    v["version"] = Value::from(2);
    v["format"] = Value::from("something-else");
    assert!(matches!(
        check_json(&v.to_string()),
        Err(CheckFailure::Malformed(_))
    ));
    v["format"] = Value::from("piggyback-certificate");
    v["claim"]["extra"] = Value::from(1);
    assert!(matches!(
        check_json(&v.to_string()),
        Err(CheckFailure::Malformed(_))
    ));
    Ok(())
}

// ------------------------------------------------------------------ contraction

#[test]
fn relu_layer_certified_at_nine_tenths() -> piggyback::Result<()> {
    // Reference: W = (9/10)Q with Q orthogonal, so ‖diag(q)W‖₂ = ‖diag(q)‖₂·(9/10) ≤ 9/10
    // for q ∈ {0,1}², with equality at q = (1,1). The exact search must land on 9/10.
    let w = relu_weight();
    let c = find_norm_bound(&relu_family(&w), Norm::Two, &opts())?;
    assert_eq!(certified_rho(&c), Some(q(9, 10)));
    assert!(certify_norm_bound(&relu_family(&w), Norm::Two, &q(899, 1000)).is_err());
    // The structured form {diag(q)W : q ∈ [0,1]²} (the hull) is checked through
    // ‖diag(q)W‖ ≤ ‖W‖ at the single matrix W.
    let diag_box = MatrixSet::diag_box(
        vec![q(0, 1); 2],
        vec![q(1, 1); 2],
        w.clone(),
        Matrix::zeros(2, 2),
    )
    .unwrap();
    let c = find_norm_bound(&diag_box, Norm::Two, &opts())?;
    assert_eq!(certified_rho(&c), Some(q(9, 10)));
    // 4×4 version: Q₄ = Q ⊗ Q is orthogonal and rational; W₄ = (9/10)Q₄; 16 vertices.
    let q2 = mat(&[vec![(3, 5), (-4, 5)], vec![(4, 5), (3, 5)]]);
    let q4 = Matrix::from_fn(4, 4, |i, j| q2[(i / 2, j / 2)].mul(&q2[(i % 2, j % 2)]));
    let w4 = q4.scale(&q(9, 10));
    assert_eq!(
        w4.transpose().matmul(&w4)?,
        Matrix::identity(4).scale(&q(81, 100))
    );
    let c = find_norm_bound(&relu_family(&w4), Norm::Two, &opts())?;
    assert_eq!(certified_rho(&c), Some(q(9, 10)));
    Ok(())
}

/// Rational Householder reflection `I − 2vvᵀ/(vᵀv)`: symmetric and orthogonal.
fn householder(v: &[i64]) -> Matrix<Rational> {
    let n = v.len();
    let vv: i64 = v.iter().map(|x| x * x).sum();
    Matrix::from_fn(n, n, |i, j| {
        let id = if i == j {
            Rational::from(1)
        } else {
            Rational::new()
        };
        id.sub(&q(2 * v[i] * v[j], vv))
    })
}

#[test]
fn elastic_net_forward_backward_analytic_rho() -> piggyback::Result<()> {
    // Design X = H₁ diag(1, 2, 3) H₂ with rational Householder reflections H₁, H₂, so
    // XᵀX = H₂ diag(1, 4, 9) H₂ has eigenvalues 1, 4, 9. With λ₂ = 1 the smooth part
    // has Hessian XᵀX + I with eigenvalues μ = 2, 5, L = 10; γ = 2/(L + μ) = 1/6.
    // A = I − γ(XᵀX + λ₂I) is symmetric with eigenvalues 1 − 2/6, 1 − 5/6, 1 − 10/6 =
    // 2/3, 1/6, −2/3, so ‖A‖₂ = (L − μ)/(L + μ) = 8/12 = 2/3. The forward–backward
    // Jacobians are diag(q)·A with q ∈ [0,1]³ (soft-thresholding derivative).
    let (h1, h2) = (householder(&[1, 2, 2]), householder(&[3, -1, 1]));
    let x = h1
        .matmul(&Matrix::diag(&[q(1, 1), q(2, 1), q(3, 1)]))?
        .matmul(&h2)?;
    let hess = x.transpose().matmul(&x)?.add(&Matrix::identity(3))?;
    let a = Matrix::identity(3).sub(&hess.scale(&q(1, 6)))?;
    let set = MatrixSet::diag_box(
        vec![q(0, 1); 3],
        vec![q(1, 1); 3],
        a.clone(),
        Matrix::zeros(3, 3),
    )
    .unwrap();
    let c = find_norm_bound(&set, Norm::Two, &opts())?;
    assert_eq!(certified_rho(&c), Some(q(2, 3)));
    assert!(certify_norm_bound(&set, Norm::Two, &q(666, 1000)).is_err());
    // The same claim over the explicit 8 extreme points.
    let verts = (0u32..8)
        .map(|mask| {
            a.scale_rows(
                &(0..3)
                    .map(|i| Rational::from((mask >> i) & 1))
                    .collect::<Vec<_>>(),
            )
            .expect("shape")
        })
        .collect();
    assert!(certify_norm_bound(&MatrixSet::hull(verts).unwrap(), Norm::Two, &q(2, 3)).is_ok());
    Ok(())
}

#[test]
fn one_and_inf_norms_exact() -> piggyback::Result<()> {
    // [[1/2, −1/4], [1/8, 1/8]]: column sums 5/8, 3/8 → ‖·‖₁ = 5/8; row sums 3/4, 1/4 → ‖·‖∞ = 3/4.
    let a = mat(&[vec![(1, 2), (-1, 4)], vec![(1, 8), (1, 8)]]);
    let set = MatrixSet::finite(vec![a]).unwrap();
    assert_eq!(
        certified_rho(&find_norm_bound(&set, Norm::One, &opts())?),
        Some(q(5, 8))
    );
    assert_eq!(
        certified_rho(&find_norm_bound(&set, Norm::Inf, &opts())?),
        Some(q(3, 4))
    );
    assert!(certify_norm_bound(&set, Norm::Inf, &q(74, 100)).is_err());
    Ok(())
}

#[test]
fn box_family_spectral_bound() -> piggyback::Result<()> {
    // Box [[0, 1/4], [−1/4, 1/2]] ≤ A ≤ [[1/4, 1/2], [0, 1/2]]: entrywise |A| ≤
    // M = [[1/4, 1/2], [1/4, 1/2]] = (1/4)[[1, 2], [1, 2]], rank one with
    // ‖M‖₂ = (1/4)·√2·√5 = √10/4 ≈ 0.7906. The certificate must be ≥ that, and ≤ 0.7907.
    let lo = mat(&[vec![(0, 1), (1, 4)], vec![(-1, 4), (1, 2)]]);
    let hi = mat(&[vec![(1, 4), (1, 2)], vec![(0, 1), (1, 2)]]);
    let c = find_norm_bound(
        &MatrixSet::interval_box(lo, hi).unwrap(),
        Norm::Two,
        &opts(),
    )?;
    let rho = certified_rho(&c).expect("rho").to_f64();
    assert!((10f64.sqrt() / 4.0..0.7907).contains(&rho), "rho = {rho}");
    Ok(())
}

#[test]
fn weighted_norm_certifies_non_normal_contraction() -> piggyback::Result<()> {
    // A = [[1/2, 2], [0, 1/2]]: ‖A‖₂ ≈ 2.06 > 1 but ρ(A) = 1/2, so a weighted norm
    // with ‖A‖_P < 1 exists; the Euclidean certificate must exceed 2.
    let a = mat(&[vec![(1, 2), (2, 1)], vec![(0, 1), (1, 2)]]);
    let set = MatrixSet::finite(vec![a]).unwrap();
    let two = certified_rho(&find_norm_bound(&set, Norm::Two, &opts())?).expect("rho");
    assert!(two > 2);
    // With P = I the weighted norm is the Euclidean one: same bound accepted, 2 rejected.
    assert!(certify_weighted_bound(&set, &Matrix::identity(2), &two).is_ok());
    assert!(certify_weighted_bound(&set, &Matrix::identity(2), &q(2, 1)).is_err());
    assert!(certify_weighted_at(&set, &q(3, 4), &opts()).is_ok());
    let best = certified_rho(&find_weighted_bound(&set, &opts())?).expect("rho");
    assert!(best < q(3, 5) && best >= q(1, 2), "best = {best}");
    Ok(())
}

#[test]
fn heavy_ball_has_no_contraction_certificate() -> piggyback::Result<()> {
    let (m1, m2) = heavy_ball();
    let set = MatrixSet::hull(vec![m1, m2]).unwrap();
    assert!(certified_rho(&find_norm_bound(&set, Norm::Two, &opts())?).expect("rho") > 1);
    assert!(matches!(
        certify_weighted_at(&set, &q(1, 1), &opts()),
        Err(Error::CouldNotVerify { .. })
    ));
    Ok(())
}

// ------------------------------------------------------------------ refutation

#[test]
fn heavy_ball_refuted() -> piggyback::Result<()> {
    // tests/linalg.rs: M₁M₁M₂M₂ = [[−9/8, 81/128], [0, −9/32]] has the
    // eigenvalue −9/8, so ρ(M₁²M₂²) = 9/8 > 1 = 1⁴ and the joint spectral radius is
    // at least (9/8)^{1/4} > 1. Words up to length 6 include it (and its rotations).
    let (m1, m2) = heavy_ball();
    let set = MatrixSet::hull(vec![m1.clone(), m2.clone()]).unwrap();
    let c = find_refutation(&set, &q(1, 1), 6)?.expect("heavy ball must be refuted");
    assert!(check(&c).is_ok());
    let Claim::Refutation { word, .. } = &c.claim else {
        panic!("not a refutation")
    };
    assert!(!word.is_empty() && word.len() <= 6);
    // The hand-derived word M₁M₁M₂M₂ with the exact root −9/8 is accepted as well.
    let hand = Certificate {
        claim: Claim::Refutation {
            r: "1".into(),
            word: indices(&[0, 0, 1, 1]),
            witness: RadiusText::RealRoot {
                lo: "-9/8".into(),
                hi: "-9/8".into(),
            },
            points: None,
        },
        ..c.clone()
    };
    assert!(check(&hand).is_ok());
    // Mutations that make the claim false are rejected:
    // threshold 2 > JSR (‖M₂‖_F² = 9/4 + 9/16 + 1 < 4, ‖M₁‖_F² < 4, so JSR < 2);
    let mut t = hand.clone();
    if let Claim::Refutation { r, .. } = &mut t.claim {
        *r = "2".into();
    }
    assert!(matches!(check(&t), Err(CheckFailure::Rejected { .. })));
    // vertices halved: every product of 4 has ρ ≤ (9/8)/16 < 1;
    let mut h = hand.clone();
    h.subject = piggyback::certify::family_subject(
        &MatrixSet::hull(vec![m1.scale(&q(1, 2)), m2.scale(&q(1, 2))]).unwrap(),
    )?;
    assert!(matches!(check(&h), Err(CheckFailure::Rejected { .. })));
    // a wrong root;
    let mut w = hand.clone();
    if let Claim::Refutation { witness, .. } = &mut w.claim {
        *witness = RadiusText::RealRoot {
            lo: "-10/8".into(),
            hi: "-10/8".into(),
        };
    }
    assert!(matches!(check(&w), Err(CheckFailure::Rejected { .. })));
    // a single vertex (ρ(M₁) = √3/2 < 1) cannot be refuted.
    let mut s = hand;
    if let Claim::Refutation { word, witness, .. } = &mut s.claim {
        *word = indices(&[0]);
        *witness = RadiusText::Determinant {};
    }
    assert!(matches!(check(&s), Err(CheckFailure::Rejected { .. })));
    assert!(find_refutation(
        &MatrixSet::finite(vec![heavy_ball().0]).unwrap(),
        &q(1, 1),
        6
    )?
    .is_none());
    Ok(())
}

// ------------------------------------------------------------------ invertibility

#[test]
fn invertibility_neumann_and_preconditioner() -> piggyback::Result<()> {
    // Neumann: the ReLU family has sup ‖A‖ ≤ 9/10 < 1.
    let c = certify_invertible(&relu_family(&relu_weight()), &opts())?;
    assert!(matches!(
        c.claim,
        Claim::Invertible {
            witness: InvertWitness::Neumann { .. }
        }
    ));
    // Preconditioner: A ∈ [[2,0],[0,3]] ± 1/10 has ‖A‖ ≥ 1.9, no Neumann argument, but
    // I − A ∈ [[−1,0],[0,−2]] ± 1/10 is diagonally dominant, hence invertible.
    let lo = mat(&[vec![(19, 10), (-1, 10)], vec![(-1, 10), (29, 10)]]);
    let hi = mat(&[vec![(21, 10), (1, 10)], vec![(1, 10), (31, 10)]]);
    let c = certify_invertible(&MatrixSet::interval_box(lo, hi).unwrap(), &opts())?;
    assert!(matches!(
        c.claim,
        Claim::Invertible {
            witness: InvertWitness::Preconditioner { .. }
        }
    ));
    Ok(())
}

#[test]
fn vertexwise_invertibility_does_not_imply_hull() -> piggyback::Result<()> {
    // A₁ = 0, A₂ = diag(2, 0): det(I − A₁) = 1 and det(I − A₂) = (1 − 2)·1 = −1, both
    // nonzero, so I − A is invertible at both vertices. But the midpoint diag(1, 0)
    // gives I − A = diag(0, 1), singular: the determinant changes sign along the edge.
    let a1: Matrix<Rational> = Matrix::zeros(2, 2);
    let a2 = mat(&[vec![(2, 1), (0, 1)], vec![(0, 1), (0, 1)]]);
    let id: Matrix<Rational> = Matrix::identity(2);
    assert_eq!(determinant(&id.sub(&a1)?)?, q(1, 1));
    assert_eq!(determinant(&id.sub(&a2)?)?, q(-1, 1));
    let mid = a1.add(&a2)?.scale(&q(1, 2));
    assert_eq!(determinant(&id.sub(&mid)?)?, q(0, 1));
    let hull = MatrixSet::hull(vec![a1.clone(), a2.clone()]).unwrap();
    assert!(certify_invertible(&hull, &opts()).is_err());
    // No preconditioner can fool the checker on this hull.
    for r in [
        mat(&[vec![(1, 1), (0, 1)], vec![(0, 1), (1, 1)]]),
        mat(&[vec![(1000, 1), (0, 1)], vec![(0, 1), (1, 1)]]),
    ] {
        let forged = Certificate {
            format: "piggyback-certificate".into(),
            version: 2,
            subject: subject(family_data(&hull)?),
            claim: Claim::Invertible {
                witness: InvertWitness::Preconditioner {
                    r: piggyback::certify::rows_text(&r),
                },
            },
        };
        assert!(matches!(check(&forged), Err(CheckFailure::Rejected { .. })));
    }
    // The finite set of the two vertices alone is not a hull, but the checker's box
    // argument covers the hull, so it must refuse it too (sound, conservative).
    assert!(certify_invertible(&MatrixSet::finite(vec![a1, a2]).unwrap(), &opts()).is_err());
    Ok(())
}

// ------------------------------------------------------------------ mutation

/// Paths (JSON pointers) of every number string in a certificate.
fn number_paths(v: &Value, path: String, out: &mut Vec<String>) {
    match v {
        Value::String(s)
            if s.chars()
                .next()
                .is_some_and(|c| c == '-' || c.is_ascii_digit()) =>
        {
            out.push(path)
        }
        Value::Array(a) => a
            .iter()
            .enumerate()
            .for_each(|(i, x)| number_paths(x, format!("{path}/{i}"), out)),
        Value::Object(o) => o
            .iter()
            .for_each(|(k, x)| number_paths(x, format!("{path}/{k}"), out)),
        _ => {}
    }
}

/// Replace the number at `path` by `f(old)`.
fn mutate(c: &Certificate, path: &str, f: impl Fn(&Rational) -> Rational) -> Certificate {
    let mut v = serde_json::to_value(c).expect("serialisable");
    let slot = v.pointer_mut(path).expect("path exists");
    let old = piggyback::scalar::parse_rational(slot.as_str().expect("string")).expect("number");
    *slot = Value::from(num_text(&f(&old)));
    serde_json::from_value(v).expect("still a certificate")
}

/// Independent truth of a spectral-norm contraction claim (nalgebra SVD), `None` near ties.
fn two_norm_truth(c: &Certificate) -> Option<bool> {
    let (FamilyData::Finite { vertices } | FamilyData::Hull { vertices }) = family_of(c) else {
        return None;
    };
    let Claim::NormBound { rho, .. } = &c.claim else {
        return None;
    };
    let rho = piggyback::scalar::parse_rational(rho).ok()?.to_f64();
    let mut worst = 0.0f64;
    for v in vertices {
        let rows: Vec<Vec<Rational>> = v
            .iter()
            .map(|r| {
                r.iter()
                    .map(|t| piggyback::scalar::parse_rational(t).expect("number"))
                    .collect()
            })
            .collect();
        worst = worst.max(sigma_max(&Matrix::from_rows(&rows).ok()?));
    }
    if worst > rho * (1.0 + 1e-9) {
        Some(false)
    } else if worst < rho * (1.0 - 1e-9) {
        Some(true)
    } else {
        None
    }
}

#[test]
fn mutations_that_falsify_are_rejected() -> piggyback::Result<()> {
    let c = find_norm_bound(&relu_family(&relu_weight()), Norm::Two, &opts())?;
    let mut paths = Vec::new();
    number_paths(
        &serde_json::to_value(&c).expect("serialisable"),
        String::new(),
        &mut paths,
    );
    assert_eq!(paths.len(), 4 * 4 + 1);
    let mut rejected = 0;
    for p in &paths {
        for f in [
            |x: &Rational| x.add(&q(1, 3)),
            |x: &Rational| x.sub(&q(1, 3)),
            |x: &Rational| x.mul(&q(11, 10)),
        ] {
            let m = mutate(&c, p, f);
            let verdict = check(&m);
            match two_norm_truth(&m) {
                Some(false) => {
                    assert!(
                        matches!(verdict, Err(CheckFailure::Rejected { .. })),
                        "false claim accepted after mutating {p}"
                    );
                    rejected += 1;
                }
                Some(true) => {}
                None => {}
            }
        }
    }
    assert!(rejected >= 10, "only {rejected} falsifying mutations");
    // Weighted certificate: making P asymmetric or indefinite is rejected.
    let set = MatrixSet::finite(vec![mat(&[vec![(1, 2), (2, 1)], vec![(0, 1), (1, 2)]])]).unwrap();
    let w = certify_weighted_at(&set, &q(3, 4), &opts())?;
    let mut p = Vec::new();
    number_paths(
        &serde_json::to_value(&w).expect("serialisable"),
        String::new(),
        &mut p,
    );
    let off = p.iter().find(|s| s.ends_with("/p/0/1")).expect("P entry");
    assert!(matches!(
        check(&mutate(&w, off, |x| x.add(&q(1, 1000)))),
        Err(CheckFailure::Rejected { .. })
    ));
    let diag = p.iter().find(|s| s.ends_with("/p/0/0")).expect("P entry");
    assert!(matches!(
        check(&mutate(&w, diag, |x| x.neg())),
        Err(CheckFailure::Rejected { .. })
    ));
    // Lowering ρ to 1/2 = ρ(A) makes the claim false for every P: rejected.
    assert!(matches!(
        check(&with_rho(&w, "1/2")),
        Err(CheckFailure::Rejected { .. })
    ));
    Ok(())
}

// ------------------------------------------------------------------ soundness (random)

fn det2(m: &Matrix<Rational>) -> Rational {
    m[(0, 0)].mul(&m[(1, 1)]).sub(&m[(0, 1)].mul(&m[(1, 0)]))
}

/// Whether the quadratic through (0, q0), (1/2, qh), (1, q1) vanishes on [0, 1]:
/// q(t) = αt² + βt + γ with γ = q0, α = 2q1 − 4qh + 2q0, β = q1 − q0 − α. A zero exists
/// iff q0·q1 ≤ 0, or the vertex t* = −β/(2α) lies in (0, 1) with q(t*)·q0 ≤ 0.
fn quadratic_has_root_in_unit_interval(q0: &Rational, qh: &Rational, q1: &Rational) -> bool {
    if Rational::from(q0 * q1) <= 0 {
        return true;
    }
    let alpha: Rational = 2 * q1.clone() - 4 * qh.clone() + 2 * q0.clone();
    if alpha == 0 {
        return false;
    }
    let beta = Rational::from(q1 - q0) - &alpha;
    let t = Rational::from(-&beta) / (2 * alpha.clone());
    if t <= 0 || t >= 1 {
        return false;
    }
    let qt = Rational::from(&alpha * &t) * &t + Rational::from(&beta * &t) + q0;
    Rational::from(&qt * q0) <= 0
}

fn small() -> impl Strategy<Value = i64> {
    -8i64..=8
}

fn pair() -> impl Strategy<Value = (Matrix<Rational>, Matrix<Rational>)> {
    (prop::collection::vec(small(), 8), 1i64..=8).prop_map(|(e, d)| {
        let m = |k: usize| Matrix::from_fn(2, 2, |i, j| q(e[k + 2 * i + j], d));
        (m(0), m(4))
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(32))]

    /// A spectral-norm certificate is issued only when the bound is true.
    #[test]
    fn contraction_certificates_are_true((a, b) in pair(), rho in (1i64..=30, 1i64..=10)) {
        let set = MatrixSet::hull(vec![a.clone(), b.clone()]).unwrap();
        let truth = sigma_max(&a).max(sigma_max(&b));
        let c = find_norm_bound(&set, Norm::Two, &opts())?;
        let found = certified_rho(&c).expect("rho").to_f64();
        prop_assert!(found >= truth * (1.0 - 1e-12));
        prop_assert!(found <= truth * (1.0 + 1e-5) + 1e-12, "found {} for {}", found, truth);
        let r = q(rho.0, rho.1);
        if certify_norm_bound(&set, Norm::Two, &r).is_ok() {
            prop_assert!(truth <= r.to_f64() * (1.0 + 1e-12));
        } else {
            prop_assert!(truth >= r.to_f64() * (1.0 - 1e-12));
        }
    }

    /// A refutation is issued only when some product really has ρ > 1 (brute force in f64).
    #[test]
    fn refutations_are_true((a, b) in pair()) {
        let set = MatrixSet::hull(vec![a.clone(), b.clone()]).unwrap();
        if let Some(c) = find_refutation(&set, &q(1, 1), 4)? {
            let Claim::Refutation { word, .. } = &c.claim else { unreachable!() };
            let word = index_word(word);
            let vs = [a.to_f64(), b.to_f64()];
            let mut p = vs[word[0]].clone();
            for &i in &word[1..] { p = p.matmul(&vs[i])?; }
            let rho = p.to_nalgebra().complex_eigenvalues().iter().map(|z| z.norm()).fold(0.0, f64::max);
            prop_assert!(rho > 1.0 - 1e-9, "refuted with rho(product) = {}", rho);
        }
    }

    /// Invertibility is issued only when det(I − A) has no zero on the edge [a, b].
    /// Exact ground truth: q(t) = det(I − (1 − t)a − t b) is a quadratic in t,
    /// recovered from q(0), q(1/2), q(1); its zero set on [0, 1] is decided exactly.
    #[test]
    fn invertibility_certificates_are_true((a, b) in pair()) {
        let set = MatrixSet::hull(vec![a.clone(), b.clone()]).unwrap();
        let id: Matrix<Rational> = Matrix::identity(2);
        let q_at = |t: &Rational| {
            let m = a.scale(&q(1, 1).sub(t)).add(&b.scale(t)).expect("shape");
            det2(&id.sub(&m).expect("shape"))
        };
        let zero_on_edge = quadratic_has_root_in_unit_interval(&q_at(&q(0, 1)), &q_at(&q(1, 2)), &q_at(&q(1, 1)));
        if certify_invertible(&set, &opts()).is_ok() {
            prop_assert!(!zero_on_edge, "certified but det(I − A) vanishes on the edge");
        }
    }

    /// Boxes: det(I − A) is multilinear in the entries of A, so over a box its range is
    /// spanned by the 16 vertex values; the family is invertible iff they share a strict
    /// sign (exact ground truth). A certificate must imply that.
    #[test]
    fn box_invertibility_certificates_are_true(c in prop::collection::vec(-12i64..=12, 4), r in prop::collection::vec(0i64..=3, 4)) {
        let lo = Matrix::from_fn(2, 2, |i, j| q(c[2 * i + j] - r[2 * i + j], 4));
        let hi = Matrix::from_fn(2, 2, |i, j| q(c[2 * i + j] + r[2 * i + j], 4));
        let id: Matrix<Rational> = Matrix::identity(2);
        let dets: Vec<Rational> = (0u32..16).map(|mask| {
            let v = Matrix::from_fn(2, 2, |i, j| if mask & (1 << (2 * i + j)) != 0 { hi[(i, j)].clone() } else { lo[(i, j)].clone() });
            det2(&id.sub(&v).expect("shape"))
        }).collect();
        let invertible = dets.iter().all(|d| *d > 0) || dets.iter().all(|d| *d < 0);
        if certify_invertible(&MatrixSet::interval_box(lo, hi).unwrap(), &opts()).is_ok() {
            prop_assert!(invertible, "certified a box containing a singular I − A: {:?}", dets);
        }
    }
}

// ------------------------------------------------------------------ more checker cases

/// Exact ground truth for 2×2: ‖A‖₂ ≤ ρ ⇔ G = ρ²I − AᵀA ⪰ 0 ⇔ (2×2 principal minors)
/// g₁₁ ≥ 0, g₂₂ ≥ 0, g₁₁g₂₂ − g₁₂² ≥ 0; written out by hand, independent of the LDLᵀ.
fn two_norm_at_most_2x2(a: &Matrix<Rational>, rho: &Rational) -> bool {
    let (p, r, s, t) = (&a[(0, 0)], &a[(0, 1)], &a[(1, 0)], &a[(1, 1)]);
    let r2 = Rational::from(rho * rho);
    let g11 = r2.clone() - Rational::from(p * p) - Rational::from(s * s);
    let g22 = r2 - Rational::from(r * r) - Rational::from(t * t);
    let g12 = -(Rational::from(p * r) + Rational::from(s * t));
    g11 >= 0 && g22 >= 0 && Rational::from(&g11 * &g22) - Rational::from(&g12 * &g12) >= 0
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    /// Against the exact 2×2 ground truth: a spectral-norm certificate for a given ρ
    /// exists iff the claim is true (both directions, exactly).
    #[test]
    fn contraction_decision_matches_exact_truth((a, b) in pair(), rho in (0i64..=30, 1i64..=10)) {
        let r = q(rho.0, rho.1);
        let truth = two_norm_at_most_2x2(&a, &r) && two_norm_at_most_2x2(&b, &r);
        let set = MatrixSet::hull(vec![a, b]).unwrap();
        prop_assert_eq!(certify_norm_bound(&set, Norm::Two, &r).is_ok(), truth);
    }

    /// Weighted-norm bounds are never below a lower bound of the joint spectral
    /// radius (max over words of length ≤ 4 of ρ(product)^{1/L}, nalgebra eigenvalues).
    #[test]
    fn weighted_bounds_respect_jsr((a, b) in pair()) {
        let set = MatrixSet::hull(vec![a.clone(), b.clone()]).unwrap();
        let vs = [a.to_f64(), b.to_f64()];
        let mut lower = 0.0f64;
        for len in 1..=4u32 {
            for w in 0..(1u32 << len) {
                let mut p = vs[(w & 1) as usize].clone();
                for k in 1..len { p = p.matmul(&vs[((w >> k) & 1) as usize])?; }
                let rho = p.to_nalgebra().complex_eigenvalues().iter().map(|z| z.norm()).fold(0.0, f64::max);
                lower = lower.max(rho.powf(1.0 / len as f64));
            }
        }
        if let Ok(c) = find_weighted_bound(&set, &opts()) {
            prop_assert!(check(&c).is_ok());
            let rho = certified_rho(&c).expect("rho").to_f64();
            prop_assert!(rho >= lower * (1.0 - 1e-9), "rho {} below JSR lower bound {}", rho, lower);
        }
    }

    /// Arbitrary text never panics the parser/checker.
    #[test]
    fn arbitrary_text_never_panics(s in ".{0,200}") {
        let _ = check_json(&s);
    }
}

#[test]
fn structured_sets_in_the_checker() -> piggyback::Result<()> {
    let w = relu_weight();
    let db = MatrixSet::diag_box(
        vec![q(0, 1); 2],
        vec![q(1, 1); 2],
        w.clone(),
        Matrix::zeros(2, 2),
    )
    .unwrap();
    let c = certify_norm_bound(&db, Norm::Two, &q(9, 10))?;
    // q_hi = 2 leaves the |q| ≤ 1 lemma; the vertex q = (2, 2) has norm 9/5 > 9/10.
    let mut bad = c.clone();
    if let FamilyData::DiagBox { q_hi, .. } = family_mut(&mut bad) {
        q_hi[0] = "2".into();
        q_hi[1] = "2".into();
    }
    assert!(matches!(check(&bad), Err(CheckFailure::Rejected { .. })));
    // Nonzero offset: enumerated. diag(q)W + (1/20)I over q ∈ [0,1]²: at q = (1,1),
    // ‖W + I/20‖ = ‖(9/10)Q + I/20‖ > 9/10 (Q has eigenvalues (3 ± 4i)/5, so
    // (9/10)Q + I/20 has |eigenvalue| = |(9/10)(3 ± 4i)/5 + 1/20| > 9/10).
    let mut off = c.clone();
    if let FamilyData::DiagBox { offset, .. } = family_mut(&mut off) {
        offset[0][0] = "1/20".into();
        offset[1][1] = "1/20".into();
    }
    assert!(matches!(check(&off), Err(CheckFailure::Rejected { .. })));
    // q_lo > q_hi is bad data.
    let mut inv = c.clone();
    if let FamilyData::DiagBox { q_lo, .. } = family_mut(&mut inv) {
        q_lo[0] = "3".into();
    }
    assert!(matches!(check(&inv), Err(CheckFailure::BadData { .. })));
    // A box with weighted norm is enumerated; too many free entries is refused.
    let lo: Matrix<Rational> = Matrix::from_fn(4, 4, |_, _| q(-1, 100));
    let hi: Matrix<Rational> = Matrix::from_fn(4, 4, |_, _| q(1, 100));
    let bx = MatrixSet::interval_box(lo.clone(), hi.clone()).unwrap();
    assert!(
        certify_norm_bound(&bx, Norm::Two, &q(1, 20))?.claim
            == Claim::NormBound {
                norm: piggyback::certify::NormSpec::Two {},
                rho: "1/20".into()
            }
    );
    // With the weighted norm every one of the 2^16 extreme points is checked (lazily,
    // within the kernel's work budget): P = I and |aᵢⱼ| ≤ 1/100 give
    // ‖A‖₂ ≤ ‖A‖_F ≤ 4/100 < 1/20, so the claim is true and accepted.
    let r = certify_weighted_bound(&bx, &Matrix::identity(4), &q(1, 20));
    assert!(r.is_ok(), "{r:?}");
    // The same family with 1/30 is false at the vertex with every entry 1/100
    // (‖A‖₂ = 4/100 > 1/30).
    let r = certify_weighted_bound(&bx, &Matrix::identity(4), &q(1, 30));
    assert!(matches!(r, Err(Error::CouldNotVerify { .. })), "{r:?}");
    // Neumann witness with rho ≥ 1, or with a false bound, is rejected.
    let fam = relu_family(&w);
    let neu = |rho: &str| Certificate {
        format: "piggyback-certificate".into(),
        version: 2,
        subject: subject(family_data(&fam).expect("data")),
        claim: Claim::Invertible {
            witness: InvertWitness::Neumann {
                norm: piggyback::certify::NormSpec::Two {},
                rho: rho.into(),
            },
        },
    };
    assert!(check(&neu("9/10")).is_ok());
    assert!(matches!(
        check(&neu("1")),
        Err(CheckFailure::Rejected { .. })
    ));
    assert!(matches!(
        check(&neu("1/2")),
        Err(CheckFailure::Rejected { .. })
    ));
    Ok(())
}

#[test]
fn quadratic_reference_helper() {
    // q(t) = 1 − 2t (sign change), (2t − 1)² (double root at 1/2), t² + 1 (no root),
    // (t − 2)(t − 3) (roots outside [0, 1]).
    let f = |g: &dyn Fn(Rational) -> Rational| {
        quadratic_has_root_in_unit_interval(&g(q(0, 1)), &g(q(1, 2)), &g(q(1, 1)))
    };
    assert!(f(&|t| q(1, 1) - 2 * t));
    assert!(f(&|t| {
        let u: Rational = 2 * t - 1;
        Rational::from(&u * &u)
    }));
    assert!(!f(&|t| Rational::from(&t * &t) + 1));
    assert!(!f(
        &|t| Rational::from(&t - 2u32) * Rational::from(&t - 3u32)
    ));
}

#[test]
fn weighted_norm_with_many_vertices_uses_an_active_set() -> piggyback::Result<()> {
    // Eight non-normal vertices Aₖ = [[1/2, 2 − k/8], [0, 1/2]] (k = 0..7): each has
    // ‖Aₖ‖₂ > 1 and ρ(Aₖ) = 1/2. A single P for the hull exists for ρ = 9/10 (the
    // hull is {[[1/2, t], [0, 1/2]] : t ∈ [9/8, 2]}; P = diag(1, c) with c large enough
    // works for every t ≤ 2 once it works at t = 2 and t = 9/8 by convexity). The sum
    // over all eight would need ρ² > ρ(Σ Aₖ ⊗ Aₖ) = 8/4 = 2, so only an active set finds it.
    let vs: Vec<Matrix<Rational>> = (0..8)
        .map(|k| mat(&[vec![(1, 2), (16 - k, 8)], vec![(0, 1), (1, 2)]]))
        .collect();
    let set = MatrixSet::hull(vs).unwrap();
    let c = certify_weighted_at(&set, &q(9, 10), &opts())?;
    assert!(check(&c).is_ok());
    Ok(())
}

#[test]
fn heavy_ball_map_end_to_end() -> piggyback::Result<()> {
    // The maps module's heavy ball at (x, y) = (0, 0), θ = (α, β) = (1, 3/4): its whole
    // conservative Jacobian's A-blocks are conv{M₁, M₂} (h ∈ {1/4, 1} at the kink), which
    // the refutation search must refute, while no spectral bound below 1 exists.
    use piggyback::maps::HeavyBall;
    let map = HeavyBall::seeds();
    let x = [Rational::new(), Rational::new()];
    let theta = [q(1, 1), q(3, 4)];
    let jac = piggyback::FixedPointMap::<Rational>::conservative_jacobian(&map, &x, &theta)?;
    let set = jac.leading_cols(2)?;
    let (m1, m2) = heavy_ball();
    let (MatrixSetView::Hull(vs) | MatrixSetView::Finite(vs)) = set.view() else {
        panic!("expected vertices, got {set:?}")
    };
    assert!(vs.contains(&m1) && vs.contains(&m2) && vs.len() == 2);
    let c = find_refutation(&set, &q(1, 1), 6)?.expect("refuted");
    assert!(check_json(&to_json(&c)).is_ok());
    assert!(certified_rho(&find_norm_bound(&set, Norm::Two, &opts())?).expect("rho") > 1);
    Ok(())
}

#[test]
fn relu_layer_map_at_a_kink_certified_at_nine_tenths() -> piggyback::Result<()> {
    // The maps module's ReLU layer relu(Wx + Uθ + b) with W = (9/10)Q (Q orthogonal),
    // at x = 0, θ = 0, b = 0: every pre-activation is a tie, so the conservative
    // Jacobian is {diag(q)[W, U] : q ∈ [0, 1]²} and sup ‖diag(q)W‖₂ = ‖W‖₂ = 9/10.
    use piggyback::certify::contraction::certify_map_contraction;
    use piggyback::maps::ReluLayer;
    let layer = ReluLayer::new(relu_weight(), Matrix::identity(2), vec![Rational::new(); 2])?;
    let zero = [Rational::new(), Rational::new()];
    let c = certify_map_contraction(&layer, &zero, &zero, Norm::Two, &opts())?;
    assert_eq!(certified_rho(&c), Some(q(9, 10)));
    assert!(matches!(family_of(&c), FamilyData::DiagBox { .. }));
    assert!(check_json(&to_json(&c)).is_ok());
    Ok(())
}

/// Certificates state operator norms: a Frobenius request is a typed error, never a
/// certificate in another norm.
#[test]
fn frobenius_has_no_certificate_form() -> piggyback::Result<()> {
    let set = MatrixSet::finite(vec![mat(&[vec![(1, 2), (0, 1)], vec![(0, 1), (1, 2)]])]).unwrap();
    for norm in [Norm::Frobenius, Norm::Max] {
        for r in [
            find_norm_bound(&set, norm, &opts()),
            certify_norm_bound(&set, norm, &q(1, 1)),
        ] {
            assert!(matches!(r, Err(Error::Unsupported { .. })), "{r:?}");
        }
        assert!(piggyback::certify::norm_spec(norm).is_err());
    }
    // The largest-entry norm itself, by hand: max |entry| of [[1/2, −3/4], [0, 1/3]].
    let m = mat(&[vec![(1, 2), (-3, 4)], vec![(0, 1), (1, 3)]]);
    assert_eq!(Norm::Max.of_matrix(&m), q(3, 4));
    let boxed =
        MatrixSet::interval_box(mat(&[vec![(-1, 1), (0, 1)]]), mat(&[vec![(1, 2), (2, 3)]]))
            .unwrap();
    assert_eq!(boxed.sup_norm(Norm::Max)?, q(1, 1));
    assert_eq!(
        piggyback::certify::norm_spec(Norm::Two).unwrap(),
        piggyback::certify::NormSpec::Two {}
    );
    Ok(())
}
