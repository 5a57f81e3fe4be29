"""The example payloads of SMARTCAR_V3.md, read straight from the shared folder.

The folder is `../shared/smartcar-v3-examples` from the project root (where every developer and CI
run has it). A missing folder or file fails the test that wanted it: never a skip.
"""

import json
from pathlib import Path
from typing import Any

import pytest

EXAMPLES = (
    Path(__file__).resolve().parents[2].parent / "shared" / "smartcar-v3-examples"
)


def example_path(name: str) -> Path:
    """Path of one example file; fails the test when the shared folder is not there."""
    if not EXAMPLES.is_dir():
        pytest.fail(f"the shared examples folder {EXAMPLES} is missing")
    path = EXAMPLES / name
    if not path.is_file():
        pytest.fail(f"the shared example {path} is missing")
    return path


def example(name: str) -> Any:
    """One example file, decoded."""
    return json.loads(example_path(name).read_text(encoding="utf-8"))


def example_bytes(name: str) -> bytes:
    """One example file as raw bytes (a webhook delivery is verified and parsed as bytes)."""
    return example_path(name).read_bytes()
