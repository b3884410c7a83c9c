"""The real client address (issue 16, item 4): behind the configured trusted proxy the log
keeps the address from X-Forwarded-For; from anyone else the header is ignored."""

from __future__ import annotations

import pytest
from django.urls import reverse

from access.scoping import system_scope
from accesslog.client import client_address
from tests.accesslog.conftest import entries_of

pytestmark = pytest.mark.django_db

CLIENT = "198.51.100.4"
SPOOFED = "192.0.2.66"


def logged_addresses(world, **headers: str) -> set[str | None]:
    with system_scope():
        client = world.client_for(world.school_staff)
    response = client.get(reverse("cases:detail", args=[world.case.uuid]), **headers)
    assert response.status_code == 200
    entries = entries_of(request_id=response["X-Request-ID"])
    assert entries
    return {entry.ip for entry in entries}


def test_behind_the_trusted_proxy_the_log_keeps_the_forwarded_client(world, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 1
    assert logged_addresses(world, REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR=CLIENT) == {CLIENT}
    # A client's own header in front of the proxy's entry is not believed: one proxy, one hop.
    assert logged_addresses(world, REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR=f"{SPOOFED}, {CLIENT}") == {CLIENT}


def test_the_header_from_anyone_but_the_proxy_is_ignored(world, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 1
    assert logged_addresses(world, REMOTE_ADDR="203.0.113.9", HTTP_X_FORWARDED_FOR=SPOOFED) == {"203.0.113.9"}


def test_with_no_proxy_configured_the_header_is_ignored(world, settings):
    settings.TRUSTED_PROXY_COUNT = 0
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 0
    assert logged_addresses(world, REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR=SPOOFED) == {"127.0.0.1"}


def test_client_address_counts_hops_from_the_right(settings):
    settings.TRUSTED_PROXY_COUNT = 2
    settings.TRUSTED_PROXY_ADDRESSES = ["10.0.0.0/8"]
    assert client_address("10.1.2.3", f"{SPOOFED}, {CLIENT}, 10.9.9.9") == CLIENT
    assert client_address("10.1.2.3", CLIENT) == "10.1.2.3"  # fewer hops than proxies: not believed
    assert client_address("10.1.2.3", "not-an-address, 10.9.9.9") == "10.1.2.3"
    assert client_address("10.1.2.3", "2001:db8::1 , 10.9.9.9") == "2001:db8::1"
    assert client_address("172.16.0.1", f"{CLIENT}, 10.9.9.9") == "172.16.0.1"
    assert client_address(None, CLIENT) is None


def test_live_reads_take_the_address_the_same_way(world, settings):
    from accesslog import writes
    from cases.models import Case

    settings.TRUSTED_PROXY_COUNT = 1
    scope = {"client": ("127.0.0.1", 5000), "headers": [(b"x-forwarded-for", CLIENT.encode())]}
    with system_scope():
        viewer = world.viewer(world.school_staff)
    with writes.live_reading(viewer, scope):
        assert list(Case.objects.all())
    assert {entry.ip for entry in entries_of(action="live")} == {CLIENT}
