"""On-camera presence: a coaching signal only.

It is reported with its measurements and tips, weighted 0 in the overall score, and never
read by the verdict rules: the same transcript with a different face, or without video,
gets the same score and verdict. Expressions are described, never judged.
"""

from __future__ import annotations

from dataclasses import dataclass

from greenroom_common.documents import Moment, VisionSummary

from greenroom_grader.text import clock

LABELS = {"looking_away": "looking away", "no_face": "out of view", "restless": "restless",
          "several_faces": "several faces", "too_far": "too far", "too_close": "too close",
          "dark": "dark", "backlit": "backlit", "low_contrast": "low contrast"}


@dataclass
class PresenceResult:
    score: float
    evidence: list[str]
    tips: list[str]


def unmeasured(reason: str) -> str:
    """What the candidate reads when vision could not measure a video answer at all."""
    return (f"Your presence on camera was not measured for this answer: {reason}. The "
            "verdict does not depend on it; record the answer again if you want feedback on "
            "how you come across on camera.")


def assess(vision: VisionSummary, moments: list[Moment] | None = None) -> PresenceResult | None:
    if not vision.frames:
        return None
    parts = [vision.face_share]
    evidence = [f"face visible in {vision.face_frames} of {vision.frames} sampled frames "
                f"({100 * vision.face_share:.0f}%)"]
    tips: list[str] = []
    if vision.face_share < 0.8:
        tips.append(f"Your face was in view {100 * vision.face_share:.0f}% of the time; sit "
                    "so the camera frames your head and shoulders.")
    if vision.facing_share is not None:
        parts.append(vision.facing_share)
        evidence.append(f"looking at the camera in {100 * vision.facing_share:.0f}% of face "
                        "frames")
        if vision.facing_share < 0.6:
            tips.append(f"You looked at the camera {100 * vision.facing_share:.0f}% of the "
                        "time; look at the lens when you make a point, as you would at an "
                        "interviewer's eyes.")
    if vision.steadiness is not None:
        parts.append(vision.steadiness)
        evidence.append(f"steadiness {vision.steadiness:.2f} (0 restless, 1 steady)")
        if vision.steadiness < 0.5:
            tips.append("You moved a lot on camera; settle your posture and keep gestures "
                        "below the shoulders.")
    if vision.smile_share is not None:
        evidence.append(f"smiling in {100 * vision.smile_share:.0f}% of face frames")
    if vision.expressions:
        top = sorted(vision.expressions.items(), key=lambda kv: -kv[1])[:3]
        evidence.append("expressions: " + ", ".join(f"{k} {100 * v:.0f}%" for k, v in top))
    if vision.multi_face_frames:
        evidence.append(f"several faces in {vision.multi_face_frames} frames")
    if vision.framing and vision.framing != "ok":
        evidence.append(f"framing: {vision.framing.replace('_', ' ')}")
        tips.append("Move " + ("back" if vision.framing == "too_close" else "closer")
                    + " so your head and shoulders fill about a third of the picture.")
    if vision.lighting and vision.lighting != "ok":
        evidence.append(f"lighting: {vision.lighting.replace('_', ' ')}")
        tips.append("Light your face from the front (a window or lamp behind the camera, "
                    "not behind you).")
    for moment in (moments or [])[:4]:
        label = LABELS.get(moment.label, moment.label.replace("_", " "))
        evidence.append(f"{label} from {clock(moment.start)} to {clock(moment.end)}")
    evidence.append("coaching only: never part of the score or the verdict")
    score = 100.0 * sum(parts) / len(parts)
    return PresenceResult(round(score, 1), evidence, tips)
