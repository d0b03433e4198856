"""Problem dicts → the JSON text of a problem file (docs/problem-format.md).

Numbers in a problem are exact. In a dict they may be ``int``, ``fractions.Fraction``,
``decimal.Decimal`` or strings (``"3/4"``, ``"0.1"`` = 1/10), and matrices and vectors
may be NumPy arrays, whose floats are taken as the exact binary values they hold (as
for ``.npy`` data files). A Python ``float`` scalar is passed through as a JSON float,
which the problem reader refuses as ambiguous (``0.1`` is not 1/10): write it as a
string or a Fraction. Paths (``{"csv": Path(...)}``) are resolved against
``base_dir``.
"""

from __future__ import annotations

import json
import os
from decimal import Decimal
from fractions import Fraction
from typing import Any, Mapping

import numpy as np

from .errors import InputError


def _ratio(q: Fraction) -> str:
    return str(q.numerator) if q.denominator == 1 else f"{q.numerator}/{q.denominator}"


def _array(a: np.ndarray, where: str) -> Any:
    if a.dtype.kind == "b":
        a = a.astype(np.int64)
    if a.dtype.kind in "iu":
        return a.tolist()
    if a.dtype.kind != "f":
        raise InputError(f"{where}: arrays in a problem must be real numbers, got dtype {a.dtype}")
    bad = ~np.isfinite(a)
    if bad.any():
        idx = tuple(int(i) for i in np.argwhere(bad)[0])
        raise InputError(f"{where}: NaN or infinity at index {idx}")
    exact = np.vectorize(lambda x: _ratio(Fraction(float(x))), otypes=[object])
    return exact(a).tolist() if a.ndim else _ratio(Fraction(float(a)))


def _encode(value: Any, where: str) -> Any:
    if isinstance(value, Mapping):
        return {str(k): _encode(v, f"{where}.{k}" if where else str(k)) for k, v in value.items()}
    if isinstance(value, np.ndarray):
        return _array(value, where)
    if isinstance(value, (list, tuple)):
        return [_encode(v, f"{where}[{i}]") for i, v in enumerate(value)]
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, Fraction):
        return _ratio(value)
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise InputError(f"{where}: {value} is not a finite number")
        return str(value)
    if isinstance(value, os.PathLike):
        return os.fspath(value)
    # str, float (refused by the reader with its message), None: as they are.
    return value


def encode_problem(problem: Mapping[str, Any]) -> str:
    """The JSON text of a problem given as a dict."""
    if not isinstance(problem, Mapping):
        raise InputError(f"a problem is a dict or a path, got {type(problem).__name__}")
    return json.dumps(_encode(problem, ""))
