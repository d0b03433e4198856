"""piggyback: certified nonsmooth implicit differentiation, from Python.

* :class:`ElasticNet` — the fast elastic-net / LASSO solve and hypergradient, with a
  kink report and, when the derivative is set-valued, every vertex's hypergradient;
  :meth:`ElasticNet.tune` / :func:`tune_enet` — hypergradient descent on
  ``(log l1, log l2)`` against a validation set, returning the path.
* :func:`certify`, :func:`check`, :func:`solve` — the command line's commands on
  problem dicts or files, returning its JSON reports as dicts with exact numbers as
  :class:`fractions.Fraction`.
* :mod:`piggyback.errors` — the exceptions.

The objective of :class:`ElasticNet` is ``(s/2)‖Xw − y‖² + l1‖w‖₁ + (l2/2)‖w‖²``
with ``s = 1/n`` by default (``scale="mean"``, scikit-learn's scaling: ``l1 =
alpha·l1_ratio``, ``l2 = alpha·(1 − l1_ratio)``) or ``s = 1`` (``scale="sum"``, the
problem files' ``½‖Ax − b‖²``).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any, Mapping, Optional, Union

from . import errors
from ._native import (
    ElasticNet,
    EnetSolution,
    Hypergradient,
    KinkReport,
    TunePath,
    __version__,
    tune_enet,
)
from . import _native
from ._problems import encode_problem
from ._reports import parse_report
from .errors import (
    InputError,
    NotConvergedError,
    OutsideDomain,
    PiggybackError,
    ShapeError,
    SingularError,
    UndecidedError,
)

__all__ = [
    "ElasticNet",
    "EnetSolution",
    "Hypergradient",
    "KinkReport",
    "TunePath",
    "tune_enet",
    "certify",
    "check",
    "solve",
    "CertifyResult",
    "errors",
    "PiggybackError",
    "InputError",
    "ShapeError",
    "NotConvergedError",
    "SingularError",
    "UndecidedError",
    "OutsideDomain",
    "__version__",
]

Problem = Union[Mapping[str, Any], str, "os.PathLike[str]"]


def _problem_args(problem: Problem, base_dir: Optional[Union[str, "os.PathLike[str]"]]) -> dict[str, Any]:
    if isinstance(problem, Mapping):
        return {"text": encode_problem(problem), "base_dir": None if base_dir is None else os.fspath(base_dir)}
    if isinstance(problem, (str, os.PathLike)):
        if base_dir is not None:
            raise InputError("base_dir applies to problem dicts; a problem file's paths are relative to the file")
        return {"path": os.fspath(problem)}
    raise InputError(f"a problem is a dict or a path, got {type(problem).__name__}")


@dataclass(frozen=True)
class CertifyResult:
    """What :func:`certify` found.

    ``report`` is the ``certify --json`` report (docs/cli.md) with exact numbers as
    Fractions; file paths in it are ``None`` (nothing is written).
    ``certificate`` and ``fixed_point_certificate`` are the texts of the certificate
    files the command line would write (``None`` when there is none): save them, or
    pass them to :func:`check`.
    """

    report: dict[str, Any]
    certificate: Optional[str]
    fixed_point_certificate: Optional[str]

    @property
    def outcome(self) -> str:
        """``"contraction"``, ``"refuted"`` or ``"undecided"``."""
        return str(self.report["outcome"])

    @property
    def exit_code(self) -> int:
        """The command line's exit status for this outcome (0, 2 or 4)."""
        return int(self.report["exit_code"])


def certify(problem: Problem, *, base_dir: Optional[Union[str, "os.PathLike[str]"]] = None) -> CertifyResult:
    """Prove that the problem's map contracts (a checked certificate), or refute it.

    ``problem`` is a problem dict (docs/problem-format.md; data paths relative to
    ``base_dir``, default the current directory) or the path of a problem file.
    Undecided is an outcome, not an exception; bad input raises :class:`InputError`.
    """
    report, cert, fixed = _native.certify_json(**_problem_args(problem, base_dir))
    return CertifyResult(parse_report(report), cert, fixed)


def check(certificate: Union[str, "os.PathLike[str]", Mapping[str, Any]]) -> dict[str, Any]:
    """Re-verify a certificate in exact rational arithmetic (no f64, no solver).

    ``certificate`` is a file path, the certificate's JSON text (as in
    :attr:`CertifyResult.certificate`), or the certificate parsed into a dict.
    Returns the ``check --json`` report: ``verdict`` is ``"valid"``, ``"rejected"``
    or ``"malformed"`` (a rejected certificate is a result, not an exception).
    """
    import json

    if isinstance(certificate, Mapping):
        return parse_report(_native.check_json(text=json.dumps(certificate)))
    if isinstance(certificate, str) and certificate.lstrip().startswith("{"):
        return parse_report(_native.check_json(text=certificate))
    if isinstance(certificate, (str, os.PathLike)):
        return parse_report(_native.check_json(path=os.fspath(certificate)))
    raise InputError(f"a certificate is a path, a JSON text or a dict, got {type(certificate).__name__}")


def solve(problem: Problem, *, base_dir: Optional[Union[str, "os.PathLike[str]"]] = None) -> dict[str, Any]:
    """Solve in f64 (fixed point and ``∂x̄/∂θ``), then prove in interval arithmetic.

    Returns the ``solve --json`` report; ``proved`` says whether the proof was made
    (when not, ``not_proved`` says why and the f64 results are still there).
    """
    return parse_report(_native.solve_json(**_problem_args(problem, base_dir)))
