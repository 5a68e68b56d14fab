"""The import contracts of pyproject.toml (import-linter, run by `make test`) hold, and they
do fail on a forbidden import: a copy of the tree with one is refused."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("bot", "handlers", "services", "storage", "sandbox")
LINT = Path(sys.executable).with_name("lint-imports")


def lint(root: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(root)}
    return subprocess.run([str(LINT), "--config", str(root / "pyproject.toml"), "--no-cache"],
                          cwd=root, env=env, capture_output=True, text=True, timeout=300)


def copy_tree(tmp_path: Path) -> Path:
    for name in PACKAGES:
        shutil.copytree(ROOT / name, tmp_path / name,
                        ignore=shutil.ignore_patterns("__pycache__", "*.mo", "locales"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    return tmp_path


def test_the_contracts_hold() -> None:
    result = lint(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


def test_a_forbidden_import_breaks_them(tmp_path: Path) -> None:
    root = copy_tree(tmp_path)
    check = subprocess.run(
        [sys.executable, "-c", "import services; print(services.__file__)"], cwd=root,
        env={**os.environ, "PYTHONPATH": str(root)}, capture_output=True, text=True)
    assert check.stdout.startswith(str(root)), check.stdout  # the copy is what is checked
    with (root / "services" / "money.py").open("a") as f:
        f.write("\nfrom storage import models as _leak  # noqa\n")
    with (root / "handlers" / "menu.py").open("a") as f:
        f.write("\nimport sqlalchemy as _leak2  # noqa\n")
    result = lint(root)
    assert result.returncode != 0
    assert "services is not allowed to import storage" in result.stdout, result.stdout
    assert "handlers.menu -> sqlalchemy" in result.stdout, result.stdout
