"""The import contracts of pyproject.toml (import-linter, run by `make test`) hold, and they
do fail: a copy of the tree with a forbidden import, an import cycle or a feature importing
one above it is refused."""

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
    assert verdicts(result.stdout)[ACYCLIC] == "KEPT", result.stdout
    assert verdicts(result.stdout)[FEATURES] == "KEPT", result.stdout


def copy_checked(tmp_path: Path) -> Path:
    root = copy_tree(tmp_path)
    check = subprocess.run(
        [sys.executable, "-c", "import services; print(services.__file__)"], cwd=root,
        env={**os.environ, "PYTHONPATH": str(root)}, capture_output=True, text=True)
    assert check.stdout.startswith(str(root)), check.stdout  # the copy is what is checked
    return root


def verdicts(output: str) -> dict[str, str]:
    """Contract name → KEPT or BROKEN, from lint-imports' summary lines."""
    found = {}
    for line in output.splitlines():
        name, _, verdict = line.rpartition(" ")
        if verdict in ("KEPT", "BROKEN") and name:
            found[name] = verdict
    return found


ACYCLIC = "no import cycle among sibling modules"
FEATURES = "services: features build on lower features and the kernel, never back"


def test_a_forbidden_import_breaks_them(tmp_path: Path) -> None:
    root = copy_checked(tmp_path)
    with (root / "services" / "money.py").open("a") as f:
        f.write("\nfrom storage import models as _leak  # noqa\n")
    with (root / "handlers" / "menu.py").open("a") as f:
        f.write("\nimport sqlalchemy as _leak2  # noqa\n")
    result = lint(root)
    assert result.returncode != 0
    assert "services is not allowed to import storage" in result.stdout, result.stdout
    assert "handlers.menu -> sqlalchemy" in result.stdout, result.stdout


def test_an_import_cycle_breaks_them(tmp_path: Path) -> None:
    """A cycle is refused even when one of its imports is only for the type checker."""
    root = copy_checked(tmp_path)
    with (root / "storage" / "audit.py").open("a") as f:  # storage.uow imports storage.audit
        f.write("\nfrom typing import TYPE_CHECKING\n\nif TYPE_CHECKING:\n"
                "    from storage.uow import Database as _Db  # noqa\n")
    result = lint(root)
    assert result.returncode != 0
    assert verdicts(result.stdout)[ACYCLIC] == "BROKEN", result.stdout
    assert verdicts(result.stdout)[FEATURES] == "KEPT", result.stdout
    assert "No cycles are allowed in storage." in result.stdout, result.stdout
    assert "- .uow -> .audit (1 import)" in result.stdout, result.stdout


def test_a_feature_importing_one_above_it_breaks_them(tmp_path: Path) -> None:
    """The catalog is reference data: it may not build on the funnel report (no cycle made,
    so only the layers of features catch it)."""
    root = copy_checked(tmp_path)
    with (root / "services" / "catalog.py").open("a") as f:
        f.write("\nfrom services.funnel import FunnelService as _Funnel  # noqa\n")
    result = lint(root)
    assert result.returncode != 0
    assert verdicts(result.stdout)[FEATURES] == "BROKEN", result.stdout
    assert verdicts(result.stdout)[ACYCLIC] == "KEPT", result.stdout
    assert "services.catalog is not allowed to import services.funnel" in result.stdout, \
        result.stdout
