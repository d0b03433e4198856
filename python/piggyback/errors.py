"""Exceptions raised by piggyback.

Every error derives from :class:`PiggybackError` and from the matching built-in
exception, so ``except ValueError`` catches bad input and ``except RuntimeError``
catches computations that could not be completed:

=======================  ===================  =============================================
class                    also a               raised for
=======================  ===================  =============================================
``InputError``           ``ValueError``       NaN/inf, bad options, malformed files
``ShapeError``           ``InputError``       arrays of the wrong shape or length
``TooLargeError``        ``InputError``       a set too large to enumerate exactly
``NotConvergedError``    ``RuntimeError``     an iteration ran out of budget
``SingularError``        ``RuntimeError``     a singular / not positive definite system
``NotContractiveError``  ``RuntimeError``     a map visibly not a contraction
``UndecidedError``       ``RuntimeError``     sound arithmetic could not decide (never "false")
``OutsideDomain``        ``ValueError``       raise it in audited code for points outside its domain
=======================  ===================  =============================================
"""

from __future__ import annotations

__all__ = [
    "PiggybackError",
    "InputError",
    "ShapeError",
    "TooLargeError",
    "ComputationError",
    "NotConvergedError",
    "SingularError",
    "NotContractiveError",
    "UndecidedError",
    "OutsideDomain",
]


class PiggybackError(Exception):
    """Base class of every piggyback error."""


class InputError(PiggybackError, ValueError):
    """Bad input: non-finite numbers, bad options, malformed problem or data files."""


class ShapeError(InputError):
    """Arrays whose shapes or lengths do not fit together."""


class TooLargeError(InputError):
    """A set-valued object too large to enumerate within the stated limit."""


class ComputationError(PiggybackError, RuntimeError):
    """A computation on valid input could not be completed."""


class NotConvergedError(ComputationError):
    """An iteration did not reach its tolerance within its budget."""


class SingularError(ComputationError):
    """A linear system is singular, or a symmetric one is not positive definite."""


class NotContractiveError(ComputationError):
    """A map is visibly not a contraction."""


class UndecidedError(ComputationError):
    """Sound arithmetic could not decide a claim. This never means the claim is false."""


class OutsideDomain(PiggybackError, ValueError):
    """Raise this from an audited function (or its Jacobian) at a point outside its
    domain: the audit counts the point as undecided ("domain") instead of failing.
    Any other exception raised by audited code stops the audit and is re-raised."""
