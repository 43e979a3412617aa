"""Conversation stores: one small interface, an in-memory default (a later issue adds Redis)."""

from bot.sessions.base import SessionStore
from bot.sessions.memory import MemorySessionStore

__all__ = ["MemorySessionStore", "SessionStore"]
