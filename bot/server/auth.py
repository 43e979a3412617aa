"""Secrets received from clients, compared in constant time."""

from __future__ import annotations

import hmac


def secrets_equal(given: str, expected: str) -> bool:
    """Constant-time comparison of a received secret with the configured one."""
    return hmac.compare_digest(given.encode("utf-8"), expected.encode("utf-8"))
