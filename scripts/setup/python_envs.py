"""Creates one virtual environment per service (plus ``dev`` for tests and linters).

Each environment holds third-party dependencies only, read from the packages'
``pyproject.toml`` files; the project's own code is put on ``PYTHONPATH`` when a service
starts, so an environment depends only on its dependency list and can live in the cache
(``$GREENROOM_CACHE/venvs/<name>-<hash>``), shared by every clone on the machine.
Writes ``.greenroom/envs.json`` (service -> environment) for the supervisor and Makefile.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
CACHE = Path(os.environ.get("GREENROOM_CACHE", Path.home() / ".cache" / "greenroom"))
UV = CACHE / "tools" / "bin" / "uv"


def project_deps(path: Path, extras: tuple[str, ...] = ("test",)) -> list[str]:
    project = tomllib.loads((path / "pyproject.toml").read_text())["project"]
    deps = list(project.get("dependencies", []))
    for extra in extras:
        deps += project.get("optional-dependencies", {}).get(extra, [])
    return deps


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


def ensure(name: str, requirements: list[str]) -> Path:
    reqs = sorted(set(requirements))
    digest = hashlib.sha256(
        "\n".join([sys.version.split()[0], *reqs]).encode()
    ).hexdigest()[:12]
    path = CACHE / "venvs" / f"{name}-{digest}"
    if (path / ".complete").exists():
        return path
    print(f"[setup] creating the {name} environment ({len(reqs)} requirements)", flush=True)
    shutil.rmtree(path, ignore_errors=True)
    env = {**os.environ, "UV_PYTHON_DOWNLOADS": "never", "UV_CACHE_DIR": str(CACHE / "uv")}
    subprocess.run([str(UV), "venv", "-q", "--python", sys.executable, str(path)], check=True,
                   env=env)
    req_file = path / "requirements.in"
    req_file.write_text("\n".join(reqs) + "\n")
    subprocess.run([str(UV), "pip", "install", "-q", "--python", str(path / "bin" / "python"),
                    "-r", str(req_file)], check=True, env=env)
    (path / ".complete").touch()
    return path


def main() -> None:
    chosen = set(sys.argv[1:])
    out = REPO / ".greenroom" / "envs.json"
    recorded = json.loads(out.read_text()) if out.exists() else {}
    for name, reqs in environments().items():
        if not chosen or name in chosen:
            recorded[name] = str(ensure(name, reqs))
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(recorded, indent=2) + "\n")


if __name__ == "__main__":
    main()
