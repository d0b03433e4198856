"""Packaging: the stubs match the extension (mypy's stubtest), the package is typed,
and the version is the crate's."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import piggyback as pb
from conftest import ROOT


def test_stubs_match_the_extension():
    out = subprocess.run(
        [sys.executable, "-m", "mypy.stubtest", "piggyback._native", "--ignore-missing-stub"],
        capture_output=True,
        text=True,
    )
    assert out.returncode == 0, out.stdout + out.stderr


def test_package_is_typed_and_type_checks(tmp_path):
    pkg = Path(pb.__file__).parent
    assert (pkg / "py.typed").exists()
    assert (pkg / "_native.pyi").exists()
    # A user's script type-checks against the stubs, and a wrong use does not.
    good = tmp_path / "good.py"
    good.write_text(
        "import numpy as np\nimport piggyback as pb\n"
        "p = pb.ElasticNet(np.ones((3, 2)), np.ones(3), scale='sum')\n"
        "s = p.solve(0.1, 0.0)\n"
        "g: float = float(p.hypergradient(s, np.zeros(2)).grad[0])\n"
        "r = pb.certify({'piggyback_problem': 1})\n"
        "o: str = r.outcome\n"
    )
    bad = tmp_path / "bad.py"
    bad.write_text("import piggyback as pb\npb.ElasticNet.solve(1, 2, 3, 4, 5)\nx: int = pb.check('c')\n")
    run = lambda f: subprocess.run(  # noqa: E731
        [sys.executable, "-m", "mypy", "--strict", str(f)], capture_output=True, text=True
    )
    ok = run(good)
    assert ok.returncode == 0, ok.stdout
    assert run(bad).returncode == 1


def test_version_is_the_crates():
    cargo = (ROOT / "python" / "Cargo.toml").read_text()
    assert f'version = "{pb.__version__}"' in cargo
