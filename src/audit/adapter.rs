//! Adapters: closures, functions generic over the scalar (exact derivatives through
//! [`Dual`]), and the crate's [`FixedPointMap`]s with `z = (x, θ)`.

use super::dual::Dual;
use super::{AuditTarget, Claim};
use crate::error::{Error, Result};
use crate::maps::FixedPointMap;
use crate::selection::{Selection, Tolerance};
use rug::Rational;
use std::ops::Deref;

/// Borrowed or owned.
enum Held<'a, T: ?Sized> {
    Ref(&'a T),
    Own(Box<T>),
}

impl<T: ?Sized> Deref for Held<'_, T> {
    type Target = T;
    fn deref(&self) -> &T {
        match self {
            Held::Ref(r) => r,
            Held::Own(b) => b,
        }
    }
}

/// An exact directional derivative `(z, d) ↦ F'(z; d)` of an [`FnTarget`].
type DirectionalFn<'a> = Box<dyn Fn(&[Rational], &[Rational]) -> Result<Vec<Rational>> + 'a>;

/// An [`AuditTarget`] from two closures: `F` and the claimed Jacobian; optionally an
/// exact directional derivative of `F`, given as `F` over [`Dual`] numbers
/// ([`FnTarget::with_dual`]: kinks are then located exactly from the comparisons it
/// makes) or as a closure `(z, d) ↦ F'(z; d)` ([`FnTarget::with_directional`]).
/// Without one, derivatives come from exact differences of evaluations, which needs
/// `F` piecewise polynomial along lines (rational maps such as `x/(1 + x²)` need a
/// derivative).
pub struct FnTarget<'a, F, G> {
    name: String,
    n: usize,
    nz: usize,
    f: F,
    g: G,
    directional: Option<DirectionalFn<'a>>,
    traced: bool,
    hints: Vec<Rational>,
}

impl<'a, F, G> FnTarget<'a, F, G>
where
    F: Fn(&[Rational]) -> Result<Vec<Rational>>,
    G: Fn(&[Rational]) -> Result<Claim>,
{
    /// `F : R^nz → R^n` given by `f`, with claim `g`.
    pub fn new(name: &str, n: usize, nz: usize, f: F, g: G) -> Self {
        FnTarget {
            name: name.to_string(),
            n,
            nz,
            f,
            g,
            directional: None,
            traced: false,
            hints: Vec::new(),
        }
    }
    /// Values where kinks are likely (thresholds), used as coordinates of structured points.
    pub fn with_hints(mut self, hints: Vec<Rational>) -> Self {
        self.hints = hints;
        self
    }
    /// `F` written over [`Dual`] numbers (e.g. the same generic function as `f`
    /// instantiated at `Dual`): exact one-sided derivatives, and kinks located exactly
    /// from the comparisons it makes.
    pub fn with_dual(mut self, f_dual: impl Fn(&[Dual]) -> Result<Vec<Dual>> + 'a) -> Self {
        self.directional = Some(Box::new(move |z: &[Rational], d: &[Rational]| {
            Ok(Dual::split(&f_dual(&Dual::seed(z, d))?).1)
        }));
        self.traced = true;
        self
    }
    /// An exact one-sided directional derivative `(z, d) ↦ F'(z; d)`.
    pub fn with_directional(
        mut self,
        directional: impl Fn(&[Rational], &[Rational]) -> Result<Vec<Rational>> + 'a,
    ) -> Self {
        self.directional = Some(Box::new(directional));
        self.traced = false;
        self
    }
}

impl<F, G> AuditTarget for FnTarget<'_, F, G>
where
    F: Fn(&[Rational]) -> Result<Vec<Rational>>,
    G: Fn(&[Rational]) -> Result<Claim>,
{
    fn name(&self) -> String {
        self.name.clone()
    }
    fn dims(&self) -> (usize, usize) {
        (self.n, self.nz)
    }
    fn eval(&self, z: &[Rational]) -> Result<Vec<Rational>> {
        (self.f)(z)
    }
    fn claimed(&self, z: &[Rational]) -> Result<Claim> {
        (self.g)(z)
    }
    fn directional(&self, z: &[Rational], d: &[Rational]) -> Option<Result<Vec<Rational>>> {
        self.directional.as_ref().map(|f| f(z, d))
    }
    fn traces_branches(&self) -> bool {
        self.traced
    }
    fn hints(&self) -> Vec<Rational> {
        self.hints.clone()
    }
}

/// Which claim of a [`FixedPointMap`] to audit.
///
/// Closed on purpose: it mirrors the two forms of [`Claim`](super::Claim).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ClaimMode {
    /// The AD element `[A, B]` from [`FixedPointMap::jacobian`].
    Element,
    /// The whole set from [`FixedPointMap::conservative_jacobian`].
    Set,
}

/// A [`FixedPointMap`] over the rationals as an [`AuditTarget`] with `z = (x, θ)`,
/// `N = n + m`. Optionally the same map over [`Dual`] numbers gives exact directional
/// derivatives without finite differences.
pub struct MapTarget<'a> {
    name: String,
    map: Held<'a, dyn FixedPointMap<Rational> + 'a>,
    dual: Option<Held<'a, dyn FixedPointMap<Dual> + 'a>>,
    mode: ClaimMode,
    hints: Vec<Rational>,
}

impl<'a> MapTarget<'a> {
    /// Audit `map`'s claim of kind `mode`.
    pub fn new(name: &str, map: &'a dyn FixedPointMap<Rational>, mode: ClaimMode) -> Self {
        MapTarget {
            name: name.to_string(),
            map: Held::Ref(map),
            dual: None,
            mode,
            hints: Vec::new(),
        }
    }
    /// Like [`MapTarget::new`], owning the map.
    pub fn owned(name: &str, map: Box<dyn FixedPointMap<Rational> + 'a>, mode: ClaimMode) -> Self {
        MapTarget {
            name: name.to_string(),
            map: Held::Own(map),
            dual: None,
            mode,
            hints: Vec::new(),
        }
    }
    /// The map's own AD element (`Element`) or set (`Set`), with exact directional
    /// derivatives from the same object over [`Dual`] numbers: one constructor for a
    /// map written once over any scalar.
    pub fn generic<M>(name: &str, map: &'a M, mode: ClaimMode) -> Self
    where
        M: FixedPointMap<Rational> + FixedPointMap<Dual> + 'a,
    {
        MapTarget::new(name, map, mode).with_dual(map)
    }
    /// Use `dual` (the same map over [`Dual`] numbers) for exact directional derivatives.
    pub fn with_dual(mut self, dual: &'a dyn FixedPointMap<Dual>) -> Self {
        self.dual = Some(Held::Ref(dual));
        self
    }
    /// Like [`MapTarget::with_dual`], owning the dual map.
    pub fn with_dual_owned(mut self, dual: Box<dyn FixedPointMap<Dual> + 'a>) -> Self {
        self.dual = Some(Held::Own(dual));
        self
    }
    /// Values where kinks are likely (e.g. the map's thresholds).
    pub fn with_hints(mut self, hints: Vec<Rational>) -> Self {
        self.hints = hints;
        self
    }
    fn split<'z, T>(&self, z: &'z [T]) -> Result<(&'z [T], &'z [T])> {
        let (n, m) = self.map.dims();
        if z.len() != n + m {
            return Err(Error::DimensionMismatch {
                op: "MapTarget: z = (x, θ)",
                left: (n + m, 1),
                right: (z.len(), 1),
            });
        }
        Ok(z.split_at(n))
    }
}

impl AuditTarget for MapTarget<'_> {
    fn name(&self) -> String {
        let mode = match self.mode {
            ClaimMode::Element => "AD element",
            ClaimMode::Set => "conservative set",
        };
        format!("{} ({mode})", self.name)
    }
    fn dims(&self) -> (usize, usize) {
        let (n, m) = self.map.dims();
        (n, n + m)
    }
    fn eval(&self, z: &[Rational]) -> Result<Vec<Rational>> {
        let (x, th) = self.split(z)?;
        self.map.apply(x, th)
    }
    fn claimed(&self, z: &[Rational]) -> Result<Claim> {
        let (x, th) = self.split(z)?;
        Ok(match self.mode {
            ClaimMode::Element => {
                let (a, b) = self.map.jacobian(x, th)?;
                Claim::Element(a.hstack(&b)?)
            }
            ClaimMode::Set => Claim::Set(self.map.conservative_jacobian(x, th)?),
        })
    }
    fn directional(&self, z: &[Rational], d: &[Rational]) -> Option<Result<Vec<Rational>>> {
        let dual = self.dual.as_deref()?;
        Some((|| {
            let zd = Dual::seed(z, d);
            let (x, th) = self.split(&zd)?;
            let out = dual.apply(x, th)?;
            Ok(Dual::split(&out).1)
        })())
    }
    fn traces_branches(&self) -> bool {
        self.dual.is_some()
    }
    fn hints(&self) -> Vec<Rational> {
        self.hints.clone()
    }
    /// Element claims: the linearization's VJP `(Aᵀ w, Bᵀ w)` must be the transpose of
    /// its JVP (the dense `[A, B]` built from `A v`, `B v`), row by row, exactly —
    /// reverse-mode hypergradients use the VJP, which the chain-rule checks never see.
    fn claim_consistency(&self, z: &[Rational]) -> Option<std::result::Result<(), String>> {
        if self.mode != ClaimMode::Element {
            return None;
        }
        let (x, th) = self.split(z).ok()?;
        let mut lin = self.map.linearize(x, th).ok()?;
        let (a, b) = lin.to_dense().ok()?;
        let n = a.rows();
        for i in 0..n {
            let mut w = vec![Rational::new(); n];
            w[i] = Rational::from(1);
            let (wa, wb) = lin.vjp(&w).ok()?;
            if wa != a.row(i) || wb != b.row(i) {
                return Some(Err(format!(
                    "the linearization's VJP at eᵢ, i = {i}, is ({}, {}) but row {i} of the \
                     [A, B] its JVP gives is ({}, {})",
                    fmt_row(&wa),
                    fmt_row(&wb),
                    fmt_row(&a.row(i)),
                    fmt_row(&b.row(i))
                )));
            }
        }
        Some(Ok(()))
    }
}

fn fmt_row(v: &[Rational]) -> String {
    format!(
        "[{}]",
        v.iter()
            .map(|x| x.to_string())
            .collect::<Vec<_>>()
            .join(", ")
    )
}

/// Audit a [`FixedPointMap`] written once over any scalar, in one call: its own
/// linearization (the AD element `[A, B]` of [`FixedPointMap::linearize`], in
/// [`ClaimMode::Element`]; its VJP is checked to be the transpose of its JVP) or its
/// conservative set ([`ClaimMode::Set`]), with exact derivatives and kinks from the
/// same map over [`Dual`] numbers, `z = (x, θ)`.
///
/// `map` must implement `FixedPointMap<S>` for every scalar (a type that is not itself
/// generic over the scalar, like the one below). For maps that hold scalars of one
/// type, such as `maps::ReluLayer<S>`, build both and call
/// `audit(&MapTarget::new(name, &map_q, mode).with_dual(&map_dual), cfg)`.
///
/// ```
/// use piggyback::audit::{audit_map, AuditConfig, ClaimMode};
/// use piggyback::maps::selection_map::DenseLinearization;
/// use piggyback::{FixedPointMap, Linearization, Matrix, MatrixSet, Result, Scalar};
///
/// /// x ↦ relu(x/2 + θ), with the AD convention relu'(0) = 0.
/// struct Step;
/// impl<S: Scalar> FixedPointMap<S> for Step {
///     fn dims(&self) -> (usize, usize) { (1, 1) }
///     fn apply(&self, x: &[S], th: &[S]) -> Result<Vec<S>> {
///         let u = x[0].mul(&S::from_ratio(1, 2)?).add(&th[0]);
///         Ok(vec![u.max(&S::zero())])
///     }
///     fn linearize(&self, x: &[S], th: &[S]) -> Result<Box<dyn Linearization<S> + '_>> {
///         let u = x[0].mul(&S::from_ratio(1, 2)?).add(&th[0]);
///         let q = if u.gt(&S::zero()).is_true() { S::one() } else { S::zero() };
///         Ok(Box::new(DenseLinearization {
///             a: Matrix::from_rows(&[vec![q.mul(&S::from_ratio(1, 2)?)]])?,
///             b: Matrix::from_rows(&[vec![q]])?,
///             smooth: false,
///         }))
///     }
///     fn conservative_jacobian(&self, x: &[S], th: &[S]) -> Result<MatrixSet<S>> {
///         let (a, b) = self.jacobian(x, th)?;
///         let u = x[0].mul(&S::from_ratio(1, 2)?).add(&th[0]);
///         if u.is_zero().is_true() {
///             // At the kink: the hull of both pieces' [A, B].
///             let on = Matrix::from_rows(&[vec![S::from_ratio(1, 2)?, S::one()]])?;
///             return MatrixSet::hull(vec![a.hstack(&b)?, on]);
///         }
///         MatrixSet::singleton(a.hstack(&b)?)
///     }
/// }
/// for mode in [ClaimMode::Element, ClaimMode::Set] {
///     let report = audit_map("step", &Step, mode, &AuditConfig::quick(1))?;
///     assert!(report.passed(), "{report}");
/// }
/// # Ok::<(), piggyback::Error>(())
/// ```
pub fn audit_map<M>(
    name: &str,
    map: &M,
    mode: ClaimMode,
    cfg: &super::AuditConfig,
) -> Result<super::AuditReport>
where
    M: FixedPointMap<Rational> + FixedPointMap<Dual>,
{
    super::audit(&MapTarget::generic(name, map, mode), cfg)
}

/// A [`Selection`] over the rationals (a piecewise-smooth `R^d → R^r` from
/// `crate::selection`) as an [`AuditTarget`]; ties are decided exactly. Optionally
/// the same selection over [`Dual`] numbers gives exact directional derivatives.
pub struct SelectionTarget<'a> {
    name: String,
    sel: Held<'a, dyn Selection<Rational> + 'a>,
    dual: Option<Held<'a, dyn Selection<Dual> + 'a>>,
    mode: ClaimMode,
    hints: Vec<Rational>,
}

impl<'a> SelectionTarget<'a> {
    /// Audit `sel`'s claim of kind `mode` (AD Jacobian or the conservative set).
    pub fn new(name: &str, sel: &'a dyn Selection<Rational>, mode: ClaimMode) -> Self {
        SelectionTarget {
            name: name.to_string(),
            sel: Held::Ref(sel),
            dual: None,
            mode,
            hints: Vec::new(),
        }
    }
    /// Like [`SelectionTarget::new`], owning the selection.
    pub fn owned(name: &str, sel: Box<dyn Selection<Rational> + 'a>, mode: ClaimMode) -> Self {
        SelectionTarget {
            name: name.to_string(),
            sel: Held::Own(sel),
            dual: None,
            mode,
            hints: Vec::new(),
        }
    }
    /// Use the same selection over [`Dual`] numbers for exact directional derivatives.
    pub fn with_dual_owned(mut self, dual: Box<dyn Selection<Dual> + 'a>) -> Self {
        self.dual = Some(Held::Own(dual));
        self
    }
    /// Values where kinks are likely.
    pub fn with_hints(mut self, hints: Vec<Rational>) -> Self {
        self.hints = hints;
        self
    }
}

impl AuditTarget for SelectionTarget<'_> {
    fn name(&self) -> String {
        let mode = match self.mode {
            ClaimMode::Element => "AD element",
            ClaimMode::Set => "conservative set",
        };
        format!("{} ({mode})", self.name)
    }
    fn dims(&self) -> (usize, usize) {
        (self.sel.output_dim(), self.sel.input_dim())
    }
    fn eval(&self, z: &[Rational]) -> Result<Vec<Rational>> {
        self.sel.eval(z)
    }
    fn claimed(&self, z: &[Rational]) -> Result<Claim> {
        Ok(match self.mode {
            ClaimMode::Element => Claim::Element(self.sel.ad_jacobian(z)?),
            ClaimMode::Set => Claim::Set(
                self.sel
                    .conservative_jacobian(z, &Tolerance::default_for::<Rational>())?,
            ),
        })
    }
    fn directional(&self, z: &[Rational], d: &[Rational]) -> Option<Result<Vec<Rational>>> {
        let dual = self.dual.as_deref()?;
        Some(dual.eval(&Dual::seed(z, d)).map(|out| Dual::split(&out).1))
    }
    fn traces_branches(&self) -> bool {
        self.dual.is_some()
    }
    fn hints(&self) -> Vec<Rational> {
        self.hints.clone()
    }
}
