"""What every channel adapter receives: the conversation service and the server's collaborators,
and the one call into the service (limits checked first)."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING

from bot.core.models import Answer
from bot.server.auth import AuthFailures
from bot.server.conversation import ConversationService
from bot.server.dedupe import DedupeFactory
from bot.server.errors import Refused, retry_seconds
from bot.server.limits import Limits, RateLimiter
from bot.server.outbound import HttpClient
from bot.server.payload import WHITE_SPACE
from bot.server.tasks import BackgroundTasks

if TYPE_CHECKING:
    from bot.server.metrics import Metrics

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class ChannelContext:
    """The collaborators every adapter receives: the service, metrics, background tasks, the
    outbound HTTP client, the limits with their (maybe shared) rate limiter, a factory of
    (maybe shared) redelivery filters, and the limit on failed authentications."""

    service: ConversationService
    metrics: Metrics
    tasks: BackgroundTasks
    http: HttpClient
    limiter: RateLimiter
    dedupe: DedupeFactory
    limits: Limits
    auth: AuthFailures

    async def ask(self, channel: str, sender: str, message: str) -> Answer:
        """The answer, or Refused when the message is too long (after trimming) or its
        sender too fast."""
        message = message.strip(WHITE_SPACE)
        await self.admit(channel, sender, message)
        log.debug("ask", extra={"fields": {"channel": channel, "text": message}})
        answer = await self.service.ask(sender, message)
        self.metrics.observe_answer(channel, answer)
        return answer

    async def admit(self, channel: str, sender: str, message: str) -> None:
        limit = self.limits.max_message_chars
        if len(message) > limit:
            self.metrics.refuse(channel, "too_long")
            raise Refused(
                422,
                f"field 'message' is too long ({len(message)} > {limit} characters)",
                f"Your message is too long ({len(message)} characters); please keep it under "
                f"{limit + 1}.",
            )
        wait = await self.limiter.acquire(f"sender:{sender}", self.limits.sender)
        if wait > 0:
            self.metrics.refuse(channel, "rate_limited")
            raise Refused(
                429,
                f"too many messages from this sender; retry in {retry_seconds(wait)} s",
                f"You are asking faster than I can answer; please wait {retry_seconds(wait)} s.",
                retry_after=wait,
            )
