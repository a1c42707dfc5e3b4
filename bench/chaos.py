"""``make chaos``: ≥ 100 answers (video, audio, typed, coding) through 2 replicas of each
pipeline service and 3 graders, while service processes are killed with SIGKILL, MinIO is
down for 20 s and Kafka restarts; then every answer is checked for exactly one verdict.

Prints the table (answers, kills, restarts, lost, duplicated, stuck, p95 latency) and exits
non-zero if any answer was lost, duplicated, stuck or failed for an infrastructure reason.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

from tests.support import chaos


def main() -> int:
    parser = argparse.ArgumentParser(prog="chaos")
    parser.add_argument("--sessions", type=int, default=34, help="three answers each")
    parser.add_argument("--kills", type=int, default=6)
    parser.add_argument("--minio-down-s", type=float, default=20.0)
    parser.add_argument("--kafka-down-s", type=float, default=5.0)
    args = parser.parse_args()
    plan = chaos.Plan(sessions=args.sessions, kills=args.kills,
                      minio_down_s=args.minio_down_s, kafka_down_s=args.kafka_down_s)
    with tempfile.TemporaryDirectory(prefix="greenroom-chaos-") as tmp:
        work = Path(tmp)
        platform = chaos.start(work / "platform", plan)
        try:
            outcome = chaos.run(platform, work, plan)
        finally:
            platform.stop()
    print(outcome.table())
    if outcome.kills:
        print("killed:", ", ".join(outcome.kills))
    bad = outcome.lost + outcome.duplicated + outcome.stuck + outcome.infra_failed
    for name in ("lost", "duplicated", "stuck", "infra_failed"):
        if getattr(outcome, name):
            print(f"{name}: {getattr(outcome, name)}")
    for answer_id, times in outcome.announced.items():
        first = times[0]
        print(f"{answer_id}: verdicts announced at +" + ", +".join(
            f"{t - first:.3f} s" for t in times) + "; faults: " + ", ".join(
            f"{what} at {at - first:+.1f} s" for at, what in outcome.faults_at))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
