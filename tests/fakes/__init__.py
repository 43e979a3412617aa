"""Fake chat platforms: real aiohttp servers on 127.0.0.1 that record what the bot sent."""
