"""The web app's modules as served (no build step): the page preloads exactly what app.js
imports, nothing runs inline, every module is type-checked and stays small, and no module
carries its own copy of what the API serves (GET /api/rules)."""

from __future__ import annotations

import re
from pathlib import Path

from greenroom_common.domain import FILLER_SOUNDS, PACE_HIGH_WPM, PACE_LOW_WPM

WEB = Path(__file__).resolve().parents[1] / "src" / "greenroom_gateway" / "web"
JS = WEB / "js"
MAX_LINES = 400
IMPORT = re.compile(r'^import [^;]*? from "\./([\w-]+\.js)";', re.M)


def imports(name: str) -> set[str]:
    return set(IMPORT.findall((JS / name).read_text()))


def reachable(start: str) -> set[str]:
    seen: set[str] = set()
    todo = [start]
    while todo:
        name = todo.pop()
        if name not in seen:
            seen.add(name)
            todo += imports(name)
    return seen


def test_the_page_preloads_every_module_app_js_imports_and_no_inline_script() -> None:
    page = (WEB / "index.html").read_text()
    preloaded = set(re.findall(r'rel="modulepreload" href="/static/js/([\w-]+\.js)"', page))
    assert preloaded == reachable("app.js") - {"app.js"}
    scripts = re.findall(r"<script\b([^>]*)>(.*?)</script>", page, re.S)
    assert scripts and all('src="' in attrs and not body.strip() for attrs, body in scripts)
    assert not re.search(r"\son[a-z]+=", page)  # no inline handlers either


def test_modules_form_no_cycle() -> None:
    def visit(name: str, path: tuple[str, ...]) -> None:
        for nxt in imports(name):
            assert nxt not in path, " -> ".join((*path, nxt))
            visit(nxt, (*path, nxt))

    visit("app.js", ("app.js",))


def test_every_module_is_type_checked_small_and_eval_free() -> None:
    for path in JS.glob("*.js"):
        text = path.read_text()
        assert text.startswith("// @ts-check\n"), path.name
        assert text.count("\n") <= MAX_LINES, (path.name, text.count("\n"))
        assert not re.search(r"\beval\(|new Function\(|\.innerHTML\s*=", text), path.name


def test_no_module_keeps_its_own_copy_of_the_rules() -> None:
    fillers = "|".join(sorted(FILLER_SOUNDS))
    for path in JS.glob("*.js"):
        text = path.read_text()
        for number in (PACE_LOW_WPM, PACE_HIGH_WPM):
            assert not re.search(rf"\b{number:.0f}\b", text), (path.name, number)
        assert not re.search(rf'\[\s*"(?:{fillers})"\s*,', text), path.name
        assert not re.search(r'"recruiter"|"behavioural"', text), path.name
