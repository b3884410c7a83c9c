"""Fixtures for notification tests: an in-memory channel layer, and helpers."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from channels.layers import channel_layers


@pytest.fixture
def memory_layer(settings) -> Iterator[None]:  # type: ignore[no-untyped-def]
    """Use the in-memory channel layer (this process only) whatever REDIS_URL says."""
    settings.CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    channel_layers.backends = {}
    yield
    channel_layers.backends = {}


@pytest.fixture
def pushes(memory_layer, monkeypatch) -> list[tuple[str, dict]]:  # type: ignore[no-untyped-def]
    """Record every group_send (group, message) instead of sending it."""
    from channels.layers import get_channel_layer

    sent: list[tuple[str, dict]] = []
    layer = get_channel_layer()

    async def record(group: str, message: dict) -> None:
        sent.append((group, message))

    monkeypatch.setattr(layer, "group_send", record)
    return sent
