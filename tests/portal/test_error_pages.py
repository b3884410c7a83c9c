"""The portal's own error pages: plain Swedish (English on request), nothing revealed —
a missing page and one the viewer may no longer see read the same."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from access.scoping import system_scope

pytestmark = pytest.mark.django_db

SV_404 = "Sidan finns inte, eller så har du inte längre tillgång"


def test_missing_and_forbidden_read_the_same_and_reveal_nothing(world) -> None:
    unrelated = world.client_for(world.unrelated_staff)
    forbidden = unrelated.get(reverse("cases:detail", args=[world.case.uuid]))
    missing = unrelated.get(reverse("cases:detail", args=["00000000-0000-0000-0000-000000000000"]))
    unknown_path = unrelated.get("/finns-inte-alls/")
    for response in (forbidden, missing, unknown_path):
        assert response.status_code == 404
        html = response.content.decode()
        assert SV_404 in html
        assert "URLconf" not in html and "Traceback" not in html
    with system_scope():
        name = world.child.first_name
    assert name not in forbidden.content.decode()
    # Nor does the page echo the address asked for (the language switch goes home).
    assert str(world.case.uuid) not in forbidden.content.decode()
    # The nav and the sign-out stay, so the person can go on from here.
    assert 'href="/"' in forbidden.content.decode()


def test_the_404_page_speaks_english_on_request(world) -> None:
    client = Client(headers={"accept-language": "en"})
    page = client.get("/finns-inte-alls/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert SV_404 not in page
    assert "The page does not exist, or you no longer have access" in page


def test_a_server_error_page_is_plain_and_safe(client, settings) -> None:
    from django.urls import path

    def boom(request):  # type: ignore[no-untyped-def]
        raise RuntimeError("secret internals")

    import web.urls

    settings.ROOT_URLCONF = type("Urls", (), {"urlpatterns": [path("boom/", boom), *web.urls.urlpatterns]})
    client.raise_request_exception = False
    response = client.get("/boom/")
    assert response.status_code == 500
    html = response.content.decode()
    assert "Något gick fel hos oss" in html and "secret internals" not in html


def test_a_lost_database_connection_is_a_503_that_asks_to_wait(client, settings) -> None:
    """While PostgreSQL restarts (make faults), a request that loses its connection says
    "try again in a moment" (503, Retry-After), not that something is broken."""
    from django.db import OperationalError
    from django.urls import path

    import web.urls

    def lost(request):  # type: ignore[no-untyped-def]
        raise OperationalError("server closed the connection unexpectedly")

    def broken(request):  # type: ignore[no-untyped-def]
        raise RuntimeError("a bug")

    settings.ROOT_URLCONF = type(
        "Urls",
        (),
        {
            "urlpatterns": [path("lost/", lost), path("broken/", broken), *web.urls.urlpatterns],
            "handler500": web.urls.handler500,
        },
    )
    client.raise_request_exception = False
    response = client.get("/lost/")
    assert response.status_code == 503
    assert response["Retry-After"] == "10"
    html = response.content.decode()
    assert "Portalen är inte nåbar just nu" in html and "closed the connection" not in html
    other = client.get("/broken/")
    assert other.status_code == 500 and "Något gick fel hos oss" in other.content.decode()
