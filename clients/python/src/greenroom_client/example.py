"""What a hiring team's integration looks like: create a session for a candidate, upload a
recorded answer, watch it until graded, print the report.

    GREENROOM_API_KEY=grk_… python -m greenroom_client.example answer.webm \\
        --target greenroom.example.com:50051 --question lf-02 --candidate ATS-1234
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from greenroom.v1 import interview_pb2 as pb

from greenroom_client import Client


def margin_words(result: pb.AnswerResult) -> str:
    """The distance to the pass line in words, e.g. "3 points above the pass line"."""
    if not result.HasField("margin"):  # a grade from before margins were reported
        return "close to the pass line"
    points = round(abs(result.margin))
    side = "above" if result.margin >= 0 else "below"
    if points == 0:
        return f"less than a point {side} the pass line" if result.margin else "on the pass line"
    return f"{points} point{'s' if points != 1 else ''} {side} the pass line"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="greenroom-example")
    parser.add_argument("recording", type=Path)
    parser.add_argument("--target", default="127.0.0.1:50051")
    parser.add_argument("--question", default="lf-02")
    parser.add_argument("--candidate", default="candidate-001")
    args = parser.parse_args(argv)
    api_key = os.environ.get("GREENROOM_API_KEY")
    if not api_key:
        print("set GREENROOM_API_KEY to your team's API key", file=sys.stderr)
        return 2
    with Client(args.target, api_key) as client:
        session = client.create_session(question_ids=[args.question],
                                        candidate_ref=args.candidate)
        print(f"session {session.name} for {session.candidate_ref}")
        answer = client.upload_file(session.name, args.question, args.recording)
        print(f"uploaded {args.recording.name} as {answer.name}")
        for event in client.watch(session.name):
            kind = event.WhichOneof("event")
            if kind == "stage_reached":
                print(f"  {pb.Stage.Name(event.stage_reached.stage).removeprefix('STAGE_')}"
                      .lower())
            elif kind == "answer_finished":
                done = event.answer_finished
                if done.status == pb.ANSWER_STATUS_FAILED:
                    print(f"failed: {done.error.message}")
                    return 1
            elif kind == "session_completed":
                break
        report = client.session(session.name)
    print(f"verdict: {pb.Verdict.Name(report.result.verdict).removeprefix('VERDICT_')}"
          f" (score {report.result.overall_score:.0f}; {report.result.rule})")
    if report.result.borderline_question_ids:
        print(f"borderline: {', '.join(report.result.borderline_question_ids)}")
    for answer in report.answers:
        result = answer.result
        verdict = pb.Verdict.Name(result.verdict).removeprefix("VERDICT_").lower()
        close = f" (borderline: {margin_words(result)})" if result.borderline else ""
        print(f"- {answer.question_id}: {result.overall_score:.0f} {verdict}{close}")
        for tip in result.tipping:
            print(f"    would tip it: {tip}")
        for dim in answer.result.dimensions:
            print(f"    {dim.name:<10} {dim.score:5.0f}  {'; '.join(dim.evidence)}")
        for tip in answer.result.improvements:
            print(f"    improve: {tip}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
