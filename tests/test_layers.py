"""The house rule, checked: dependencies point down (analysis <- store <- insights <- api)."""

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "nlp_service"
FORBIDDEN = {
    "analysis": ("store", "insights", "api", "web", "cli", "commands"),
    "store": ("insights", "api", "web", "cli", "commands"),
    "insights": ("api", "web", "cli", "commands"),
    "connectors": ("store", "services", "insights", "api", "web", "cli", "commands"),
}


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


@pytest.mark.parametrize("layer", sorted(FORBIDDEN))
def test_lower_layers_never_import_upper_ones(layer: str) -> None:
    files = list((PACKAGE / layer).rglob("*.py"))
    if layer == "analysis":
        assert files, "the analysis layer must exist"
    for path in files:
        for module in imported_modules(path):
            for upper in FORBIDDEN[layer]:
                assert not module.startswith(f"nlp_service.{upper}"), f"{path} imports {module}"


def test_training_never_imports_the_api() -> None:
    for path in (PACKAGE.parent / "training").rglob("*.py"):
        for module in imported_modules(path):
            assert not module.startswith(("nlp_service.api", "nlp_service.web")), path
