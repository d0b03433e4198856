//! Matrix-set operations on small random sets: no panics, Minkowski sums and products
//! contain the sums and products of members, sup norms bound every member, and the
//! two exact membership tests (matset's and the audit's simplex) agree.
#![no_main]

mod common;

use common::Bytes;
use libfuzzer_sys::fuzz_target;
use piggyback::audit::membership::{contains as audit_contains, representatives};
use piggyback::matset::Norm;
use piggyback::{MatrixSet, Verdict};

fn member(set: &MatrixSet<rug::Rational>, m: &piggyback::Matrix<rug::Rational>) -> bool {
    let v = set.contains(m).expect("same shape");
    let mine = audit_contains(set, m).expect("same shape");
    assert_ne!(v, Verdict::Unknown, "exact membership is decided");
    assert_eq!(
        v.is_true(),
        mine,
        "membership disagrees for {m:?} in {set:?}"
    );
    mine
}

fuzz_target!(|data: &[u8]| {
    let mut b = Bytes::new(data);
    let (r, c, k) = (b.dim(3), b.dim(3), b.dim(2));
    let x = b.set(r, c);
    let x2 = b.set(r, c);
    let y = b.set(c, k);
    let probe = b.matrix(r, c);
    let (Ok(rx), Ok(rx2), Ok(ry)) = (
        representatives(&x),
        representatives(&x2),
        representatives(&y),
    ) else {
        return;
    };
    for m in &rx {
        assert!(member(&x, m));
    }
    member(&x, &probe);
    if let Ok((s, _)) = x.sum(&x2) {
        for a in &rx {
            for a2 in &rx2 {
                assert!(member(&s, &a.add(a2).expect("same shape")), "sum");
            }
        }
    }
    if let Ok((p, _)) = x.product(&y) {
        for a in &rx {
            for m in &ry {
                assert!(member(&p, &a.matmul(m).expect("fits")), "product");
            }
        }
    }
    if let Ok((u, _)) = x.union(&x2) {
        for a in rx.iter().chain(&rx2) {
            assert!(member(&u, a), "union");
        }
    }
    for norm in [Norm::One, Norm::Inf] {
        if let Ok(sup) = x.sup_norm(norm) {
            for a in &rx {
                let n = match norm {
                    Norm::One => a.norm_1(),
                    _ => a.norm_inf(),
                };
                assert!(n <= sup, "sup norm");
            }
        }
    }
    let _ = x.prune();
});
