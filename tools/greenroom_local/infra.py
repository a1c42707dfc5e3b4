"""Kafka (KRaft, single node) and MinIO as local processes: shape 1 of DESIGN.md.

The binaries come from ``scripts/setup`` (Maven Central jars, ``go install``), cached under
``GREENROOM_CACHE``; this module only writes configuration and starts them.
"""

from __future__ import annotations

import base64
import os
import uuid
from dataclasses import dataclass
from pathlib import Path

from greenroom_local.processes import Process

CACHE = Path(os.environ.get("GREENROOM_CACHE", Path.home() / ".cache" / "greenroom"))
KAFKA_VERSION = os.environ.get("KAFKA_VERSION", "4.3.1")
MINIO_VERSION = os.environ.get("MINIO_VERSION", "v0.0.0-20260212201848-7aac2a2c5b7c")

LOG4J2 = """\
status = warn
appender.out.type = Console
appender.out.name = STDOUT
appender.out.layout.type = PatternLayout
appender.out.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = WARN
rootLogger.appenderRefs = out
rootLogger.appenderRef.out.ref = STDOUT
logger.kafka.name = kafka.server.KafkaRaftServer
logger.kafka.level = INFO
"""


@dataclass
class KafkaNode:
    data_dir: Path
    port: int
    controller_port: int

    @property
    def bootstrap(self) -> str:
        return f"127.0.0.1:{self.port}"

    def _properties(self) -> str:
        return "\n".join([
            "process.roles=broker,controller",
            "node.id=1",
            f"controller.quorum.bootstrap.servers=127.0.0.1:{self.controller_port}",
            "controller.listener.names=CONTROLLER",
            f"listeners=PLAINTEXT://127.0.0.1:{self.port},"
            f"CONTROLLER://127.0.0.1:{self.controller_port}",
            f"advertised.listeners=PLAINTEXT://127.0.0.1:{self.port}",
            "listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT",
            "inter.broker.listener.name=PLAINTEXT",
            f"log.dirs={self.data_dir / 'logs'}",
            "num.partitions=6",
            "offsets.topic.replication.factor=1",
            "offsets.topic.num.partitions=6",
            "transaction.state.log.replication.factor=1",
            "transaction.state.log.min.isr=1",
            "share.coordinator.state.topic.replication.factor=1",
            "group.initial.rebalance.delay.ms=0",
            "auto.create.topics.enable=false",
            "",
        ])

    def process(self, log_dir: Path) -> Process:
        libs = CACHE / "kafka" / KAFKA_VERSION / "libs"
        if not libs.is_dir():
            raise FileNotFoundError(f"Kafka jars missing in {libs}: run `make setup` first")
        self.data_dir.mkdir(parents=True, exist_ok=True)
        props = self.data_dir / "server.properties"
        props.write_text(self._properties())
        log4j = self.data_dir / "log4j2.properties"
        log4j.write_text(LOG4J2)
        java = ["java", "-Xms256m", "-Xmx512m", "-XX:+UseG1GC",
                f"-Dlog4j2.configurationFile={log4j}", "-cp", f"{libs}/*"]
        env = {**os.environ}
        if not (self.data_dir / "logs" / "meta.properties").exists():
            self._format(java, props, env)
        return Process("kafka", [*java, "kafka.Kafka", str(props)], env, log_dir / "kafka.log")

    def _format(self, java: list[str], props: Path, env: dict[str, str]) -> None:
        import subprocess

        cluster_id = "-"
        while cluster_id.startswith("-"):  # the tool would read a leading "-" as an option
            cluster_id = base64.urlsafe_b64encode(uuid.uuid4().bytes).rstrip(b"=").decode()
        subprocess.run(
            [*java, "kafka.tools.StorageTool", "format", "--standalone", "-t", cluster_id,
             "-c", str(props)],
            env=env, check=True, capture_output=True,
        )


@dataclass
class MinioNode:
    data_dir: Path
    port: int
    console_port: int
    access_key: str
    secret_key: str

    @property
    def endpoint(self) -> str:
        return f"127.0.0.1:{self.port}"

    @property
    def ready_url(self) -> str:
        return f"http://{self.endpoint}/minio/health/ready"

    def process(self, log_dir: Path) -> Process:
        binary = CACHE / "minio" / MINIO_VERSION / "minio"
        if not binary.exists():
            raise FileNotFoundError(f"MinIO missing at {binary}: run `make setup` first")
        self.data_dir.mkdir(parents=True, exist_ok=True)
        env = {
            **os.environ,
            "MINIO_ROOT_USER": self.access_key,
            "MINIO_ROOT_PASSWORD": self.secret_key,
            "MINIO_BROWSER": "off",
            "MINIO_UPDATE": "off",
            "MINIO_CALLHOME_ENABLE": "off",
        }
        argv = [str(binary), "server", str(self.data_dir), "--quiet",
                "--address", self.endpoint, "--console-address", f"127.0.0.1:{self.console_port}"]
        return Process("minio", argv, env, log_dir / "minio.log")
