"""Prometheus metrics, one registry per application."""

from __future__ import annotations

from typing import Any

from prometheus_client import CollectorRegistry, Counter, Histogram
from prometheus_client.exposition import generate_latest

from bot.core.models import Answer


class Metrics:
    """The bot's Prometheus metrics, in a registry of their own (never the global one)."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "resbot_http_requests",
            "HTTP requests by route, method and status.",
            ["route", "method", "status"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "resbot_http_request_duration_seconds",
            "Time to answer an HTTP request, by route.",
            ["route"],
            registry=self.registry,
        )
        self.answers = Counter(
            "resbot_answers",
            "Answers given, by channel and intent.",
            ["channel", "intent"],
            registry=self.registry,
        )
        self.fallbacks = Counter(
            "resbot_fallbacks",
            "Answers that fell back (no answer from the documents), by channel.",
            ["channel"],
            registry=self.registry,
        )
        self.channel_errors = Counter(
            "resbot_channel_errors",
            "Failures talking to a chat platform or rejected platform requests.",
            ["channel", "reason"],
            registry=self.registry,
        )
        self.ignored = Counter(
            "resbot_channel_ignored",
            "Platform events acknowledged without a reply (duplicates, bots, non-text).",
            ["channel", "reason"],
            registry=self.registry,
        )
        self.refused = Counter(
            "resbot_refused",
            "Messages refused by a limit (too long, sender rate), by channel and reason.",
            ["channel", "reason"],
            registry=self.registry,
        )
        self.reloads = Counter(
            "resbot_reloads",
            "Reloads of knowledge and intents, by outcome (ok, invalid).",
            ["outcome"],
            registry=self.registry,
        )
        self._children: dict[tuple[str, str, int], tuple[Any, Any]] = {}
        self._answer_children: dict[tuple[str, str], Any] = {}

    def observe_request(self, route: str, method: str, status: int, seconds: float) -> None:
        """One request: counted, and its time observed (the labelled children are looked up
        once per route, method and status, not once a request)."""
        key = (route, method, status)
        children = self._children.get(key)
        if children is None:
            children = self._children[key] = (
                self.requests.labels(route=route, method=method, status=str(status)),
                self.latency.labels(route=route),
            )
        children[0].inc()
        children[1].observe(seconds)

    def observe_answer(self, channel: str, answer: Answer) -> None:
        key = (channel, answer.intent)
        child = self._answer_children.get(key)
        if child is None:
            child = self._answer_children[key] = self.answers.labels(
                channel=channel, intent=answer.intent
            )
        child.inc()
        if answer.fallback:
            self.fallbacks.labels(channel=channel).inc()

    def channel_error(self, channel: str, reason: str) -> None:
        self.channel_errors.labels(channel=channel, reason=reason).inc()

    def ignore(self, channel: str, reason: str) -> None:
        self.ignored.labels(channel=channel, reason=reason).inc()

    def refuse(self, channel: str, reason: str) -> None:
        self.refused.labels(channel=channel, reason=reason).inc()

    def exposition(self) -> bytes:
        return generate_latest(self.registry)
