//! A problem file resolved for the trusted kernel: data files read, the step `γ`
//! decided and written out exactly, every default made explicit
//! ([`Problem::embed`]); and the size limits checked before any work
//! ([`Problem::check_size`]).

use super::problem::{MapSpec, MatrixData as FileMap, Problem};
use crate::certify::{num_text, rows_text};
use crate::error::{Error, Result};
use crate::linalg::Matrix;
use crate::scalar::Rational;
use piggyback_kernel::problem::{MapData, PieceData, ProblemData};

/// Largest `n·(n + m)` (entries of one Jacobian `[A, B]`) for exact work (`certify`).
pub const MAX_EXACT_ENTRIES: usize = 1 << 20;
/// Largest `n·(n + m)` and `m²` for f64 and interval work (`solve`): `2²⁴` entries is
/// 128 MiB of f64, 256 MiB of intervals.
pub const MAX_DENSE_ENTRIES: usize = 1 << 24;

/// What a problem is about to be used for (the two commands have different limits).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Purpose {
    /// Exact certification (`certify`).
    Certify,
    /// f64 solve and interval proof (`solve`): dense `n × m` derivatives and an `m × m`
    /// identity of seeds.
    Solve,
}

fn rows_of(m: Option<&FileMap>) -> Option<(usize, usize)> {
    match m {
        Some(FileMap::Inline(r)) => Some((r.len(), r.first().map_or(0, Vec::len))),
        _ => None,
    }
}

impl Problem {
    /// `(n, m)`: state and parameter dimensions, read from the declared shapes (data
    /// files are read for their shape only when the map's state dimension is in one).
    pub fn declared_dims(&self) -> Result<(usize, usize)> {
        let m = self.file.theta.len();
        Ok(match &self.file.map {
            MapSpec::PiecewiseAffine { pieces } => {
                let n = match pieces.first() {
                    Some(p) => match rows_of(Some(&p.a)) {
                        Some((r, _)) => r,
                        None => self.matrix_at::<Rational>(&p.a, "map.pieces[0].a")?.rows(),
                    },
                    None => 0,
                };
                (n, m)
            }
            MapSpec::ReluLayer { w, u, .. } => {
                let n = match rows_of(Some(w)) {
                    Some((r, _)) => r,
                    None => self.matrix_at::<Rational>(w, "map.w")?.rows(),
                };
                let m = rows_of(u.as_ref()).map_or(m, |(_, c)| c);
                (n, m)
            }
            MapSpec::Lasso { design, .. } | MapSpec::ElasticNet { design, .. } => {
                let p = match rows_of(Some(design)) {
                    Some((_, c)) => c,
                    None => self.matrix_at::<Rational>(design, "map.design")?.cols(),
                };
                (p, m)
            }
        })
    }

    /// Refuse, before building anything, a problem whose declared sizes exceed the
    /// limits for `purpose` ([`MAX_EXACT_ENTRIES`], [`MAX_DENSE_ENTRIES`]):
    /// [`Error::TooLarge`].
    pub fn check_size(&self, purpose: Purpose) -> Result<()> {
        let (n, m) = self.declared_dims()?;
        let jac = n.saturating_mul(n.saturating_add(m));
        let (limit, what) = match purpose {
            Purpose::Certify => (MAX_EXACT_ENTRIES, "exact certification"),
            Purpose::Solve => (MAX_DENSE_ENTRIES, "the dense f64/interval solve"),
        };
        if jac > limit || (purpose == Purpose::Solve && m.saturating_mul(m) > limit) {
            return Err(Error::TooLarge {
                context: format!(
                    "a problem with n = {n} states and m = {m} parameters needs n·(n+m) = {jac} \
                     Jacobian entries{} for {what}, above the limit of {limit}",
                    if purpose == Purpose::Solve {
                        format!(" and m² = {} seed entries", m.saturating_mul(m))
                    } else {
                        String::new()
                    }
                ),
            });
        }
        Ok(())
    }

    /// The problem as a certificate embeds it: kind, exact inline data, the exact step
    /// `γ` the map uses, `θ`. The kernel re-derives everything else from it.
    pub fn embed(&self) -> Result<ProblemData> {
        self.check_size(Purpose::Certify)?;
        let theta: Vec<Rational> = self.theta()?;
        let texts = |v: &[Rational]| v.iter().map(num_text).collect::<Vec<_>>();
        let map = match &self.file.map {
            MapSpec::Lasso { .. } | MapSpec::ElasticNet { .. } => {
                let fb =
                    self.forward_backward_map::<Rational>()?
                        .ok_or_else(|| Error::Unsupported {
                            what: "not a forward–backward problem".into(),
                        })?;
                let design = rows_text(&fb.design().to_dense());
                let response = texts(fb.response());
                let step = num_text(fb.gamma());
                if matches!(self.file.map, MapSpec::Lasso { .. }) {
                    MapData::Lasso {
                        design,
                        response,
                        step,
                    }
                } else {
                    MapData::ElasticNet {
                        design,
                        response,
                        step,
                        splitting: fb.splitting(),
                    }
                }
            }
            MapSpec::ReluLayer { w, u, b } => {
                let w: Matrix<Rational> = self.matrix(w)?;
                let n = w.rows();
                let u = u.as_ref().map(|u| self.matrix::<Rational>(u)).transpose()?;
                let b = match b {
                    Some(b) => self.numbers(b)?,
                    None => vec![Rational::new(); n],
                };
                MapData::ReluLayer {
                    w: rows_text(&w),
                    u: u.as_ref().map(rows_text),
                    b: texts(&b),
                }
            }
            MapSpec::PiecewiseAffine { pieces } => {
                let m = theta.len();
                let mut out = Vec::with_capacity(pieces.len());
                for p in pieces {
                    let a: Matrix<Rational> = self.matrix(&p.a)?;
                    let n = a.rows();
                    let b = match &p.b {
                        Some(b) => self.matrix(b)?,
                        None => Matrix::zeros(n, m),
                    };
                    let c = match &p.c {
                        Some(c) => self.numbers(c)?,
                        None => vec![Rational::new(); n],
                    };
                    let (g, h) = match (&p.g, &p.h) {
                        (Some(FileMap::Inline(r)), Some(h)) if r.is_empty() && h.is_empty() => {
                            (vec![], vec![])
                        }
                        (Some(g), Some(h)) => {
                            (rows_text(&self.matrix(g)?), texts(&self.numbers(h)?))
                        }
                        (None, None) => (vec![], vec![]),
                        _ => {
                            return Err(Error::malformed("", "a piece's region needs both g and h"))
                        }
                    };
                    let b_rows = if m == 0 {
                        vec![vec![]; n]
                    } else {
                        rows_text(&b)
                    };
                    out.push(PieceData {
                        a: rows_text(&a),
                        b: b_rows,
                        c: texts(&c),
                        g,
                        h,
                    });
                }
                MapData::PiecewiseAffine { pieces: out }
            }
        };
        Ok(ProblemData {
            map,
            theta: texts(&theta),
        })
    }
}
