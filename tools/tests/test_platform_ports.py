"""The local platform's start on a port that was chosen free and then taken: the service is
relaunched on a new port instead of failing the whole start (a clean clone's chaos run
once failed this way)."""

from __future__ import annotations

import os
import socket
import sys
import urllib.request
from pathlib import Path

import pytest
from greenroom_local.platform import LocalPlatform
from greenroom_local.processes import Process, StartupError

# A service in miniature: answers /healthz on $GREENROOM_PORT, or dies as uvicorn does
# when the port is taken ("[Errno 98] ... Address already in use").
SERVICE = """
import http.server, os
class Health(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(200 if self.path == "/healthz" else 404)
        self.end_headers()
    def log_message(self, *args):
        pass
http.server.HTTPServer(("127.0.0.1", int(os.environ["GREENROOM_PORT"])), Health).serve_forever()
"""


def holder() -> socket.socket:
    """A listening socket on a free port, as another program would hold it."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen()
    return sock


def service(platform: LocalPlatform, tmp_path: Path, program: str = SERVICE):  # type: ignore[no-untyped-def]
    def make() -> Process:  # reads the port at launch, as ``service_process`` does
        env = {**os.environ, "GREENROOM_PORT": str(platform.ports["svc"])}
        return Process("svc", [sys.executable, "-c", program], env, tmp_path / "svc.log")
    return make


@pytest.fixture
def platform(tmp_path: Path):  # type: ignore[no-untyped-def]
    platform = LocalPlatform(tmp_path)
    yield platform
    for child in platform.supervisor.children.values():
        child.process.stop()


def test_a_service_whose_port_was_taken_is_relaunched_on_a_free_one(
        platform: LocalPlatform, tmp_path: Path) -> None:
    taken = holder()
    try:
        platform.ports["svc"] = taken.getsockname()[1]
        make = service(platform, tmp_path)
        first = platform._launch("svc", make, lambda: False)

        platform._await_healthy("svc", make, first)

        assert platform.ports["svc"] != taken.getsockname()[1]
        assert not first.running
        with urllib.request.urlopen(f"{platform.url('svc')}/healthz", timeout=5) as answer:
            assert answer.status == 200
        assert platform.supervisor.children["svc"].process.running  # supervised, not orphaned
    finally:
        taken.close()


def test_a_service_that_fails_for_another_reason_fails_the_start(
        platform: LocalPlatform, tmp_path: Path) -> None:
    sock = holder()
    port = platform.ports["svc"] = sock.getsockname()[1]
    sock.close()  # free: the failure is the service's own
    make = service(platform, tmp_path, "raise SystemExit('the model folder is missing')")
    first = platform._launch("svc", make, lambda: False)

    with pytest.raises(StartupError, match="model folder is missing"):
        platform._await_healthy("svc", make, first)
    assert platform.ports["svc"] == port  # not relaunched elsewhere
