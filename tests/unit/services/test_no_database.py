"""The unit tests of services and the fakes they run on need no database: no storage, no
SQLAlchemy, no driver. The fakes are duck-typed: they import the services' values and errors,
never a ports module (the Protocols move; a fake that names one breaks with them)."""

from __future__ import annotations

import ast
from pathlib import Path

TESTS = Path(__file__).resolve().parents[2]
FORBIDDEN = ("storage", "sqlalchemy", "aiosqlite", "asyncpg", "alembic")


def imports(path: Path) -> list[str]:
    names: list[str] = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names += [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.append(node.module)
    return names


def files() -> list[Path]:
    found = sorted([*(TESTS / "fakes").glob("*.py"), *(TESTS / "unit" / "services").glob("*.py")])
    assert len(found) >= 10  # the walk sees the files it guards
    return found


def test_no_database_below_the_services_unit_tests() -> None:
    bad = [(p.name, name) for p in files() for name in imports(p)
           if name.split(".")[0] in FORBIDDEN]
    assert bad == []


def test_the_fakes_name_no_protocol() -> None:
    bad = [(p.name, name) for p in files() for name in imports(p)
           if name.split(".")[-1] == "ports"]
    assert bad == []
