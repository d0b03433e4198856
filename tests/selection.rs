//! Selections: the defining identity of conservative Jacobians along lines (exact
//! rationals), one-sided derivatives at kinks, the chain rule for compositions,
//! interval soundness and f64 tolerance.

mod common;

use common::{r, Rng};
use piggyback::matset::MatrixSetView;
use piggyback::scalar::{Enclosure, Interval};
use piggyback::selection::primitives::*;
use piggyback::selection::{Affine, Compose, Coordinatewise, Lift, Selection, Stack, Tolerance};
use piggyback::{Matrix, Scalar};
use proptest::prelude::*;
use rug::Rational;

const EXACT: Tolerance = Tolerance::EXACT;

fn lin(p: &[Rational], d: &[Rational], t: &Rational) -> Vec<Rational> {
    p.iter()
        .zip(d)
        .map(|(a, b)| a.clone() + Rational::from(t * b))
        .collect()
}

/// One-sided derivative of `t ↦ f(p + t d)` at `0⁺` (for `h > 0`) or `0⁻` (`h < 0`),
/// exact when `f` is a polynomial of degree ≤ 2 along the segment: with
/// `Q(h) = (f(p + hd) − f(p))/h = b + c h`, Richardson gives `2Q(h/2) − Q(h) = b`.
fn one_sided(
    p: &dyn PiecewiseScalar<Rational>,
    x: &[Rational],
    d: &[Rational],
    h: &Rational,
) -> Rational {
    let f0 = p.value(x).unwrap();
    let q = |h: &Rational| (p.value(&lin(x, d, h)).unwrap() - f0.clone()) / h.clone();
    let h2 = Rational::from(h / 2);
    Rational::from(2) * q(&h2) - q(h)
}

fn gdot(g: &[Rational], d: &[Rational]) -> Rational {
    g.iter()
        .zip(d)
        .fold(Rational::new(), |acc, (a, b)| acc + Rational::from(a * b))
}

/// The primitives under test with their arity, as trait objects over rationals.
fn primitives() -> Vec<(&'static str, Box<dyn PiecewiseScalar<Rational>>)> {
    vec![
        ("abs", Box::new(Abs)),
        ("relu", Box::new(Relu)),
        ("max3", Box::new(Max(3))),
        ("soft", Box::new(SoftThreshold)),
        ("enet", Box::new(ElasticNetProx { gamma: r(1, 3) })),
        (
            "clip",
            Box::new(Clip {
                lo: r(-1, 2),
                hi: r(3, 4),
            }),
        ),
        ("hinge", Box::new(Hinge)),
        ("pwq", Box::new(PwQuadratic)),
        ("pwq'", Box::new(PwQuadraticDerivative)),
    ]
}

/// A random input, with nonnegative threshold / regularisation entries where needed.
fn random_input(name: &str, k: usize, rng: &mut Rng) -> Vec<Rational> {
    let mut x: Vec<Rational> = (0..k).map(|_| rng.rat(40, 16)).collect();
    if name == "soft" || name == "enet" {
        for v in x.iter_mut().skip(1) {
            *v = Rational::from(v.abs_ref()) + r(1, 16);
        }
    }
    x
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Off the kinks: exactly one active piece, and the exact derivative along a random
    /// line equals the AD gradient applied to the direction (the `λ₂` direction of the
    /// elastic-net prox is kept at 0 so every piece is polynomial along the line).
    #[test]
    fn primitives_line_identity(seed in any::<u64>()) {
        let mut rng = Rng(seed);
        for (name, p) in primitives() {
            let k = p.arity();
            let x = random_input(name, k, &mut rng);
            let mut d: Vec<Rational> = (0..k).map(|_| rng.rat(8, 4)).collect();
            if name == "enet" { d[2] = Rational::new(); }
            let h = r(1, 1 << 30);
            let act = p.active_gradients(&x, &EXACT).unwrap();
            let act_h = p.active_gradients(&lin(&x, &d, &h), &EXACT).unwrap();
            let act_m = p.active_gradients(&lin(&x, &d, &Rational::from(-&h)), &EXACT).unwrap();
            if act.len() != 1 || act_h.len() != 1 || act_m.len() != 1 {
                continue; // at or next to a kink: covered by the kink test
            }
            let g = p.ad_gradient(&x).unwrap();
            prop_assert_eq!(&g, &act[0], "{}: AD gradient is the active piece's", name);
            let plus = one_sided(p.as_ref(), &x, &d, &h);
            let minus = one_sided(p.as_ref(), &x, &d, &Rational::from(-&h));
            prop_assert_eq!(&plus, &gdot(&g, &d), "{}: derivative along the line", name);
            prop_assert_eq!(&minus, &plus, "{}", name);
        }
    }

    /// At kinks (inputs placed exactly on a piece boundary): both one-sided derivatives
    /// along random lines are `∇F_i · d` for an active piece `i`, and the AD gradient
    /// lies in the hull of the active gradients.
    #[test]
    fn primitives_kinks(seed in any::<u64>()) {
        let mut rng = Rng(seed);
        let t = r(3, 8);
        let kinks: Vec<(&str, Vec<Rational>)> = vec![
            ("abs", vec![r(0, 1)]),
            ("relu", vec![r(0, 1)]),
            ("max3", vec![t.clone(), r(-1, 1), t.clone()]),
            ("soft", vec![t.clone(), t.clone()]),
            ("soft", vec![Rational::from(-&t), t.clone()]),
            ("soft", vec![r(0, 1), r(0, 1)]),
            ("enet", vec![r(1, 8), t.clone(), r(1, 2)]),
            ("clip", vec![r(-1, 2)]),
            ("clip", vec![r(3, 4)]),
            ("hinge", vec![r(1, 1)]),
            ("pwq", vec![r(0, 1)]),
            ("pwq'", vec![r(0, 1)]),
        ];
        let all = primitives();
        for (name, x) in kinks {
            let p = &all.iter().find(|(n, _)| *n == name).unwrap().1;
            let act = p.active_gradients(&x, &EXACT).unwrap();
            if name != "pwq" {
                prop_assert!(act.len() >= 2, "{}: a kink has several active pieces", name);
            }
            let g = p.ad_gradient(&x).unwrap();
            // AD gradient in the hull: here every hull is a segment or the AD gradient is a vertex.
            let in_hull = act.contains(&g) || act.iter().any(|a| act.iter().any(|b| {
                let num = Rational::from(&g[0] - &a[0]);
                let den = Rational::from(&b[0] - &a[0]);
                den != 0 && {
                    let s = num / den;
                    (0..=1).contains(&s) && (0..g.len()).all(|i| g[i] == a[i].clone() + s.clone() * (b[i].clone() - a[i].clone()))
                }
            }));
            prop_assert!(in_hull, "{}: AD gradient {:?} not in the hull of {:?}", name, g, act);
            for _ in 0..4 {
                let mut d: Vec<Rational> = (0..x.len()).map(|_| rng.rat(8, 4)).collect();
                if name == "enet" { d[2] = Rational::new(); }
                if name == "soft" && x[1] == 0 { d[1] = Rational::new(); }
                for h in [r(1, 1 << 30), r(-1, 1 << 30)] {
                    let v = one_sided(p.as_ref(), &x, &d, &h);
                    prop_assert!(act.iter().any(|a| gdot(a, &d) == v), "{}: one-sided derivative {} not from an active piece", name, v);
                }
            }
        }
    }

    /// Intervals: over a small box around a rational point, the value encloses the exact
    /// value at sampled points, and the possibly active set contains every exactly
    /// active gradient at those points.
    #[test]
    fn primitives_interval_sound(seed in any::<u64>()) {
        let mut rng = Rng(seed);
        let iall: Vec<(&str, Box<dyn PiecewiseScalar<Interval>>)> = vec![
            ("abs", Box::new(Abs)), ("relu", Box::new(Relu)), ("max3", Box::new(Max(3))),
            ("soft", Box::new(SoftThreshold)),
            ("enet", Box::new(ElasticNetProx { gamma: Interval::from_rational(&r(1, 3)) })),
            ("clip", Box::new(Clip { lo: Interval::from_rational(&r(-1, 2)), hi: Interval::from_rational(&r(3, 4)) })),
            ("hinge", Box::new(Hinge)), ("pwq", Box::new(PwQuadratic)), ("pwq'", Box::new(PwQuadraticDerivative)),
        ];
        let rall = primitives();
        for ((name, ip), (_, rp)) in iall.iter().zip(&rall) {
            let k = rp.arity();
            let c = random_input(name, k, &mut rng);
            let rad = r(1, 8);
            let bx: Vec<Interval> = c.iter().map(|v| {
                let lo = (v.clone() - rad.clone()).to_f64();
                let hi = (v.clone() + rad.clone()).to_f64();
                let lo = if (*name == "soft" || *name == "enet") && lo < 0.0 { lo.max(0.0) } else { lo };
                Interval::from_bounds(lo.min(hi), hi).unwrap()
            }).collect();
            if (*name == "soft" || *name == "enet") && bx.iter().skip(1).any(|b| b.inf() < 0.0) { continue; }
            let val = ip.value(&bx).unwrap();
            let act = ip.active_gradients(&bx, &Tolerance::EXACT).unwrap();
            for _ in 0..6 {
                // A rational point inside the box.
                let pt: Vec<Rational> = bx.iter().map(|b| {
                    let lo = Rational::from_f64(b.inf()).unwrap();
                    let hi = Rational::from_f64(b.sup()).unwrap();
                    let s = Rational::from(((rng.next_u64() % 9) as i64, 8));
                    lo.clone() + s * (hi - lo)
                }).collect();
                prop_assert!(val.contains_rational(&rp.value(&pt).unwrap()), "{}: value enclosure", name);
                for g in rp.active_gradients(&pt, &EXACT).unwrap() {
                    let covered = act.iter().any(|ig| ig.iter().zip(&g).all(|(i, e)| i.contains_rational(e)));
                    prop_assert!(covered, "{}: active gradient {:?} not possibly active over the box", name, g);
                }
            }
        }
    }

    /// Chain rule: `M ∘ |·| ∘ N` at a point with ties has exactly the active set
    /// `{M diag(s) N : sᵢ = sign((Nx)ᵢ), sᵢ ∈ {±1} where (Nx)ᵢ = 0}` (computed here
    /// independently by enumerating signs), and the derivative along random lines
    /// (exact quotient, the map is piecewise linear) is one of its elements.
    #[test]
    fn composition_is_minkowski_product(seed in any::<u64>()) {
        let mut rng = Rng(seed);
        let n = 3;
        let nm = Matrix::from_fn(n, n, |_, _| rng.rat(4, 2));
        let mm = Matrix::from_fn(2, n, |_, _| rng.rat(4, 2));
        let x: Vec<Rational> = (0..n).map(|_| rng.rat(6, 3)).collect();
        // Shift so that (N x)_0 = 0: x ← x with row 0 of N x forced to zero by a c.
        let nx = nm.mul_vec(&x).unwrap();
        let c: Vec<Rational> = (0..n).map(|i| if i == 0 || rng.next_u64() % 2 == 0 { Rational::from(-&nx[i]) } else { Rational::new() }).collect();
        let inner = Affine { m: nm.clone(), c: c.clone() };
        let f = Compose { inner: Compose { inner, outer: Coordinatewise { primitive: Abs, n } }, outer: Affine::linear(mm.clone()) };
        let y: Vec<Rational> = nx.iter().zip(&c).map(|(a, b)| Rational::from(a + b)).collect();
        let mut expected: Vec<Matrix<Rational>> = vec![];
        for mask in 0..(1u32 << n) {
            let s: Vec<Rational> = (0..n).map(|i| match y[i].cmp0() {
                std::cmp::Ordering::Greater => Rational::from(1),
                std::cmp::Ordering::Less => Rational::from(-1),
                std::cmp::Ordering::Equal => Rational::from(if mask >> i & 1 == 1 { 1 } else { -1 }),
            }).collect();
            let e = mm.matmul(&Matrix::diag(&s)).unwrap().matmul(&nm).unwrap();
            if !expected.contains(&e) { expected.push(e); }
        }
        let got = f.active_jacobians(&x, &EXACT).unwrap();
        prop_assert_eq!(got.len(), expected.len());
        prop_assert!(got.iter().all(|g| expected.contains(g)));
        prop_assert!(got.contains(&f.ad_jacobian(&x).unwrap()) || y.iter().any(|v| *v == 0));
        for _ in 0..4 {
            let d: Vec<Rational> = (0..n).map(|_| rng.rat(5, 2)).collect();
            for h in [r(1, 1 << 30), r(-1, 1 << 30)] {
                let f0 = f.eval(&x).unwrap();
                let f1 = f.eval(&lin(&x, &d, &h)).unwrap();
                let dq: Vec<Rational> = f1.iter().zip(&f0).map(|(a, b)| Rational::from(a - b) / h.clone()).collect();
                prop_assert!(expected.iter().any(|e| e.mul_vec(&d).unwrap() == dq));
            }
        }
    }
}

/// Clarke's example `F(x, y) = (|x| + y, 2x + |y|)` at the origin: its conservative
/// Jacobian is `conv` of the four matrices `[[±1, 1], [2, ±1]]` (hand derivation:
/// `∂|x| ∈ [−1, 1]`, `∂|y| ∈ [−1, 1]` independently).
#[test]
fn clarke_example_four_vertices() {
    let id2 = Matrix::<Rational>::identity(2);
    let abs2 = Coordinatewise {
        primitive: Abs,
        n: 2,
    };
    let g = Stack(abs2, Affine::linear(id2)); // (|x|, |y|, x, y)
    let l = Matrix::<Rational>::from_ratio_rows(&[
        vec![(1, 1), (0, 1), (0, 1), (1, 1)],
        vec![(0, 1), (1, 1), (2, 1), (0, 1)],
    ])
    .unwrap();
    let f = Compose {
        inner: g,
        outer: Affine::linear(l),
    };
    let zero = vec![Rational::new(), Rational::new()];
    assert_eq!(
        f.eval(&[r(-1, 2), r(1, 3)]).unwrap(),
        vec![r(5, 6), r(-2, 3)]
    );
    let got = f.active_jacobians(&zero, &EXACT).unwrap();
    let mut expected = vec![];
    for a in [-1, 1] {
        for d in [-1, 1] {
            expected.push(
                Matrix::<Rational>::from_ratio_rows(&[vec![(a, 1), (1, 1)], vec![(2, 1), (d, 1)]])
                    .unwrap(),
            );
        }
    }
    assert_eq!(got.len(), 4);
    assert!(expected.iter().all(|e| got.contains(e)));
    // AD (abs'(0) = 0) returns the centre [[0, 1], [2, 0]], inside the hull but not a vertex.
    let ad = f.ad_jacobian(&zero).unwrap();
    assert_eq!(
        ad,
        Matrix::from_ratio_rows(&[vec![(0, 1), (1, 1)], vec![(2, 1), (0, 1)]]).unwrap()
    );
    assert!(
        matches!(f.conservative_jacobian(&zero, &EXACT).unwrap().view(), MatrixSetView::Hull(v) if v.len() == 4)
    );
}

/// docs/mathematics.md §2: AD of `relu(−x) + x − relu(x)` (identically 0) at 0 returns 1 with
/// `relu'(0) = 0`; the chain-rule set is `{−1, 0, 1}`, conservative but not Clarke.
#[test]
fn relu_identity_zero_example() {
    let scalar = |v: i64| Matrix::<Rational>::from_ratio_rows(&[vec![(v, 1)]]).unwrap();
    let relu_of = |v: i64| Compose {
        inner: Affine::linear(scalar(v)),
        outer: Lift(Relu),
    };
    // g(x) = (relu(−x), x, relu(x)), then the weights (1, 1, −1).
    let g = Stack(Stack(relu_of(-1), Affine::linear(scalar(1))), relu_of(1));
    let f = Compose {
        inner: g,
        outer: Affine::linear(Matrix::from_ratio_rows(&[vec![(1, 1), (1, 1), (-1, 1)]]).unwrap()),
    };
    for x in [r(-3, 2), r(0, 1), r(5, 7)] {
        assert_eq!(f.eval(&[x]).unwrap(), vec![Rational::new()]);
    }
    let zero = [Rational::new()];
    assert_eq!(f.ad_jacobian(&zero).unwrap()[(0, 0)], 1);
    let mut got: Vec<Rational> = f
        .active_jacobians(&zero, &EXACT)
        .unwrap()
        .iter()
        .map(|m| m[(0, 0)].clone())
        .collect();
    got.sort();
    assert_eq!(got, vec![r(-1, 1), r(0, 1), r(1, 1)]);
    assert_eq!(
        f.active_jacobians(&[r(1, 5)], &EXACT).unwrap(),
        vec![scalar(0)]
    );
}

/// f64: a tie broken by rounding is recognised with the default tolerance and not
/// without it.
#[test]
fn f64_tolerance_recognises_rounded_ties() {
    let z = 0.1 + 0.2; // 0.30000000000000004
    let p = SoftThreshold;
    assert_eq!(
        PiecewiseScalar::<f64>::active_gradients(&p, &[z, 0.3], &Tolerance::F64_DEFAULT)
            .unwrap()
            .len(),
        2
    );
    assert_eq!(
        PiecewiseScalar::<f64>::active_gradients(&p, &[z, 0.3], &Tolerance::EXACT)
            .unwrap()
            .len(),
        1
    );
    assert_eq!(
        PiecewiseScalar::<f64>::active_gradients(&Relu, &[1e-3], &Tolerance::F64_DEFAULT)
            .unwrap()
            .len(),
        1
    );
}

#[test]
fn primitives_reject_bad_input() {
    assert!(PiecewiseScalar::<f64>::value(&SoftThreshold, &[1.0, -1.0]).is_err());
    assert!(PiecewiseScalar::<f64>::value(&Abs, &[1.0, 2.0]).is_err());
    assert!(PiecewiseScalar::<f64>::value(&Relu, &[f64::NAN]).is_err());
    assert!(Coordinatewise {
        primitive: Abs,
        n: 2
    }
    .eval(&[1.0])
    .is_err());
}
