//! Shared helpers for the selection and maps tests: exact difference quotients and
//! membership checks that do not use the code under test's Jacobian code.
#![allow(dead_code)]

use piggyback::matset::MatrixSet;
use piggyback::MatrixSetView;
use piggyback::{FixedPointMap, Matrix, Scalar};
use rug::Rational;

/// `p/q` as a rational.
pub fn r(p: i64, q: i64) -> Rational {
    Rational::from((p, q))
}

/// Rational vector from integer ratios.
pub fn rv(xs: &[(i64, i64)]) -> Vec<Rational> {
    xs.iter().map(|&(p, q)| r(p, q)).collect()
}

/// `p + h d`.
pub fn axpy(p: &[Rational], h: &Rational, d: &[Rational]) -> Vec<Rational> {
    p.iter()
        .zip(d)
        .map(|(a, b)| a + Rational::from(h * b))
        .collect()
}

/// The exact difference quotient `(F(x + h dx, θ + h dθ) − F(x, θ))/h`.
pub fn diff_quotient<M: FixedPointMap<Rational>>(
    map: &M,
    x: &[Rational],
    th: &[Rational],
    dx: &[Rational],
    dth: &[Rational],
    h: &Rational,
) -> Vec<Rational> {
    let f0 = map.apply(x, th).unwrap();
    let f1 = map.apply(&axpy(x, h, dx), &axpy(th, h, dth)).unwrap();
    f1.iter()
        .zip(&f0)
        .map(|(a, b)| Rational::from(a - b) / h.clone())
        .collect()
}

/// `[A, B] (dx; dθ)` for dense blocks.
pub fn apply_blocks<S: Scalar>(a: &Matrix<S>, b: &Matrix<S>, dx: &[S], dth: &[S]) -> Vec<S> {
    let u = a.mul_vec(dx).unwrap();
    let v = b.mul_vec(dth).unwrap();
    u.iter().zip(&v).map(|(p, q)| p.add(q)).collect()
}

/// `M (dx; dθ)` for one `n × (n+m)` matrix.
pub fn apply_full<S: Scalar>(m: &Matrix<S>, dx: &[S], dth: &[S]) -> Vec<S> {
    let d: Vec<S> = dx.iter().chain(dth).cloned().collect();
    m.mul_vec(&d).unwrap()
}

/// Whether `v = J d` for some `J` in the set (exact). For `Finite`/`Hull`, checks
/// `v = V d` for a vertex `V` (the one-sided derivative of a piecewise-affine map
/// along a line is the derivative of one active piece, a vertex); for `DiagBox`,
/// checks `v_i − (C d)_i = q_i (M d)_i` with `q_i ∈ [q_lo_i, q_hi_i]`; for `Box`,
/// checks `v` lies in the interval product `[lo, hi] d`.
pub fn applied_in_set(set: &MatrixSet<Rational>, d: &[Rational], v: &[Rational]) -> bool {
    match set.view() {
        MatrixSetView::Finite(vs) | MatrixSetView::Hull(vs) => {
            vs.iter().any(|m| m.mul_vec(d).unwrap() == v)
        }
        MatrixSetView::DiagBox {
            q_lo,
            q_hi,
            m,
            offset,
        } => {
            let md = m.mul_vec(d).unwrap();
            let cd = offset.mul_vec(d).unwrap();
            (0..v.len()).all(|i| {
                let rhs = Rational::from(&v[i] - &cd[i]);
                if md[i] == 0 {
                    return rhs == 0;
                }
                let q = rhs / md[i].clone();
                q_lo[i] <= q && q <= q_hi[i]
            })
        }
        MatrixSetView::Box { lo, hi } => (0..v.len()).all(|i| {
            let (mut a, mut b) = (Rational::new(), Rational::new());
            for (j, dj) in d.iter().enumerate() {
                let x = Rational::from(&lo[(i, j)] * dj);
                let y = Rational::from(&hi[(i, j)] * dj);
                a += x.clone().min(y.clone());
                b += x.max(y);
            }
            a <= v[i] && v[i] <= b
        }),
        other => panic!("no test oracle for {other:?}"),
    }
}

/// Whether the dense matrix `[A, B]` belongs to the set (exact; `Hull` only checks
/// vertices and 2-vertex segments, enough for the AD elements tested here).
pub fn matrix_in_set(set: &MatrixSet<Rational>, j: &Matrix<Rational>) -> bool {
    match set.view() {
        MatrixSetView::Finite(vs) => vs.contains(j),
        MatrixSetView::Hull(vs) => {
            vs.contains(j)
                || vs.iter().enumerate().any(|(k, a)| {
                    vs[k + 1..].iter().any(|b| {
                        // j = a + t (b − a), t ∈ [0, 1].
                        let mut t: Option<Rational> = None;
                        for idx in 0..a.as_slice().len() {
                            let da = Rational::from(&b.as_slice()[idx] - &a.as_slice()[idx]);
                            let dj = Rational::from(&j.as_slice()[idx] - &a.as_slice()[idx]);
                            if da == 0 {
                                if dj != 0 {
                                    return false;
                                }
                                continue;
                            }
                            let ti = dj / da;
                            match &t {
                                None => t = Some(ti),
                                Some(t0) if *t0 != ti => return false,
                                _ => {}
                            }
                        }
                        t.map_or(true, |t| (0..=1).contains(&t))
                    })
                })
        }
        MatrixSetView::DiagBox {
            q_lo,
            q_hi,
            m,
            offset,
        } => (0..j.rows()).all(|i| {
            // Row i of j minus the offset must be q·(row i of m) with q in the box.
            let mut q: Option<Rational> = None;
            for c in 0..j.cols() {
                let rhs = Rational::from(&j[(i, c)] - &offset[(i, c)]);
                if m[(i, c)] == 0 {
                    if rhs != 0 {
                        return false;
                    }
                    continue;
                }
                let qi = rhs / m[(i, c)].clone();
                match &q {
                    None => q = Some(qi),
                    Some(q0) if *q0 != qi => return false,
                    _ => {}
                }
            }
            let q = q.unwrap_or_else(|| q_lo[i].clone());
            q_lo[i] <= q && q <= q_hi[i]
        }),
        MatrixSetView::Box { lo, hi } => lo
            .as_slice()
            .iter()
            .zip(hi.as_slice())
            .zip(j.as_slice())
            .all(|((a, b), x)| a <= x && x <= b),
        other => panic!("no test oracle for {other:?}"),
    }
}

/// Deterministic small random numbers (splitmix64) for instance generation.
pub struct Rng(pub u64);

impl Rng {
    /// Next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    /// A rational `k/den` with `k` uniform in `[-range, range]`.
    pub fn rat(&mut self, range: i64, den: i64) -> Rational {
        let k = (self.next_u64() % (2 * range as u64 + 1)) as i64 - range;
        r(k, den)
    }
    /// A uniform f64 in `[-1, 1]`.
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64 * 2.0 - 1.0
    }
}

/// `Σ aᵢ bᵢ` in f64.
pub fn dotf(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

/// Check f64 `jvp` against a central difference quotient of `F` itself, `vjp` against
/// the dense Jacobian, and the adjoint identity `⟨u, J v⟩ = ⟨Jᵀu, v⟩` at `(x, θ)`, to
/// relative tolerance `tol` (the quotients to `1e-5`).
pub fn check_jvp_vjp<M: FixedPointMap<f64>>(
    map: &M,
    x: &[f64],
    th: &[f64],
    rng: &mut Rng,
    tol: f64,
) {
    let (n, m) = map.dims();
    let mut lin = map.linearize(x, th).unwrap();
    let (a, b) = lin.to_dense().unwrap();
    let dx: Vec<f64> = (0..n).map(|_| rng.unit()).collect();
    let dth: Vec<f64> = (0..m).map(|_| rng.unit()).collect();
    let u: Vec<f64> = (0..n).map(|_| rng.unit()).collect();
    let jv = lin.jvp(&dx, &dth).unwrap();
    // JVP against the map itself: the one-sided difference quotients
    // ±(F(p ± h d) − F(p)) / h along d = (dx, dθ), independent of the linearization
    // code (exact up to rounding on an affine piece, O(h) otherwise). A row may match
    // either side, so a kink within h on one side does not fail a correct JVP.
    let h = 1e-7;
    let at = |s: f64| {
        let xs: Vec<f64> = x.iter().zip(&dx).map(|(a, d)| a + s * h * d).collect();
        let ts: Vec<f64> = th.iter().zip(&dth).map(|(a, d)| a + s * h * d).collect();
        map.apply(&xs, &ts).unwrap()
    };
    let (fp, f0, fm) = (at(1.0), at(0.0), at(-1.0));
    let jv_max = jv.iter().fold(0.0f64, |m, v| m.max(v.abs()));
    for i in 0..n {
        let (ahead, behind) = ((fp[i] - f0[i]) / h, (f0[i] - fm[i]) / h);
        let close = |q: f64| (q - jv[i]).abs() <= 1e-5 * (1.0 + jv_max);
        assert!(
            close(ahead) || close(behind),
            "jvp row {i}: difference quotients {ahead}, {behind} vs jvp {}",
            jv[i]
        );
    }
    let scale = 1.0 + a.max_abs() + b.max_abs();
    let (ux, ut) = lin.vjp(&u).unwrap();
    for j in 0..n {
        let s: f64 = (0..n).map(|i| a[(i, j)] * u[i]).sum();
        assert!((s - ux[j]).abs() <= tol * scale * n as f64, "vjp x col {j}");
    }
    for j in 0..m {
        let s: f64 = (0..n).map(|i| b[(i, j)] * u[i]).sum();
        assert!((s - ut[j]).abs() <= tol * scale * n as f64, "vjp θ col {j}");
    }
    let lhs = dotf(&u, &jv);
    let rhs = dotf(&ux, &dx) + dotf(&ut, &dth);
    assert!(
        (lhs - rhs).abs() <= tol * scale * (n + m) as f64 * (1.0 + lhs.abs()),
        "adjoint: {lhs} vs {rhs}"
    );
}

/// Exact derivative of `t ↦ F(x + t dx, θ + t dθ)` at `0±` (sign of `h`), exact when
/// `F` is a polynomial of degree ≤ 2 along the segment `[0, h]`: with
/// `Q(h) = (F(p + h d) − F(p))/h`, Richardson `2Q(h/2) − Q(h)` removes the `O(h)` term.
pub fn one_sided_map<M: FixedPointMap<Rational>>(
    map: &M,
    x: &[Rational],
    th: &[Rational],
    dx: &[Rational],
    dth: &[Rational],
    h: &Rational,
) -> Vec<Rational> {
    let h2 = Rational::from(h / 2);
    let q1 = diff_quotient(map, x, th, dx, dth, h);
    let q2 = diff_quotient(map, x, th, dx, dth, &h2);
    q2.iter()
        .zip(&q1)
        .map(|(a, b)| Rational::from(2) * a.clone() - b.clone())
        .collect()
}

/// Off-kink check: if `p`, `p ± h d` are smooth points with the same AD Jacobian, the
/// exact one-sided derivatives both equal `jvp(d)`. Returns whether the check ran.
pub fn line_identity<M: FixedPointMap<Rational>>(
    map: &M,
    x: &[Rational],
    th: &[Rational],
    dx: &[Rational],
    dth: &[Rational],
) -> bool {
    let h = r(1, 1 << 24);
    let mh = Rational::from(-&h);
    let mut lin = map.linearize(x, th).unwrap();
    let j0 = lin.to_dense().unwrap();
    for hh in [&h, &mh] {
        let mut l1 = map.linearize(&axpy(x, hh, dx), &axpy(th, hh, dth)).unwrap();
        if !l1.is_smooth_point() || l1.to_dense().unwrap().0 != j0.0 || !lin.is_smooth_point() {
            return false;
        }
    }
    let jv = lin.jvp(dx, dth).unwrap();
    for hh in [&h, &mh] {
        assert_eq!(
            one_sided_map(map, x, th, dx, dth, hh),
            jv,
            "derivative along the line = [A, B] d"
        );
    }
    true
}

/// At a kink: one-sided derivatives along `d` lie in the claimed set, and the AD
/// element belongs to it. Returns the derivatives seen.
pub fn kink_check<M: FixedPointMap<Rational>>(
    map: &M,
    x: &[Rational],
    th: &[Rational],
    dx: &[Rational],
    dth: &[Rational],
) -> Vec<Vec<Rational>> {
    let set = map.conservative_jacobian(x, th).unwrap();
    let (a, b) = map.jacobian(x, th).unwrap();
    assert!(
        matrix_in_set(&set, &a.hstack(&b).unwrap()),
        "AD element in the conservative Jacobian"
    );
    let d: Vec<Rational> = dx.iter().chain(dth).cloned().collect();
    let mut seen = vec![];
    for h in [r(1, 1 << 24), r(-1, 1 << 24)] {
        let v = one_sided_map(map, x, th, dx, dth, &h);
        assert!(
            applied_in_set(&set, &d, &v),
            "one-sided derivative {v:?} outside the claimed set"
        );
        seen.push(v);
    }
    seen
}
