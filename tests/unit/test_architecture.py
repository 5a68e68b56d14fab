"""services/ holds the rules and must not depend on the frameworks around it."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
FORBIDDEN = ("aiogram", "sqlalchemy", "weasyprint", "apscheduler", "asyncpg", "aiosqlite",
             "redis", "aiohttp", "alembic")


def imported_modules(path: Path) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append((node.lineno, node.module))
    return found


def violations(folder: Path) -> list[str]:
    bad = []
    for path in sorted(folder.rglob("*.py")):
        for line, module in imported_modules(path):
            if module.split(".")[0] in FORBIDDEN:
                bad.append(f"{path.relative_to(ROOT)}:{line} imports {module}")
    return bad


def test_services_import_no_framework() -> None:
    assert (ROOT / "services").is_dir()
    assert violations(ROOT / "services") == []


@pytest.mark.parametrize("module", ["aiogram.types", "sqlalchemy", "weasyprint"])
def test_the_check_catches_a_forbidden_import(tmp_path: Path, module: str) -> None:
    pkg = tmp_path / "services"
    pkg.mkdir()
    (pkg / "bad.py").write_text(f"import os\nfrom {module} import x\n", encoding="utf-8")
    global ROOT
    saved, ROOT = ROOT, tmp_path
    try:
        assert violations(pkg) == [f"services/bad.py:2 imports {module}"]
    finally:
        ROOT = saved


def test_handlers_hold_no_sql() -> None:
    for path in (ROOT / "handlers").rglob("*.py"):
        modules = [m for _, m in imported_modules(path)]
        assert not any(m.startswith(("sqlalchemy", "storage")) for m in modules), path


MAX_SERVICE_LINES = 500


def oversized(folder: Path, limit: int = MAX_SERVICE_LINES) -> list[str]:
    return [f"{path.relative_to(folder.parent)}: {n} lines"
            for path in sorted(folder.rglob("*.py"))
            if (n := len(path.read_text(encoding="utf-8").splitlines())) > limit]


def test_no_service_module_is_over_500_lines() -> None:
    """One feature, one place: a module that grows past this does several jobs; split it
    into the feature's package (model, ports, one module per use case)."""
    assert oversized(ROOT / "services") == []


def test_the_size_check_catches_a_long_module(tmp_path: Path) -> None:
    pkg = tmp_path / "services"
    pkg.mkdir()
    (pkg / "long.py").write_text("x = 1\n" * 501, encoding="utf-8")
    (pkg / "short.py").write_text("x = 1\n" * 500, encoding="utf-8")
    assert oversized(pkg) == ["services/long.py: 501 lines"]
