"""Type stubs of the Rust extension ``piggyback._native`` (pyo3)."""

from os import PathLike
from typing import Literal, Optional, Union, final

import numpy as np
import numpy.typing as npt

__version__: str
__all__: list[str]

_Scale = Union[Literal["mean", "sum"], float]
_Solver = Literal["auto", "cholesky", "cg"]
_Loss = Literal["squared", "logistic"]
_F64 = npt.NDArray[np.float64]
_I64 = npt.NDArray[np.int64]

@final
class KinkReport:
    """What the solver's accuracy says about kinks at the solution."""

    @property
    def support(self) -> _I64:
        """Coordinates with ``w_j != 0`` (sorted)."""
    @property
    def equicorrelation(self) -> _I64:
        """The (possible) equicorrelation set ``E ⊇ support`` (sorted)."""
    @property
    def single_valued(self) -> bool:
        """``E == support``: the derivative is single-valued."""
    @property
    def max_violation(self) -> float:
        """``max_j (s|X_jᵀr| − l1)₊`` over ``w_j == 0``."""
    @property
    def at_kink(self) -> _I64:
        """Coordinates of ``E`` outside the support: possibly at a kink."""

@final
class EnetSolution:
    """A solution of :meth:`ElasticNet.solve`."""

    @property
    def w(self) -> _F64:
        """The coefficients (``p``)."""
    @property
    def l1(self) -> float: ...
    @property
    def l2(self) -> float: ...
    @property
    def gap(self) -> float:
        """Final duality gap."""
    @property
    def outer_iterations(self) -> int: ...
    @property
    def epochs(self) -> int: ...
    @property
    def kinks(self) -> KinkReport: ...

@final
class Hypergradient:
    """``(∂L/∂l1, ∂L/∂l2)`` with the conservative Jacobian's vertices."""

    @property
    def grad(self) -> _F64:
        """``(∂L/∂l1, ∂L/∂l2)`` by the restricted formula on the support."""
    @property
    def single_valued(self) -> bool: ...
    @property
    def vertices(self) -> Optional[_F64]:
        """Every vertex's hypergradient (``k × 2``; one row when single-valued), or
        ``None`` when there are more than ``max_vertices``."""
    @property
    def vertices_note(self) -> Optional[str]:
        """Why ``vertices`` is ``None``."""
    @property
    def iterations(self) -> int: ...
    @property
    def residual(self) -> float: ...

@final
class TunePath:
    """The path of the outer loop: one row per accepted step, the first is the start."""

    @property
    def lambdas(self) -> _F64:
        """``(l1, l2)`` per step (``k × 2``)."""
    @property
    def val_loss(self) -> _F64:
        """Validation loss per step (non-increasing)."""
    @property
    def grad(self) -> _F64:
        """``∂L/∂(l1, l2)`` per step (``k × 2``)."""
    @property
    def grad_log(self) -> _F64:
        """``∂L/∂(log l1, log l2)`` per step (``k × 2``)."""
    @property
    def single_valued(self) -> npt.NDArray[np.bool_]:
        """Whether the derivative was single-valued at each step."""
    @property
    def best_lambda(self) -> tuple[float, float]:
        """``(l1, l2)`` of the last (lowest-loss) step."""
    def __len__(self) -> int: ...

@final
class ElasticNet:
    """``min_w (s/2)‖Xw − y‖² + l1‖w‖₁ + (l2/2)‖w‖²``.

    ``scale``: ``"mean"`` (``s = 1/n``, scikit-learn's scaling; default), ``"sum"``
    (``s = 1``) or a number ``> 0``. ``X`` is copied once (C or Fortran order,
    any strides); NaN/inf, wrong shapes and complex arrays raise.
    """

    def __new__(cls, x: npt.ArrayLike, y: npt.ArrayLike, *, scale: Optional[_Scale] = None) -> ElasticNet: ...
    @property
    def n_samples(self) -> int: ...
    @property
    def n_features(self) -> int: ...
    @property
    def scale(self) -> float: ...
    @property
    def lambda_max(self) -> float:
        """``s‖Xᵀy‖_∞``: the smallest ``l1`` with solution 0 when ``l2 = 0``."""
    def objective(self, w: npt.ArrayLike, l1: float, l2: float) -> float: ...
    def solve(
        self,
        l1: float,
        l2: float = 0.0,
        *,
        warm_start: Optional[npt.ArrayLike] = None,
        tol: float = 1e-10,
        max_outer: int = 200,
        max_inner: int = 10_000,
    ) -> EnetSolution:
        """Working-set coordinate descent until the duality gap is ``≤ tol·s‖y‖²``."""
    def jacobian(self, solution: EnetSolution, *, solver: _Solver = "auto") -> _F64:
        """``∂w/∂(l1, l2)`` (``p × 2``) by the restricted formula on the support."""
    def hypergradient(
        self,
        solution: EnetSolution,
        v: npt.ArrayLike,
        *,
        solver: _Solver = "auto",
        max_vertices: int = 4096,
    ) -> Hypergradient:
        """Hypergradient of an outer loss with gradient ``v = ∇_w L`` at the solution."""
    def validation_hypergradient(
        self,
        solution: EnetSolution,
        x_val: npt.ArrayLike,
        y_val: npt.ArrayLike,
        *,
        solver: _Solver = "auto",
        max_vertices: int = 4096,
    ) -> tuple[float, Hypergradient]:
        """``(L, hypergradient)`` of ``L(w) = ‖X_val w − y_val‖² / (2 n_val)``."""
    def tune(
        self,
        x_val: npt.ArrayLike,
        y_val: npt.ArrayLike,
        lambda0: Optional[tuple[float, float]] = None,
        *,
        loss: _Loss = "squared",
        steps: int = 20,
        learning_rate: float = 1.0,
        tune: Optional[tuple[bool, bool]] = None,
        max_backtracks: int = 20,
        tol: float = 1e-10,
        max_outer: int = 200,
        solver: _Solver = "auto",
    ) -> TunePath:
        """Hypergradient descent on ``(log l1, log l2)`` with backtracking and
        warm-started solves (default start ``(0.1, 0.01)·lambda_max``). ``tune``:
        which of ``(l1, l2)`` move (default both; a fixed one may be 0)."""

def tune_enet(
    x: npt.ArrayLike,
    y: npt.ArrayLike,
    x_val: npt.ArrayLike,
    y_val: npt.ArrayLike,
    lambda0: Optional[tuple[float, float]] = None,
    *,
    scale: Optional[_Scale] = None,
    loss: _Loss = "squared",
    steps: int = 20,
    learning_rate: float = 1.0,
    tune: Optional[tuple[bool, bool]] = None,
    max_backtracks: int = 20,
    tol: float = 1e-10,
    max_outer: int = 200,
    solver: _Solver = "auto",
) -> TunePath:
    """``ElasticNet(x, y, scale=scale).tune(x_val, y_val, lambda0, ...)``."""

def certify_json(
    text: Optional[str] = None,
    path: Optional[Union[str, PathLike[str]]] = None,
    base_dir: Optional[Union[str, PathLike[str]]] = None,
) -> tuple[str, Optional[str], Optional[str]]: ...
def check_json(text: Optional[str] = None, path: Optional[Union[str, PathLike[str]]] = None) -> str: ...
def solve_json(
    text: Optional[str] = None,
    path: Optional[Union[str, PathLike[str]]] = None,
    base_dir: Optional[Union[str, PathLike[str]]] = None,
) -> str: ...
