"""Fixtures for the operations tests: a real redis-server per test, on a free port."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.ops.processes import RedisServer, redis_server_binary


@pytest.fixture(scope="session")
def redis_binary() -> str:
    return redis_server_binary()


@pytest.fixture
def redis_server(redis_binary: str, tmp_path: Path) -> Iterator[RedisServer]:
    directory = tmp_path / "redis"
    directory.mkdir()
    server = RedisServer(redis_binary, directory)
    server.start()
    yield server
    server.stop()
