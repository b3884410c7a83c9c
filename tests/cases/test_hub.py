"""The collaboration page (hub) and the home panels: fixed queries, contact details only
by policy, family panels only for the family's own child."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from access.scoping import scope, system_scope
from agencies.models import Agency
from cases import services
from cases.models import Guardian, Guardianship
from tests.cases.conftest import page_queries, valid_pnr
from tests.world import category, make_staff

pytestmark = pytest.mark.django_db


def _grow(world, n, offset=0):
    """The coordinator adds n agencies, contacts, relatives, items and actions, as on her pages."""
    sara = world.coordinator_viewer
    for i in range(n):
        with system_scope():
            agency = Agency.objects.create(principal=world.municipality, name=f"Förening {offset + i}", kind="other")
        contact = make_staff(agency, f"Kontakt {offset + i}", totp=False)
        with scope(sara):
            services.team_member_add(
                viewer=sara, case=world.case, agency_id=agency.pk, contact_membership_id=contact.pk
            )
            services.external_contact_add(
                viewer=sara, case=world.case, organisation="Försäkringskassan", name=f"H{offset + i}"
            )
            services.family_member_add(viewer=sara, case=world.case, relation="sibling", name=f"Syskon {offset + i}")
            services.shared_item_create(
                viewer=sara,
                case=world.case,
                category_id=category("basic").pk,
                title=f"Delat {offset + i}",
                body="Text",
            )
            services.plan_action_create(
                viewer=sara,
                case=world.case,
                description=f"Insats {offset + i}",
                due_date=timezone.localdate() + timedelta(days=i),
                responsible_agency_id=agency.pk,
            )


def test_the_collaboration_page_runs_a_fixed_number_of_queries(world, no_template_queries):
    client = world.client_for(world.coordinator)
    url = reverse("cases:detail", args=[world.case.uuid])
    client.get(url)
    _grow(world, 2)
    small, _html = page_queries(client, url)
    _grow(world, 20, offset=2)
    large, html = page_queries(client, url)
    assert "Förening 21" in html and "Delat 21" in html and "Syskon 21" in html
    assert small == large, (small, large)


@pytest.mark.parametrize("page", ["plan", "mapping", "team", "family", "family_plan", "appoint"])
def test_other_collaboration_pages_run_a_fixed_number_of_queries(world, page, no_template_queries):
    client = world.client_for(world.coordinator)
    url = reverse(f"cases:{page}", args=[world.case.uuid])
    client.get(url)
    _grow(world, 2)
    small, _html = page_queries(client, url)
    _grow(world, 12, offset=2)
    large, _html = page_queries(client, url)
    assert small == large, (page, small, large)


def test_the_hub_shows_team_coordinator_and_slots(world):
    html = world.client_for(world.coordinator).get(reverse("cases:detail", args=[world.case.uuid])).content.decode()
    for text in ("Sara Samordnare", "Samordningsenheten Test", "BUP Test", "Socialtjänsten Test", "Samtycken", "Möten"):
        assert text in html, text
    assert "Samordnarens verktyg" in html
    html = world.client_for(world.school_staff).get(reverse("cases:detail", args=[world.case.uuid])).content.decode()
    assert "Samordnarens verktyg" not in html and "Du har lämnat över samordningen" in html


def test_protected_contact_details_are_shown_only_to_the_registering_agency(world):
    with system_scope():
        protected = Guardian.objects.create(
            first_name="Skyddad",
            last_name="Förälder",
            personal_number=valid_pnr(),
            email="skyddad@test.example",
            address="Hemlig väg 1",
            protected_identity=True,
            registered_by_agency=world.coordination,
        )
        Guardianship.objects.create(child=world.child, guardian=protected, has_custody=False)
    world.grant([world.health], ["basic"])
    url = reverse("cases:detail", args=[world.case.uuid])
    for member, shown in ((world.coordinator, True), (world.school_staff, False), (world.health_staff, False)):
        html = world.client_for(member).get(url).content.decode()
        assert "Skyddad Förälder" in html
        assert ("Hemlig väg 1" in html) is shown and ("skyddad@test.example" in html) is shown
    # An ordinary guardian's details are shown to staff who see the collaboration.
    assert "gun@test.example" in world.client_for(world.health_staff).get(url).content.decode()


def test_guardian_added_through_the_family_page_is_reused_and_custody_rebuilds_consent(world):
    consent = world.grant([world.health], ["basic"])
    assert world.client_for(world.health_staff).get(reverse("cases:detail", args=[world.case.uuid])).status_code == 200
    client = world.client_for(world.coordinator)
    number = valid_pnr()
    response = client.post(
        reverse("cases:family", args=[world.case.uuid]),
        {"personal_number": number, "first_name": "Ny", "last_name": "Vårdnadshavare", "has_custody": "yes"},
    )
    assert response.status_code == 302
    # A new custodial guardian has not agreed yet: the consent stops being effective.
    assert world.client_for(world.health_staff).get(reverse("cases:detail", args=[world.case.uuid])).status_code == 404
    assert consent.pk
    response = client.post(
        reverse("cases:family", args=[world.case.uuid]),
        {"personal_number": number, "first_name": "Ny", "last_name": "Vårdnadshavare", "has_custody": "yes"},
    )
    assert response.status_code == 400 and "redan med" in response.content.decode()


def test_family_home_shows_the_childs_collaboration_and_coordinator(world):
    html = world.client_for(world.guardian1.user).get("/").content.decode()
    assert "Samarbetet kring Alva" in html and "Sara Samordnare" in html
    assert reverse("cases:family_plan", args=[world.case.uuid]) in html
    other = world.client_for(world.other_guardian.user).get("/").content.decode()
    assert "Alva" not in other and str(world.case.uuid) not in other


def test_the_child_gets_child_friendly_words(world):
    client = world.client_for(world.child.user)
    assert "De som hjälper dig" in client.get("/").content.decode()
    assert "Din plan" in client.get(reverse("cases:family_plan", args=[world.case.uuid])).content.decode()


@pytest.mark.parametrize("who", ["coordinator", "health_staff", "school_staff"])
def test_the_case_read_for_its_page_counts_only_what_the_viewer_may_see(world, who):
    """The plan counts and the maturity level read with the case (scoped subqueries) are
    what the viewer's own reads of the plan and the assessments give."""
    from cases import selectors
    from consent import services as consent_services
    from consent.models import MaturityAssessment

    _grow(world, 3)
    # Healthcare sees the collaboration, not the plan; the school sees both.
    world.grant([world.health], ["basic"])
    world.grant([world.school], ["basic", "plan"])
    with scope(world.coordinator_viewer):
        consent_services.maturity_assess(
            viewer=world.coordinator_viewer, child=world.child, level="guardians", reason="Samtal"
        )
        consent_services.maturity_assess(
            viewer=world.coordinator_viewer, child=world.child, level="asked", reason="Nytt samtal"
        )
    viewer = world.viewer(getattr(world, who))
    with scope(viewer):
        case = selectors.case_hub_queryset(viewer=viewer).get(pk=world.case.pk)
        expected = selectors.plan_counts(case, viewer=viewer)
        levels = list(
            MaturityAssessment.objects.filter(child_id=case.child_id)
            .order_by("recorded_at", "id")
            .values_list("level", flat=True)
        )
    assert selectors.hub_plan_counts(case) == {key: expected[key] for key in selectors.PLAN_COUNT_KEYS}
    assert case.maturity_level == (levels[-1] if levels else None)
    if who == "coordinator":
        assert case.maturity_level == "asked"
    if who != "health_staff":
        assert expected["total"] >= 3


def test_the_consent_panel_on_the_case_page_reads_no_recipient_rows(world):
    """The panel shows each consent's purpose and state: the same states as the full cards,
    without reading the scope rows (agencies × categories)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from consent import selectors as consent_selectors

    world.grant([world.health, world.school], ["basic", "health"])
    for member in (world.coordinator, world.health_staff):
        viewer = world.viewer(member)
        with scope(viewer):
            case = world.case.__class__.objects.select_related("child", "owner_agency__principal").get(pk=world.case.pk)
            full = consent_selectors.case_cards(viewer, case)
            with CaptureQueriesContext(connection) as ctx:
                summary = consent_selectors.case_cards(viewer, case, with_recipients=False)
        assert [c.consent.pk for c in summary] == [c.consent.pk for c in full]
        assert [(c.state, c.period_text) for c in summary] == [(c.state, c.period_text) for c in full]
        assert full and all(c.recipients for c in full) and not any(c.recipients for c in summary)
        assert not any("consent_consentscope" in q["sql"].split(" FROM ", 1)[-1][:40] for q in ctx.captured_queries)
