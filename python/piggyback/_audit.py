"""The audit of Jacobian code written with NumPy: :func:`audit`.

Everything is the crate's audit engine (``piggyback::audit`` with its f64 front end
``audit::float``): the same line sampler, kink locator, confirmation rule,
shrinking and report as the Rust audit. This module only turns the report into
dataclasses.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Literal, Optional, Sequence, Tuple

import numpy as np
import numpy.typing as npt

from . import _native
from .errors import InputError, OutsideDomain

__all__ = ["audit", "AuditReport", "Counterexample"]

_F64 = npt.NDArray[np.float64]
Verdict = Literal["pass", "fail", "inconclusive"]
ViolationKind = Literal[
    "chain_rule",
    "one_sided_derivative",
    "closed_graph",
    "not_locally_bounded",
    "outside_clarke",
    "inconsistent_claim",
]


@dataclass(frozen=True)
class Counterexample:
    """A shrunk, reproducible violation (the Rust ``audit::Counterexample``).

    The curve is ``x(t) = point + t·direction``; ``f`` and the claim were called at
    ``point`` exactly (these are the doubles passed to them).

    * ``kind``: ``"chain_rule"`` — ``d/dt f(x(t)) ≠ J(x(t))·direction`` on a set of
      ``t`` that is not null (at ``t = 0`` and at the further ``t`` listed);
      ``"outside_clarke"`` — at a kink on the line, ``J·direction`` is not between
      the one-sided derivatives (``expected`` holds ``f'(z; d)`` then
      ``−f'(z; −d)``); other kinds as in the Rust documentation.
    * ``expected``: the f64 estimate of the derivative (one-sided finite differences
      with Richardson extrapolation, see docs/python.md); ``claimed``: ``J·direction``.
    * ``element``: the claimed Jacobian at ``point`` when it was formed.
    """

    kind: ViolationKind
    point: _F64
    direction: _F64
    t: _F64
    expected: _F64
    claimed: _F64
    element: Optional[_F64]
    detail: str
    seed: int
    shrink_steps: int
    estimated: bool
    text: str

    def __str__(self) -> str:
        return self.text


@dataclass(frozen=True)
class AuditReport:
    """What :func:`audit` found (the Rust ``audit::AuditReport``).

    ``verdict`` is ``"fail"`` when there are ``violations``, ``"pass"`` only when
    none was found *and* at least ``min_decided`` chain-rule checks were decided,
    otherwise ``"inconclusive"`` (``reasons`` says why). ``undecided`` counts the
    checks that could not decide by reason (``kink``, ``domain``, ``claim``,
    ``noise``, ...).
    """

    verdict: Verdict
    target: str
    seed: int
    violations: Tuple[Counterexample, ...]
    reasons: Tuple[str, ...]
    passed_checks: int
    forgiven: int
    chain_rule_decided: int
    min_decided: int
    undecided: dict[str, int]
    kinks_located: int
    kinks_exact: int
    evaluations: int
    claims: int
    text: str

    @property
    def passed(self) -> bool:
        """The verdict is a pass (false when inconclusive)."""
        return self.verdict == "pass"

    @property
    def failed(self) -> bool:
        """A violation was found."""
        return self.verdict == "fail"

    def __str__(self) -> str:
        return self.text


def _report(d: dict[str, Any]) -> AuditReport:
    violations = tuple(Counterexample(**v) for v in d.pop("violations"))
    return AuditReport(violations=violations, reasons=tuple(d.pop("reasons")), **d)


def _infer_n_out(f: Callable[[_F64], Any], n_in: int, bounds: Optional[Sequence[Tuple[float, float]]]) -> int:
    x = np.zeros(n_in) if bounds is None else np.array([(lo + hi) / 2 for lo, hi in bounds], dtype=np.float64)
    try:
        y = np.asarray(f(x), dtype=np.float64)
    except OutsideDomain as e:
        raise InputError(f"f is outside its domain at {x.tolist()} ({e}): give n_out") from e
    if y.ndim > 1:
        raise InputError(f"f must return a vector, got shape {y.shape}")
    return int(y.size)


def audit(
    f: Callable[[_F64], Any],
    n_in: int,
    *,
    jacobian: Optional[Callable[[_F64], Any]] = None,
    jvp: Optional[Callable[[_F64, _F64], Any]] = None,
    n_out: Optional[int] = None,
    name: Optional[str] = None,
    tol_abs: float = 1e-6,
    tol_rel: float = 1e-6,
    conventions: Literal["clarke", "conservative"] = "clarke",
    budget: Literal["default", "quick"] = "default",
    seed: Optional[int] = None,
    lines: Optional[int] = None,
    structured_lines: Optional[int] = None,
    samples_per_line: Optional[int] = None,
    kink_points: Optional[int] = None,
    min_decided: Optional[int] = None,
    max_violations: int = 1,
    shrink: bool = True,
    bounds: Optional[Sequence[Tuple[float, float]]] = None,
    hints: Optional[Sequence[float]] = None,
) -> AuditReport:
    """Audit a claimed Jacobian of ``f : R^n_in → R^n_out`` written in NumPy.

    Give ``f(x)`` (``x`` a float64 array of shape ``(n_in,)``, returning shape
    ``(n_out,)`` or a scalar) and exactly one of ``jacobian(x)`` (shape ``(n_out,
    n_in)``; a vector when one of them is 1) or ``jvp(x, v)`` (``J(x) v``, shape
    ``(n_out,)``). The crate's audit engine checks, in f64:

    * the **chain rule** along random lines and lines through structured points
      (coordinates from ``hints``, e.g. thresholds): ``J(x(t))·d`` against a
      one-sided finite-difference estimate of ``d/dt f(x + t d)``; a disagreement
      counts only if it recurs on an interval (a set that is not null);
    * **one-sided derivatives at the kinks found along those lines**, probed at
      ``10^-j`` of the line on both sides, and, with ``conventions="clarke"`` (the
      default), the claim *at* each kink must lie between the two one-sided
      derivatives (a ReLU with ``relu'(0) = 2`` fails; any value in ``[0, 1]``
      passes); ``"conservative"`` allows any value on a null set;
    * **local boundedness** near kinks (closed graph and set inclusion apply to
      set-valued claims, which the Rust API accepts).

    ``|claimed − estimate| ≤ tol_abs + tol_rel·max(|claimed|, |estimate|)`` plus the
    estimate's own error bound counts as agreement. Violations are shrunk to simple
    points and directions. Raise :class:`piggyback.OutsideDomain` in ``f`` or the
    claim at points outside the domain; any other exception stops the audit and is
    raised, as is a wrong output shape. The run is reproducible from ``seed``.
    ``budget="quick"`` is a small budget (at least 40 decided checks for a pass).
    """
    if n_out is None:
        n_out = _infer_n_out(f, n_in, bounds)
    d = _native.audit_f64(
        f,
        n_in,
        n_out,
        jacobian=jacobian,
        jvp=jvp,
        name=name if name is not None else getattr(f, "__name__", "f"),
        tol_abs=tol_abs,
        tol_rel=tol_rel,
        conventions=conventions,
        budget=budget,
        seed=seed,
        lines=lines,
        structured_lines=structured_lines,
        samples_per_line=samples_per_line,
        kink_points=kink_points,
        min_decided=min_decided,
        max_violations=max_violations,
        shrink=shrink,
        bounds=None if bounds is None else [(float(lo), float(hi)) for lo, hi in bounds],
        hints=None if hints is None else [float(h) for h in hints],
    )
    return _report(d)
