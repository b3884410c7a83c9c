"""The public support directory: readable without sign-in, searchable and filterable,
never showing unpublished entries; a fixed number of queries however many entries."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.directory.conftest import make_entry


def _names(response) -> set[str]:
    return {entry.name for entry in response.context["page"].object_list}


def test_anonymous_visitor_reads_the_directory_without_signing_in(world, entries):
    client = Client()
    response = client.get(reverse("directory:search"))
    assert response.status_code == 200
    names = _names(response)
    assert {"Föräldrastöd i grupp", "Första linjen för barn och unga", "Omvårdnadsbidrag"} <= names
    assert "Nedlagt stöd" not in names
    detail = client.get(reverse("directory:detail", args=[entries["parenting"].uuid]))
    assert detail.status_code == 200
    assert "Ring oss." in detail.content.decode()
    # Public pages may be cached; nothing here is personal.
    assert "no-store" not in detail.get("Cache-Control", "")


def test_unpublished_entry_is_404_for_everyone(world, entries):
    url = reverse("directory:detail", args=[entries["hidden"].uuid])
    assert Client().get(url).status_code == 404
    assert world.client_for(world.social_staff).get(url).status_code == 404
    assert Client().get(f"/api/v1/stodkatalog/{entries['hidden'].uuid}/").status_code == 404


def test_filter_by_municipality_region_age_and_need(world, entries):
    client = Client()
    testkoping = _names(client.get(reverse("directory:search"), {"omrade": world.municipality.uuid}))
    assert "Öppna förskolan Annanstad" not in testkoping
    assert {"Föräldrastöd i grupp", "Första linjen för barn och unga", "Omvårdnadsbidrag"} <= testkoping
    annanstad = _names(client.get(reverse("directory:search"), {"omrade": world.other_municipality.uuid}))
    assert annanstad == {"Öppna förskolan Annanstad", "Första linjen för barn och unga", "Omvårdnadsbidrag"}
    region = _names(client.get(reverse("directory:search"), {"omrade": world.region.uuid}))
    assert region == {"Första linjen för barn och unga", "Omvårdnadsbidrag"}
    age_two = _names(client.get(reverse("directory:search"), {"alder": 2}))
    assert "Första linjen för barn och unga" not in age_two and "Korttidsvistelse (LSS)" in age_two
    respite = _names(client.get(reverse("directory:search"), {"behov": "respite"}))
    assert respite == {"Korttidsvistelse (LSS)"}


@pytest.mark.parametrize("query", ["föräldrastöd", "FÖRÄLDRASTÖD", "Föräldra grupp", "öppna förskolan"])
def test_text_search_ignores_case_of_swedish_letters(world, entries, query):
    names = _names(Client().get(reverse("directory:search"), {"q": query}))
    assert names and names <= {"Föräldrastöd i grupp", "Öppna förskolan Annanstad"}


def test_bad_filter_values_still_give_a_list(world, entries):
    response = Client().get(reverse("directory:search"), {"alder": "tolv", "omrade": "nope", "behov": "x"})
    assert response.status_code == 200
    assert "Föräldrastöd i grupp" in _names(response)


def test_menu_entry_for_signed_in_people(world, entries):
    assert "Stödkatalog" in world.client_for(world.school_staff).get("/").content.decode()
    assert "Stödkatalog" in world.client_for(world.guardian1.user).get("/").content.decode()


def test_search_page_runs_a_fixed_number_of_queries(world, entries):
    client = Client()
    with CaptureQueriesContext(connection) as few:
        assert client.get(reverse("directory:search")).status_code == 200
    for i in range(25):
        make_entry(world.social, f"Stöd nummer {i}", needs=["parenting", "respite"])
    with CaptureQueriesContext(connection) as many:
        assert client.get(reverse("directory:search")).status_code == 200
    assert len(few) == len(many) <= 6


def test_api_lists_and_filters_published_entries_without_sign_in(world, entries):
    client = Client()
    data = client.get("/api/v1/stodkatalog/").json()
    names = {e["name"] for e in data["results"]}
    assert "Nedlagt stöd" not in names and "Föräldrastöd i grupp" in names
    filtered = client.get("/api/v1/stodkatalog/", {"behov": "respite", "alder": 4}).json()
    assert [e["name"] for e in filtered["results"]] == ["Korttidsvistelse (LSS)"]
    detail = client.get(f"/api/v1/stodkatalog/{entries['bup'].uuid}/").json()
    assert detail["provider"] == world.health.name
    assert {m["name"] for m in detail["municipalities"]} == {"Testköping", "Annanstad"}
    needs = client.get("/api/v1/stodkatalog/behov/").json()
    assert {"code": "respite", "name": "Avlastning"} in needs
    assert client.get("/api/v1/stodkatalog/", {"omrade": "inte-ett-id"}).status_code == 200


def test_api_is_read_only(world, entries):
    client = world.client_for(world.health_admin)
    url = f"/api/v1/stodkatalog/{entries['bup'].uuid}/"
    assert Client().post("/api/v1/stodkatalog/", {"name": "x"}).status_code in {403, 405}
    assert client.delete(url).status_code in {403, 405}
    assert client.patch(url, {"name": "x"}, content_type="application/json").status_code in {403, 405}


def test_api_list_runs_a_fixed_number_of_queries(world, entries):
    client = Client()
    with CaptureQueriesContext(connection) as few:
        client.get("/api/v1/stodkatalog/")
    for i in range(25):
        make_entry(world.health, f"API-stöd {i}", needs=["mental-health"])
    with CaptureQueriesContext(connection) as many:
        client.get("/api/v1/stodkatalog/")
    assert len(few) == len(many)


def test_entry_page_runs_a_fixed_number_of_queries(world, entries):
    client = Client()
    url = reverse("directory:detail", args=[entries["bup"].uuid])
    with CaptureQueriesContext(connection) as few:
        assert client.get(url).status_code == 200
    from directory.models import NeedKind

    entries["bup"].needs.set(NeedKind.objects.all())
    with CaptureQueriesContext(connection) as many:
        assert client.get(url).status_code == 200
    assert len(few) == len(many) <= 4
