"""The web app in Chromium without the platform: the page and its files are served from the
work tree through Playwright's routing, under a strict Content-Security-Policy, and the
gateway's API is answered by a small in-memory fake with fixed results. Seconds, not
minutes: screens, reports and accessibility are checked here; test_interview_room.py runs
the same app against the whole platform."""

from __future__ import annotations

import io
import json
import math
import mimetypes
import re
import struct
import wave
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from greenroom_common.contracts import AnswerMode, Stage
from greenroom_gateway.schemas import rules_view, stage_progress
from playwright.sync_api import Browser, Page, Playwright, Route

from tests.browser.conftest import chromium_path

REPO = Path(__file__).resolve().parents[2]
WEB = REPO / "services" / "gateway" / "src" / "greenroom_gateway" / "web"
ORIGIN = "http://greenroom.test"
# What a strict policy allows: the app's own files, nothing inline (issue 14 sets the real one).
STRICT_CSP = ("default-src 'self'; img-src 'self' data: blob:; media-src 'self' blob:; "
              "object-src 'none'; base-uri 'none'")
HISTORY_KEY = "greenroom.history.v1"


def question(qid: str, round_: str, prompt: str, modes: list[str]) -> dict[str, Any]:
    return {"schema_version": 1, "id": qid, "round": round_, "category": "c", "prompt": prompt,
            "answer_modes": modes, "time_limit_s": 180, "difficulty": "easy", "vocabulary": []}


BANK = [
    question("lf-1", "fundamentals", "Why can a tuple be a dictionary key but a list cannot?",
             ["video", "audio", "text"]),
    question("lf-2", "fundamentals", "What does `is` compare, and how is it different from `==`?",
             ["video", "audio", "text"]),
    question("cd-1", "coding", "Write a function pairs(xs: list[int], target: int) -> int "
             "that counts the pairs summing to target.", ["code"]),
    question("bh-1", "behavioural", "Tell me about a time you disagreed with a colleague.",
             ["video", "audio", "text"]),
]
RULE = ("Language fundamentals: passes when the answer is on topic, states no misconception, "
        "covers every core key point, scores at least 60 on content and 60 overall (content "
        "55%, structure 15%, clarity 15%, delivery 10%, confidence 5%). Not met: core key "
        "points missed: Tuples are hashable because they are immutable.; content 41 is under "
        "60; overall 48 is under 60.")


def grade(answer_id: str, question_id: str, text: str) -> dict[str, Any]:
    return {
        "schema_version": 1, "answer_id": answer_id, "question_id": question_id,
        "verdict": "fail", "score": 48.0, "rule": RULE,
        "dimensions": [
            {"name": "content", "score": 41.0, "weight": 0.65, "evidence": ["1 of 3 key points"]},
            {"name": "structure", "score": 60.0, "weight": 0.18, "evidence": []},
            {"name": "clarity", "score": 70.0, "weight": 0.17, "evidence": []}],
        "strengths": ["Concise sentences (12 words on average)."],
        "improvements": ["You covered 1 of 3 key points. Missing: Tuples are hashable "
                         "because they are immutable.; Lists can change. Say each one."],
        "transcript": text, "round": "fundamentals",
        "covered": ["A list is mutable."], "missed": ["Tuples are hashable because they are "
                                                      "immutable."],
        "margin": -19.0, "borderline": False, "tipping": [],
    }


# The follow-up the fake interviewer asks when an answer to lf-1 leaves out "hashable".
FOLLOW_UP: dict[str, Any] = {"kind": "missed", "target": "hashable", "time_limit_s": 90,
             "question": "What makes a tuple hashable, and why does a key need to be?",
             "reason": "The answer did not cover a core point: Tuples are hashable because "
                       "they are immutable."}


def passing(answer_id: str, question_id: str, text: str, follows: str | None) -> dict[str, Any]:
    """A pass; for the answer to a follow-up, graded with the answer it follows."""
    result = grade(answer_id, question_id, text)
    result.update(
        verdict="pass", score=74.0, margin=14.0, improvements=[], missed=[],
        rule=RULE.split(" Not met:", maxsplit=1)[0] + " All met.",
        covered=["A list is mutable.", "Tuples are hashable because they are immutable."],
        dimensions=[{"name": "content", "score": 78.0, "weight": 0.65, "evidence": []},
                    {"name": "structure", "score": 62.0, "weight": 0.18, "evidence": []},
                    {"name": "clarity", "score": 71.0, "weight": 0.17, "evidence": []}])
    if follows:
        result.update(follows=follows, lifted=True)
    return result


def tone_wav(seconds: float = 3.0) -> bytes:
    """What the fake server voice says: a quiet tone, as 16-bit PCM WAV."""
    rate = 16000
    frames = b"".join(struct.pack("<h", int(3000 * math.sin(2 * math.pi * 440 * i / rate)))
                      for i in range(int(rate * seconds)))
    out = io.BytesIO()
    with wave.open(out, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(frames)
    return out.getvalue()


@dataclass
class FakeApi:
    """The gateway's HTTP API as the web app uses it; every answer is graded at once.
    `server_voice`: the platform reads bank questions aloud (`speech_status` other than 200:
    the voice fails so); `follow_ups`: an answer to lf-1 without "hashable" gets a follow-up,
    and the answer to it lifts the verdict to a pass; `observations`: sessions are a hiring
    team's (their editors report pastes and pages left). `forms`: every answer's form fields."""

    sessions: dict[str, dict[str, Any]] = field(default_factory=dict)
    answers: dict[str, dict[str, Any]] = field(default_factory=dict)
    requests: list[str] = field(default_factory=list)
    server_voice: bool = False
    speech_status: int = 200
    follow_ups: bool = False
    observations: bool = False
    forms: list[dict[str, str]] = field(default_factory=list)

    def session_view(self, sid: str) -> dict[str, Any]:
        session = self.sessions[sid]
        mine = [a for a in self.answers.values() if a["session_id"] == sid]
        complete = {a["question_id"] for a in mine} >= set(session["question_ids"])
        report = None
        if complete:
            report = {"schema_version": 1, "session_id": sid, "verdict": "fail",
                      "score": 48.0,
                      "answers": {a["question_id"]: a["answer_id"] for a in mine},
                      "rule": "Session: a round passes when at least two thirds of its "
                              "answers pass; the session passes when every round in it passes.",
                      "completed_at": "2026-01-01T00:00:00Z",
                      "rounds": [{"round": "fundamentals", "verdict": "fail",
                                  "answers": len(mine), "passed": 0, "score": 48.0}],
                      "strengths": ["Concise sentences."],
                      "improvements": ["Name the key points.; Then explain them.."],
                      "borderline": []}
        means: dict[str, float] = {}
        if report is not None:
            for name in ("content", "structure", "clarity"):
                scores = [d["score"] for a in mine for d in a["result"]["dimensions"]
                          if d["name"] == name]
                means[name] = round(sum(scores) / len(scores), 1)
        return {"session_id": sid, "question_ids": session["question_ids"],
                "complete": complete, "answers": mine, "report": report,
                "observations": self.observations,
                "dimension_scores": means}

    def add_session(self, sid: str, question_ids: list[str]) -> dict[str, Any]:
        self.sessions[sid] = {"question_ids": question_ids}
        return {"session_id": sid, "token": f"token-{sid}",
                "questions": [q for q in BANK if q["id"] in question_ids],
                "observations": self.observations}

    def add_answer(self, sid: str, question_id: str, text: str,
                   follow_up_of: str | None = None) -> str:
        aid = f"a{len(self.answers) + 1}"
        if follow_up_of:
            result = passing(aid, question_id, text, follow_up_of)
        else:
            result = grade(aid, question_id, text)
            if self.follow_ups and question_id == "lf-1" and "hashable" not in text.lower():
                result["follow_up"] = FOLLOW_UP
        self.answers[aid] = {"answer_id": aid, "session_id": sid, "question_id": question_id,
                             "mode": "text", "status": "graded", "stages": ["grade"],
                             "follow_up_of": follow_up_of, "result": result,
                             "progress": [p.model_dump(mode="json") for p in stage_progress(
                                 AnswerMode.TEXT, [Stage.GRADE], None)]}
        return aid

    def submit(self, route: Route, sid: str) -> None:
        form = route.request.post_data or ""
        field_ = {m[1]: m[2] for m in re.finditer(
            r'name="(\w+)"\r\n\r\n(.*?)\r\n--', form, re.S)}
        self.forms.append(field_)
        follow_up_of = field_.get("follow_up_of")
        qid = field_.get("question_id", "")
        if follow_up_of:
            first = self.answers.get(follow_up_of)
            if first is None or not first["result"].get("follow_up"):
                self.json(route, {"error": {"reason": "invalid",
                                            "message": "This answer has no follow-up."}}, 422)
                return
            if any(a["follow_up_of"] == follow_up_of for a in self.answers.values()):
                self.json(route, {"error": {"reason": "too_many", "message":
                                            "This follow-up is already answered."}}, 429)
                return
            qid = first["question_id"]
        text = field_.get("text", field_.get("code", ""))
        aid = self.add_answer(sid, qid, text, follow_up_of)
        self.json(route, {"answer_id": aid, "status": "queued"}, 202)

    def handle(self, route: Route) -> None:
        request = route.request
        path = request.url.removeprefix(ORIGIN).split("#")[0]
        self.requests.append(path)
        plain = path.split("?")[0]
        if plain == "/":
            route.fulfill(body=(WEB / "index.html").read_text(), content_type="text/html",
                          headers={"content-security-policy": STRICT_CSP})
        elif plain.startswith("/static/"):
            file = (WEB / plain.removeprefix("/static/")).resolve()
            if WEB not in file.parents or not file.is_file():
                route.fulfill(status=404)
                return
            kind = "text/javascript" if file.suffix == ".js" else mimetypes.guess_type(file.name)[0]
            route.fulfill(body=file.read_bytes(), content_type=kind or "application/octet-stream")
        elif plain == "/healthz":
            route.fulfill(body="ok", content_type="text/plain")
        elif plain == "/config.json":
            self.json(route, {"answer_limit_s": 180, "max_upload_bytes": 8 << 20,
                              "max_text_chars": 20000, "retention_days": 30,
                              "server_voice": self.server_voice})
        elif re.fullmatch(r"/api/questions/[\w-]+/speech", plain):
            if not self.server_voice:
                self.json(route, {"error": {"reason": "no_server_voice", "message": "-"}}, 503)
            elif self.speech_status != 200:
                self.json(route, {"error": {"reason": "voice_unavailable", "message": "-"}},
                          self.speech_status)
            else:
                route.fulfill(body=tone_wav(), content_type="audio/wav",
                              headers={"cache-control": "no-store"})
        elif plain == "/api/rules":  # the gateway's own answer: the one definition
            self.json(route, rules_view().model_dump(mode="json"))
        elif plain == "/api/questions":
            self.json(route, {"questions": BANK})
        elif plain == "/api/sessions" and request.method == "POST":
            body = json.loads(request.post_data or "{}")
            ids = body.get("question_ids") or [q["id"] for q in BANK
                                               if q["round"] == body.get("round")][
                : body.get("count", 1)]
            self.json(route, self.add_session(f"s{len(self.sessions) + 1}", ids), 201)
        elif m := re.fullmatch(r"/api/sessions/(\w+)/answers", plain):
            self.submit(route, m[1])
        elif m := re.fullmatch(r"/api/sessions/(\w+)/events", plain):
            snapshot = json.dumps(self.session_view(m[1]))
            route.fulfill(body=f"retry: 60000\nevent: snapshot\ndata: {snapshot}\n\n",
                          content_type="text/event-stream")
        elif m := re.fullmatch(r"/api/sessions/(\w+)", plain):
            if request.method == "DELETE":
                self.sessions.pop(m[1], None)
                route.fulfill(status=204)
            elif m[1] in self.sessions:
                self.json(route, self.session_view(m[1]))
            else:
                self.json(route, {"error": {"reason": "not_found", "message": "No such session."}},
                          404)
        elif m := re.fullmatch(r"/api/answers/(\w+)/presence", plain):
            self.json(route, {"frames": [], "moments": []})
        elif m := re.fullmatch(r"/api/answers/(\w+)", plain):
            self.json(route, self.answers[m[1]])
        else:
            route.fulfill(status=404)

    @staticmethod
    def json(route: Route, body: object, status: int = 200) -> None:
        route.fulfill(status=status, body=json.dumps(body), content_type="application/json")


@pytest.fixture(scope="module")
def offline_browser(offline_driver: Playwright) -> Iterator[Browser]:
    browser = offline_driver.chromium.launch(executable_path=chromium_path(), headless=True,
                                             args=["--no-sandbox", "--disable-dev-shm-usage"])
    try:
        yield browser
    finally:
        browser.close()


@dataclass
class OfflineApp:
    page: Page
    api: FakeApi
    problems: list[str]

    def open(self, fragment: str = "") -> None:
        self.page.goto(f"{ORIGIN}/{fragment}")
        self.page.wait_for_selector("body[data-ready='1'][data-bank='1']", state="attached")


@pytest.fixture(scope="module")
def offline_media_browser(offline_driver: Playwright) -> Iterator[Browser]:
    """The same, with Chromium's own fake camera and microphone (a test pattern, a beep)."""
    browser = offline_driver.chromium.launch(
        executable_path=chromium_path(), headless=True,
        args=["--no-sandbox", "--disable-dev-shm-usage", "--use-fake-device-for-media-stream",
              f"--unsafely-treat-insecure-origin-as-secure={ORIGIN}",  # getUserMedia needs it
              "--autoplay-policy=no-user-gesture-required"])
    try:
        yield browser
    finally:
        browser.close()


def offline_app(browser: Browser, width: int = 1000, height: int = 800, *,
                media: bool = False) -> Iterator[OfflineApp]:
    """A fresh context on the app (`media`: camera and microphone allowed); fails the test
    on page errors and on anything the Content-Security-Policy refused."""
    context = browser.new_context(viewport={"width": width, "height": height},
                                  permissions=["camera", "microphone"] if media else [])
    context.set_default_timeout(15_000)
    api = FakeApi()
    context.route(f"{ORIGIN}/**", api.handle)
    page = context.new_page()
    problems: list[str] = []
    page.on("pageerror", lambda exc: problems.append(f"page error: {exc}"))
    page.on("console", lambda msg: problems.append(f"console: {msg.text}")
            if "Content Security Policy" in msg.text else None)
    try:
        yield OfflineApp(page, api, problems)
    finally:
        context.close()
    assert not problems, problems
