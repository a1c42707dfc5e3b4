"""The short chaos run of ``make test`` (``make chaos`` is the long one): answers of every
kind through replicated services while pipeline processes are killed with SIGKILL, MinIO is
down for 20 s and Kafka restarts. Every answer ends with exactly one verdict, none is
lost or stuck, none fails for an infrastructure reason, nothing is dead-lettered."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from greenroom_local.platform import LocalPlatform

from tests.support import chaos
from tests.support.infra import route

pytestmark = [pytest.mark.platform,
              pytest.mark.skipif(route() != "local", reason="starts replicas of its own on "
                                 "local processes: once per CI run is enough")]

PLAN = chaos.Plan(sessions=4, replicas={"ingest": 1, "transcribe": 2, "vision": 1,
                                        "grader": 2},
                  kills=2, kill_every_s=10.0, minio_down_s=20.0, kafka_down_s=3.0,
                  deadline_s=420.0)


@pytest.fixture(scope="module")
def replicated(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalPlatform]:
    platform = chaos.start(tmp_path_factory.mktemp("chaos"), PLAN)
    try:
        yield platform
    finally:
        platform.stop()


def test_every_answer_gets_exactly_one_verdict_through_crashes_and_outages(
        replicated: LocalPlatform, tmp_path: Path) -> None:
    outcome = chaos.run(replicated, tmp_path, PLAN)
    print("\n" + outcome.table())
    assert outcome.answers == 3 * PLAN.sessions
    assert len(outcome.kills) == PLAN.kills and sum(outcome.restarts.values()) >= PLAN.kills
    assert outcome.outages == ["MinIO down 20 s", "Kafka restarted (3 s down)"]
    assert (outcome.lost, outcome.duplicated, outcome.stuck, outcome.infra_failed) == (
        [], [], [], [])
    assert outcome.statuses["graded"] == outcome.answers
    assert outcome.dead_letters == 0
    assert sorted(outcome.completions.values()) == [1] * PLAN.sessions
