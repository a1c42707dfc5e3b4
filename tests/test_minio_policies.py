"""Least privilege in object storage: every service runs as a MinIO user of its own whose
policy (deploy/minio/policies/<service>.json) allows exactly the storage calls the service
makes, created by the provisioning code the deploy shapes run (deploy/minio/provision.py:
compose's minio-init, the Kubernetes Job minio-users). Proved with real S3 calls against a
local MinIO (the binary `make setup` builds); the compose shape is checked with
`docker compose config`."""

from __future__ import annotations

import asyncio
import importlib.util
import io
import json
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import httpx
import pytest
from greenroom_common import config
from greenroom_common.config import Settings
from greenroom_common.keys import (
    BANK_KEY,
    AnswerKeys,
    answer_index,
    session_completion,
    session_doc,
    session_index,
    session_prefix,
    session_report,
)
from greenroom_common.storage import ObjectStore
from greenroom_local.infra import MinioNode
from greenroom_local.platform import free_port
from minio import Minio
from minio.credentials.providers import StaticProvider
from minio.error import S3Error
from minio.minioadmin import MinioAdmin
from pydantic import BaseModel

REPO = Path(__file__).resolve().parents[1]
SERVICES = ("gateway", "ingest", "transcribe", "vision", "grader")
BUCKET = "greenroom"
TENANT, SESSION, ANSWER = "acme", "s-1", "a-1"


def _load_provision() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "greenroom_minio_provision", REPO / "deploy" / "minio" / "provision.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


provision = _load_provision()
ADMIN = provision.Credentials("greenroom-admin", "admin-secret-for-tests")
USERS = {s: provision.Credentials(f"greenroom-{s}", f"{s}-secret-for-tests") for s in SERVICES}


# -- a local MinIO with the users provisioned -----------------------------------------------

@pytest.fixture(scope="module")
def endpoint() -> Iterator[str]:
    with tempfile.TemporaryDirectory(prefix="greenroom-minio-policies-") as tmp:
        node = MinioNode(Path(tmp) / "data", free_port(), free_port(), ADMIN.access_key,
                         ADMIN.secret_key)
        process = node.process(Path(tmp) / "logs")
        process.start()
        try:
            deadline = time.monotonic() + 60
            while True:
                try:
                    if httpx.get(node.ready_url, timeout=2).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                assert process.running, process.log_tail()
                assert time.monotonic() < deadline, process.log_tail()
                time.sleep(0.2)
            provision.provision(node.endpoint, ADMIN, USERS, bucket=BUCKET)
            yield node.endpoint
        finally:
            process.stop()


def client(endpoint: str, service: str | None = None) -> Minio:
    creds = USERS[service] if service else ADMIN
    return Minio(endpoint, access_key=creds.access_key, secret_key=creds.secret_key,
                 secure=False)


def store(endpoint: str, service: str) -> ObjectStore:
    creds = USERS[service]
    return ObjectStore(Settings(s3_endpoint=endpoint, s3_access_key=creds.access_key,
                                s3_secret_key=creds.secret_key, s3_bucket=BUCKET))


# -- the truth table: what each service may do to each kind of object -----------------------

KEYS = AnswerKeys(TENANT, SESSION, ANSWER)
OBJECTS = {
    "session.json": session_doc(TENANT, SESSION),
    "report.json": session_report(TENANT, SESSION),
    "completed/*.json": session_completion(TENANT, SESSION, "v1"),
    "answer.json": KEYS.answer,
    "upload.*": KEYS.upload(".webm"),
    "audio.wav": KEYS.audio,
    "ingest.json": KEYS.ingest,
    "transcript.json": KEYS.transcript,
    "vision.json": KEYS.vision,
    "grade.json": KEYS.grade,
    "join.json": KEYS.join,
    "failure.json": KEYS.failure,
    "other media": f"{KEYS.prefix}notes.txt",
    "bank": BANK_KEY,
    "index": session_index(SESSION),
    "tenants": "tenants/acme/tenant.json",
    "voice": "voice/en_US-joe-medium/0123abcd.ogg",
    "elsewhere": "elsewhere/thing.json",
}
MEDIA = {name for name, key in OBJECTS.items() if key.startswith("media/")}
# Every worker: the session document (is it deleted?), the answer's grade and failure (a
# failure never hides a grade), writes its failure, sweeps a deleted session's prefix.
WORKER_READ = {"session.json", "grade.json", "failure.json"}
WORKER_WRITE = {"failure.json"}
# Derived from each service's storage calls (services/*/src: service.py, interviews.py,
# completion.py, tenancy.py, app.py; libs/common worker.py).
ALLOWED: dict[str, dict[str, set[str]]] = {
    "gateway": {
        "get": {"session.json", "answer.json", "upload.*", "transcript.json", "vision.json",
                "grade.json", "failure.json", "report.json", "bank", "index", "tenants",
                "voice"},
        # failure.json: an empty upload is recorded as failed at once (interviews.py)
        "put": {"session.json", "answer.json", "upload.*", "failure.json", "index", "voice"},
        "delete": MEDIA | {"index"},
    },
    "ingest": {
        "get": WORKER_READ | {"answer.json", "upload.*", "ingest.json"},
        "put": WORKER_WRITE | {"audio.wav", "ingest.json"},
        "delete": MEDIA,
    },
    "transcribe": {
        "get": WORKER_READ | {"audio.wav", "transcript.json", "bank"},
        "put": WORKER_WRITE | {"transcript.json"},
        "delete": MEDIA,
    },
    "vision": {
        "get": WORKER_READ | {"ingest.json", "upload.*", "vision.json"},
        "put": WORKER_WRITE | {"vision.json"},
        "delete": MEDIA,
    },
    "grader": {
        "get": WORKER_READ | {"answer.json", "transcript.json", "vision.json", "join.json",
                              "completed/*.json"},
        "put": WORKER_WRITE | {"grade.json", "join.json", "report.json", "completed/*.json",
                               "bank"},
        "delete": MEDIA,
    },
}


def allowed(fn: Any) -> bool:
    """Whether S3 let the call through (a missing object still proves the right to read)."""
    try:
        fn()
    except S3Error as exc:
        if exc.code == "AccessDenied":
            return False
        if exc.code in ("NoSuchKey", "NoSuchObject"):
            return True
        raise
    return True


def attempt(s3: Minio, op: str, key: str) -> bool:
    if op == "get":
        def get() -> None:
            response = s3.get_object(BUCKET, key)
            response.read()
            response.close()
            response.release_conn()
        return allowed(get)
    if op == "put":
        return allowed(lambda: s3.put_object(BUCKET, key, io.BytesIO(b"{}"), 2))
    assert op == "delete"
    # A key nobody wrote: S3 answers 204 when deleting is allowed, 403 when not.
    return allowed(lambda: s3.remove_object(BUCKET, key.replace(SESSION, "s-gone", 1)))


@pytest.mark.parametrize("service", SERVICES)
def test_each_service_may_do_exactly_what_its_table_says(endpoint: str, service: str) -> None:
    admin = client(endpoint)
    for key in OBJECTS.values():
        admin.put_object(BUCKET, key, io.BytesIO(b"{}"), 2)
    s3 = client(endpoint, service)
    wrong = [(op, name, "allowed" if got else "denied")
             for op in ("get", "put", "delete") for name, key in OBJECTS.items()
             if (got := attempt(s3, op, key)) != (name in ALLOWED[service][op])]
    assert not wrong, f"{service}: {wrong}"
    # Listing prefixes: every service lists its session's objects.
    assert [o.object_name for o in s3.list_objects(BUCKET, prefix=KEYS.prefix, recursive=True)]


@pytest.mark.parametrize(("service", "op", "name"), [
    ("transcribe", "put", "grade.json"),
    ("transcribe", "get", "upload.*"),
    ("transcribe", "put", "bank"),
    ("vision", "get", "audio.wav"),
    ("gateway", "put", "grade.json"),
    ("gateway", "put", "transcript.json"),
    ("ingest", "put", "grade.json"),
    ("grader", "get", "upload.*"),
    ("grader", "get", "audio.wav"),
    ("vision", "put", "transcript.json"),
])
def test_a_service_is_refused_what_another_stage_owns(endpoint: str, service: str, op: str,
                                                      name: str) -> None:
    assert not attempt(client(endpoint, service), op, OBJECTS[name])


@pytest.mark.parametrize("service", SERVICES)
def test_no_service_can_administer_the_store(endpoint: str, service: str) -> None:
    s3 = client(endpoint, service)
    assert not allowed(lambda: s3.make_bucket("greenroom-other"))
    assert not allowed(lambda: s3.remove_bucket(BUCKET))
    assert not allowed(lambda: s3.set_bucket_policy(BUCKET, json.dumps({
        "Version": "2012-10-17", "Statement": [{
            "Effect": "Allow", "Principal": {"AWS": ["*"]}, "Action": ["s3:GetObject"],
            "Resource": [f"arn:aws:s3:::{BUCKET}/*"]}]})))
    iam = MinioAdmin(endpoint=endpoint, secure=False, credentials=StaticProvider(
        USERS[service].access_key, USERS[service].secret_key))
    with pytest.raises(Exception, match=r"(?i)denied|403"):
        iam.user_add("intruder", "intruder-secret")


# -- the pipeline's own calls, through the services' ObjectStore ----------------------------

class Doc(BaseModel):
    stage: str


def test_every_stage_of_one_answer_works_with_its_own_user(endpoint: str) -> None:
    """One video answer through the storage calls each service makes, in order, each with
    its own credentials: bucket checks, conditional writes, multipart upload, downloads,
    listing, the gateway's lifecycle rules and the final deletion."""
    from greenroom_gateway.app import apply_retention

    tenant, sid, aid = "acme", "s-pipe", "a-pipe"
    keys = AnswerKeys(tenant, sid, aid)
    gateway, ingest, transcribe, vision, grader = (store(endpoint, s) for s in SERVICES)

    async def walk(tmp: Path) -> None:
        for each in (gateway, ingest, transcribe, vision, grader):
            await each.ensure_bucket()
            assert await each.ping()
        # grader publishes the bank; the gateway and transcribe read it
        await grader.put_json(BANK_KEY, {"questions": []})
        assert await gateway.get_json(BANK_KEY) is not None
        assert await transcribe.get_json(BANK_KEY) is not None
        # gateway: retention rules, a session, an upload larger than one multipart part
        await apply_retention(gateway, 30, 90)
        rules = client(endpoint).get_bucket_lifecycle(BUCKET)
        assert rules is not None and {r.rule_id for r in rules.rules} >= {
            "greenroom-session-retention"}
        await gateway.put_json(session_doc(tenant, sid), Doc(stage="session"))
        await gateway.put_json(session_index(sid), {"tenant": tenant})
        upload = keys.upload(".webm")
        size = await gateway.put_stream(upload, io.BytesIO(b"v" * (6 * 1024 * 1024)),
                                        "video/webm")
        assert size == 6 * 1024 * 1024
        await gateway.put_json(keys.answer, Doc(stage="answer"))
        await gateway.put_json(answer_index(aid), {"tenant": tenant, "session_id": sid})
        assert await gateway.exists(session_doc(tenant, sid))
        # ingest
        assert await ingest.exists(session_doc(tenant, sid))
        assert await ingest.get_model(keys.ingest, Doc) is None
        assert await ingest.get_json(keys.answer) is not None
        await ingest.download(upload, tmp / "upload")
        (tmp / "audio.wav").write_bytes(b"RIFF")
        await ingest.put_file(keys.audio, tmp / "audio.wav", "audio/wav")
        assert await ingest.create_json(keys.ingest, Doc(stage="ingest"))
        assert not await ingest.create_json(keys.ingest, Doc(stage="again"))
        # transcribe
        await transcribe.download(keys.audio, tmp / "audio-copy.wav")
        assert await transcribe.get_model(keys.transcript, Doc) is None
        assert await transcribe.create_json(keys.transcript, Doc(stage="transcript"))
        # vision
        assert await vision.get_model(keys.ingest, Doc) is not None
        await vision.download(upload, tmp / "upload-copy")
        assert await vision.create_json(keys.vision, Doc(stage="vision"))
        # grader: join, grade, session completion and report
        assert not await grader.exists(keys.failure)
        assert await grader.get_model(keys.transcript, Doc) is not None
        assert await grader.get_model(keys.vision, Doc) is not None
        assert await grader.create_json(keys.join, Doc(stage="join"))
        assert await grader.create_json(keys.grade, Doc(stage="grade"))
        await grader.put_json(keys.join, Doc(stage="join-done"))
        assert await grader.get_json(session_doc(tenant, sid)) is not None
        listed = await grader.list(session_prefix(tenant, sid))
        assert keys.answer in listed
        assert await grader.get_json(keys.answer) is not None
        assert await grader.create_json(session_completion(tenant, sid, "v1"), Doc(stage="c"))
        await grader.put_json(session_report(tenant, sid), Doc(stage="report"))
        # any stage records a failure (once); a grade is looked at first
        for worker in (ingest, transcribe, vision, grader):
            assert await worker.exists(keys.grade)
            await worker.create_json(keys.failure, Doc(stage="failed"))
            assert await worker.get_model(keys.failure, Doc) is not None
        # gateway reads the answer's status and the session's report
        names = await gateway.list(keys.prefix, recursive=False)
        assert {k.rsplit("/", 1)[-1] for k in names} >= {"grade.json", "transcript.json"}
        for key in (keys.failure, keys.grade, keys.transcript, keys.vision,
                    session_report(tenant, sid)):
            assert await gateway.get_json(key) is not None, key
        # a worker that finds the session deleted sweeps its prefix
        other = session_prefix(tenant, "s-swept")
        await gateway.put_json(session_doc(tenant, "s-swept"), Doc(stage="session"))
        await gateway.delete(session_doc(tenant, "s-swept"))
        await transcribe.put_json(f"{other}a/transcript.json", Doc(stage="late"))
        assert await transcribe.delete_prefix(other) == 1
        # gateway deletes the session
        await gateway.delete(session_doc(tenant, sid))
        await gateway.delete(session_index(sid))
        await gateway.delete(answer_index(aid))
        assert await gateway.delete_prefix(session_prefix(tenant, sid)) > 0
        assert await gateway.list(session_prefix(tenant, sid)) == []

    with tempfile.TemporaryDirectory() as tmp:
        asyncio.run(walk(Path(tmp)))


# -- the provisioning itself ------------------------------------------------------------------

def test_provisioning_again_rotates_a_secret_and_keeps_one_policy(endpoint: str) -> None:
    rotated = {**USERS, "vision": provision.Credentials("greenroom-vision", "rotated-secret-1")}
    try:
        provision.provision(endpoint, ADMIN, rotated, bucket=BUCKET)
        old = client(endpoint, "vision")
        with pytest.raises(S3Error) as refused:  # the old secret is dead
            old.bucket_exists(BUCKET)
        assert refused.value.code == "SignatureDoesNotMatch"
        new = Minio(endpoint, access_key="greenroom-vision", secret_key="rotated-secret-1",
                    secure=False)
        assert new.bucket_exists(BUCKET)
        iam = MinioAdmin(endpoint=endpoint, secure=False, credentials=StaticProvider(
            ADMIN.access_key, ADMIN.secret_key))
        info = json.loads(iam.user_info("greenroom-vision"))
        assert info["policyName"] == "greenroom-vision"
    finally:
        provision.provision(endpoint, ADMIN, USERS, bucket=BUCKET)


def test_policies_name_only_the_configured_bucket(tmp_path: Path) -> None:
    for service in SERVICES:
        document = provision.policy_document(service, "media-prod")
        resources = [r for s in document["Statement"] for r in s["Resource"]]
        assert resources and all(r == "arn:aws:s3:::media-prod" or
                                 r.startswith("arn:aws:s3:::media-prod/") for r in resources)
        actions = {a for s in document["Statement"] for a in s["Action"]}
        assert all(a.startswith("s3:") and "*" not in a for a in actions), actions
        assert {s["Effect"] for s in document["Statement"]} == {"Allow"}
    (tmp_path / "gateway.json").write_text('{"Resource": "arn:aws:s3:::${bucket}/${oops}"}')
    with pytest.raises(KeyError):
        provision.policy_document("gateway", "b", tmp_path)


def test_provisioning_refuses_shared_admin_or_example_credentials() -> None:
    assert provision.EXAMPLE_SECRETS == config.EXAMPLE_SECRETS
    assert provision.EXAMPLE_ACCESS_KEYS == config.EXAMPLE_ACCESS_KEYS
    with pytest.raises(provision.ProvisioningError, match="admin"):
        provision.check(ADMIN, {**USERS, "gateway": provision.Credentials(
            ADMIN.access_key, "whatever-secret")})
    with pytest.raises(provision.ProvisioningError, match="own"):
        provision.check(ADMIN, {**USERS, "vision": USERS["ingest"]})
    example = {s: provision.Credentials(f"greenroom-{s}", "greenroom-secret") for s in SERVICES}
    with pytest.raises(provision.ProvisioningError, match="example"):
        provision.check(ADMIN, example)
    provision.check(ADMIN, example, allow_example_credentials=True)
    with pytest.raises(provision.ProvisioningError, match="example"):
        provision.check(provision.Credentials("root", "greenroom-secret"), USERS)
    # main() reports what is missing and exits 2 without touching any store
    assert provision.main({"MINIO_ROOT_USER": "root", "MINIO_ROOT_PASSWORD": "x" * 12},
                          attempts=1) == 2


# -- compose: minio-init, one user per service, networks ------------------------------------

TEST_PORTS = {f"GREENROOM_TEST_{n}_PORT": str(20000 + i) for i, n in enumerate(
    ("KAFKA", "MINIO", "GATEWAY", "GRPC", "INGEST", "TRANSCRIBE", "VISION", "GRADER",
     "PROMETHEUS"))}


def compose_config(*files: str) -> dict[str, Any]:
    docker = shutil.which("docker")
    if docker is None:
        pytest.skip("no docker CLI on this machine (scripts/setup/docker-cli.sh installs one)")
    if subprocess.run([docker, "compose", "version"], capture_output=True,
                      timeout=30, check=False).returncode != 0:
        pytest.skip("the docker CLI has no compose plug-in (scripts/setup/gotools.sh builds it)")
    args = [a for f in files for a in ("-f", f)]
    env = {"PATH": "/usr/bin:/bin:/usr/local/bin", "HOME": str(Path.home()), **TEST_PORTS}
    result = subprocess.run([docker, "compose", *args, "config", "--format", "json"],
                            cwd=REPO, capture_output=True, text=True, timeout=60, check=False,
                            env=env)
    assert result.returncode == 0, result.stderr
    parsed: dict[str, Any] = json.loads(result.stdout)
    return parsed


@pytest.mark.parametrize("files", [("docker-compose.yml",),
                                   ("docker-compose.yml", "docker-compose.test.yml")])
def test_compose_gives_each_service_its_own_minio_user(files: tuple[str, ...]) -> None:
    stack = compose_config(*files)
    services = stack["services"]
    init = services["minio-init"]
    assert init["entrypoint"][-1] == "/opt/greenroom/minio/provision.py"
    assert any(v["source"] == str(REPO / "deploy" / "minio") and v["target"] ==
               "/opt/greenroom/minio" for v in init["volumes"])
    root = services["minio"]["environment"]["MINIO_ROOT_USER"]
    assert init["environment"]["MINIO_ROOT_USER"] == root
    keys = set()
    for service in SERVICES:
        env = services[service]["environment"]
        assert env["GREENROOM_S3_ACCESS_KEY"] != root
        assert init["environment"][f"GREENROOM_{service.upper()}_S3_ACCESS_KEY"] == \
            env["GREENROOM_S3_ACCESS_KEY"]
        assert init["environment"][f"GREENROOM_{service.upper()}_S3_SECRET_KEY"] == \
            env["GREENROOM_S3_SECRET_KEY"]
        keys.add(env["GREENROOM_S3_ACCESS_KEY"])
        assert services[service]["depends_on"]["minio-init"]["condition"] == \
            "service_completed_successfully"
    assert len(keys) == len(SERVICES)
    # The defaults are the published example: refused unless a local run says otherwise.
    allow = init["environment"].get("GREENROOM_ALLOW_EXAMPLE_CREDENTIALS")
    assert (allow == "1") == ("docker-compose.test.yml" in files)


@pytest.mark.parametrize("files", [("docker-compose.yml",),
                                   ("docker-compose.yml", "docker-compose.test.yml")])
def test_compose_networks_keep_workers_off_the_edge(files: tuple[str, ...]) -> None:
    stack = compose_config(*files)
    networks, services = stack["networks"], stack["services"]
    assert networks["backend"].get("internal") is True
    assert networks["metrics"].get("internal") is True
    assert not networks["edge"].get("internal")

    def on(service: str) -> set[str]:
        return set(services[service].get("networks") or {})

    assert "edge" in on("gateway")
    assert {name for name in services if "edge" in on(name)} == {"gateway"}
    for infra in ("kafka", "minio", "minio-init", "kafka-init"):
        assert "backend" in on(infra)
    for worker in ("ingest", "transcribe", "vision", "grader"):
        assert {"backend", "metrics"} <= on(worker)
        assert "edge" not in on(worker)
        if len(files) == 1:  # production shape: only internal networks, nothing published
            assert all(networks[n].get("internal") for n in on(worker)), worker
            assert not services[worker].get("ports"), worker
    assert "metrics" in on("prometheus") and "backend" not in on("prometheus")
    # Every published port of the base file sits on the loopback, except the gateway's.
    if len(files) == 1:
        for name, service in services.items():
            for port in service.get("ports") or []:
                assert name == "gateway" or port.get("host_ip") == "127.0.0.1", (name, port)
