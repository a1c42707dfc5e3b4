"""``python -m greenroom_local up``: start the whole platform and keep it running until Ctrl-C."""

from __future__ import annotations

import argparse
import os
import signal
import sys
import time
from pathlib import Path

from greenroom_local.platform import DEFAULT_PORTS, REPO, LocalPlatform
from greenroom_local.processes import StartupError


def main() -> int:
    parser = argparse.ArgumentParser(prog="greenroom_local")
    parser.add_argument("command", choices=["up"])
    default_data = os.environ.get("GREENROOM_DATA_DIR", str(REPO / ".greenroom" / "data"))
    parser.add_argument("--data-dir", type=Path, default=Path(default_data))
    args = parser.parse_args()

    ports = dict(DEFAULT_PORTS)
    ports["gateway"] = int(os.environ.get("GREENROOM_GATEWAY_PORT", str(ports["gateway"])))
    platform = LocalPlatform(
        args.data_dir.resolve(),
        kafka_port=int(os.environ.get("GREENROOM_KAFKA_PORT", "19092")),
        kafka_controller_port=int(os.environ.get("GREENROOM_KAFKA_CONTROLLER_PORT", "19093")),
        minio_port=int(os.environ.get("GREENROOM_MINIO_PORT", "9000")),
        minio_console_port=int(os.environ.get("GREENROOM_MINIO_CONSOLE_PORT", "9001")),
        grpc_port=int(os.environ.get("GREENROOM_GRPC_PORT", "50051")),
        ports=ports,
    )
    stopping = False

    def request_stop(signum: int, frame: object) -> None:  # noqa: ARG001
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, request_stop)
    signal.signal(signal.SIGTERM, request_stop)
    started = time.monotonic()
    print(f"Starting Greenroom (data in {platform.data_dir}, logs in {platform.log_dir}) …",
          flush=True)
    try:
        platform.start()
    except (StartupError, FileNotFoundError) as exc:
        print(f"Greenroom failed to start: {exc}", file=sys.stderr)
        return 1
    print(f"Greenroom is up in {time.monotonic() - started:.1f}s: {platform.url()}  "
          f"(gRPC on {platform.grpc_target}; Ctrl-C stops it)", flush=True)
    try:
        while not stopping:
            time.sleep(0.5)
            platform.check_alive()
    except StartupError as exc:  # a service that cannot start at all
        print(f"Greenroom stopped: {exc}", file=sys.stderr)
        platform.stop()
        return 1
    restarts = {name: n for name, n in platform.supervisor.restarts.items() if n}
    print("Stopping Greenroom …" + (f" (restarts: {restarts})" if restarts else ""), flush=True)
    platform.stop()
    print("Stopped.", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
