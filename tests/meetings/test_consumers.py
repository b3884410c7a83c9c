"""The live meeting room socket: who may follow, pushes that carry only a part name, and
a participant whose agency loses consent leaves the room at once (code 4403) — by the
revocation push, and by the fresh policy check on the next event if that push is lost."""

from __future__ import annotations

import time

import pytest
import pytest_asyncio
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.db import connections

from access.scoping import system_scope
from consent.models import ConsentGrant
from meetings import services
from tests.meetings.conftest import call_meeting
from web.asgi import application

pytestmark = [pytest.mark.asyncio, pytest.mark.django_db(transaction=True)]


@pytest_asyncio.fixture(autouse=True)
async def _close_connections_of_the_sync_thread():
    yield
    await database_sync_to_async(connections.close_all)()


def _headers(world, who, *, mfa: bool = True):
    client = world.client_for(who)
    session = client.session
    if mfa:
        session["portal_mfa_ok"] = True
    session.save()
    cookie = f"sessionid={client.cookies['sessionid'].value}"
    return [(b"cookie", cookie.encode()), (b"origin", b"http://testserver")]


@pytest.fixture
def live(consented):
    with system_scope():
        meeting = call_meeting(consented)
        services.room_start(viewer=consented.coordinator_viewer, meeting=meeting, confirmed=True)
    return consented, meeting


async def connect(world, who, meeting, *, mfa: bool = True):
    headers = await database_sync_to_async(_headers)(world, who, mfa=mfa)
    communicator = WebsocketCommunicator(application, f"/ws/moten/{meeting.uuid}/", headers=headers)
    connected, code = await communicator.connect(timeout=5)
    return communicator, connected, code


async def test_followers_get_part_names_only(live):
    world, meeting = live
    health, connected, _ = await connect(world, world.health_staff, meeting)
    assert connected
    assert await health.receive_json_from(timeout=5) == {"type": "hello"}
    family, connected, _ = await connect(world, world.guardian1.user, meeting)
    assert connected
    assert await family.receive_json_from(timeout=5) == {"type": "hello"}
    await database_sync_to_async(services.note_add)(
        viewer=world.coordinator_viewer, meeting=meeting, text="Hemligt innehåll"
    )
    assert await health.receive_json_from(timeout=5) == {"type": "minutes"}
    assert await family.receive_json_from(timeout=5) == {"type": "minutes"}
    await health.send_json_to({"type": "ping"})
    assert await health.receive_json_from(timeout=5) == {"type": "pong"}
    await health.disconnect()
    await family.disconnect()


async def test_revoked_participant_leaves_the_room_within_a_second(live):
    world, meeting = live
    health, connected, _ = await connect(world, world.health_staff, meeting)
    assert connected
    await health.receive_json_from(timeout=5)
    coordinator, connected, _ = await connect(world, world.coordinator, meeting)
    assert connected
    await coordinator.receive_json_from(timeout=5)
    started = time.monotonic()
    await database_sync_to_async(world.decide)(world.extras["consent"], world.guardian2, "revoked")
    assert await health.receive_json_from(timeout=2) == {"type": "closed", "reason": "access"}
    closed = await health.receive_output(timeout=2)
    assert closed == {"type": "websocket.close", "code": 4403}
    elapsed = time.monotonic() - started
    print(f"revoked participant closed after {elapsed:.3f} s")
    assert elapsed < 1.5
    # The coordinator's agency wrote the meeting: it stays, and sees the attendance change
    # (it lost consent on the case too, and was told so: the policy keeps it in the room).
    assert await coordinator.receive_json_from(timeout=5) == {"type": "attendance"}
    await coordinator.send_json_to({"type": "ping"})
    assert await coordinator.receive_json_from(timeout=5) == {"type": "pong"}
    await coordinator.disconnect()


async def test_lost_revocation_push_still_closes_on_the_next_event(live):
    world, meeting = live
    health, connected, _ = await connect(world, world.health_staff, meeting)
    assert connected
    await health.receive_json_from(timeout=5)

    def lose_access_silently():
        with system_scope():
            ConsentGrant.objects.filter(case=world.case, agency=world.health).delete()

    await database_sync_to_async(lose_access_silently)()
    await database_sync_to_async(services.note_add)(viewer=world.coordinator_viewer, meeting=meeting, text="Nästa")
    assert await health.receive_json_from(timeout=5) == {"type": "closed", "reason": "access"}
    assert await health.receive_output(timeout=2) == {"type": "websocket.close", "code": 4403}


async def test_a_ping_after_lost_access_closes_too(live):
    world, meeting = live
    school, connected, _ = await connect(world, world.school_staff, meeting)
    assert connected
    await school.receive_json_from(timeout=5)

    def lose_access_silently():
        with system_scope():
            ConsentGrant.objects.filter(case=world.case, agency=world.school).delete()

    await database_sync_to_async(lose_access_silently)()
    await school.send_json_to({"type": "ping"})
    assert await school.receive_json_from(timeout=5) == {"type": "closed", "reason": "access"}


@pytest.mark.parametrize(
    "who, mfa, code",
    [
        ("social_staff", True, 4404),  # in the team, no consent, not invited
        ("unrelated_staff", True, 4404),
        ("other_guardian", True, 4404),
        ("health_staff", False, 4403),  # no second factor in this session
    ],
)
async def test_who_may_not_follow_is_refused(live, who, mfa, code):
    world, meeting = live
    person = world.other_guardian.user if who == "other_guardian" else getattr(world, who)
    _communicator, connected, close_code = await connect(world, person, meeting, mfa=mfa)
    assert not connected
    assert close_code == code


async def test_anonymous_is_refused(live):
    _world, meeting = live
    communicator = WebsocketCommunicator(
        application, f"/ws/moten/{meeting.uuid}/", headers=[(b"origin", b"http://testserver")]
    )
    connected, code = await communicator.connect(timeout=5)
    assert not connected and code == 4401


async def test_cancelled_meeting_cannot_be_followed(consented):
    meeting = await database_sync_to_async(call_meeting)(consented)
    await database_sync_to_async(services.meeting_cancel)(viewer=consented.coordinator_viewer, meeting=meeting)
    _communicator, connected, code = await connect(consented, consented.coordinator, meeting)
    assert not connected and code == 4404
