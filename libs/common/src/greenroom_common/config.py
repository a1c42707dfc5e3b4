"""Configuration from environment variables (prefix ``GREENROOM_``) with safe local defaults.

The README's configuration table documents each variable; ``tests/unit`` checks that the
table and these fields agree.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


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
    s3_endpoint: str = Field("127.0.0.1:9000", description="S3/MinIO endpoint (host:port).")
    s3_access_key: str = Field("greenroom", description="S3 access key.")
    s3_secret_key: str = Field("greenroom-secret", description="S3 secret key.")
    s3_secure: bool = Field(False, description="Use HTTPS for S3.")
    s3_bucket: str = Field("greenroom", description="Bucket holding media and results.")

    # Service process
    host: str = Field("127.0.0.1", description="Address the service's HTTP server binds.")
    port: int = Field(0, description="Port of the service's HTTP server (0: service default).")
    log_level: str = Field("INFO", description="Python log level.")
    max_attempts: int = Field(
        3, description="Attempts at an event before it goes to the dead-letter topic."
    )

    # Gateway
    grpc_port: int = Field(50051, description="Port of the gateway's gRPC server.")
    max_upload_bytes: int = Field(200 * 1024 * 1024, description="Largest accepted upload.")
    max_text_chars: int = Field(20_000, description="Longest accepted typed or code answer.")
    public_dir: Path | None = Field(None, description="Override the web app's static folder.")

    # Ingest
    max_answer_s: float = Field(180.0, description="Longest accepted answer, in seconds.")
    duration_grace_s: float = Field(5.0, description="Tolerance over the answer time limit.")
    frame_fps: float = Field(2.0, description="Frames sampled per second of video.")
    frame_width: int = Field(640, description="Width frames are scaled down to (if wider).")

    # Models
    models_dir: Path = Field(
        default_factory=lambda: _cache_dir() / "models",
        description="Folder holding the offline models assembled at set-up.",
    )
    whisper_model: str = Field("whisper-base", description="Model folder name under models_dir.")
    whisper_device: str = Field("auto", description="auto, cpu or cuda.")
    whisper_compute_type: str = Field("auto", description="auto (int8 on CPU, float16 on GPU).")
    whisper_threads: int = Field(2, description="CPU threads for transcription.")
    whisper_beam_size: int = Field(5, description="Beam size for decoding.")
    vision_detector: str = Field("opencv", description="deepface detector backend.")


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
