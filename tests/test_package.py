"""Package-level promises: a light import, a complete public API, typed."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import backcare_analysis


def test_import_does_not_load_heavy_modules() -> None:
    # `import backcare_analysis` must stay well under 0.5 s: pandas alone takes ~0.6 s on
    # this machine, so nothing heavy may load at import (see benchmarks/import_time.py).
    code = (
        "import sys, backcare_analysis; "
        "heavy = [m for m in ('pandas', 'numpy', 'statsmodels', 'matplotlib', 'scipy') "
        "if m in sys.modules]; print(','.join(heavy))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == ""


def test_every_public_name_resolves() -> None:
    for name in backcare_analysis.__all__:
        assert getattr(backcare_analysis, name) is not None


def test_py_typed_is_shipped() -> None:
    assert (Path(backcare_analysis.__file__).parent / "py.typed").exists()
