"""Prometheus metrics every service exposes on ``/metrics``.

One registry per process; FastStream's own middleware adds its ``faststream_*`` series to it.
"""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

REGISTRY = CollectorRegistry()

_LATENCY_BUCKETS = (0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 40, 80, 160, 320)

EVENTS_CONSUMED = Counter(
    "greenroom_events_consumed_total", "Events taken from a topic.", ["service", "topic"],
    registry=REGISTRY,
)
EVENTS_PRODUCED = Counter(
    "greenroom_events_produced_total", "Events published to a topic.", ["service", "topic"],
    registry=REGISTRY,
)
EVENTS_FAILED = Counter(
    "greenroom_events_failed_total",
    "Events that ended in a failure, by reason (rejected input, dead-lettered, …).",
    ["service", "topic", "reason"],
    registry=REGISTRY,
)
HANDLER_SECONDS = Histogram(
    "greenroom_handler_seconds", "Time to handle one event, end to end.", ["service", "topic"],
    buckets=_LATENCY_BUCKETS, registry=REGISTRY,
)
INFERENCE_SECONDS = Histogram(
    "greenroom_model_inference_seconds", "Model inference time per answer.", ["service", "model"],
    buckets=_LATENCY_BUCKETS, registry=REGISTRY,
)
IN_FLIGHT = Gauge(
    "greenroom_in_flight", "Events being handled right now.", ["service"], registry=REGISTRY,
)
EVENT_AGE = Histogram(
    "greenroom_event_age_seconds",
    "Age of an event when its handling starts (a lag signal that needs no broker access).",
    ["service", "topic"],
    buckets=_LATENCY_BUCKETS, registry=REGISTRY,
)
HTTP_REQUESTS = Counter(
    "greenroom_http_requests_total", "HTTP requests answered.", ["service", "route", "status"],
    registry=REGISTRY,
)
