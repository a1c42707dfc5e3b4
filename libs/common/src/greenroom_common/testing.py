"""In-memory stand-ins for MinIO and Kafka, for unit tests of the worker runtime and of
each service's adapter (the real :class:`~greenroom_common.worker.Worker` dispatch runs;
only the transport and the store are replaced).

``MemoryStore`` keeps the :class:`ObjectStore` interface, including the conditional create;
``MemoryBus`` records what workers publish and delivers it to the workers subscribed to a
topic, one event at a time, as one consumer group per service would. Either can be taken
"down" to play an outage: calls then fail the way the real clients fail.
"""

from __future__ import annotations

import json
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO, TypeVar

from aiokafka.errors import KafkaConnectionError
from pydantic import BaseModel
from urllib3.exceptions import MaxRetryError, NewConnectionError

from greenroom_common.storage import ObjectStore
from greenroom_common.worker import Worker

M = TypeVar("M", bound=BaseModel)


def _refused() -> MaxRetryError:
    return MaxRetryError(None, "/", NewConnectionError(None, "connection refused"))  # type: ignore[arg-type]


class MemoryStore(ObjectStore):
    """Object storage in a dict. ``down`` makes every call fail like an unreachable MinIO;
    ``writes`` counts successful writes per key. Content types are not kept."""

    def __init__(self) -> None:  # no client: nothing of ObjectStore's state is used
        self.bucket = "memory"
        self.objects: dict[str, bytes] = {}
        self.writes: dict[str, int] = {}
        self.down = False

    def _check(self) -> None:
        if self.down:
            raise _refused()

    def _write(self, key: str, data: bytes) -> None:
        self._check()
        self.objects[key] = data
        self.writes[key] = self.writes.get(key, 0) + 1

    async def ensure_bucket(self) -> None:
        self._check()

    async def ping(self) -> bool:
        return not self.down

    async def put_bytes(self, key: str, data: bytes, content_type: str) -> None:  # noqa: ARG002
        self._write(key, data)

    async def put_json(self, key: str, doc: BaseModel | dict[str, Any]) -> None:
        data = doc.model_dump_json() if isinstance(doc, BaseModel) else json.dumps(doc)
        self._write(key, data.encode())

    async def create_json(self, key: str, doc: BaseModel) -> bool:
        self._check()
        if key in self.objects:
            return False
        self._write(key, doc.model_dump_json().encode())
        return True

    async def put_stream(self, key: str, stream: BinaryIO, content_type: str) -> int:  # noqa: ARG002
        data = stream.read()
        self._write(key, data)
        return len(data)

    async def put_file(self, key: str, path: Path, content_type: str) -> None:  # noqa: ARG002
        self._write(key, path.read_bytes())

    async def get_bytes(self, key: str) -> bytes | None:
        self._check()
        return self.objects.get(key)

    async def download(self, key: str, path: Path) -> None:
        data = await self.get_bytes(key)
        if data is None:
            raise FileNotFoundError(key)
        path.write_bytes(data)

    async def exists(self, key: str) -> bool:
        self._check()
        return key in self.objects

    async def list(self, prefix: str, recursive: bool = True) -> list[str]:
        self._check()
        names = sorted(k for k in self.objects if k.startswith(prefix))
        if recursive:
            return names
        return sorted({prefix + k[len(prefix):].split("/", 1)[0]
                       + ("/" if "/" in k[len(prefix):] else "") for k in names})

    async def delete_prefix(self, prefix: str) -> int:
        keys = await self.list(prefix)
        for key in keys:
            del self.objects[key]
        return len(keys)

    async def delete(self, key: str) -> None:
        self._check()
        self.objects.pop(key, None)

    def copy_from(self, path: Path, key: str) -> None:
        """Seed an object from a file (test set-up, never fails)."""
        self.objects[key] = path.read_bytes()


@dataclass(frozen=True)
class Message:
    topic: str
    key: bytes | None
    payload: bytes

    def parsed(self, model: type[M]) -> M:
        return model.model_validate_json(self.payload)


class MemoryBus:
    """Kafka in a list. Workers attached with :meth:`worker` publish here; :meth:`drain`
    hands every published event to each attached service that subscribes to its topic
    (each service is one consumer group: every service sees every event once)."""

    def __init__(self) -> None:
        self.log: list[Message] = []
        self.down = False
        self._queues: dict[str, deque[Message]] = {}
        self._workers: dict[str, Worker] = {}

    async def publish(self, topic: str, message: BaseModel, key: str | bytes | None) -> None:
        if self.down:
            raise KafkaConnectionError("broker unavailable")
        raw_key = key.encode() if isinstance(key, str) else key
        msg = Message(topic, raw_key, message.model_dump_json().encode())
        self.log.append(msg)
        for name, worker in self._workers.items():
            if topic in worker.routes:
                self._queues[name].append(msg)

    async def ping(self) -> bool:
        return not self.down

    def attach(self, worker: Worker) -> Worker:
        worker.transport = self
        self._workers[worker.name] = worker
        self._queues[worker.name] = deque()
        return worker

    def send(self, topic: str, message: BaseModel, key: str | None = None) -> None:
        """Put an event on a topic as another service would (test input)."""
        raw = message.model_dump_json().encode()
        msg = Message(topic, key.encode() if key else None, raw)
        self.log.append(msg)
        for name, worker in self._workers.items():
            if topic in worker.routes:
                self._queues[name].append(msg)

    async def drain(self, order: Iterable[str] | None = None) -> int:
        """Deliver until every queue is empty; returns the number of deliveries."""
        delivered = 0
        while any(self._queues.values()):
            for name in list(order or self._workers):
                queue = self._queues[name]
                if queue:
                    msg = queue.popleft()
                    await self._workers[name].dispatch(msg.topic, msg.payload, msg.key)
                    delivered += 1
        return delivered

    def on(self, topic: str) -> list[Message]:
        return [m for m in self.log if m.topic == topic]

