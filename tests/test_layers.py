"""The package's layers only look down (README "Layers"): the import-linter contracts in pyproject.toml
hold, every module sits in a layer, and no function-local import hides an upward one."""

from __future__ import annotations

import ast
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

pytestmark = pytest.mark.unit

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("pipelines", "dashboard")
REASON = "# imported on use:"  # the one-line reason a function-local import must give


def _config() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["importlinter"]


def test_import_contracts_hold():
    lint = Path(sys.executable).with_name("lint-imports")
    done = subprocess.run(
        [str(lint), "--no-cache"], cwd=ROOT, capture_output=True, text=True, timeout=300, check=False
    )
    assert done.returncode == 0, f"an import breaks a layer contract:\n{done.stdout}\n{done.stderr}"
    assert "0 broken" in done.stdout


def test_every_module_has_a_layer():
    layers = next(c for c in _config()["contracts"] if c["id"] == "layers")["layers"]
    placed = {m.strip() for layer in layers for m in layer.replace("|", ":").split(":")}
    children = {
        f"pipelines.{p.stem if p.is_file() else p.name}"
        for p in (ROOT / "pipelines").iterdir()
        if (p.suffix == ".py" and p.stem != "__init__") or (p.is_dir() and (p / "__init__.py").exists())
    }
    missing = sorted(children - placed)
    assert not missing, f"modules in no layer of pyproject.toml [tool.importlinter]: {', '.join(missing)}"
    assert "dashboard" in placed


def _local_imports(tree: ast.AST) -> list[ast.stmt]:
    """Imports of our own packages anywhere inside a function, in line order."""
    found = []
    for fn in ast.walk(tree):
        if isinstance(fn, ast.FunctionDef | ast.AsyncFunctionDef):
            for node in ast.walk(fn):
                if isinstance(node, ast.ImportFrom):
                    names = [node.module or ""] if node.level == 0 else []
                elif isinstance(node, ast.Import):
                    names = [a.name for a in node.names]
                else:
                    continue
                if any(n.split(".")[0] in PACKAGES for n in names):
                    found.append(node)
    return sorted(set(found), key=lambda n: n.lineno)


def test_function_local_imports_say_why():
    """A function-local import of our own code would hide a cycle from readers (import-linter still sees
    it): one is kept only to load a heavy dependency on use, with a one-line reason."""
    silent = []
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            text = path.read_text(encoding="utf-8")
            lines = ["", *text.splitlines()]  # 1-based
            said_at: set[int] = set()  # last lines of imports that gave (or continued) a reason
            for node in _local_imports(ast.parse(text)):
                before = node.lineno - 1
                if REASON in lines[node.lineno] or REASON in lines[before] or before in said_at:
                    said_at.add(node.end_lineno or node.lineno)
                else:
                    silent.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert not silent, f"function-local imports without a `{REASON} …` reason: {', '.join(silent)}"
