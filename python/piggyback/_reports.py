"""The JSON reports of ``certify``/``check``/``solve`` as Python dicts.

The reports are the command line's ``--json`` reports (schema: docs/cli.md), made by
the same Rust code. There, exact numbers are strings ``"p/q"`` or ``"p"``; here they
become :class:`fractions.Fraction`. f64 numbers stay ``float`` (they were written in
shortest round-trip form, so they are the computed doubles), ``null`` is ``None``.

Which strings are exact numbers: every string of the form ``[+-]digits[/digits]``,
except the values of the keys in ``TEXT_KEYS`` (names, paths, verdicts, messages),
which are text whatever they contain.
"""

from __future__ import annotations

import json
import re
from fractions import Fraction
from typing import Any

# Keys whose string values are text, never numbers (a problem may be named "42").
TEXT_KEYS = frozenset(
    {
        "report",
        "command",
        "problem",
        "name",
        "outcome",
        "path",
        "certificate",
        "format",
        "verdict",
        "failure",
        "reason",
        "fixed_point_failure",
        "not_proved",
        "rho_norm",
        "error_norm",
        "kind",
        "type",
        "detail",
    }
)

_EXACT = re.compile(r"[+-]?[0-9]+(/[0-9]+)?")


def exact(text: str) -> Fraction:
    """An exact number string ``"p/q"`` or ``"p"`` as a Fraction."""
    if not _EXACT.fullmatch(text):
        raise ValueError(f"not an exact number: {text!r}")
    return Fraction(text)


def _convert(value: Any, key: str | None) -> Any:
    if isinstance(value, dict):
        return {k: _convert(v, k) for k, v in value.items()}
    if isinstance(value, list):
        return [_convert(v, key) for v in value]
    if isinstance(value, str) and key not in TEXT_KEYS and _EXACT.fullmatch(value):
        return Fraction(value)
    return value


def parse_report(text: str) -> dict[str, Any]:
    """A JSON report with its exact numbers as Fractions."""
    out = _convert(json.loads(text), None)
    if not isinstance(out, dict):
        raise ValueError("a report is a JSON object")
    return out
