"""Conversation stores: one small interface, in memory (per process) or in Redis (shared)."""

from bot.server.sessions.base import SessionStore, Stored, Written
from bot.server.sessions.memory import MemorySessionStore

__all__ = ["MemorySessionStore", "SessionStore", "Stored", "Written"]
