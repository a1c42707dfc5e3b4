"""Operator commands for tenants and API keys (run where GREENROOM_S3_* point at the store).

    python -m greenroom_gateway.admin create-tenant acme --max-upload-mb 100 --rpm 300
    python -m greenroom_gateway.admin issue-key acme        # prints the key once
    python -m greenroom_gateway.admin revoke-key grk_…
"""

from __future__ import annotations

import argparse
import asyncio
import sys

from greenroom_common.config import get_settings
from greenroom_common.storage import ObjectStore

from greenroom_gateway.tenancy import Tenancy


async def run(args: argparse.Namespace) -> str:
    settings = get_settings()
    store = ObjectStore(settings)
    await store.ensure_bucket()
    tenancy = Tenancy(store, settings.max_upload_bytes)
    if args.command == "create-tenant":
        doc = await tenancy.create_tenant(
            args.tenant,
            max_upload_bytes=args.max_upload_mb * 1024 * 1024 if args.max_upload_mb else None,
            requests_per_minute=args.rpm)
        return doc.model_dump_json()
    if args.command == "issue-key":
        return await tenancy.issue_key(args.tenant)
    await tenancy.revoke_key(args.key)
    return "revoked"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="greenroom_gateway.admin")
    commands = parser.add_subparsers(dest="command", required=True)
    create = commands.add_parser("create-tenant", help="create or update a tenant's limits")
    create.add_argument("tenant")
    create.add_argument("--max-upload-mb", type=int)
    create.add_argument("--rpm", type=int, help="requests per minute per gateway replica")
    issue = commands.add_parser("issue-key", help="issue an API key (printed once)")
    issue.add_argument("tenant")
    revoke = commands.add_parser("revoke-key", help="revoke an API key")
    revoke.add_argument("key")
    args = parser.parse_args(argv)
    try:
        print(asyncio.run(run(args)))
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
