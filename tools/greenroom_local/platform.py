"""The local platform: Kafka, MinIO and the five services as supervised processes.

Used by ``make up`` (``python -m greenroom_local up``), by the cross-service tests, which
start it on free ports in a temporary folder (or point it at testcontainers' Kafka and
MinIO), and by the chaos run, which starts several replicas of each pipeline service.
A crashed process is restarted by :class:`~greenroom_local.supervisor.Supervisor`.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import socket
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

from greenroom_local.infra import KafkaNode, MinioNode
from greenroom_local.processes import Process, StartupError, http_ok
from greenroom_local.supervisor import Supervisor

REPO = Path(__file__).resolve().parents[2]
SERVICES = ("grader", "transcribe", "vision", "ingest", "voice", "gateway")
DEFAULT_PORTS = {"gateway": 8000, "ingest": 8101, "transcribe": 8102, "vision": 8103,
                 "grader": 8104, "voice": 8105}
# The voice service's runtime is GPL: it runs from its own environment, without this
# project's shared package on its path (it talks HTTP only). It is optional: the production
# shapes leave it out unless an operator provisions a voice (the web app then uses the
# browser's own speech synthesis), and it has none of the pipeline's metrics.
STANDALONE = {"voice"}
CORE = tuple(s for s in SERVICES if s not in STANDALONE)


BIND_ATTEMPTS = 3
_PORT_TAKEN = re.compile(r"Address already in use|Failed to bind|address in use", re.I)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def venvs() -> dict[str, Path]:
    """Each service's virtual environment, as recorded by ``scripts/setup/python_envs.py``."""
    path = REPO / ".greenroom" / "envs.json"
    if not path.exists():
        raise FileNotFoundError(f"{path} missing: run `make setup` first")
    return {name: Path(p) for name, p in json.loads(path.read_text()).items()}


@dataclass
class External:
    """Kafka and MinIO run elsewhere (testcontainers, a shared cluster)."""

    kafka_bootstrap: str
    s3_endpoint: str
    s3_access_key: str
    s3_secret_key: str


@dataclass
class LocalPlatform:
    data_dir: Path
    kafka_port: int = 19092
    kafka_controller_port: int = 19093
    minio_port: int = 9000
    minio_console_port: int = 9001
    ports: dict[str, int] = field(default_factory=lambda: dict(DEFAULT_PORTS))
    grpc_port: int = 50051
    services: tuple[str, ...] = SERVICES
    external: External | None = None
    extra_env: dict[str, str] = field(default_factory=dict)
    access_key: str = "greenroom"
    secret_key: str = "greenroom-secret"  # noqa: S105 - local development default
    bucket: str = "greenroom"
    partitions: int = 6
    replicas: dict[str, int] = field(default_factory=dict)
    supervisor: Supervisor = field(default_factory=Supervisor)
    _started: list[str] = field(default_factory=list)

    @classmethod
    def on_free_ports(cls, data_dir: Path, **kwargs: object) -> LocalPlatform:
        ports = {name: free_port() for name in SERVICES}
        return cls(data_dir, kafka_port=free_port(), kafka_controller_port=free_port(),
                   grpc_port=free_port(),
                   minio_port=free_port(), minio_console_port=free_port(), ports=ports,
                   **kwargs)  # type: ignore[arg-type]

    # -- addresses ----------------------------------------------------------------------

    @property
    def kafka_bootstrap(self) -> str:
        return self.external.kafka_bootstrap if self.external else f"127.0.0.1:{self.kafka_port}"

    @property
    def s3_endpoint(self) -> str:
        return self.external.s3_endpoint if self.external else f"127.0.0.1:{self.minio_port}"

    @property
    def grpc_target(self) -> str:
        return f"127.0.0.1:{self.grpc_port}"

    def url(self, service: str = "gateway") -> str:
        return f"http://127.0.0.1:{self.ports[service]}"

    @property
    def processes(self) -> list[Process]:
        """Every running child, infrastructure first (names: ``kafka``, ``grader``,
        ``grader-2`` …)."""
        return [self.supervisor.children[name].process for name in self._started]

    def instances(self) -> list[tuple[str, str]]:
        """``(instance, service)`` for every service replica to run; the first replica of a
        service is named after it and uses its configured port."""
        found = []
        for name in self.services:
            for i in range(1, max(1, self.replicas.get(name, 1)) + 1):
                instance = name if i == 1 else f"{name}-{i}"
                self.ports.setdefault(instance, free_port())
                found.append((instance, name))
        return found

    @property
    def log_dir(self) -> Path:
        return self.data_dir / "logs"

    def service_env(self) -> dict[str, str]:
        """The GREENROOM_* environment every service gets."""
        env = {
            "GREENROOM_KAFKA_BOOTSTRAP": self.kafka_bootstrap,
            "GREENROOM_S3_ENDPOINT": self.s3_endpoint,
            "GREENROOM_S3_ACCESS_KEY": self.external.s3_access_key if self.external
            else self.access_key,
            "GREENROOM_S3_SECRET_KEY": self.external.s3_secret_key if self.external
            else self.secret_key,
            "GREENROOM_S3_BUCKET": self.bucket,
            "GREENROOM_TOPIC_PARTITIONS": str(self.partitions),
            "GREENROOM_GRPC_PORT": str(self.grpc_port),
            # The local runtime's own MinIO uses the example credentials on purpose.
            "GREENROOM_ALLOW_EXAMPLE_CREDENTIALS": "1",
        }
        env.update(self.extra_env)
        return env

    # -- lifecycle ----------------------------------------------------------------------

    def start(self) -> None:
        try:
            if self.external is None:
                self._start_infra()
            self._prepare()
            self._start_services()
        except BaseException:
            self.stop()
            raise

    def _minio(self) -> MinioNode:
        return MinioNode(self.data_dir / "minio", self.minio_port, self.minio_console_port,
                         self.access_key, self.secret_key)

    def _kafka(self) -> KafkaNode:
        return KafkaNode(self.data_dir / "kafka", self.kafka_port, self.kafka_controller_port)

    def _minio_ready(self) -> bool:
        return http_ok(self._minio().ready_url)

    def _start_infra(self) -> None:
        minio = self._launch("minio", lambda: self._minio().process(self.log_dir),
                             self._minio_ready)
        kafka = self._launch("kafka", lambda: self._kafka().process(self.log_dir),
                             self._kafka_answers)
        minio.wait_until(self._minio_ready, 120, "MinIO readiness")
        # Readiness of Kafka is a metadata answer (topic creation), not an open port.
        kafka.wait_until(self._kafka_answers, 180, "Kafka metadata")

    def _launch(self, name: str, make: Callable[[], Process],
                healthy: Callable[[], bool]) -> Process:
        proc = make()
        proc.start()
        self.supervisor.adopt(name, proc, make, healthy)
        self._started.append(name)
        return proc

    def bounce(self, name: str, down_s: float) -> None:
        """Stop ``kafka``, ``minio`` or a service on purpose for ``down_s`` seconds, then
        start it again and wait until it answers (the chaos run's outages)."""
        import time

        child = self.supervisor.pause(name)
        child.process.stop()
        time.sleep(down_s)
        proc = child.make()
        proc.start()
        self.supervisor.resume(name, proc)
        proc.wait_until(child.healthy_probe, 300, "readiness after restart")

    def _kafka_answers(self) -> bool:
        import logging

        from aiokafka.admin import AIOKafkaAdminClient

        logging.getLogger("aiokafka").setLevel(logging.CRITICAL)  # refusals are expected here

        async def probe() -> bool:
            admin = AIOKafkaAdminClient(bootstrap_servers=self.kafka_bootstrap,
                                        request_timeout_ms=3000)
            try:
                await admin.start()
                await admin.list_topics()
                return True
            except Exception:  # noqa: BLE001 - not up yet
                return False
            finally:
                await admin.close()

        return asyncio.run(probe())

    def _prepare(self) -> None:
        """Topics and bucket exist before any service subscribes or writes."""
        from greenroom_common.config import Settings
        from greenroom_common.topics import ensure_topics
        from minio import Minio

        retention = float(self.service_env().get("GREENROOM_TOPIC_RETENTION_HOURS",
                                                 Settings().topic_retention_hours))
        asyncio.run(ensure_topics(self.kafka_bootstrap, self.partitions,
                                  retention_hours=retention))
        env = self.service_env()
        client = Minio(self.s3_endpoint, access_key=env["GREENROOM_S3_ACCESS_KEY"],
                       secret_key=env["GREENROOM_S3_SECRET_KEY"], secure=False)
        if not client.bucket_exists(self.bucket):
            client.make_bucket(self.bucket)

    def service_process(self, name: str, instance: str | None = None) -> Process:
        instance = instance or name
        python = venvs()[name] / "bin" / "python"
        pythonpath = os.pathsep.join([str(REPO / "services" / name / "src")] if name in STANDALONE
                                     else [
            str(REPO / "libs" / "common" / "src"), str(REPO / "services" / name / "src"),
            str(REPO / "clients" / "python" / "src"),  # the gRPC stubs
        ])
        env = {
            **os.environ,
            **self.service_env(),
            "GREENROOM_PORT": str(self.ports[instance]),
            "PYTHONPATH": pythonpath,
            "PYTHONUNBUFFERED": "1",
        }
        if instance != name:  # a second gateway would fight the first for the gRPC port
            env["GREENROOM_GRPC_PORT"] = str(free_port())
        if name == "gateway" and "voice" in self.services:
            env.setdefault("GREENROOM_VOICE_URL", self.url("voice"))
        return Process(instance, [str(python), "-m", f"greenroom_{name}"], env,
                       self.log_dir / f"{instance}.log", cwd=REPO)

    def _start_services(self) -> None:
        """Every service, side by side, the gateways last: they are told where the voice
        service listens, which is settled only once it answers (a taken port moves it)."""
        instances = self.instances()
        for wave in ([i for i in instances if i[1] != "gateway"],
                     [i for i in instances if i[1] == "gateway"]):
            started = []
            for instance, name in wave:
                make = partial(self.service_process, name, instance)
                started.append((instance, make,
                                self._launch(instance, make, partial(self.healthy, instance))))
            for instance, make, proc in started:
                self._await_healthy(instance, make, proc)

    def healthy(self, instance: str) -> bool:
        """The instance answers its health probe on its current port."""
        return http_ok(f"{self.url(instance)}/healthz")

    def _await_healthy(self, instance: str, make: Callable[[], Process], proc: Process) -> None:
        """Wait on the health probe (model loading on a busy 2-core machine can take a
        while). A port chosen free can be taken by any outgoing connection's ephemeral port
        before the service binds it: then choose again and relaunch, rather than fail."""
        health = partial(self.healthy, instance)
        for attempt in range(BIND_ATTEMPTS):
            if attempt:
                proc = make()
                proc.start()
                self.supervisor.adopt(instance, proc, make, health)
            try:
                proc.wait_until(health, 300, "health check")
                return
            except StartupError as exc:
                if attempt + 1 == BIND_ATTEMPTS or not _PORT_TAKEN.search(str(exc)):
                    raise
                self.ports[instance] = free_port()
                if instance == "gateway":
                    self.grpc_port = free_port()

    def stop(self) -> None:
        """Services first (they finish in-flight work), then Kafka and MinIO."""
        for name in reversed(self._started):
            self.supervisor.pause(name).process.stop()
        self._started.clear()
        self.supervisor.children.clear()

    def check_alive(self) -> None:
        """Restart what crashed; raises :class:`StartupError` only for a process that
        cannot start at all."""
        self.supervisor.tick()
