"""Prometheus view of the SFU: one collector reading live routers at scrape time.

Nothing is counted twice: the forwarding path already keeps its counters, and the collector
sums them per reception when /metrics is scraped. Counters of closed transports leave with
them (Prometheus sees a counter reset), which keeps the hot path free of metric updates.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector, CollectorRegistry

from sfu.router import Router


@dataclass
class _KindTotals:
    producers: int = 0
    forwarding: int = 0
    received_bytes: int = 0
    sent_bytes: int = 0
    lost: int = 0


class SfuCollector(Collector):
    """Register with `SfuCollector(registry, routers)`; `close()` unregisters."""

    def __init__(
        self, registry: CollectorRegistry, routers: Callable[[], Iterable[Router]]
    ) -> None:
        self._registry = registry
        self._routers = routers
        registry.register(self)

    def close(self) -> None:
        self._registry.unregister(self)

    def collect(self) -> Iterator[Metric]:
        transports = GaugeMetricFamily(
            "sfu_transports", "Open WebRTC transports", labels=["reception", "role", "state"]
        )
        producers = GaugeMetricFamily(
            "sfu_producers", "Published tracks", labels=["reception", "kind"]
        )
        forwarding = GaugeMetricFamily(
            "sfu_consumers_forwarding",
            "Tracks being sent to subscribers now",
            labels=["reception", "kind"],
        )
        capped = GaugeMetricFamily(
            "sfu_subscribers_capped",
            "Subscribers whose video a receive limit reduces",
            labels=["reception"],
        )
        received = CounterMetricFamily(
            "sfu_received_bytes",
            "Media payload bytes received from publishers",
            labels=["reception", "kind"],
        )
        sent = CounterMetricFamily(
            "sfu_sent_bytes",
            "Media payload bytes sent to subscribers",
            labels=["reception", "kind"],
        )
        lost = CounterMetricFamily(
            "sfu_publisher_packets_lost",
            "Packets lost between publishers and the SFU",
            labels=["reception", "kind"],
        )
        keyframes = CounterMetricFamily(
            "sfu_keyframe_requests", "Key frames requested from publishers", labels=["reception"]
        )
        nacks = CounterMetricFamily(
            "sfu_nacks_received", "NACKs received from subscribers", labels=["reception"]
        )
        resent = CounterMetricFamily(
            "sfu_retransmitted_packets",
            "Packets resent to subscribers from history",
            labels=["reception"],
        )
        for router in self._routers():
            name = router.name
            states: Counter[tuple[str, str]] = Counter()
            for publisher in router.publishers.values():
                states[("publisher", publisher.connection_state)] += 1
            for subscriber in router.subscribers.values():
                states[("subscriber", subscriber.connection_state)] += 1
            for (role, state), count in states.items():
                transports.add_metric([name, role, state], count)
            by_kind: dict[str, _KindTotals] = {}
            requests = 0
            for producer in router.producers():
                totals = by_kind.setdefault(producer.kind.value, _KindTotals())
                totals.producers += 1
                totals.received_bytes += producer.received.bytes
                totals.lost += producer.statistics.lost
                requests += producer.keyframe_requests
            nack_count = resend_count = capped_count = 0
            for subscriber in router.subscribers.values():
                capped_count += subscriber.enforced.get("video", "full") != "full"
                for consumer in subscriber.consumers.values():
                    totals = by_kind.setdefault(consumer.kind.value, _KindTotals())
                    totals.forwarding += consumer.forwarding
                    totals.sent_bytes += consumer.sent.bytes
                    nack_count += consumer.nacks_received
                    resend_count += consumer.retransmitted
            for kind, totals in sorted(by_kind.items()):
                producers.add_metric([name, kind], totals.producers)
                forwarding.add_metric([name, kind], totals.forwarding)
                received.add_metric([name, kind], totals.received_bytes)
                sent.add_metric([name, kind], totals.sent_bytes)
                lost.add_metric([name, kind], totals.lost)
            capped.add_metric([name], capped_count)
            keyframes.add_metric([name], requests)
            nacks.add_metric([name], nack_count)
            resent.add_metric([name], resend_count)
        yield from (
            transports,
            producers,
            forwarding,
            capped,
            received,
            sent,
            lost,
            keyframes,
            nacks,
            resent,
        )
