"""Configuration from environment variables (prefix ``GREENROOM_``) with safe local defaults.

The README's configuration table documents each variable; ``tests/unit`` checks that the
table and these fields agree.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

# Credentials that appear in this repository (defaults, compose, the k8s example secret,
# MinIO's own defaults): never acceptable outside a local run.
EXAMPLE_SECRETS = frozenset({"greenroom-secret", "REPLACE-WITH-S3-SECRET-KEY", "minioadmin"})
EXAMPLE_ACCESS_KEYS = frozenset({"minioadmin", "REPLACE-WITH-S3-ACCESS-KEY"})


class InsecureSettings(ValueError):
    """The configuration would run a service with published example secrets."""


def _cache_dir() -> Path:
    return Path.home() / ".cache" / "greenroom"


class Settings(BaseSettings):
    """Settings shared by every service. Service-specific knobs live here too, so that the
    whole surface is documented in one table; a service reads only what it needs."""

    model_config = SettingsConfigDict(env_prefix="GREENROOM_", extra="ignore")

    # Infrastructure
    kafka_bootstrap: str = Field("127.0.0.1:19092", description="Kafka bootstrap servers.")
    topic_partitions: int = Field(
        6, description="Partitions per topic; the ceiling on consumers of one group."
    )
    topic_replication: int = Field(
        1, ge=1, description="Copies Kafka keeps of each partition when the topics are "
        "created (3 in production, so that losing a broker loses no event; 1 for one local "
        "broker). With more than one, a write is acknowledged once two copies hold it.")
    s3_endpoint: str = Field("127.0.0.1:9000", description="S3/MinIO endpoint (host:port).")
    s3_access_key: str = Field("greenroom", description="S3 access key.")
    s3_secret_key: str = Field("greenroom-secret", description="S3 secret key.")
    s3_secure: bool = Field(False, description="Use HTTPS for S3.")
    s3_bucket: str = Field("greenroom", description="Bucket holding media and results.")
    allow_example_credentials: bool = Field(
        False, description="Start even with the example S3 credentials of this README and "
        "the deploy files. Only local runs (`make up`, the tests) set it; a service "
        "refuses to start with them otherwise.")

    # Service process
    host: str = Field("127.0.0.1", description="Address the service's HTTP server binds.")
    port: int = Field(0, description="Port of the service's HTTP server (0: service default).")
    log_level: str = Field("INFO", description="Python log level.")
    max_attempts: int = Field(
        3, description="Attempts at an event that fails on healthy infrastructure before it "
        "goes to the dead-letter topic (a poison event).")
    retry_budget_s: float = Field(
        480.0, description="How long a stage waits out an infrastructure outage (Kafka, "
        "MinIO, timeouts) on one event, retrying with capped exponential backoff, before it "
        "gives up and records the answer as unavailable.")
    retry_cap_s: float = Field(30.0, description="Longest pause between two such retries.")
    max_poll_interval_s: float = Field(
        900.0, description="Longest a consumer may spend on one event before Kafka hands its "
        "partitions to another replica; must exceed the retry budget plus the longest "
        "handler.")

    # Gateway
    grpc_port: int = Field(50051, description="Port of the gateway's gRPC server.")
    max_upload_bytes: int = Field(200 * 1024 * 1024, description="Largest accepted upload.")
    max_text_chars: int = Field(20_000, description="Longest accepted typed or code answer.")
    public_dir: Path | None = Field(None, description="Override the web app's static folder.")
    web_answer_limit_s: float = Field(
        180.0, description="Longest recording the web app allows; its countdown stops the "
        "recording at zero (never longer than max_answer_s or the question's limit).")
    retention_days: int = Field(
        30, description="Days practice sessions (public tenant) are kept before a bucket "
        "lifecycle rule deletes them; 0 keeps them until the candidate deletes them.")

    tenant_retention_days: int = Field(
        0, description="Days hiring-team sessions are kept before a bucket lifecycle rule "
        "deletes them; 0 keeps them until the team deletes them.")
    topic_retention_hours: float = Field(
        72.0, description="Hours Kafka keeps events (ids, typed answers, verdicts; never "
        "media) before they age out; applied to every topic at start-up.")
    session_token_ttl_h: float = Field(
        168.0, description="Hours a practice session's token opens it (the consent screen "
        "states it); after that the session answers 401 and only retention removes it.")

    # Gateway abuse limits (per replica; anonymous callers are counted by client address)
    limit_requests_per_ip_per_min: int = Field(
        600, description="Calls per minute from one address without an API key.")
    limit_sessions_per_ip_per_min: int = Field(
        10, description="Practice sessions one address may start per minute.")
    limit_answers_per_ip_per_min: int = Field(
        30, description="Answers one address may submit per minute (practice sessions).")
    limit_answers_per_session_per_min: int = Field(
        10, description="Answers one practice session may receive per minute.")
    max_answers_per_question: int = Field(
        3, description="Answers (attempts) one session may record for one question.")
    max_answers_per_session: int = Field(
        40, description="Answers one session may record in all.")
    max_concurrent_uploads_per_client: int = Field(
        2, description="Uploads in flight at once from one address (practice sessions).")
    upload_spool_dir: Path | None = Field(
        None, description="Folder uploads are spooled to before storage (default: the "
        "system's temporary folder).")
    upload_spool_budget_bytes: int = Field(
        1024 * 1024 * 1024, description="Bytes all uploads in flight may spool to disk at "
        "once, per replica; beyond it an upload is refused with 503 and Retry-After.")
    auth_failures_per_ip_per_min: int = Field(
        10, description="Unknown API keys one address may try per minute before 429.")
    key_cache_size: int = Field(
        10_000, description="API keys (known or unknown) remembered per replica.")
    key_cache_ttl_s: float = Field(
        5.0, description="Seconds a key lookup is remembered: a revoked key is refused on "
        "every replica within this bound.")
    stream_recheck_s: float = Field(
        5.0, description="Seconds between checks that an open event stream's session still "
        "exists and its key is still valid (the stream ends otherwise).")
    limit_clients_tracked: int = Field(
        100_000, description="Addresses and sessions the rate limiter remembers per replica.")

    # Interviewer's voice (gateway side; the voice service reads the GREENROOM_VOICE_MODEL,
    # _THREADS and _MAX_CHARS it documents, having no dependency on this package)
    voice_url: str = Field(
        "", description="Base URL of the voice service that reads questions aloud (e.g. "
        "http://127.0.0.1:8105); empty: no server voice, the web app uses the browser's "
        "speech synthesis.")
    voice_id: str = Field(
        "en_US-joe-medium", description="Names the server voice in the speech cache keys "
        "(voice/<id>/…): the voice model's file name without .onnx. Change it together with "
        "GREENROOM_VOICE_MODEL; audio from another voice is served but not cached.")
    voice_timeout_s: float = Field(
        30.0, description="Longest a question's speech may take on a cache miss (waiting, "
        "rendering, storing) before the gateway answers 504 and the web app falls back on "
        "the browser's speech synthesis.")
    voice_concurrency: int = Field(
        1, description="Renders one gateway replica asks of the voice service at once.")
    voice_model: Path | None = Field(
        None, description="Voice service: Piper .onnx voice model with its .onnx.json beside "
        "it; empty: the bundled en_US-joe-medium (GPL runtime, voice data reported "
        "non-commercial).")
    voice_threads: int = Field(2, description="Voice service: CPU threads for synthesis.")
    voice_max_chars: int = Field(
        600, description="Voice service: longest text spoken; longer is refused with 413.")

    # Ingest
    max_answer_s: float = Field(180.0, description="Longest accepted answer, in seconds.")
    duration_grace_s: float = Field(5.0, description="Tolerance over the answer time limit.")
    ingest_budget_s: float = Field(
        240.0, description="Total time decoding one upload may take: ingest's probe and "
        "audio (past it the answer is rejected as too slow to decode), and vision's frames "
        "(past it presence is not measured).")

    # Models
    models_dir: Path = Field(
        default_factory=lambda: _cache_dir() / "models",
        description="Folder holding the offline models assembled at set-up.",
    )
    whisper_model: str = Field("whisper-base", description="Model folder name under models_dir.")
    whisper_device: str = Field("auto", description="auto, cpu or cuda.")
    whisper_compute_type: str = Field("auto", description="auto (int8 on CPU, float16 on GPU).")
    whisper_threads: int = Field(2, description="CPU threads for transcription, each with "
                                 "its own single-threaded model replica decoding part of a "
                                 "batch.")
    whisper_beam_size: int = Field(5, description="Beam size for decoding.")
    whisper_batch_size: int = Field(8, description="Speech chunks WhisperX decodes at once.")
    whisper_align_model: str = Field(
        "wav2vec2-base-960h", description="wav2vec2 alignment model folder under models_dir, "
        "used for word times when present (else Whisper's cross-attention); empty: never.")
    whisper_vocabulary_prompt: bool = Field(
        True, description="Prompt decoding with the question's vocabulary and spoken fillers.")
    vision_detector: str = Field(
        "blazeface", description="Face detector: blazeface, or a deepface backend (opencv).")
    vision_device: str = Field("auto", description="auto, cpu or cuda.")
    vision_threads: int = Field(2, description="CPU threads for the vision models.")
    vision_batch_size: int = Field(32, description="Frames analysed per model call.")
    frame_fps: float = Field(2.0, description="Frames vision samples per second of video.")
    frame_width: int = Field(640, description="Width frames are scaled down to (if wider; "
                             "at most 640).")

    # Grader
    sandbox_cpu_s: int = Field(5, description="CPU seconds a coding answer's run may use.")
    sandbox_wall_s: float = Field(15.0, description="Wall-clock limit of a coding answer's "
                                  "sandboxed run, in seconds.")
    sandbox_memory_mb: int = Field(256, description="Address-space limit of a sandboxed run.")
    sandbox_processes: int = Field(16, description="Most processes a sandboxed run may have.")
    grader_llm_url: str | None = Field(
        None, description="Optional OpenAI-compatible endpoint (base URL, e.g. "
        "http://host:8080/v1) that adds coaching wording; never scores.")
    grader_llm_model: str = Field("", description="Model name sent to the endpoint.")
    grader_llm_api_key: str | None = Field(None, description="Bearer token for the endpoint.")
    grader_llm_timeout_s: float = Field(
        20.0, description="Total deadline of one endpoint call (connecting, sending and the "
        "whole reply); redirects are never followed.")


    def refuse_example_credentials(self) -> None:
        """Raise :class:`InsecureSettings` when the S3 credentials are the published
        examples and no local flag allows them (a production deploy that forgot its
        secret must not start and quietly work)."""
        if self.allow_example_credentials:
            return
        if self.s3_secret_key in EXAMPLE_SECRETS or self.s3_access_key in EXAMPLE_ACCESS_KEYS:
            raise InsecureSettings(
                "GREENROOM_S3_ACCESS_KEY / GREENROOM_S3_SECRET_KEY are the example credentials "
                "published in this repository. Set real ones (deploy/k8s/secret.example.yaml "
                "shows how), or set GREENROOM_ALLOW_EXAMPLE_CREDENTIALS=1 for a local run.")

    @model_validator(mode="after")
    def _fits_between_polls(self) -> Settings:
        if self.retry_budget_s + self.ingest_budget_s >= self.max_poll_interval_s:
            raise ValueError(
                "GREENROOM_RETRY_BUDGET_S plus GREENROOM_INGEST_BUDGET_S must stay under "
                "GREENROOM_MAX_POLL_INTERVAL_S, or Kafka takes an event's partition away "
                "from the replica still working on it.")
        return self


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
