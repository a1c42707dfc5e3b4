"""A gateway alone, with tight edge limits, for the security tests (tests/test_security_*).

Kafka, MinIO and the gateway run as real processes on free ports, as in the platform of
``tests/conftest.py``, but without the model-backed workers: the limits, headers, tokens and
streams under test are the gateway's. The question bank the grader would publish is written
directly. Uvicorn believes ``X-Forwarded-For`` from 127.0.0.1 (its default), so a test plays
several client addresses by sending that header.
"""

from __future__ import annotations

import contextlib
import io
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

from greenroom_common.contracts import AnswerMode
from greenroom_common.documents import QuestionBank, QuestionView
from greenroom_common.keys import BANK_KEY
from greenroom_local.platform import REPO, LocalPlatform, venvs
from minio import Minio

from tests.support.infra import containers, route

EDGE_ENV = {
    "GREENROOM_MAX_UPLOAD_BYTES": str(4 * 1024 * 1024),
    "GREENROOM_LIMIT_SESSIONS_PER_IP_PER_MIN": "3",
    "GREENROOM_LIMIT_ANSWERS_PER_IP_PER_MIN": "8",
    "GREENROOM_LIMIT_ANSWERS_PER_SESSION_PER_MIN": "6",
    "GREENROOM_MAX_ANSWERS_PER_QUESTION": "2",
    "GREENROOM_MAX_ANSWERS_PER_SESSION": "3",
    "GREENROOM_MAX_CONCURRENT_UPLOADS_PER_CLIENT": "1",
    "GREENROOM_UPLOAD_SPOOL_BUDGET_BYTES": str(6 * 1024 * 1024),
    "GREENROOM_AUTH_FAILURES_PER_IP_PER_MIN": "3",
    "GREENROOM_KEY_CACHE_TTL_S": "1",
    "GREENROOM_STREAM_RECHECK_S": "1",
    "GREENROOM_TENANT_RETENTION_DAYS": "90",
    "GREENROOM_TOPIC_RETENTION_HOURS": "48",
}

BANK = QuestionBank(version="security-test", questions=[
    QuestionView(id=f"sec-0{i}", round="mock", category="python", prompt=f"Question {i}?",
                 answer_modes=[AnswerMode.TEXT, AnswerMode.VIDEO, AnswerMode.AUDIO])
    for i in range(1, 5)
])


@contextlib.contextmanager
def edge_gateway(data_dir: Path) -> Iterator[LocalPlatform]:
    with containers() if route() == "containers" else contextlib.nullcontext() as external:
        stack = LocalPlatform.on_free_ports(data_dir, external=external, services=("gateway",),
                                            extra_env=EDGE_ENV)
        stack.start()
        try:
            s3 = minio(stack)
            data = BANK.model_dump_json().encode()
            s3.put_object(stack.bucket, BANK_KEY, io.BytesIO(data), len(data),
                          content_type="application/json")
            yield stack
        finally:
            stack.stop()


def minio(platform: LocalPlatform) -> Minio:
    env = platform.service_env()
    return Minio(env["GREENROOM_S3_ENDPOINT"], access_key=env["GREENROOM_S3_ACCESS_KEY"],
                 secret_key=env["GREENROOM_S3_SECRET_KEY"], secure=False)


def admin(platform: LocalPlatform, *args: str) -> str:
    """The operator's command, as an operator runs it."""
    env = {**os.environ, **platform.service_env(),
           "PYTHONPATH": os.pathsep.join(str(REPO / p) for p in (
               "libs/common/src", "services/gateway/src", "clients/python/src"))}
    result = subprocess.run([str(venvs()["gateway"] / "bin" / "python"), "-m",
                             "greenroom_gateway.admin", *args], env=env, capture_output=True,
                            text=True, timeout=60, check=True)
    return result.stdout.strip()
