//! Level 2 of the checker (`piggyback-kernel-fp`, verified floating point): claims
//! against exactly known optima, agreement with the exact kernel, and attacks.
//!
//! References are independent of floating point: designs `A = H₁·[diag(s); 0]·H₂` built
//! from rational Householder reflections `H = I − 2vvᵀ/(vᵀv)` (orthogonal, exactly), so
//! the eigenvalues of `AᵀA` are exactly `sₖ²` and the optimal bound
//! `c·maxₖ|d − γsₖ²|` (forward–backward) or `maxₖ sₖ` (ReLU) is an exact rational.

use piggyback_kernel::certificate::{self as kc, Claim, NormSpec};
use piggyback_kernel::number::format_rational;
use piggyback_kernel::problem::{MapData, ProblemData, Splitting};
use piggyback_kernel::CheckFailure;
use piggyback_kernel_fp::format::{FileRef, FpCertificate, FpMap, FpProblem, FpSubject, MatrixRef};
use piggyback_kernel_fp::{check_json, FpFailure, Limits};
use proptest::prelude::*;
use rug::Rational;
use std::path::{Path, PathBuf};

type Q = Rational;

fn q(n: i64, d: i64) -> Q {
    Q::from((n, d))
}

/// `H₁·[diag(s); 0]·H₂` (`n × p`) for sign vectors `v1` (`n`) and `v2` (`p`).
fn householder_design(n: usize, s: &[Q], v1: &[i64], v2: &[i64]) -> Vec<Vec<Q>> {
    let p = s.len();
    let n2: i64 = v2.iter().map(|x| x * x).sum();
    // B = [diag(s); 0]·H₂: row k < p is sₖ(eₖᵀ − 2v2ₖv2ᵀ/‖v2‖²).
    let mut b = vec![vec![Q::new(); p]; n];
    for k in 0..p {
        for j in 0..p {
            let h = Q::from(u8::from(k == j)) - q(2 * v2[k] * v2[j], n2);
            b[k][j] = Q::from(&s[k] * &h);
        }
    }
    // A = H₁B = B − 2v1(v1ᵀB)/‖v1‖².
    let n1: i64 = v1.iter().map(|x| x * x).sum();
    let mut a = b.clone();
    for j in 0..p {
        let mut t = Q::new();
        for i in 0..n {
            t += Q::from(v1[i]) * &b[i][j];
        }
        for i in 0..n {
            a[i][j] -= Q::from(&t * q(2 * v1[i], n1));
        }
    }
    a
}

fn signs(n: usize, seed: u64) -> Vec<i64> {
    (0..n)
        .map(|i| {
            if (seed.wrapping_mul(2654435761).wrapping_add(i as u64 * 40503) >> 7) % 3 == 0 {
                -1
            } else {
                1
            }
        })
        .collect()
}

fn text_rows(a: &[Vec<Q>]) -> Vec<Vec<String>> {
    a.iter()
        .map(|r| r.iter().map(format_rational).collect())
        .collect()
}

fn fp_cert(map: FpMap, theta: &[Q], rho: &Q) -> FpCertificate {
    FpCertificate {
        format: piggyback_kernel_fp::FORMAT.into(),
        version: piggyback_kernel_fp::VERSION,
        subject: FpSubject::Map {
            problem: FpProblem {
                map,
                theta: theta.iter().map(format_rational).collect(),
            },
        },
        claim: Claim::NormBound {
            norm: NormSpec::Two {},
            rho: format_rational(rho),
        },
    }
}

fn lasso_map(a: &[Vec<Q>], gamma: &Q) -> FpMap {
    FpMap::Lasso {
        design: MatrixRef::Rows(text_rows(a)),
        response: MatrixRef::Vector(vec!["1".into(); a.len()]),
        step: format_rational(gamma),
    }
}

fn check(c: &FpCertificate, base: &Path) -> Result<piggyback_kernel_fp::FpVerdict, FpFailure> {
    check_json(&piggyback_kernel_fp::format::to_json(c), base)
}

fn accepted(c: &FpCertificate) -> bool {
    check(c, Path::new(".")).is_ok()
}

fn scaled(x: &Q, num: i64, den: i64) -> Q {
    Q::from(x * q(num, den))
}

/// The exactly known optimum `c·maxₖ|d − γsₖ²|` with `c = 1`, `d = 1` (LASSO).
fn lasso_opt(s: &[Q], gamma: &Q) -> Q {
    s.iter()
        .map(|sk| (Q::from(1) - Q::from(gamma * Q::from(sk * sk))).abs())
        .max()
        .unwrap()
}

#[test]
fn lasso_bound_within_one_part_per_million_of_the_exact_optimum_both_sides() {
    let (n, p) = (96, 48);
    let s: Vec<Q> = (0..p).map(|k| q(12 + k as i64, 16)).collect(); // 3/4 … ≈ 3.7
    let smax2 = Q::from(&s[p - 1] * &s[p - 1]);
    let a = householder_design(n, &s, &signs(n, 1), &signs(p, 2));
    // γ = 1/s_max²: the lower side (λ_min) binds; γ = 1.9/s_max²: the upper side binds.
    for gamma in [Q::from(1) / &smax2, q(19, 10) / &smax2] {
        let opt = lasso_opt(&s, &gamma);
        let map = lasso_map(&a, &gamma);
        let above = fp_cert(
            map.clone(),
            &[q(1, 10)],
            &scaled(&opt, 1_000_001, 1_000_000),
        );
        let below = fp_cert(map, &[q(1, 10)], &scaled(&opt, 999_999, 1_000_000));
        let v = check(&above, Path::new(".")).expect("opt·(1 + 1e-6) is verified");
        assert!(
            v.to_string().contains("level 2") && v.to_string().contains("map"),
            "{v}"
        );
        match check(&below, Path::new(".")) {
            Err(FpFailure::NotVerified { .. }) => {}
            other => panic!("opt·(1 − 1e-6) must not be accepted: {other:?}"),
        }
    }
}

#[test]
fn elastic_net_both_splittings_against_the_exact_optimum() {
    let (n, p) = (64, 32);
    let s: Vec<Q> = (0..p).map(|k| q(8 + k as i64, 8)).collect();
    let a = householder_design(n, &s, &signs(n, 3), &signs(p, 4));
    let gamma = q(1, 20);
    let l2 = q(1, 2);
    let ridge = Q::from(&gamma * &l2);
    for splitting in [Splitting::Prox, Splitting::Smooth] {
        let (d, c) = match splitting {
            Splitting::Prox => (Q::from(1), Q::from(1) / (ridge.clone() + 1)),
            Splitting::Smooth => (Q::from(1) - &ridge, Q::from(1)),
        };
        let opt = s
            .iter()
            .map(|sk| Q::from(&c * (d.clone() - Q::from(&gamma * Q::from(sk * sk))).abs()))
            .max()
            .unwrap();
        let map = FpMap::ElasticNet {
            design: MatrixRef::Rows(text_rows(&a)),
            response: MatrixRef::Vector(vec!["1/3".into(); n]),
            step: format_rational(&gamma),
            splitting,
        };
        let theta = [q(1, 10), l2.clone()];
        assert!(accepted(&fp_cert(
            map.clone(),
            &theta,
            &scaled(&opt, 1_000_001, 1_000_000)
        )));
        assert!(!accepted(&fp_cert(
            map,
            &theta,
            &scaled(&opt, 999_999, 1_000_000)
        )));
    }
}

#[test]
fn relu_bound_is_the_largest_singular_value() {
    let n = 64;
    let s: Vec<Q> = (0..n).map(|k| q(1 + k as i64, 80)).collect();
    let w = householder_design(n, &s, &signs(n, 5), &signs(n, 6));
    let opt = s[n - 1].clone();
    let map = |w: &[Vec<Q>]| FpMap::ReluLayer {
        w: MatrixRef::Rows(text_rows(w)),
        u: None,
        b: MatrixRef::Vector(vec!["0".into(); n]),
    };
    assert!(accepted(&fp_cert(
        map(&w),
        &[],
        &scaled(&opt, 1_000_001, 1_000_000)
    )));
    assert!(!accepted(&fp_cert(
        map(&w),
        &[],
        &scaled(&opt, 999_999, 1_000_000)
    )));
    // Forged data: one entry changed by 1/10 makes the true claim false; not accepted.
    let mut forged = w.clone();
    forged[3][5] += q(1, 10);
    let f = fp_cert(map(&forged), &[], &scaled(&opt, 1_000_001, 1_000_000));
    assert!(!accepted(&f), "forged inline datum accepted");
}

// ------------------------------------------------------------------ data files

fn temp_dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("piggyback-level2-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// `.npy` bytes (C order, `<f8`) of a row-major matrix.
fn npy_bytes(rows: usize, cols: usize, values: &[f64]) -> Vec<u8> {
    let mut h = format!("{{'descr': '<f8', 'fortran_order': False, 'shape': ({rows}, {cols}), }}");
    while (10 + h.len() + 1) % 64 != 0 {
        h.push(' ');
    }
    h.push('\n');
    let mut out = b"\x93NUMPY\x01\x00".to_vec();
    out.extend((h.len() as u16).to_le_bytes());
    out.extend(h.as_bytes());
    for v in values {
        out.extend(v.to_le_bytes());
    }
    out
}

fn write_npy(dir: &Path, name: &str, bytes: &[u8]) -> FileRef {
    std::fs::write(dir.join(name), bytes).unwrap();
    FileRef {
        npy: name.into(),
        sha256: piggyback_kernel_fp::data::sha256_hex(bytes),
    }
}

/// A dyadic Householder design (exact binary64 values) written as `.npy`, its exact
/// optimum for `γ = 1/s_max²`, and the certificate at `opt·(1 + 1e-6)`.
fn npy_setup(dir: &Path) -> (FpCertificate, Vec<f64>, Q) {
    let (n, p) = (64, 32);
    let s: Vec<Q> = (0..p).map(|k| q(16 + k as i64, 32)).collect();
    let a = householder_design(n, &s, &signs(n, 7), &signs(p, 8));
    let values: Vec<f64> = a.iter().flatten().map(|x| x.to_f64()).collect();
    for (x, v) in a.iter().flatten().zip(&values) {
        assert_eq!(
            Q::from_f64(*v).unwrap(),
            *x,
            "dyadic entries are binary64 values"
        );
    }
    let gamma = Q::from(1) / Q::from(&s[p - 1] * &s[p - 1]);
    let opt = lasso_opt(&s, &gamma);
    let design = write_npy(dir, "design.npy", &npy_bytes(n, p, &values));
    let response = write_npy(dir, "response.npy", &npy_bytes(n, 1, &vec![0.5; n]));
    let map = FpMap::Lasso {
        design: MatrixRef::File(design),
        response: MatrixRef::File(response),
        step: format_rational(&gamma),
    };
    (
        fp_cert(map, &[q(1, 10)], &scaled(&opt, 1_000_001, 1_000_000)),
        values,
        opt,
    )
}

fn refused(
    r: Result<piggyback_kernel_fp::FpVerdict, FpFailure>,
    what: &str,
    want: fn(&CheckFailure) -> bool,
) {
    match r {
        Err(FpFailure::Failed(f)) if want(&f) => {}
        other => panic!("{what}: {other:?}"),
    }
}

#[test]
fn npy_data_bound_by_sha256_and_every_tampering_fails() {
    let dir = temp_dir("npy");
    let (cert, values, _) = npy_setup(&dir);
    let v = check(&cert, &dir).expect("valid");
    assert!(v.to_string().contains("SHA-256"), "{v}");
    assert_eq!(v.data_files.len(), 2);
    // One value changed in the file (by one ulp): the hash no longer matches.
    let mut forged = values.clone();
    forged[100] = f64::from_bits(forged[100].to_bits() + 1);
    std::fs::write(dir.join("design.npy"), npy_bytes(64, 32, &forged)).unwrap();
    refused(
        check(&cert, &dir),
        "forged value",
        |f| matches!(f, CheckFailure::Rejected { step, .. } if step.contains("SHA-256")),
    );
    // A swapped file (the response in place of the design): hash mismatch.
    std::fs::copy(dir.join("response.npy"), dir.join("design.npy")).unwrap();
    refused(
        check(&cert, &dir),
        "swapped file",
        CheckFailure::is_rejection,
    );
    // A missing file.
    std::fs::remove_file(dir.join("design.npy")).unwrap();
    refused(check(&cert, &dir), "missing file", |f| {
        matches!(f, CheckFailure::BadData { .. })
    });
}

#[test]
fn hostile_values_and_shapes_are_refused_before_or_instead_of_a_verdict() {
    let dir = temp_dir("hostile");
    let (cert, values, _) = npy_setup(&dir);
    let FpSubject::Map { problem } = &cert.subject else {
        unreachable!()
    };
    let with_design = |bytes: &[u8]| {
        let mut c = cert.clone();
        let FpSubject::Map { problem } = &mut c.subject else {
            unreachable!()
        };
        if let FpMap::Lasso { design, .. } = &mut problem.map {
            *design = MatrixRef::File(write_npy(&dir, "bad.npy", bytes));
        }
        c
    };
    // NaN, ∞ and an underflow-prone subnormal in a correctly hashed file: bad data.
    for bad in [f64::NAN, f64::INFINITY, 1e-310, 1e300] {
        let mut v = values.clone();
        v[7] = bad;
        refused(
            check(&with_design(&npy_bytes(64, 32, &v)), &dir),
            "bad value",
            |f| matches!(f, CheckFailure::BadData { .. }),
        );
    }
    // Inline 1e400 and NaN text.
    for bad in ["1e400", "NaN", "1/0"] {
        let mut c = cert.clone();
        let FpSubject::Map { problem } = &mut c.subject else {
            unreachable!()
        };
        if let FpMap::Lasso { design, .. } = &mut problem.map {
            let mut rows = vec![vec!["1".to_string(); 32]; 64];
            rows[0][0] = bad.into();
            *design = MatrixRef::Rows(rows);
        }
        assert!(check(&c, &dir).is_err(), "{bad}");
    }
    // Mismatched dimensions: a design with one row fewer than the response.
    refused(
        check(&with_design(&npy_bytes(63, 32, &values[..63 * 32])), &dir),
        "dims",
        |f| matches!(f, CheckFailure::BadData { .. }),
    );
    // A header claiming a huge shape over a tiny file: refused from the header.
    let mut huge = npy_bytes(100_000, 100_000, &[]);
    huge.extend(1.0f64.to_le_bytes());
    refused(check(&with_design(&huge), &dir), "huge", |f| {
        matches!(f, CheckFailure::BadData { .. })
    });
    // Within the entry cap but over the work limit: too large, before reading data.
    let big = npy_bytes(5000, 5000, &[]);
    refused(check(&with_design(&big), &dir), "work", |f| {
        matches!(f, CheckFailure::TooLarge(_))
    });
    // A tiny work limit refuses the honest certificate too.
    let tiny = Limits { max_work: 1000 };
    let text = piggyback_kernel_fp::format::to_json(&cert);
    assert!(matches!(
        piggyback_kernel_fp::check_json_within(&text, &dir, &tiny),
        Err(FpFailure::Failed(CheckFailure::TooLarge(_)))
    ));
    let _ = problem;
}

#[test]
fn malformed_claims_and_format_confusion_are_refused() {
    let dir = temp_dir("format");
    let (cert, _, opt) = npy_setup(&dir);
    let text = piggyback_kernel_fp::format::to_json(&cert);
    // Level-2 file to the exact kernel: refused, naming level 2.
    let e = piggyback_kernel::check_json(&text).unwrap_err();
    assert!(e.to_string().contains("level-2"), "{e}");
    // Exact-kernel files to level 2: refused, naming level 1.
    for (format, version) in [(kc::FORMAT, 2), (kc::FIXED_POINT_FORMAT, 2)] {
        let t = text
            .replacen(piggyback_kernel_fp::FORMAT, format, 1)
            .replacen("\"version\": 1", &format!("\"version\": {version}"), 1);
        let e = check_json(&t, &dir).unwrap_err();
        assert!(e.to_string().contains("level 1"), "{e}");
    }
    // Unknown fields anywhere, another version, other norms and claims, negative ρ.
    let unknown = [
        text.replacen("\"format\"", "\"extra\": 1, \"format\"", 1),
        text.replacen("\"sha256\"", "\"size\": 3, \"sha256\"", 1),
        text.replacen(
            "\"kind\": \"lasso\"",
            "\"kind\": \"lasso\", \"splitting\": \"smooth\"",
            1,
        ),
        text.replacen("\"version\": 1", "\"version\": 2", 1),
        text.replacen("\"type\": \"two\"", "\"type\": \"inf\"", 1),
        text.replacen("\"type\": \"map\"", "\"type\": \"family\"", 1),
    ];
    for t in &unknown {
        assert!(
            matches!(
                check_json(t, &dir),
                Err(FpFailure::Failed(CheckFailure::Malformed(_)))
            ),
            "{t}"
        );
    }
    let neg = fp_cert(
        lasso_map(&[vec![q(1, 1)]], &q(1, 2)),
        &[q(1, 10)],
        &q(-1, 2),
    );
    refused(check(&neg, &dir), "negative ρ", CheckFailure::is_rejection);
    let bad_step = fp_cert(lasso_map(&[vec![q(1, 1)]], &q(0, 1)), &[q(1, 10)], &q(1, 2));
    refused(check(&bad_step, &dir), "γ = 0", CheckFailure::is_rejection);
    // A false ρ (half the optimum) is not accepted.
    let mut half = cert.clone();
    half.claim = Claim::NormBound {
        norm: NormSpec::Two {},
        rho: format_rational(&scaled(&opt, 1, 2)),
    };
    assert!(matches!(
        check(&half, &dir),
        Err(FpFailure::NotVerified { .. })
    ));
}

// ------------------------------------------------------------------ against the exact kernel

fn exact_cert(map: MapData, theta: &[Q], rho: &Q) -> String {
    kc::to_json(&kc::Certificate {
        format: kc::FORMAT.into(),
        version: kc::VERSION,
        subject: kc::Subject::Map {
            problem: ProblemData {
                map,
                theta: theta.iter().map(format_rational).collect(),
            },
        },
        claim: Claim::NormBound {
            norm: NormSpec::Two {},
            rho: format_rational(rho),
        },
    })
}

#[test]
fn agrees_with_the_exact_kernel_away_from_the_margin() {
    let (n, p) = (8, 6);
    let s: Vec<Q> = (0..p).map(|k| q(3 + k as i64, 7)).collect();
    let a = householder_design(n, &s, &signs(n, 9), &signs(p, 10));
    let gamma = q(2, 5);
    let opt = lasso_opt(&s, &gamma);
    for (num, den, want) in [
        (1_001, 1_000, true),
        (999, 1_000, false),
        (1_000_001, 1_000_000, true),
    ] {
        let rho = scaled(&opt, num, den);
        let exact = exact_cert(
            MapData::Lasso {
                design: text_rows(&a),
                response: vec!["1".into(); n],
                step: format_rational(&gamma),
            },
            &[q(1, 10)],
            &rho,
        );
        assert_eq!(
            piggyback_kernel::check_json(&exact).is_ok(),
            want,
            "exact at {num}/{den}"
        );
        assert_eq!(
            accepted(&fp_cert(lasso_map(&a, &gamma), &[q(1, 10)], &rho)),
            want,
            "level 2 at {num}/{den}"
        );
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Level 2 never accepts a ρ that the exact kernel rejects (random small problems,
    /// both kinds and both splittings, ρ anywhere).
    #[test]
    fn level_two_never_accepts_what_the_exact_kernel_rejects(
        n in 1usize..5,
        p in 1usize..4,
        entries in proptest::collection::vec(-12i64..12, 16),
        gamma in 1i64..8,
        l2 in 0i64..3,
        smooth in any::<bool>(),
        relu in any::<bool>(),
        rho in 0i64..400,
    ) {
        let rho = q(rho, 100);
        let cell = |i: usize, j: usize, c: usize| q(entries[(i * c + j) % 16] + (i as i64 - j as i64), 8);
        let (exact, level2) = if relu {
            let w: Vec<Vec<Q>> = (0..n).map(|i| (0..n).map(|j| cell(i, j, n)).collect()).collect();
            let b = vec!["1/2".to_string(); n];
            (
                exact_cert(MapData::ReluLayer { w: text_rows(&w), u: None, b: b.clone() }, &[], &rho),
                fp_cert(FpMap::ReluLayer { w: MatrixRef::Rows(text_rows(&w)), u: None, b: MatrixRef::Vector(b) }, &[], &rho),
            )
        } else {
            let a: Vec<Vec<Q>> = (0..n).map(|i| (0..p).map(|j| cell(i, j, p)).collect()).collect();
            let splitting = if smooth { Splitting::Smooth } else { Splitting::Prox };
            let (g, resp) = (q(gamma, 16), vec!["1".to_string(); n]);
            let theta = [q(1, 10), q(l2, 2)];
            (
                exact_cert(MapData::ElasticNet { design: text_rows(&a), response: resp.clone(), step: format_rational(&g), splitting }, &theta, &rho),
                fp_cert(FpMap::ElasticNet { design: MatrixRef::Rows(text_rows(&a)), response: MatrixRef::Vector(resp), step: format_rational(&g), splitting }, &theta, &rho),
            )
        };
        let exact_ok = piggyback_kernel::check_json(&exact).is_ok();
        if accepted(&level2) {
            prop_assert!(exact_ok, "level 2 accepted what the exact kernel rejects");
        }
    }
}

#[test]
fn oversized_text_is_refused_before_parsing() {
    let mut text = String::with_capacity(kc::MAX_TEXT_BYTES + 64);
    text.push_str("{\"format\": \"piggyback-fp-certificate\", \"version\": 1, \"pad\": \"");
    text.extend(std::iter::repeat('x').take(kc::MAX_TEXT_BYTES));
    text.push_str("\"}");
    assert!(matches!(
        check_json(&text, Path::new(".")),
        Err(FpFailure::Failed(CheckFailure::Malformed(m))) if m.contains("cap")
    ));
}
