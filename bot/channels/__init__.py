"""Thin transport adapters: verify, parse into a typed message, ask the service, render."""
