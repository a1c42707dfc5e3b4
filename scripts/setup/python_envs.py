"""Creates one virtual environment per service (plus ``dev`` for tests and linters).

Each environment holds third-party dependencies only, read from the packages'
``pyproject.toml`` files; the project's own code is put on ``PYTHONPATH`` when a service
starts, so an environment depends only on its dependency list and can live in the cache
(``$GREENROOM_CACHE/venvs/<name>-<hash>``), shared by every clone on the machine.
Writes ``.greenroom/envs.json`` (service -> environment) for the supervisor and Makefile.

Every environment is installed from its committed lock file (``scripts/setup/locks/<name>.txt``:
every package, transitive ones included, at one version), so two machines get the same
environment. A lock must agree with the direct pins of the packages' ``pyproject.toml``;
after changing a dependency, ``python3 scripts/setup/python_envs.py --lock NAME`` installs it
and rewrites the lock from what was installed (``make test`` checks they agree).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
CACHE = Path(os.environ.get("GREENROOM_CACHE", Path.home() / ".cache" / "greenroom"))
UV = CACHE / "tools" / "bin" / "uv"


def workspace_members() -> set[str]:
    """The names of the repository's own packages (the root pyproject's uv workspace)."""
    root = tomllib.loads((REPO / "pyproject.toml").read_text())
    names = set()
    for pattern in root["tool"]["uv"]["workspace"]["members"]:
        for folder in sorted(REPO.glob(pattern)):
            if (folder / "pyproject.toml").exists():
                names.add(tomllib.loads((folder / "pyproject.toml").read_text())["project"]["name"])
    return names


def project_deps(path: Path, extras: tuple[str, ...] = ("test",)) -> list[str]:
    """The third-party requirements of a package: its own (workspace) packages are left out,
    they come from the work tree (``PYTHONPATH``), never from an index."""
    project = tomllib.loads((path / "pyproject.toml").read_text())["project"]
    deps = list(project.get("dependencies", []))
    for extra in extras:
        deps += project.get("optional-dependencies", {}).get(extra, [])
    own = workspace_members()
    return [d for d in deps if re.split(r"[\s\[=<>!~;]", d, maxsplit=1)[0].lower() not in own]


def environments() -> dict[str, list[str]]:
    common = project_deps(REPO / "libs" / "common")
    envs = {
        name: common + project_deps(REPO / "services" / name)
        for name in ("gateway", "ingest", "transcribe", "vision", "grader")
    }
    root = tomllib.loads((REPO / "pyproject.toml").read_text())
    dev = root["dependency-groups"]["dev"]
    envs["dev"] = sorted(set(envs["gateway"] + envs["ingest"] + envs["grader"] + dev))
    # The interviewer's voice: a GPL runtime and non-commercial voice data, so its own
    # environment with nothing of the others (not even greenroom-common) and never in dev.
    envs["voice"] = project_deps(REPO / "services" / "voice")
    return envs


LOCKS = REPO / "scripts" / "setup" / "locks"
UV_ENV = {**os.environ, "UV_PYTHON_DOWNLOADS": "never", "UV_CACHE_DIR": str(CACHE / "uv")}


def _pins(lines: list[str]) -> dict[str, str]:
    """``name==version`` lines as {normalised name: version}."""
    found = {}
    for raw in lines:
        line = raw.split("#", 1)[0].strip()
        if "==" in line:
            name, version = line.split("==", 1)
            name = name.split("[", 1)[0].strip().lower().replace("_", "-")
            found[name] = version.split(";")[0].strip()
    return found


def stale(name: str, requirements: list[str]) -> list[str]:
    """The direct pins that the lock of ``name`` lacks or pins otherwise ([] when in step)."""
    lock = LOCKS / f"{name}.txt"
    if not lock.exists():
        return [f"{lock} is missing"]
    locked = _pins(lock.read_text().splitlines())
    return [f"{n}=={v} (lock: {locked.get(n, 'absent')})"
            for n, v in _pins(requirements).items() if locked.get(n) != v]


def ensure(name: str, requirements: list[str]) -> Path:
    if problems := stale(name, requirements):
        raise SystemExit(f"[setup] the lock of {name} is out of step with its pyproject.toml "
                         f"({'; '.join(problems)}): run python3 scripts/setup/python_envs.py "
                         f"--lock {name}")
    locked = (LOCKS / f"{name}.txt").read_text()
    digest = hashlib.sha256(f"{sys.version.split()[0]}\n{locked}".encode()).hexdigest()[:12]
    path = CACHE / "venvs" / f"{name}-{digest}"
    if (path / ".complete").exists():
        return path
    print(f"[setup] creating the {name} environment from its lock", flush=True)
    shutil.rmtree(path, ignore_errors=True)
    subprocess.run([str(UV), "venv", "-q", "--python", sys.executable, str(path)], check=True,
                   env=UV_ENV)
    subprocess.run([str(UV), "pip", "sync", "-q", "--python", str(path / "bin" / "python"),
                    str(LOCKS / f"{name}.txt")], check=True, env=UV_ENV)
    (path / ".complete").touch()
    return path


def relock(name: str, requirements: list[str]) -> None:
    """Install ``requirements`` afresh in a scratch environment and write what got
    installed as the lock of ``name``."""
    scratch = CACHE / "venvs" / f"{name}-relock"
    shutil.rmtree(scratch, ignore_errors=True)
    subprocess.run([str(UV), "venv", "-q", "--python", sys.executable, str(scratch)],
                   check=True, env=UV_ENV)
    python = str(scratch / "bin" / "python")
    subprocess.run([str(UV), "pip", "install", "-q", "--python", python,
                    *sorted(set(requirements))], check=True, env=UV_ENV)
    frozen = subprocess.run([str(UV), "pip", "freeze", "-q", "--python", python], check=True,
                            env=UV_ENV, capture_output=True, text=True).stdout
    LOCKS.mkdir(parents=True, exist_ok=True)
    (LOCKS / f"{name}.txt").write_text(
        f"# The {name} environment, every package pinned (python_envs.py --lock {name}).\n"
        + frozen)
    shutil.rmtree(scratch, ignore_errors=True)


def main() -> None:
    args = sys.argv[1:]
    if args[:1] == ["--lock"]:
        for name, reqs in environments().items():
            if name in args[1:] or len(args) == 1:
                relock(name, reqs)
        return
    chosen = set(args)
    out = REPO / ".greenroom" / "envs.json"
    recorded = json.loads(out.read_text()) if out.exists() else {}
    for name, reqs in environments().items():
        if not chosen or name in chosen:
            recorded[name] = str(ensure(name, reqs))
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(recorded, indent=2) + "\n")


if __name__ == "__main__":
    main()
