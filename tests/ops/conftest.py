"""The issuance tests' app (the session's PKI and TSA) and meeting, for readiness and metrics."""

from __future__ import annotations

import os

import pytest
import redis

from tests.conftest import unavailable
from tests.issuance.conftest import app_config, issued, prepared  # noqa: F401 - reused fixtures

REDIS_URL = os.environ.get("MEETINGSVC_TEST_REDIS_URL", "redis://127.0.0.1:6379/13")


@pytest.fixture
def redis_url() -> str:
    """The local Redis the Celery tests use, as a broker to reach."""
    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping()
    except redis.RedisError as error:
        unavailable(f"Redis at {REDIS_URL} unreachable: {error}")
    return REDIS_URL
