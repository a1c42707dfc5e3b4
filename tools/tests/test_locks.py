"""Every environment installs from a committed lock that agrees with the direct pins of the
packages' pyproject.toml: changing a dependency without relocking fails here, not on
someone else's machine."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

import pytest

REPO = Path(__file__).resolve().parents[2]


def _python_envs() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "python_envs", REPO / "scripts" / "setup" / "python_envs.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


ENVS = _python_envs()


@pytest.mark.parametrize("name", sorted(ENVS.environments()))
def test_the_lock_pins_every_direct_requirement_as_declared(name: str) -> None:
    assert ENVS.stale(name, ENVS.environments()[name]) == []


def test_a_changed_pin_is_caught() -> None:
    name, requirements = next(iter(ENVS.environments().items()))
    pinned = next(r for r in requirements if "==" in r)
    bumped = pinned.split("==")[0] + "==0.0.0"
    assert ENVS.stale(name, [bumped])


def test_internal_dependencies_are_declared_and_never_fetched_from_an_index() -> None:
    """Each service names the workspace packages it imports (greenroom-common; the gateway
    also greenroom-client), and no environment's requirements ask an index for them."""
    import tomllib

    members = ENVS.workspace_members()
    assert {"greenroom-common", "greenroom-client", "greenroom-gateway"} <= members
    for service in ("gateway", "ingest", "transcribe", "vision", "grader"):
        pyproject = tomllib.loads((REPO / "services" / service / "pyproject.toml").read_text())
        assert "greenroom-common" in pyproject["project"]["dependencies"], service
        assert pyproject["tool"]["uv"]["sources"]["greenroom-common"] == {"workspace": True}
    for name, requirements in ENVS.environments().items():
        assert not [r for r in requirements if r.split("=")[0].strip() in members], name
