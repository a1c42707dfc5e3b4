"""Create the bucket and one MinIO user per Greenroom service, each holding only its own
policy (``policies/<service>.json`` next to this file). Idempotent: a second run updates
secrets and policies in place, so it is also how credentials are rotated.

Used by the compose and Kubernetes shapes and by ``tests/test_minio_policies.py``:
compose's ``minio-init`` service and the Kubernetes Job ``minio-users`` run this file (from a
service image, which holds the ``minio`` package), the test imports it.

Environment:

* ``GREENROOM_S3_ENDPOINT``, ``GREENROOM_S3_SECURE``, ``GREENROOM_S3_BUCKET``: the store, as
  the services see it;
* ``MINIO_ROOT_USER`` / ``MINIO_ROOT_PASSWORD``: an admin of that MinIO (the root user or one
  allowed to create users, policies and the bucket); never handed to a service;
* ``GREENROOM_<SERVICE>_S3_ACCESS_KEY`` / ``GREENROOM_<SERVICE>_S3_SECRET_KEY`` for each of
  gateway, ingest, transcribe, vision, grader: the credentials that service runs with;
* ``GREENROOM_ALLOW_EXAMPLE_CREDENTIALS=1`` accepts the example secrets published in this
  repository (local and test runs only), as the services themselves do.
"""

from __future__ import annotations

import json
import os
import string
import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from minio import Minio
from minio.credentials.providers import StaticProvider
from minio.error import S3Error
from minio.minioadmin import MinioAdmin

SERVICES = ("gateway", "ingest", "transcribe", "vision", "grader")
POLICIES = Path(__file__).resolve().parent / "policies"
# The secrets and access keys this repository publishes as examples (the services refuse
# them too: greenroom_common.config). Kept here so this file runs with only `minio`.
EXAMPLE_SECRETS = frozenset({"greenroom-secret", "REPLACE-WITH-S3-SECRET-KEY", "minioadmin"})
EXAMPLE_ACCESS_KEYS = frozenset({"minioadmin", "REPLACE-WITH-S3-ACCESS-KEY"})


class ProvisioningError(ValueError):
    """The configuration cannot give each service its own, non-admin credentials."""


@dataclass(frozen=True)
class Credentials:
    access_key: str
    secret_key: str


def policy_name(service: str) -> str:
    return f"greenroom-{service}"


def policy_document(service: str, bucket: str, policies_dir: Path = POLICIES) -> dict[str, Any]:
    """The service's policy with ``${bucket}`` filled in."""
    text = (policies_dir / f"{service}.json").read_text()
    document: dict[str, Any] = json.loads(string.Template(text).substitute(bucket=bucket))
    return document


def service_credentials(env: Mapping[str, str]) -> dict[str, Credentials]:
    """Each service's credentials from ``GREENROOM_<SERVICE>_S3_ACCESS_KEY|SECRET_KEY``."""
    found: dict[str, Credentials] = {}
    missing: list[str] = []
    for service in SERVICES:
        names = [f"GREENROOM_{service.upper()}_S3_{part}_KEY" for part in ("ACCESS", "SECRET")]
        values = [env.get(name, "") for name in names]
        missing += [name for name, value in zip(names, values, strict=True) if not value]
        found[service] = Credentials(*values)
    if missing:
        raise ProvisioningError(f"missing: {', '.join(missing)}")
    return found


def check(admin: Credentials, users: Mapping[str, Credentials],
          allow_example_credentials: bool = False) -> None:
    """Refuse what would defeat the point: a service holding the admin's key, two services
    sharing one user, or (outside local runs) a secret published in this repository."""
    if not allow_example_credentials and admin.secret_key in EXAMPLE_SECRETS:
        raise ProvisioningError(
            "the MinIO admin's password is an example published in this repository; set a "
            "real one (or GREENROOM_ALLOW_EXAMPLE_CREDENTIALS=1 for a local run)")
    keys = [c.access_key for c in users.values()]
    if len(set(keys)) != len(keys):
        raise ProvisioningError("every service needs an access key of its own")
    for service, creds in users.items():
        if creds.access_key == admin.access_key:
            raise ProvisioningError(f"{service} must not use the MinIO admin's access key")
        if len(creds.secret_key) < 8:
            raise ProvisioningError(f"{service}'s secret key is shorter than 8 characters")
        if not allow_example_credentials and (
                creds.secret_key in EXAMPLE_SECRETS or creds.access_key in EXAMPLE_ACCESS_KEYS):
            raise ProvisioningError(
                f"{service} has the example credentials published in this repository; set "
                "real ones (or GREENROOM_ALLOW_EXAMPLE_CREDENTIALS=1 for a local run)")


def provision(endpoint: str, admin: Credentials, users: Mapping[str, Credentials], *,
              bucket: str, secure: bool = False, policies_dir: Path = POLICIES,
              allow_example_credentials: bool = False) -> None:
    """Create the bucket (the services may not), then per service: its policy, its user
    (or the user's new secret) and the policy as the user's only one."""
    check(admin, users, allow_example_credentials)
    documents = {s: policy_document(s, bucket, policies_dir) for s in users}
    client = Minio(endpoint, access_key=admin.access_key, secret_key=admin.secret_key,
                   secure=secure)
    if not client.bucket_exists(bucket):
        try:
            client.make_bucket(bucket)
        except S3Error as exc:  # created meanwhile by another run
            if exc.code not in ("BucketAlreadyOwnedByYou", "BucketAlreadyExists"):
                raise
    iam = MinioAdmin(endpoint=endpoint, secure=secure,
                     credentials=StaticProvider(admin.access_key, admin.secret_key))
    for service, creds in users.items():
        iam.policy_add(policy_name(service), policy=documents[service])
        iam.user_add(creds.access_key, creds.secret_key)
        # Replaces whatever the user held before: this policy is its only one.
        iam.policy_set(policy_name(service), user=creds.access_key)


def _flag(value: str | None) -> bool:
    return (value or "").strip().lower() in ("1", "true", "yes", "on")


def main(env: Mapping[str, str] | None = None, attempts: int = 30) -> int:
    env = os.environ if env is None else env
    try:
        admin = Credentials(env.get("MINIO_ROOT_USER", ""), env.get("MINIO_ROOT_PASSWORD", ""))
        if not admin.access_key or not admin.secret_key:
            raise ProvisioningError("missing: MINIO_ROOT_USER, MINIO_ROOT_PASSWORD")
        users = service_credentials(env)
        check(admin, users, _flag(env.get("GREENROOM_ALLOW_EXAMPLE_CREDENTIALS")))
    except ProvisioningError as exc:
        print(f"minio users: {exc}", file=sys.stderr)
        return 2
    bucket = env.get("GREENROOM_S3_BUCKET", "greenroom")
    for attempt in range(1, attempts + 1):
        try:
            provision(env.get("GREENROOM_S3_ENDPOINT", "127.0.0.1:9000"), admin, users,
                      bucket=bucket, secure=_flag(env.get("GREENROOM_S3_SECURE")),
                      allow_example_credentials=_flag(
                          env.get("GREENROOM_ALLOW_EXAMPLE_CREDENTIALS")))
        except Exception as exc:  # noqa: BLE001 - MinIO still starting: retry, then fail
            print(f"minio users: attempt {attempt}/{attempts} failed: {exc}", file=sys.stderr)
            if attempt == attempts:
                return 1
            time.sleep(2)
            continue
        break
    print(f"minio users: bucket {bucket}; users for {', '.join(users)} "
          f"({', '.join(policy_name(s) for s in users)})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
