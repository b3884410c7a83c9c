"""Each mapping row carries the information category of what it holds (issue 13 item 7):
healthcare with a consent for health but only a pending one for school situation reads
the health row of the mapping and never the school row — not on the page, in the API or
in any list — until the school consent is in force."""

from __future__ import annotations

import pytest
from django.urls import reverse

from access.scoping import scope, system_scope
from cases import services
from cases.models import LifeArea, MappingEntry
from consent.models import CategoryDefault, Consent, InformationCategory
from tests.world import World, category

SCHOOL_TEXT = "SKOLRAD: Alva är hemma de flesta dagar."
HEALTH_TEXT = "HÄLSORAD: Alva sover dåligt."


@pytest.fixture
def mapped(world: World) -> World:
    """Healthcare has an effective consent for basic details, the family's description and
    health; a second consent for school situation is asked for and only one guardian has
    answered (pending). The coordinator maps the school and the health areas."""
    world.grant([world.health], ["basic", "family", "health"])
    pending = world.request_consent([world.health], ["school"])
    world.decide(pending, world.guardian1)
    world.extras["pending"] = pending
    sara = world.coordinator_viewer
    with system_scope():
        world.extras["school_row"] = services.mapping_entry_create(
            viewer=sara, case=world.case, area=LifeArea.SCHOOL, current_state=SCHOOL_TEXT
        )
        world.extras["health_row"] = services.mapping_entry_create(
            viewer=sara, case=world.case, area=LifeArea.HEALTH, current_state=HEALTH_TEXT
        )
    return world


def _make_school_consent_effective(world: World) -> None:
    pending: Consent = world.extras["pending"]
    world.decide(pending, world.guardian2)


def test_rows_get_the_default_category_of_their_life_area(mapped):
    school_row, health_row = mapped.extras["school_row"], mapped.extras["health_row"]
    assert school_row.category.code == "school"
    assert health_row.category.code == "health"
    with system_scope():
        other = services.mapping_entry_create(
            viewer=mapped.coordinator_viewer, case=mapped.case, area=LifeArea.LEISURE, current_state="Fotboll"
        )
    assert other.category.code == "family"


def test_the_default_per_life_area_is_data(mapped):
    with system_scope():
        CategoryDefault.objects.filter(subject="life_area:leisure").update(category=category("social"))
        row = services.mapping_entry_create(
            viewer=mapped.coordinator_viewer, case=mapped.case, area=LifeArea.LEISURE, current_state="Fritids"
        )
    assert row.category.code == "social"


def test_healthcare_cannot_read_the_school_row_while_the_school_consent_is_pending(mapped):
    health = mapped.viewer(mapped.health_staff)
    school_row, health_row = mapped.extras["school_row"], mapped.extras["health_row"]
    with scope(health):
        visible = set(MappingEntry.objects.filter(case=mapped.case).values_list("pk", flat=True))
    assert visible == {health_row.pk}

    client = mapped.client_for(mapped.health_staff)
    for url in (
        reverse("cases:mapping", args=[mapped.case.uuid]),
        reverse("cases:family_plan", args=[mapped.case.uuid]),
        f"/api/v1/mapping-entries/?case={mapped.case.uuid}",
        "/api/v1/mapping-entries/",
        f"/api/v1/cases/{mapped.case.uuid}/mapping/",
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        body = response.content.decode()
        assert SCHOOL_TEXT not in body, url
        assert str(school_row.uuid) not in body, url
    api = client.get(f"/api/v1/cases/{mapped.case.uuid}/mapping/").json()
    assert [row["category"] for row in api] == ["health"]  # no count or placeholder for the school row
    assert client.get(f"/api/v1/mapping-entries/{school_row.uuid}/").status_code == 404
    assert client.get(f"/api/v1/mapping-entries/{health_row.uuid}/").json()["current_state"] == HEALTH_TEXT
    page = client.get(reverse("cases:mapping", args=[mapped.case.uuid])).content.decode()
    assert HEALTH_TEXT in page
    assert 'id="area-school"' not in page  # no empty section for the area either


def test_healthcare_reads_the_school_row_once_the_school_consent_is_effective(mapped):
    _make_school_consent_effective(mapped)
    school_row = mapped.extras["school_row"]
    client = mapped.client_for(mapped.health_staff)
    assert SCHOOL_TEXT in client.get(reverse("cases:mapping", args=[mapped.case.uuid])).content.decode()
    assert client.get(f"/api/v1/mapping-entries/{school_row.uuid}/").json()["category"] == "school"
    with scope(mapped.viewer(mapped.health_staff)):
        assert MappingEntry.objects.filter(pk=school_row.pk).exists()


def test_a_withdrawn_school_consent_hides_the_school_row_again(mapped):
    from consent import services as consent_services

    _make_school_consent_effective(mapped)
    pending: Consent = mapped.extras["pending"]
    with system_scope():
        consent_services.decision_record(
            viewer=mapped.coordinator_viewer,
            consent=pending,
            party=consent_services.Party(guardian_id=mapped.guardian2.pk),
            decision="revoked",
            method="paper",
        )
    with scope(mapped.viewer(mapped.health_staff)):
        assert not MappingEntry.objects.filter(pk=mapped.extras["school_row"].pk).exists()
        assert MappingEntry.objects.filter(pk=mapped.extras["health_row"].pk).exists()


def test_the_author_agency_always_sees_its_own_rows(mapped):
    with scope(mapped.coordinator_viewer):
        assert MappingEntry.objects.filter(case=mapped.case).count() == 2
    page = mapped.client_for(mapped.coordinator).get(reverse("cases:mapping", args=[mapped.case.uuid]))
    assert SCHOOL_TEXT in page.content.decode() and HEALTH_TEXT in page.content.decode()


def test_an_agency_without_consent_sees_no_row(mapped):
    with scope(mapped.viewer(mapped.social_staff)):
        assert not MappingEntry.objects.filter(case=mapped.case).exists()


def test_the_family_sees_what_family_visible_categories_allow(mapped):
    school_row, health_row = mapped.extras["school_row"], mapped.extras["health_row"]
    with scope(mapped.guardian1_viewer):
        assert set(MappingEntry.objects.values_list("pk", flat=True)) == {school_row.pk, health_row.pk}
    InformationCategory.objects.filter(code="school").update(visible_to_family=False)
    with scope(mapped.guardian1_viewer):
        assert set(MappingEntry.objects.values_list("pk", flat=True)) == {health_row.pk}
    page = mapped.client_for(mapped.guardian1.user).get(reverse("cases:family_plan", args=[mapped.case.uuid]))
    assert page.status_code == 200
    assert SCHOOL_TEXT not in page.content.decode()
    assert HEALTH_TEXT in page.content.decode()


def test_the_writer_sees_the_default_and_may_choose_another_category(mapped):
    client = mapped.client_for(mapped.coordinator)
    url = reverse("cases:mapping", args=[mapped.case.uuid])
    page = client.get(url).content.decode()
    assert "Vilken kategori får ett område om du inte väljer själv?" in page
    assert 'name="category"' in page
    response = client.post(url, {"area": "school", "current_state": "Trivs på rasterna", "category": "family"})
    assert response.status_code in (302, 303)
    with system_scope():
        row = MappingEntry.objects.get(current_state="Trivs på rasterna")
    assert row.category.code == "family"
    # Healthcare (family consent in force) reads a school-area row the writer marked as
    # the family's own description.
    with scope(mapped.viewer(mapped.health_staff)):
        assert MappingEntry.objects.filter(pk=row.pk).exists()


def test_an_unknown_category_is_refused_and_changes_nothing(mapped):
    with system_scope():
        before = MappingEntry.objects.count()
    with pytest.raises(services.CaseError), system_scope():
        services.mapping_entry_create(
            viewer=mapped.coordinator_viewer,
            case=mapped.case,
            area=LifeArea.SCHOOL,
            current_state="X",
            category="no-such-category",
        )
    client = mapped.client_for(mapped.coordinator)
    response = client.post(
        "/api/v1/mapping-entries/",
        {"case": str(mapped.case.uuid), "area": "school", "current_state": "Y", "category": "nope"},
        content_type="application/json",
    )
    assert response.status_code == 400
    with system_scope():
        assert MappingEntry.objects.count() == before


def test_changing_the_area_moves_the_row_to_the_new_areas_category(mapped):
    row = mapped.extras["health_row"]
    with system_scope():
        services.mapping_entry_update(
            viewer=mapped.coordinator_viewer, entry=row, area=LifeArea.SCHOOL, current_state=HEALTH_TEXT
        )
        row.refresh_from_db()
    assert row.category.code == "school"
    with scope(mapped.viewer(mapped.health_staff)):
        assert not MappingEntry.objects.filter(pk=row.pk).exists()
    # The API keeps the category when it is left out and the area stays.
    client = mapped.client_for(mapped.coordinator)
    response = client.patch(
        f"/api/v1/mapping-entries/{row.uuid}/", {"desired_state": "Bättre"}, content_type="application/json"
    )
    assert response.status_code == 200 and response.json()["category"] == "school"
