"""Prometheus metrics: one registry per application so several apps can live in a process."""

from __future__ import annotations

from prometheus_client import (
    CollectorRegistry,
    Counter,
    Histogram,
    PlatformCollector,
    ProcessCollector,
    generate_latest,
)
from prometheus_client.registry import Collector


class Metrics:
    """The HTTP metrics every node exports, plus a place for component collectors."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        ProcessCollector(registry=self.registry)
        PlatformCollector(registry=self.registry)
        self.http_requests = Counter(
            "reception_http_requests",
            "HTTP requests handled, by route and status.",
            ["method", "route", "status"],
            registry=self.registry,
        )
        self.http_duration = Histogram(
            "reception_http_request_duration_seconds",
            "Time to handle an HTTP request, by route.",
            ["method", "route"],
            buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0),
            registry=self.registry,
        )

    def register(self, collector: Collector) -> None:
        """Add a component's collector (media, jobs) to this node's /metrics."""
        self.registry.register(collector)

    def render(self) -> bytes:
        return generate_latest(self.registry)
