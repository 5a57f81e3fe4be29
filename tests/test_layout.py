"""The repository's shape the developers' guide and issue #8 ask for, checked on every run."""

import ast
from pathlib import Path

ROOT = Path(__file__).parents[1]
INTEGRATION = ROOT / "custom_components" / "smartcar"
# Issue #8: the coordinator under 250 lines, no module of the integration over 400.
COORDINATOR_MAX_LINES = 249
MODULE_MAX_LINES = 400


def _lines(path: Path) -> int:
    return len(path.read_text(encoding="utf-8").splitlines())


def _imported(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module)
    return names


def test_exactly_one_integration_folder() -> None:
    folders = [
        child.name
        for child in (ROOT / "custom_components").iterdir()
        if child.is_dir() and child.name != "__pycache__"
    ]
    assert folders == ["smartcar"]


def test_the_api_package_never_imports_home_assistant() -> None:
    offenders = {
        str(path.relative_to(ROOT)): sorted(
            name for name in _imported(path) if name.split(".")[0] == "homeassistant"
        )
        for path in (INTEGRATION / "api").rglob("*.py")
    }
    assert {path: names for path, names in offenders.items() if names} == {}


def test_modules_stay_small() -> None:
    assert _lines(INTEGRATION / "coordinator.py") <= COORDINATOR_MAX_LINES
    too_long = {
        str(path.relative_to(ROOT)): _lines(path)
        for path in INTEGRATION.rglob("*.py")
        if _lines(path) > MODULE_MAX_LINES
    }
    assert too_long == {}
