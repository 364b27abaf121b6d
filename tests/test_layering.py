"""The package's layers import in one direction only (see the README's architecture section).

errors <- specs <- adapters (files and config.json into specs)
errors <- specs <- inventory <- questions (the math) <- render and CLI

Specs import no math and no loaders; the math imports no adapter, CLI, rich or typer and does no file I/O;
only the CLI and the render layer may import everything. The test reads each module's source (ast), so a
wrong-direction import fails here even when nothing executes it.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "gptcalc"
RENDER = {"cli", "render", "charts", "fmt", "__init__", "__main__"}
# Which layers each layer may import from gptcalc.
ALLOWED: dict[str, set[str]] = {
    "errors": set(),
    "specs": {"errors", "specs"},
    "adapters": {"errors", "specs", "adapters"},
    "inventory": {"errors", "specs"},
    "questions": {"errors", "specs", "inventory", "questions"},
    "render": {"errors", "specs", "adapters", "inventory", "questions", "render"},
}
# Third-party packages a layer may import (the standard library is always allowed).
THIRD_PARTY: dict[str, set[str]] = {
    "errors": set(),
    "specs": {"pydantic", "typing_extensions", "pandas"},  # Result.to_dataframe imports it lazily
    "adapters": {"pydantic", "typing_extensions", "tomli", "huggingface_hub"},
    "inventory": set(),
    "questions": {"pydantic", "typing_extensions", "pandas", "numpy"},  # numpy: the optional gptcalc.accel
    # shellingham: the shell detection typer itself uses, asked before a completion flag reaches typer.
    "render": {
        "pydantic",
        "typing_extensions",
        "typer",
        "rich",
        "click",
        "shellingham",
        "matplotlib",
        "pandas",
        "numpy",
    },
}
FILE_CALLS = {"open", "print", "write_text", "write_bytes", "read_text", "read_bytes", "unlink", "mkdir", "touch"}
FILE_MODULES = {"os", "shutil", "tempfile", "sys", "subprocess"}


def layer_of(module: str) -> str:
    """The layer of a dotted module name inside gptcalc."""
    parts = module.split(".")
    head = parts[1] if len(parts) > 1 else "__init__"
    if head in ("errors", "specs", "adapters", "inventory"):
        return head
    return "render" if head in RENDER else "questions"


def modules() -> list[tuple[str, Path]]:
    out = []
    for path in sorted(PACKAGE.rglob("*.py")):
        rel = path.relative_to(PACKAGE.parent).with_suffix("")
        parts = list(rel.parts)
        if parts[-1] == "__init__" and len(parts) > 1:
            parts = parts[:-1]
        out.append((".".join(parts), path))
    return out


def imports(path: Path) -> list[tuple[int, str]]:
    """(line, module) of every import in the file, function-level ones included."""
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append((node.lineno, node.module))
    return found


@pytest.mark.parametrize(("module", "path"), modules(), ids=[m for m, _ in modules()])
def test_imports_point_down(module: str, path: Path) -> None:
    layer = layer_of(module)
    wrong = []
    for line, target in imports(path):
        top = target.split(".")[0]
        if top == "gptcalc":
            if target == "gptcalc":
                continue
            if layer_of(target) not in ALLOWED[layer]:
                wrong.append(f"line {line}: {module} ({layer}) imports {target} ({layer_of(target)})")
        elif top not in sys.stdlib_module_names and top != "__future__" and top not in THIRD_PARTY[layer]:
            wrong.append(f"line {line}: {module} ({layer}) imports third-party {target}")
    assert not wrong, "\n".join(wrong)


@pytest.mark.parametrize(
    ("module", "path"),
    [(m, p) for m, p in modules() if layer_of(m) in ("specs", "inventory", "questions")],
    ids=[m for m, p in modules() if layer_of(m) in ("specs", "inventory", "questions")],
)
def test_math_and_specs_do_no_io(module: str, path: Path) -> None:
    calls = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Call):
            func = node.func
            name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")
            owner = func.value.id if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) else ""
            if name in FILE_CALLS or owner in FILE_MODULES:
                calls.append(f"line {node.lineno}: {name}()")
    assert not calls, f"{module} does I/O: " + ", ".join(calls)


def test_layer_rules_catch_a_wrong_import(tmp_path: Path) -> None:
    """The checker itself: a spec importing the math is reported."""
    bad = tmp_path / "bad.py"
    bad.write_text("from gptcalc.flops import flops_per_token\nimport rich\n")
    assert layer_of("gptcalc.specs.bad") == "specs"
    found = [t for _, t in imports(bad)]
    assert "gptcalc.flops" in found and layer_of("gptcalc.flops") not in ALLOWED["specs"]
    assert "rich" not in THIRD_PARTY["specs"]
