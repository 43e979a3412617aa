"""Conversation stores: one small interface, an in-memory default (a later issue adds Redis)."""

from bot.server.sessions.base import SessionStore
from bot.server.sessions.memory import MemorySessionStore

__all__ = ["MemorySessionStore", "SessionStore"]
