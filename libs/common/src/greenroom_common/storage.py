"""Object storage over plain S3 (MinIO locally). Async facade over the thread-safe
``minio`` client: every call runs in a worker thread so the event loop never blocks."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any, BinaryIO, TypeVar

import anyio.to_thread
from minio import Minio
from minio.deleteobjects import DeleteObject
from minio.error import S3Error
from pydantic import BaseModel

from greenroom_common.config import Settings

M = TypeVar("M", bound=BaseModel)

# S3's smallest multipart part, uploaded one at a time: an upload of any size costs the
# service about one part of memory (minio's default of three parallel parts triples it).
PART_SIZE = 5 * 1024 * 1024
_MISSING = {"NoSuchKey", "NoSuchObject", "NoSuchBucket"}
_TAKEN = {"PreconditionFailed", "ConditionalRequestConflict"}


class ObjectStore:
    def __init__(self, settings: Settings) -> None:
        self.bucket = settings.s3_bucket
        self.client = Minio(
            settings.s3_endpoint,
            access_key=settings.s3_access_key,
            secret_key=settings.s3_secret_key,
            secure=settings.s3_secure,
        )

    async def _run(self, fn: Any, *args: Any, **kwargs: Any) -> Any:
        return await anyio.to_thread.run_sync(lambda: fn(*args, **kwargs))

    async def ensure_bucket(self) -> None:
        if not await self._run(self.client.bucket_exists, self.bucket):
            try:
                await self._run(self.client.make_bucket, self.bucket)
            except S3Error as exc:  # another service created it meanwhile
                if exc.code not in ("BucketAlreadyOwnedByYou", "BucketAlreadyExists"):
                    raise

    async def ping(self) -> bool:
        try:
            return bool(await self._run(self.client.bucket_exists, self.bucket))
        except Exception:  # noqa: BLE001 - any failure means "not ready"
            return False

    async def put_bytes(self, key: str, data: bytes, content_type: str) -> None:
        await self._run(
            self.client.put_object, self.bucket, key, io.BytesIO(data), len(data),
            content_type=content_type,
        )

    async def put_json(self, key: str, doc: BaseModel | dict[str, Any]) -> None:
        if isinstance(doc, BaseModel):
            data = doc.model_dump_json().encode()
        else:
            data = json.dumps(doc).encode()
        await self.put_bytes(key, data, "application/json")

    async def create_json(self, key: str, doc: BaseModel) -> bool:
        """Store ``doc`` only if nothing is stored at ``key`` yet (S3's conditional write,
        ``If-None-Match: *``); ``False`` when another writer got there first. This is what
        lets any number of replicas race for one answer and leave exactly one result."""
        data = doc.model_dump_json().encode()
        headers = {"If-None-Match": "*", "Content-Type": "application/json"}
        try:
            await self._run(self.client._put_object, self.bucket, key, data,
                            headers=headers)
        except S3Error as exc:
            if exc.code in _TAKEN:
                return False
            raise
        return True

    async def put_stream(self, key: str, stream: BinaryIO, content_type: str) -> int:
        """Upload a file object of unknown length in parts; never holds it whole in memory."""
        result = await self._run(
            self.client.put_object, self.bucket, key, stream, -1,
            content_type=content_type, part_size=PART_SIZE, num_parallel_uploads=1,
        )
        stat = await self._run(self.client.stat_object, self.bucket, result.object_name)
        return int(stat.size or 0)

    async def put_file(self, key: str, path: Path, content_type: str) -> None:
        await self._run(
            self.client.fput_object, self.bucket, key, str(path), content_type=content_type
        )

    async def get_bytes(self, key: str) -> bytes | None:
        def read() -> bytes | None:
            try:
                response = self.client.get_object(self.bucket, key)
            except S3Error as exc:
                if exc.code in _MISSING:
                    return None
                raise
            try:
                return response.read()
            finally:
                response.close()
                response.release_conn()

        result: bytes | None = await self._run(read)
        return result

    async def get_json(self, key: str) -> dict[str, Any] | None:
        data = await self.get_bytes(key)
        return None if data is None else json.loads(data)

    async def get_model(self, key: str, model: type[M]) -> M | None:
        data = await self.get_bytes(key)
        return None if data is None else model.model_validate_json(data)

    async def download(self, key: str, path: Path) -> None:
        await self._run(self.client.fget_object, self.bucket, key, str(path))

    async def exists(self, key: str) -> bool:
        try:
            await self._run(self.client.stat_object, self.bucket, key)
        except S3Error as exc:
            if exc.code in _MISSING:
                return False
            raise
        return True

    async def list(self, prefix: str, recursive: bool = True) -> list[str]:
        def names() -> list[str]:
            objs = self.client.list_objects(self.bucket, prefix=prefix, recursive=recursive)
            return [o.object_name for o in objs if o.object_name]

        result: list[str] = await self._run(names)
        return result

    async def delete_prefix(self, prefix: str) -> int:
        keys = await self.list(prefix)

        def delete() -> None:
            errors = self.client.remove_objects(
                self.bucket, (DeleteObject(k) for k in keys)
            )
            for error in errors:
                raise RuntimeError(f"could not delete {error.name}: {error.message}")

        if keys:
            await self._run(delete)
        return len(keys)

    async def delete(self, key: str) -> None:
        await self._run(self.client.remove_object, self.bucket, key)
