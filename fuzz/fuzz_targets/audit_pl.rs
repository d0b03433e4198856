//! The audit raises no false alarm on random piecewise-linear functions
//! `F(z) = l·z + Σ_k c_k relu(a_k·z + b_k)` (`z ∈ R²`, up to 3 ReLUs) with their exact
//! chain-rule set `l + Σ_k c_k q_k a_k`, `q_k ∈ {1}, {0}, [0, 1]` by the sign of
//! `a_k·z + b_k`, nor on the AD element (`q_k = 0` at ties).
#![no_main]

mod common;

use common::Bytes;
use libfuzzer_sys::fuzz_target;
use piggyback::audit::{audit, AuditConfig, Claim, FnTarget};
use piggyback::{Matrix, MatrixSet};
use rug::Rational;

#[derive(Clone)]
struct Pl {
    l: [Rational; 2],
    units: Vec<([Rational; 2], Rational, Rational)>,
}

impl Pl {
    fn pre(&self, u: &([Rational; 2], Rational, Rational), z: &[Rational]) -> Rational {
        Rational::from(&u.0[0] * &z[0]) + Rational::from(&u.0[1] * &z[1]) + &u.1
    }
    fn eval(&self, z: &[Rational]) -> Rational {
        let mut v = Rational::from(&self.l[0] * &z[0]) + Rational::from(&self.l[1] * &z[1]);
        for u in &self.units {
            let p = self.pre(u, z);
            if p > 0 {
                v += p * &u.2;
            }
        }
        v
    }
    /// Vertices of the chain-rule set (all 0/1 choices at ties), or the AD element.
    fn claim(&self, z: &[Rational], ad: bool) -> Vec<[Rational; 2]> {
        let mut verts = vec![self.l.clone()];
        for u in &self.units {
            let p = self.pre(u, z);
            let g = [
                Rational::from(&u.0[0] * &u.2),
                Rational::from(&u.0[1] * &u.2),
            ];
            let add =
                |v: &[Rational; 2]| [Rational::from(&v[0] + &g[0]), Rational::from(&v[1] + &g[1])];
            if p > 0 {
                verts = verts.iter().map(add).collect();
            } else if p == 0 && !ad {
                let more: Vec<_> = verts.iter().map(add).collect();
                verts.extend(more);
            }
        }
        verts
    }
}

fuzz_target!(|data: &[u8]| {
    let mut b = Bytes::new(data);
    let seed = u64::from(b.byte());
    let k = usize::from(b.byte() % 4);
    let l = [b.small(), b.small()];
    let units = (0..k)
        .map(|_| ([b.small(), b.small()], b.small(), b.small()))
        .collect();
    let f = Pl { l, units };
    for ad in [false, true] {
        let (fe, fc) = (f.clone(), f.clone());
        let t = FnTarget::new(
            "random piecewise-linear",
            1,
            2,
            move |z: &[Rational]| Ok(vec![fe.eval(z)]),
            move |z: &[Rational]| {
                let vs: Vec<Matrix<Rational>> = fc
                    .claim(z, ad)
                    .into_iter()
                    .map(|v| Matrix::from_rows(&[v.to_vec()]))
                    .collect::<piggyback::Result<_>>()?;
                Ok(if ad {
                    Claim::Element(vs[0].clone())
                } else {
                    Claim::Set(MatrixSet::hull(vs)?)
                })
            },
        );
        // A small budget: many functions rather than a long search on each (it may be
        // inconclusive, but must never fail).
        let cfg = AuditConfig {
            lines: 1,
            structured_lines: 1,
            samples_per_line: 16,
            kink_points: 8,
            directions_per_point: 2,
            shrink: false,
            min_decided: 0,
            ..AuditConfig::quick(seed)
        };
        let report = audit(&t, &cfg).expect("consistent shapes");
        assert!(!report.failed(), "false alarm on a valid claim:\n{report}");
    }
});
