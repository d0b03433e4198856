//! Matrix sets: Minkowski operations, the action `J(X)`, norms, membership,
//! vertices, bounding boxes and pruning (docs/mathematics.md §3).
//!
//! References are computed here independently with plain `Matrix` arithmetic (every
//! `A X + B`, every product), or derived by hand in comments.

use piggyback::excess::{excess_sq, hausdorff_sq};
use piggyback::matset::{
    box_act, box_matmul, for_each_corner, hull_over_box, Exactness, MatrixSet, Norm, Overflow,
    SetOptions,
};
use piggyback::scalar::{BigRational, Enclosure, Exact, Interval, Rational, Scalar, Verdict};
use piggyback::Matrix;
use piggyback::MatrixSetView;
use proptest::prelude::*;

type RawMat = Vec<Vec<(i64, i64)>>;
type NormFn = fn(&Matrix<Rational>) -> Rational;

fn q(p: i64, d: i64) -> Rational {
    Rational::from((p, d))
}

fn mat<S: Scalar>(raw: &RawMat) -> Matrix<S> {
    Matrix::from_ratio_rows(raw).unwrap()
}

fn mats<S: Scalar>(raw: &[RawMat]) -> Vec<Matrix<S>> {
    raw.iter().map(mat).collect()
}

fn r(rows: &[&[(i64, i64)]]) -> Matrix<Rational> {
    Matrix::from_ratio_rows(&rows.iter().map(|x| x.to_vec()).collect::<Vec<_>>()).unwrap()
}

fn entry() -> impl Strategy<Value = (i64, i64)> {
    (-3i64..=3, 1i64..=2)
}

fn raw_mat(rows: usize, cols: usize) -> impl Strategy<Value = RawMat> {
    prop::collection::vec(prop::collection::vec(entry(), cols), rows)
}

fn raw_set(
    rows: usize,
    cols: usize,
    k: std::ops::RangeInclusive<usize>,
) -> impl Strategy<Value = Vec<RawMat>> {
    prop::collection::vec(raw_mat(rows, cols), k)
}

/// Exact set equality of two finite sets (as sets: mutual containment by equality).
fn same_set(a: &[Matrix<Rational>], b: &[Matrix<Rational>]) -> bool {
    a.iter().all(|x| b.contains(x)) && b.iter().all(|x| a.contains(x))
}

/// The test's own action: every `A X + B`.
fn act_ref(js: &[Matrix<Rational>], xs: &[Matrix<Rational>]) -> Vec<Matrix<Rational>> {
    let n = xs[0].rows();
    let mut out = vec![];
    for j in js {
        let (a, b) = j.split_cols(n).unwrap();
        for x in xs {
            out.push(a.matmul(x).unwrap().add(&b).unwrap());
        }
    }
    out
}

/// A convex combination with integer weights `w` (not all zero) of `vs`.
fn combo(vs: &[Matrix<Rational>], w: &[i64]) -> Matrix<Rational> {
    let w: Vec<i64> = vs.iter().enumerate().map(|(i, _)| w[i % w.len()]).collect();
    let total: i64 = w.iter().sum();
    let (w, total) = if total == 0 {
        (vec![1; vs.len()], vs.len() as i64)
    } else {
        (w, total)
    };
    let mut p = Matrix::<Rational>::zeros(vs[0].rows(), vs[0].cols());
    for (v, &wi) in vs.iter().zip(&w) {
        p = p.add(&v.scale(&q(wi, total))).unwrap();
    }
    p
}

// ---------------------------------------------------------------- hand-checked values

#[test]
fn reference_diagbox_norms() {
    // {diag(q) M : q ∈ [0,1]²}, M = [[1, 2], [3, −4]]. Every norm grows with |qᵢ|, so
    // the sup is at q = (1, 1): ‖M‖∞ = max(1+2, 3+4) = 7, ‖M‖₁ = max(1+3, 2+4) = 6,
    // ‖M‖_F² = 1 + 4 + 9 + 16 = 30; spectral bound min(√42, √30) = √30.
    let m = r(&[&[(1, 1), (2, 1)], &[(3, 1), (-4, 1)]]);
    let set =
        MatrixSet::diag_box(vec![q(0, 1); 2], vec![q(1, 1); 2], m, Matrix::zeros(2, 2)).unwrap();
    assert_eq!(set.sup_norm(Norm::Inf).unwrap(), q(7, 1));
    assert_eq!(set.sup_norm(Norm::One).unwrap(), q(6, 1));
    assert_eq!(set.sup_frobenius_sq().unwrap(), q(30, 1));
    let s = set.sup_norm(Norm::Two).unwrap();
    assert!(Rational::from(&s * &s) >= 30 && s < q(548, 100)); // √30 ≈ 5.4772
}

#[test]
fn reference_hull_products_and_action() {
    // conv{1, 2} · conv{1, 3} (1×1): the true product set is [1, 6]; the returned
    // hull of pairwise products conv{1, 3, 2, 6} = [1, 6], flagged Over (in general
    // the product of hulls is not convex).
    let x = MatrixSet::hull(vec![r(&[&[(1, 1)]]), r(&[&[(2, 1)]])]).unwrap();
    let y = MatrixSet::hull(vec![r(&[&[(1, 1)]]), r(&[&[(3, 1)]])]).unwrap();
    let (p, e) = x.product(&y).unwrap();
    assert_eq!(e, Exactness::Over);
    assert_eq!(
        p.bounding_box().unwrap(),
        (r(&[&[(1, 1)]]), r(&[&[(6, 1)]]))
    );
    // J = {[1/2, 1], [−1, 0]} (1×2, n = m = 1) on X = {2}: {1/2·2 + 1, −2} = {2, −2}.
    let j = MatrixSet::finite(vec![r(&[&[(1, 2), (1, 1)]]), r(&[&[(-1, 1), (0, 1)]])]).unwrap();
    let (jx, e) = j
        .act(&MatrixSet::singleton(r(&[&[(2, 1)]])).unwrap())
        .unwrap();
    assert_eq!(e, Exactness::Exact);
    assert_eq!(
        jx,
        MatrixSet::finite(vec![r(&[&[(2, 1)]]), r(&[&[(-2, 1)]])]).unwrap()
    );
    // Box [1,2]·[−1,3] = [min(−1,3,−2,6), max(...)] = [−2, 6].
    let (lo, hi) = box_matmul(
        (&r(&[&[(1, 1)]]), &r(&[&[(2, 1)]])),
        (&r(&[&[(-1, 1)]]), &r(&[&[(3, 1)]])),
    )
    .unwrap();
    assert_eq!((lo, hi), (r(&[&[(-2, 1)]]), r(&[&[(6, 1)]])));
}

#[test]
fn vertex_cap_and_errors() {
    let lo = Matrix::<Rational>::zeros(3, 3);
    let hi = Matrix::from_fn(3, 3, |_, _| Rational::from(1));
    let bx = MatrixSet::interval_box(lo.clone(), hi.clone()).unwrap();
    assert_eq!(bx.vertices(512).unwrap().len(), 512);
    assert!(matches!(
        bx.vertices(511),
        Err(piggyback::Error::TooLarge { .. })
    ));
    assert!(MatrixSet::interval_box(hi.clone(), lo.clone()).is_err());
    assert!(MatrixSet::<Rational>::finite(vec![]).is_err());
    assert!(MatrixSet::finite(vec![lo.clone(), Matrix::zeros(2, 3)]).is_err());
    let f = MatrixSet::singleton(lo.clone()).unwrap();
    assert!(f.contains(&Matrix::zeros(2, 2)).is_err());
    assert!(f.act(&f).is_err());
    assert!(f
        .sum(&MatrixSet::singleton(Matrix::zeros(2, 3)).unwrap())
        .is_err());
    let nan = Matrix::<f64>::from_col_major(1, 1, vec![f64::NAN]).unwrap();
    // A NaN member is refused by the constructor (the set cannot hold it).
    assert!(MatrixSet::singleton(nan).is_err());
    // Over the cap the action returns a box that contains the exact finite result.
    let js: Vec<Matrix<Rational>> = (0..3)
        .map(|k| Matrix::from_fn(1, 2, |_, c| Rational::from((k + c) as i64)))
        .collect();
    let xs: Vec<Matrix<Rational>> = (0..3)
        .map(|k| Matrix::from_fn(1, 1, |_, _| Rational::from(k as i64 - 1)))
        .collect();
    let (res, e) = MatrixSet::finite(js.clone())
        .unwrap()
        .act_with_cap(&MatrixSet::finite(xs.clone()).unwrap(), 4)
        .unwrap();
    assert_eq!(e, Exactness::Over);
    assert!(matches!(res.view(), MatrixSetView::Box { .. }));
    for m in act_ref(&js, &xs) {
        assert_eq!(res.contains(&m).unwrap(), Verdict::True);
    }
}

/// The overflow policies of the action, on `J = {[aₖ, 0]}` (1×2, `aₖ = k`) acting on
/// `X = {x}` scalars: the exact result `{aₖ x}` has 12 members, the cap is 3.
#[test]
fn overflow_policies_of_the_action() {
    let js: Vec<Matrix<Rational>> = (1..=4).map(|k| r(&[&[(k, 1), (0, 1)]])).collect();
    let xs: Vec<Matrix<Rational>> = [(1, 1), (-3, 1), (1, 5)]
        .iter()
        .map(|&x| r(&[&[x]]))
        .collect();
    let (j, x) = (
        MatrixSet::finite(js.clone()).unwrap(),
        MatrixSet::finite(xs.clone()).unwrap(),
    );
    let exact = act_ref(&js, &xs);
    let opts = |overflow| SetOptions {
        cap: 3,
        overflow,
        ..Default::default()
    };
    // Fail: a typed error before computing anything.
    assert!(matches!(
        j.act_with(&x, &opts(Overflow::Fail)),
        Err(piggyback::Error::TooLarge { .. })
    ));
    // Enclose: a box containing all 12 (hand check: products range over [−12, 4]).
    let (bx, e) = j.act_with(&x, &opts(Overflow::Enclose)).unwrap();
    assert_eq!(e, Exactness::Over);
    assert_eq!(
        bx.bounding_box().unwrap(),
        (r(&[&[(-12, 1)]]), r(&[&[(4, 1)]]))
    );
    // KeepLargest: the three members of largest |aₖ x|: −12, −9, −6, all true members.
    let (big, e) = j.act_with(&x, &opts(Overflow::KeepLargest)).unwrap();
    assert_eq!(e, Exactness::Under);
    let MatrixSetView::Finite(kept) = big.view() else {
        panic!("finite operands keep a finite set: {big:?}");
    };
    let want = [(-12, 1), (-9, 1), (-6, 1)].map(|v| r(&[&[v]]));
    assert!(same_set(kept, &want));
    // KeepExtreme: at most `cap` true members, including both extremes of the segment
    // (in 1-D every direction is maximised at −12 or at 4).
    let (ext, e) = j.act_with(&x, &opts(Overflow::KeepExtreme)).unwrap();
    assert_eq!(e, Exactness::Under);
    let kept = ext.members().unwrap();
    assert!(kept.len() <= 3 && kept.iter().all(|m| exact.contains(m)));
    let (lo, hi) = (r(&[&[(-12, 1)]]), r(&[&[(4, 1)]]));
    assert!(kept.iter().all(|m| m == &lo || m == &hi));
    // An inner policy on a hull·hull product (itself a superset): `Approximate`.
    let hull = MatrixSet::hull(js.clone()).unwrap();
    let (_, e) = hull
        .act_with(
            &MatrixSet::hull(xs.clone()).unwrap(),
            &opts(Overflow::KeepLargest),
        )
        .unwrap();
    assert_eq!(e, Exactness::Approximate);
}

#[test]
fn exactness_lattice() {
    use Exactness::*;
    for e in [Exact, Over, Under, Approximate] {
        assert_eq!(Exact.and(e), e);
        assert_eq!(e.and(Exact), e);
        assert_eq!(e.and(e), e);
        assert_eq!(Approximate.and(e), Approximate);
    }
    assert_eq!(Over.and(Under), Approximate);
    assert_eq!(Under.and(Over), Approximate);
}

/// A `DiagBox` row that is zero cannot move the set whatever its `q` (the definition
/// every part of the crate now shares: the action used to expand such rows).
#[test]
fn zero_rows_of_a_diag_box_are_not_free() {
    let m = r(&[&[(1, 1), (2, 1)], &[(0, 1), (0, 1)]]);
    let set = MatrixSet::diag_box(
        vec![q(0, 1), q(0, 1)],
        vec![q(1, 1), q(1, 1)],
        m,
        Matrix::zeros(2, 2),
    )
    .unwrap();
    // Row 0 free (two choices), row 1 zero: two extreme points, not four.
    let v = set.vertices(64).unwrap();
    assert_eq!(v.len(), 2);
    assert_eq!(set.points(64).unwrap().map(|p| p.len()), Some(2));
    let j = MatrixSet::diag_box(
        vec![q(0, 1), q(0, 1)],
        vec![q(1, 1), q(1, 1)],
        r(&[&[(1, 1), (2, 1), (5, 1)], &[(0, 1), (0, 1), (0, 1)]]),
        Matrix::zeros(2, 3),
    )
    .unwrap();
    let x1 = MatrixSet::singleton(r(&[&[(1, 1)], &[(1, 1)]])).unwrap();
    let (img, e) = j.act(&x1).unwrap();
    assert_eq!(e, Exactness::Exact);
    // Images: q₀ ∈ {0, 1} → (0, 0) and (1 + 2 + 5, 0) = (8, 0).
    assert!(same_set(
        img.members().unwrap(),
        &[r(&[&[(0, 1)], &[(0, 1)]]), r(&[&[(8, 1)], &[(0, 1)]])]
    ));
}

#[test]
fn corners_hulls_and_column_blocks() {
    // Corners over the free coordinates only, in binary order of the choices.
    let (lo, hi) = (
        vec![q(0, 1), q(5, 1), q(1, 1)],
        vec![q(1, 1), q(5, 1), q(3, 1)],
    );
    let mut seen = Vec::new();
    for_each_corner(&lo, &hi, &[0, 2], 4, |c| {
        seen.push(c.to_vec());
        Ok(())
    })
    .unwrap();
    let want: Vec<Vec<Rational>> = [(0, 1), (1, 1), (0, 3), (1, 3)]
        .iter()
        .map(|&(a, c)| vec![q(a, 1), q(5, 1), q(c, 1)])
        .collect();
    assert_eq!(seen, want);
    assert!(matches!(
        for_each_corner(&lo, &hi, &[0, 2], 3, |_| Ok(())),
        Err(piggyback::Error::TooLarge { .. })
    ));
    assert!(for_each_corner(&lo, &hi, &[3], 8, |_| Ok(())).is_err());
    // The hull over a tie pattern: coordinate 1 is fixed (5 = 5), so 4 vertices.
    let h = hull_over_box(&lo, &hi, 16, |c| Ok(Matrix::column_vector(c))).unwrap();
    assert_eq!(h.member_count(), Some(4));
    assert!(h.is_convex());
    let single = hull_over_box(&hi, &hi, 16, |c| Ok(Matrix::column_vector(c))).unwrap();
    assert!(matches!(single.view(), MatrixSetView::Finite(v) if v.len() == 1));
    // Leading columns commute with every representation: check on the members.
    let js = vec![
        r(&[&[(1, 1), (2, 1), (3, 1)], &[(4, 1), (5, 1), (6, 1)]]),
        r(&[&[(0, 1), (1, 1), (1, 1)], &[(1, 1), (0, 1), (1, 1)]]),
    ];
    let a = MatrixSet::hull(js.clone())
        .unwrap()
        .leading_cols(2)
        .unwrap();
    assert!(same_set(
        a.members().unwrap(),
        &js.iter()
            .map(|m| m.split_cols(2).unwrap().0)
            .collect::<Vec<_>>()
    ));
    let db = MatrixSet::diag_box(
        vec![q(0, 1), q(1, 2)],
        vec![q(1, 1), q(1, 2)],
        js[0].clone(),
        js[1].clone(),
    )
    .unwrap();
    let mut v1 = db.leading_cols(2).unwrap().vertices(16).unwrap();
    let mut v2: Vec<Matrix<Rational>> = db
        .vertices(16)
        .unwrap()
        .iter()
        .map(|m| m.split_cols(2).unwrap().0)
        .collect();
    v1.sort_by_key(|m| format!("{m:?}"));
    v2.sort_by_key(|m| format!("{m:?}"));
    assert_eq!(v1, v2);
    // box_act: [A]·[X] + [B] with degenerate boxes is the plain A X + B.
    let (lo, hi) = box_act(
        (&js[0], &js[0]),
        (&r(&[&[(1, 1)], &[(-1, 1)]]), &r(&[&[(1, 1)], &[(-1, 1)]])),
    )
    .unwrap();
    assert_eq!(lo, hi);
    assert_eq!(lo, r(&[&[(2, 1)], &[(5, 1)]]));
}

fn cfg() -> ProptestConfig {
    ProptestConfig::with_cases(40)
}

proptest! {
    #![proptest_config(cfg())]

    /// Associativity of the action on finite sets: J₁(J₂(X)) equals, as a set, the
    /// action of the composed family {[A₁A₂, A₁B₂ + B₁]} on X.
    #[test]
    fn action_associative((j1, j2, xs) in (1usize..=2, 1usize..=2).prop_flat_map(|(n, m)| (raw_set(n, n + m, 1..=3), raw_set(n, n + m, 1..=3), raw_set(n, m, 1..=3)))) {
        let (j1, j2, xs) = (mats::<Rational>(&j1), mats::<Rational>(&j2), mats::<Rational>(&xs));
        let n = xs[0].rows();
        let (inner, e1) = MatrixSet::finite(j2.clone()).unwrap().act(&MatrixSet::finite(xs.clone()).unwrap()).unwrap();
        let (outer, e2) = MatrixSet::finite(j1.clone()).unwrap().act(&inner).unwrap();
        prop_assert_eq!((e1, e2), (Exactness::Exact, Exactness::Exact));
        let mut composed = vec![];
        for a in &j1 {
            let (a1, b1) = a.split_cols(n).unwrap();
            for b in &j2 {
                let (a2, b2) = b.split_cols(n).unwrap();
                composed.push(a1.matmul(&a2).unwrap().hstack(&a1.matmul(&b2).unwrap().add(&b1).unwrap()).unwrap());
            }
        }
        let (direct, _) = MatrixSet::finite(composed.clone()).unwrap().act(&MatrixSet::finite(xs.clone()).unwrap()).unwrap();
        prop_assert!(same_set(outer.members().unwrap(), direct.members().unwrap()));
        prop_assert!(same_set(outer.members().unwrap(), &act_ref(&j1, &act_ref(&j2, &xs))));
    }

    /// J(X ∪ Y) = J(X) ∪ J(Y) for finite sets, exactly.
    #[test]
    fn action_distributes_over_union((js, xs, ys) in (1usize..=2, 1usize..=2).prop_flat_map(|(n, m)| (raw_set(n, n + m, 1..=3), raw_set(n, m, 1..=3), raw_set(n, m, 1..=3)))) {
        let j = MatrixSet::finite(mats::<Rational>(&js)).unwrap();
        let (x, y) = (MatrixSet::finite(mats::<Rational>(&xs)).unwrap(), MatrixSet::finite(mats::<Rational>(&ys)).unwrap());
        let (xy, e) = x.union(&y).unwrap();
        prop_assert_eq!(e, Exactness::Exact);
        let (lhs, _) = j.act(&xy).unwrap();
        let (jx, _) = j.act(&x).unwrap();
        let (jy, _) = j.act(&y).unwrap();
        let (rhs, e) = jx.union(&jy).unwrap();
        prop_assert_eq!(e, Exactness::Exact);
        prop_assert!(same_set(lhs.members().unwrap(), rhs.members().unwrap()));
    }

    /// Hull actions: with a singleton J (or X) the result is exact and equals the
    /// image; in general the returned hull contains every A X + B for sampled points
    /// [A, B] ∈ conv J, X ∈ conv X (checked exactly with `contains`).
    #[test]
    fn hull_action_contains_images((js, xs, w1, w2) in (1usize..=2, 1usize..=2).prop_flat_map(|(n, m)| (raw_set(n, n + m, 1..=3), raw_set(n, m, 1..=3), prop::collection::vec(0i64..=2, 3), prop::collection::vec(0i64..=2, 3)))) {
        let (jv, xv) = (mats::<Rational>(&js), mats::<Rational>(&xs));
        let n = xv[0].rows();
        let (res, e) = MatrixSet::hull(jv.clone()).unwrap().act(&MatrixSet::hull(xv.clone()).unwrap()).unwrap();
        prop_assert_eq!(e, if jv.len() == 1 || xv.len() == 1 { Exactness::Exact } else { Exactness::Over });
        let (jp, xp) = (combo(&jv, &w1), combo(&xv, &w2));
        let (a, b) = jp.split_cols(n).unwrap();
        let img = a.matmul(&xp).unwrap().add(&b).unwrap();
        prop_assert_eq!(res.contains(&img).unwrap(), Verdict::True);
        // Singleton J on a hull: exact, so its hull equals conv of the images.
        let (res1, e1) = MatrixSet::singleton(jp.clone()).unwrap().act(&MatrixSet::hull(xv.clone()).unwrap()).unwrap();
        prop_assert_eq!(e1, Exactness::Exact);
        let imgs = MatrixSet::hull(act_ref(std::slice::from_ref(&jp), &xv)).unwrap();
        prop_assert_eq!(hausdorff_sq(&res1, &imgs).unwrap().sq, Rational::new());
        // Box enclosure of the same action contains the image too.
        let (bres, be) = MatrixSet::hull(jv.clone()).unwrap().to_box().unwrap().act(&MatrixSet::hull(xv.clone()).unwrap()).unwrap();
        prop_assert_eq!(be, Exactness::Over);
        prop_assert_eq!(bres.contains(&img).unwrap(), Verdict::True);
    }

    /// Sums and products: contain sampled members; hull + hull is exact (the
    /// Hausdorff distance to the test's own conv{Vᵢ + Wⱼ} is zero); finite·finite
    /// equals the test's products; box arithmetic contains point products, and the
    /// interval version of `box_matmul` encloses the rational one.
    #[test]
    fn sums_and_products((xs, ys, zs, w1, w2) in (1usize..=2, 1usize..=2, 1usize..=2).prop_flat_map(|(a, b, c)| (raw_set(a, b, 1..=3), raw_set(a, b, 1..=3), raw_set(b, c, 1..=3), prop::collection::vec(0i64..=2, 3), prop::collection::vec(0i64..=2, 3)))) {
        let (x, y, z) = (mats::<Rational>(&xs), mats::<Rational>(&ys), mats::<Rational>(&zs));
        let (s, e) = MatrixSet::hull(x.clone()).unwrap().sum(&MatrixSet::hull(y.clone()).unwrap()).unwrap();
        prop_assert_eq!(e, Exactness::Exact);
        let mut pairs = vec![];
        for a in &x { for b in &y { pairs.push(a.add(b).unwrap()); } }
        prop_assert_eq!(hausdorff_sq(&s, &MatrixSet::hull(pairs).unwrap()).unwrap().sq, Rational::new());
        let p = combo(&x, &w1).add(&combo(&y, &w2)).unwrap();
        prop_assert_eq!(s.contains(&p).unwrap(), Verdict::True);
        let (pr, e) = MatrixSet::finite(x.clone()).unwrap().product(&MatrixSet::finite(z.clone()).unwrap()).unwrap();
        prop_assert_eq!(e, Exactness::Exact);
        let mut prods = vec![];
        for a in &x { for b in &z { prods.push(a.matmul(b).unwrap()); } }
        prop_assert!(same_set(pr.members().unwrap(), &prods));
        let (ph, _) = MatrixSet::hull(x.clone()).unwrap().product(&MatrixSet::hull(z.clone()).unwrap()).unwrap();
        let prod_pt = combo(&x, &w1).matmul(&combo(&z, &w2)).unwrap();
        prop_assert_eq!(ph.contains(&prod_pt).unwrap(), Verdict::True);
        let (bx, bz) = (MatrixSet::hull(x.clone()).unwrap().bounding_box().unwrap(), MatrixSet::hull(z.clone()).unwrap().bounding_box().unwrap());
        let (lo, hi) = box_matmul((&bx.0, &bx.1), (&bz.0, &bz.1)).unwrap();
        let boxed = MatrixSet::interval_box(lo.clone(), hi.clone()).unwrap();
        prop_assert_eq!(boxed.contains(&prod_pt).unwrap(), Verdict::True);
        let to_iv = |m: &Matrix<Rational>| m.map(Interval::from_rational);
        let (ilo, ihi) = box_matmul((&to_iv(&bx.0), &to_iv(&bx.1)), (&to_iv(&bz.0), &to_iv(&bz.1))).unwrap();
        for k in 0..lo.as_slice().len() {
            prop_assert!(ilo.as_slice()[k].contains_rational(&lo.as_slice()[k]));
            prop_assert!(ihi.as_slice()[k].contains_rational(&hi.as_slice()[k]));
        }
        // Scaling by a negative number keeps box bounds ordered and members inside.
        let c = q(-3, 2);
        let sb = MatrixSet::hull(x.clone()).unwrap().to_box().unwrap().scale(&c).unwrap();
        prop_assert_eq!(sb.contains(&combo(&x, &w1).scale(&c)).unwrap(), Verdict::True);
    }

    /// sup‖·‖ over hulls and boxes equals the max over vertices (computed here) and
    /// bounds sampled members; DiagBox sups equal the max over its 2^k extreme points
    /// built here directly from q ∈ {q_lo, q_hi}ᵏ; intervals enclose, f64 agrees.
    #[test]
    fn sup_norms((vs, w, ql) in (1usize..=3, 1usize..=3).prop_flat_map(|(a, b)| (raw_set(a, b, 2..=3), prop::collection::vec(0i64..=2, 3), prop::collection::vec(-2i64..=1, 3)))) {
        let v = mats::<Rational>(&vs);
        let h = MatrixSet::hull(v.clone()).unwrap();
        let p = combo(&v, &w);
        let norms: [(Norm, NormFn); 3] = [(Norm::One, |m| m.norm_1()), (Norm::Inf, |m| m.norm_inf()), (Norm::Two, |m| piggyback::linalg::norms::spectral_norm_upper(m))];
        for (norm, f) in norms {
            let s = h.sup_norm(norm).unwrap();
            let vmax = v.iter().map(f).max().unwrap();
            prop_assert_eq!(&s, &vmax);
            prop_assert!(f(&p) <= s);
        }
        prop_assert_eq!(h.sup_frobenius_sq().unwrap(), v.iter().map(|m| m.norm_frobenius_sq()).max().unwrap());
        // Boxes: sup equals the max over all corners.
        let b = h.to_box().unwrap();
        let corners = b.vertices(1 << 9).unwrap();
        prop_assert_eq!(b.sup_norm(Norm::One).unwrap(), corners.iter().map(|m| m.norm_1()).max().unwrap());
        prop_assert_eq!(b.sup_norm(Norm::Inf).unwrap(), corners.iter().map(|m| m.norm_inf()).max().unwrap());
        prop_assert_eq!(b.sup_frobenius_sq().unwrap(), corners.iter().map(|m| m.norm_frobenius_sq()).max().unwrap());
        // DiagBox with q ∈ [ql, ql + 1].
        let rows = v[0].rows();
        let q_lo: Vec<Rational> = (0..rows).map(|i| Rational::from(ql[i])).collect();
        let q_hi: Vec<Rational> = (0..rows).map(|i| Rational::from(ql[i] + 1)).collect();
        let db = MatrixSet::diag_box(q_lo.clone(), q_hi.clone(), v[0].clone(), v[1].clone()).unwrap();
        let mut ext = vec![];
        for mask in 0..(1u32 << rows) {
            let qv: Vec<Rational> = (0..rows).map(|i| if mask >> i & 1 == 1 { q_hi[i].clone() } else { q_lo[i].clone() }).collect();
            ext.push(Matrix::diag(&qv).matmul(&v[0]).unwrap().add(&v[1]).unwrap());
        }
        prop_assert_eq!(db.sup_norm(Norm::One).unwrap(), ext.iter().map(|m| m.norm_1()).max().unwrap());
        prop_assert_eq!(db.sup_norm(Norm::Inf).unwrap(), ext.iter().map(|m| m.norm_inf()).max().unwrap());
        prop_assert_eq!(db.sup_frobenius_sq().unwrap(), ext.iter().map(|m| m.norm_frobenius_sq()).max().unwrap());
        // Cross-scalar on the hull sup Frobenius²: BigRational equal, interval encloses, f64 close.
        let exact = h.sup_frobenius_sq().unwrap();
        prop_assert_eq!(MatrixSet::hull(mats::<BigRational>(&vs)).unwrap().sup_frobenius_sq().unwrap().to_rational(), exact.clone());
        prop_assert!(MatrixSet::hull(mats::<Interval>(&vs)).unwrap().sup_frobenius_sq().unwrap().contains_rational(&exact));
        let f = MatrixSet::hull(mats::<f64>(&vs)).unwrap().sup_frobenius_sq().unwrap();
        prop_assert!((f - exact.to_f64()).abs() <= 1e-10 * (1.0 + exact.to_f64()));
    }

    /// Membership: exact for finite sets, boxes and DiagBox (members built here are
    /// in, perturbed ones out), hulls via the distance; the bounding box contains
    /// every member and, over intervals, encloses the rational box.
    #[test]
    fn membership_and_boxes((vs, w, ql) in (1usize..=2, 1usize..=3).prop_flat_map(|(a, b)| (raw_set(a, b, 1..=3), prop::collection::vec(0i64..=2, 3), prop::collection::vec(-2i64..=1, 2)))) {
        let v = mats::<Rational>(&vs);
        let bump = |m: &Matrix<Rational>| { let mut m = m.clone(); m[(0, 0)] += q(1, 7); m };
        let fin = MatrixSet::finite(v.clone()).unwrap();
        for m in &v {
            prop_assert_eq!(fin.contains(m).unwrap(), Verdict::True);
        }
        prop_assert_eq!(fin.contains(&bump(&v[0])).unwrap() == Verdict::True, v.contains(&bump(&v[0])));
        let h = MatrixSet::hull(v.clone()).unwrap();
        let p = combo(&v, &w);
        prop_assert_eq!(h.contains(&p).unwrap(), Verdict::True);
        let b = h.to_box().unwrap();
        prop_assert_eq!(b.contains(&p).unwrap(), Verdict::True);
        let (lo, hi) = h.bounding_box().unwrap();
        let mut out = hi.clone();
        out[(0, 0)] += q(1, 3);
        prop_assert_eq!(b.contains(&out).unwrap(), Verdict::False);
        prop_assert_eq!(h.contains(&out).unwrap(), Verdict::False);
        let (ilo, ihi) = MatrixSet::hull(mats::<Interval>(&vs)).unwrap().bounding_box().unwrap();
        for k in 0..lo.as_slice().len() {
            prop_assert!(ilo.as_slice()[k].contains_rational(&lo.as_slice()[k]));
            prop_assert!(ihi.as_slice()[k].contains_rational(&hi.as_slice()[k]));
        }
        // DiagBox: q inside → member; row 0 scaled by q_hi + 1 → not (if row 0 ≠ 0).
        let rows = v[0].rows();
        let q_lo: Vec<Rational> = (0..rows).map(|i| Rational::from(ql[i])).collect();
        let q_hi: Vec<Rational> = (0..rows).map(|i| Rational::from(ql[i] + 1)).collect();
        let off = v[v.len() - 1].clone();
        let db = MatrixSet::diag_box(q_lo.clone(), q_hi.clone(), v[0].clone(), off.clone()).unwrap();
        let qm: Vec<Rational> = (0..rows).map(|i| &q_lo[i] + q(1, 2)).collect();
        let inside = Matrix::diag(&qm).matmul(&v[0]).unwrap().add(&off).unwrap();
        prop_assert_eq!(db.contains(&inside).unwrap(), Verdict::True);
        let mut qo = qm.clone();
        qo[0] = Rational::from(&q_hi[0] + 1);
        let outside = Matrix::diag(&qo).matmul(&v[0]).unwrap().add(&off).unwrap();
        let row0_zero = (0..v[0].cols()).all(|j| v[0][(0, j)] == 0);
        prop_assert_eq!(db.contains(&outside).unwrap(), if row0_zero { Verdict::True } else { Verdict::False });
        let (dlo, dhi) = db.bounding_box().unwrap();
        prop_assert_eq!(MatrixSet::interval_box(dlo, dhi).unwrap().contains(&inside).unwrap(), Verdict::True);
    }

    /// Pruning: duplicates and interior points (convex combinations) are removed
    /// without changing the hull (Hausdorff distance 0); f64 pruning agrees.
    #[test]
    fn pruning((vs, w1, w2) in (1usize..=2, 1usize..=2).prop_flat_map(|(a, b)| (raw_set(a, b, 1..=4), prop::collection::vec(0i64..=2, 4), prop::collection::vec(1i64..=2, 4)))) {
        let v = mats::<Rational>(&vs);
        let mut all = v.clone();
        all.push(v[0].clone());
        all.push(combo(&v, &w1));
        all.push(combo(&v, &w2));
        let pruned = MatrixSet::hull(all.clone()).unwrap().prune().unwrap();
        let n_pruned = pruned.members().unwrap().len();
        prop_assert!(n_pruned <= v.len());
        prop_assert_eq!(hausdorff_sq(&pruned, &MatrixSet::hull(v.clone()).unwrap()).unwrap().sq, Rational::new());
        // No remaining vertex lies in the hull of the others.
        let kept = pruned.members().unwrap().to_vec();
        for i in 0..kept.len() {
            if kept.len() < 2 { break; }
            let others: Vec<_> = kept.iter().enumerate().filter(|&(j, _)| j != i).map(|(_, m)| m.clone()).collect();
            prop_assert_eq!(MatrixSet::hull(others).unwrap().contains(&kept[i]).unwrap(), Verdict::False);
        }
        let fin = MatrixSet::finite(all.clone()).unwrap().prune().unwrap();
        prop_assert!(same_set(fin.members().unwrap(), &all));
        let f64_all: Vec<Matrix<f64>> = all.iter().map(|m| m.to_f64()).collect();
        let pf = MatrixSet::hull(f64_all).unwrap().prune().unwrap();
        prop_assert_eq!(pf.members().unwrap().len(), n_pruned);
        // The excess of the unpruned hull over the pruned one is 0 in every scalar.
        let e = excess_sq(&MatrixSet::hull(all.iter().map(|m| m.map(Interval::from_rational)).collect()).unwrap(), &MatrixSet::hull(kept.iter().map(|m| m.map(Interval::from_rational)).collect()).unwrap()).unwrap();
        prop_assert!(e.sq.contains_rational(&Rational::new()));
    }

    /// Finite · finite and the action agree across scalars (BigRational equal,
    /// intervals enclose, f64 within 1e-12 relative per entry).
    #[test]
    fn action_cross_scalar((js, xs) in (1usize..=2, 1usize..=2).prop_flat_map(|(n, m)| (raw_set(n, n + m, 1..=3), raw_set(n, m, 1..=3)))) {
        let exact = MatrixSet::finite(mats::<Rational>(&js)).unwrap().act(&MatrixSet::finite(mats::<Rational>(&xs)).unwrap()).unwrap().0;
        let big = MatrixSet::finite(mats::<BigRational>(&js)).unwrap().act(&MatrixSet::finite(mats::<BigRational>(&xs)).unwrap()).unwrap().0;
        let iv = MatrixSet::finite(mats::<Interval>(&js)).unwrap().act(&MatrixSet::finite(mats::<Interval>(&xs)).unwrap()).unwrap().0;
        let fl = MatrixSet::finite(mats::<f64>(&js)).unwrap().act(&MatrixSet::finite(mats::<f64>(&xs)).unwrap()).unwrap().0;
        let ex = exact.members().unwrap();
        // Every exact member is in each other scalar's result (dedup keeps the order
        // of first occurrences, which coincides for exactly-equal duplicates).
        let bigm: Vec<Matrix<Rational>> = big.members().unwrap().iter().map(|m| m.map(|x| x.to_rational())).collect();
        prop_assert!(same_set(ex, &bigm));
        for m in ex {
            let in_iv = iv.members().unwrap().iter().any(|c| c.as_slice().iter().zip(m.as_slice()).all(|(a, b)| a.contains_rational(b)));
            prop_assert!(in_iv);
            let in_f = fl.members().unwrap().iter().any(|c| c.as_slice().iter().zip(m.as_slice()).all(|(a, b)| (a - b.to_f64()).abs() <= 1e-12 * (1.0 + b.to_f64().abs())));
            prop_assert!(in_f);
        }
    }
}
