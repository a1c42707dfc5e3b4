"""At-least-once delivery: duplicates change nothing, poison events are parked, not lost."""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient
from greenroom_common.contracts import AnswerIngested, Topic
from greenroom_common.keys import AnswerKeys
from greenroom_common.topics import TopicsRefused, ensure_topics
from greenroom_local.platform import LocalPlatform
from minio import Minio

from tests.support import media
from tests.support.client import Client

pytestmark = pytest.mark.platform


def counter(platform: LocalPlatform, service: str, name: str, **labels: str) -> float:
    """Sum of a Prometheus counter's samples matching ``labels``, read from /metrics."""
    text = httpx.get(f"{platform.url(service)}/metrics", timeout=10).text
    total = 0.0
    for line in text.splitlines():
        if not line.startswith(name + "{"):
            continue
        if all(f'{k}="{v}"' in line for k, v in labels.items()):
            total += float(line.rsplit(" ", 1)[1])
    return total


def wait_for(condition: Any, timeout_s: float, what: str) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.3)
    raise AssertionError(f"timed out waiting for {what}")


async def publish(bootstrap: str, topic: str, key: bytes, values: list[bytes]) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap)
    await producer.start()
    try:
        for value in values:
            await producer.send_and_wait(topic, value, key=key)
    finally:
        await producer.stop()


async def read_topic(bootstrap: str, topic: str, key: bytes, timeout_s: float = 10.0
                     ) -> list[dict[str, Any]]:
    consumer = AIOKafkaConsumer(topic, bootstrap_servers=bootstrap,
                                group_id=f"test-{uuid.uuid4().hex}",
                                auto_offset_reset="earliest")
    await consumer.start()
    found: list[dict[str, Any]] = []
    try:
        batches = await consumer.getmany(timeout_ms=int(timeout_s * 1000))
        for records in batches.values():
            found += [json.loads(r.value) for r in records if r.key == key]
    finally:
        await consumer.stop()
    return found


def stat(s3: Minio, bucket: str, key: str) -> tuple[str, Any]:
    info = s3.stat_object(bucket, key)
    return str(info.etag), info.last_modified


def test_duplicate_ingested_event_yields_exactly_one_result(
        client: Client, tmp_path: Path, s3: Minio) -> None:
    platform = client.platform
    video = media.face_video_with_speech(tmp_path / "dup.webm", "Generators yield values lazily.")
    session = client.session(["lf-01"])
    answer_id = client.upload(session, "lf-01", video).json()["answer_id"]
    first = client.wait(session, answer_id)
    assert first["status"] == "graded"
    keys = AnswerKeys("public", session.id, answer_id)
    outputs = [keys.transcript, keys.vision, keys.grade]
    before = {key: stat(s3, platform.bucket, key) for key in outputs}

    ingest_doc = json.loads(s3.get_object(platform.bucket, keys.ingest).read())
    event = AnswerIngested(
        tenant="public", session_id=session.id, answer_id=answer_id, question_id="lf-01",
        mode="video", duration_s=ingest_doc["duration_s"], audio_key=ingest_doc["audio_key"],
        has_video=ingest_doc["has_video"],
    )
    def halves_consumed() -> float:
        return sum(counter(platform, "grader", "greenroom_events_consumed_total", topic=t.value)
                   for t in (Topic.TRANSCRIBED, Topic.OBSERVED))

    consumed_before = halves_consumed()
    payload = event.model_dump_json().encode()
    asyncio.run(publish(platform.kafka_bootstrap, Topic.INGESTED.value, event.key,
                        [payload, payload]))

    # Each duplicate reaches transcription and vision, and both halves reach the grader.
    wait_for(lambda: halves_consumed() >= consumed_before + 4,
             120, "the grader to handle both duplicates' halves")

    after = {key: stat(s3, platform.bucket, key) for key in outputs}
    assert after == before, "a duplicate recomputed a stored result"
    grades = [o.object_name for o in s3.list_objects(platform.bucket, prefix=keys.prefix,
                                                        recursive=True)
              if o.object_name and o.object_name.endswith("grade.json")]
    assert grades == [keys.grade]
    announced = asyncio.run(read_topic(platform.kafka_bootstrap, Topic.GRADED.value,
                                       event.key))
    # The verdict was announced once; the duplicates' halves announce nothing again.
    assert [(a["verdict"], a["score"], a["grade_key"]) for a in announced] == [
        (first["result"]["verdict"], first["result"]["score"], keys.grade)]
    assert client.answer(session, answer_id)["result"] == first["result"]


def test_poison_event_goes_to_the_dead_letter_topic(client: Client) -> None:
    platform = client.platform
    key = f"poison-{uuid.uuid4().hex}".encode()
    asyncio.run(publish(platform.kafka_bootstrap, Topic.SUBMITTED.value, key,
                        [b"this is not an event"]))

    letters: list[dict[str, Any]] = []

    def parked() -> bool:
        letters[:] = asyncio.run(read_topic(platform.kafka_bootstrap,
                                            Topic.DEAD_LETTER.value, key, timeout_s=3))
        return {letter["service"] for letter in letters} >= {"ingest", "grader"}

    wait_for(parked, 60, "both consumers of answers.submitted to dead-letter the event")
    assert all(letter["payload"] == "this is not an event" for letter in letters)
    assert all("invalid event" in letter["error"] for letter in letters)

    # The consumers moved on: a typed answer behind the poison event is still graded.
    session = client.session(["lf-02"])
    response = client.http.post(f"/api/sessions/{session.id}/answers", headers=session.auth,
                                data={"question_id": "lf-02", "text": "Tuples hash."})
    assert client.wait(session, response.json()["answer_id"], timeout_s=60)["status"] == "graded"


def test_topics_asking_for_more_copies_than_brokers_fail_loudly(client: Client) -> None:
    """The topics Job (GREENROOM_TOPIC_REPLICATION) on a cluster too small for it stops with
    the reason, instead of leaving topics a broker's loss would empty."""
    bootstrap = client.platform.kafka_bootstrap
    name = f"greenroom.test-copies-{uuid.uuid4().hex[:8]}"
    with pytest.raises(TopicsRefused, match="GREENROOM_TOPIC_REPLICATION") as refused:
        asyncio.run(ensure_topics(bootstrap, 2, timeout_s=30, replication=3, names=[name]))
    assert name in str(refused.value) and "3 copies" in str(refused.value)

    asyncio.run(ensure_topics(bootstrap, 2, timeout_s=30, replication=1, names=[name]))

    async def partitions() -> int:
        admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
        await admin.start()
        try:
            described = await admin.describe_topics([name])
            await admin.delete_topics([name])
        finally:
            await admin.close()
        return len(described[0]["partitions"])

    assert asyncio.run(partitions()) == 2  # one copy fits one broker
