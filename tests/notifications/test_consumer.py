"""The per-user socket: only signed-in people, only their own group, ids only, and a
catch-up from the database after a reconnect."""

from __future__ import annotations

import pytest
import pytest_asyncio
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.db import connections, transaction

from notifications import services
from notifications.consumers import NotificationConsumer
from notifications.models import Notification
from portal.viewers import ACTING_AS_SESSION_KEY, MFA_OK

pytestmark = [
    pytest.mark.asyncio,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("memory_layer"),
]


@pytest_asyncio.fixture(autouse=True)
async def _close_connections_of_the_sync_thread():  # type: ignore[no-untyped-def]
    yield
    await database_sync_to_async(connections.close_all)()


def _socket(user=None, session=None) -> WebsocketCommunicator:  # type: ignore[no-untyped-def]
    from django.contrib.auth.models import AnonymousUser

    communicator = WebsocketCommunicator(NotificationConsumer.as_asgi(), "/ws/notiser/")
    communicator.scope["user"] = user or AnonymousUser()
    communicator.scope["session"] = session or {}
    return communicator


def _notify(world, users, kind="meeting.called"):  # type: ignore[no-untyped-def]
    with transaction.atomic():
        return [n.pk for n in services.notify(recipients=users, kind=kind, case=world.case)]


async def test_anonymous_is_refused(world):
    connected, code = await _socket().connect()
    assert not connected and code == 4401


async def test_staff_without_second_factor_is_refused(world):
    session = {ACTING_AS_SESSION_KEY: world.coordinator.pk}
    connected, code = await _socket(world.coordinator.user, session).connect()
    assert not connected and code == 4403


async def test_family_receives_own_ids_only_after_commit(world):
    mine = _socket(world.guardian1.user)
    theirs = _socket(world.other_guardian.user)
    assert (await mine.connect())[0] and (await theirs.connect())[0]
    ids = await database_sync_to_async(_notify)(world, [world.guardian1.user])
    assert await mine.receive_json_from(timeout=2) == {"type": "notification", "id": ids[0]}
    assert await theirs.receive_nothing(timeout=0.2)
    await mine.disconnect()
    await theirs.disconnect()


async def test_staff_with_second_factor_receives_pushes(world):
    session = {ACTING_AS_SESSION_KEY: world.coordinator.pk, MFA_OK: True}
    socket = _socket(world.coordinator.user, session)
    assert (await socket.connect())[0]
    ids = await database_sync_to_async(_notify)(world, [world.coordinator.user], "consent.granted")
    assert (await socket.receive_json_from(timeout=2))["id"] == ids[0]
    await socket.disconnect()


async def test_catch_up_after_reconnect_returns_only_own_newer_ids(world):
    first = (await database_sync_to_async(_notify)(world, [world.guardian1.user]))[0]
    # Created while the guardian's socket was down (a lost push costs latency, not data):
    missed = [
        (await database_sync_to_async(_notify)(world, [world.guardian1.user, world.guardian2.user], kind))[0]
        for kind in ("meeting.changed", "minutes.shared")
    ]
    others = await database_sync_to_async(
        lambda: list(Notification._base_manager.exclude(recipient=world.guardian1.user).values_list("pk", flat=True))
    )()
    socket = _socket(world.guardian1.user)
    assert (await socket.connect())[0]
    await socket.send_json_to({"type": "since", "id": first})
    reply = await socket.receive_json_from(timeout=2)
    assert reply["ids"] == missed and reply["id"] == missed[-1]
    assert not set(reply["ids"]) & set(others)
    await socket.send_json_to({"type": "since", "id": "not a number"})
    await socket.send_json_to({"type": "something else"})
    assert await socket.receive_nothing(timeout=0.2)
    await socket.disconnect()
