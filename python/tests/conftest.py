"""Shared data for the piggyback Python tests."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

# The repository's example problems (python/tests → repository root).
ROOT = Path(__file__).resolve().parents[2]
PROBLEMS = ROOT / "examples" / "problems"


def regression(n: int, p: int, seed: int, k: int = 3, noise: float = 0.1):
    """A sparse linear model with Gaussian design; returns X, y, X_val, y_val."""
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, p))
    xv = rng.standard_normal((n, p))
    w = np.zeros(p)
    w[:k] = rng.standard_normal(k) + np.sign(rng.standard_normal(k))
    y = x @ w + noise * rng.standard_normal(n)
    yv = xv @ w + noise * rng.standard_normal(n)
    return x, y, xv, yv


@pytest.fixture
def data():
    return regression(60, 15, seed=3)
