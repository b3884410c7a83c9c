"""A family's copy of their data (GDPR art. 15): JSON, readable HTML and PDF; custodial
guardians (and the child when they decide alone); the other guardian's contact details
and what other family members looked at are left out; the export is itself logged."""

from __future__ import annotations

import json
from datetime import date

import pytest
from django.urls import reverse

from access.scoping import system_scope
from cases.models import Case, Child, Guardianship, SharedItem
from consent.models import MaturityAssessment
from tests.accesslog.conftest import entries_of, log_entry
from tests.world import category, personal_number

pytestmark = pytest.mark.django_db


def export(world, fmt: str = "json", who=None, child=None):
    client = world.client_for(who or world.guardian1.user)
    return client.get(reverse(f"accesslog:export_{fmt}", args=[(child or world.child).uuid]))


def test_json_holds_the_child_the_collaboration_and_the_guardian(world):
    world.grant([world.health], ["basic", "health"])
    with system_scope():
        SharedItem.objects.create(
            case=world.case, author_agency=world.school, category=category("school"), title="Skolans bild", body="Text"
        )
    response = export(world)
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith('attachment; filename="samverkansportalen-uppgifter-')
    data = json.loads(response.content)
    assert data["child"]["förnamn"] == "Alva"
    assert data["child"]["personnummer"] == world.child.personal_number
    assert data["requested_by"]["namn"] == "Gun Testsson"
    kinds = {section["model"]: section for section in data["collaboration"]}
    assert kinds["cases.Case"]["rows"][0]["behovet med familjens egna ord"].startswith("Alva behöver")
    assert kinds["cases.SharedItem"]["rows"][0]["rubrik"] == "Skolans bild"
    assert {"consent.Consent", "consent.ConsentDecision", "cases.TeamMember"} <= set(kinds)
    assert data["notes"]


def test_the_other_guardians_contact_details_are_left_out(world):
    data = json.loads(export(world).content)
    guardians = {
        row["förnamn"]: row for row in next(s for s in data["collaboration"] if s["model"] == "cases.Guardian")["rows"]
    }
    assert guardians["Gun"]["e-post"] == "gun@test.example" and guardians["Gun"]["adress"] == "Gatan 1"
    assert guardians["Gustav"] == {
        "id": str(world.guardian2.uuid),
        "förnamn": "Gustav",
        "efternamn": "Andersson",
        "skyddade personuppgifter": False,
    }
    text = json.dumps(data, ensure_ascii=False)
    for secret in ("gustav@test.example", "070-222", "Vägen 2", world.guardian2.personal_number):
        assert secret not in text


def test_the_access_log_is_included_without_other_family_members_reads(world):
    world.client_for(world.coordinator).get(reverse("cases:detail", args=[world.case.uuid]))
    world.client_for(world.guardian2.user).get(reverse("accesslog:family", args=[world.child.uuid]))
    world.client_for(world.guardian1.user).get(reverse("accesslog:family", args=[world.child.uuid]))
    data = json.loads(export(world).content)
    names = {row["namn"] for row in data["access_log"]}
    assert "Sara Samordnare" in names and "Gun Testsson" in names
    assert "Gustav Andersson" not in names
    row = next(r for r in data["access_log"] if r["namn"] == "Sara Samordnare" and "samverkan" in r["vad"])
    assert row["grund"] == "Samordningsansvar" and row["verksamhet"] == "Samordningsenheten Test"


def test_another_childs_data_is_not_in_this_childs_export(world):
    born = date(2018, 2, 2)
    with system_scope():
        sibling = Child.objects.create(
            first_name="Sixten",
            last_name="Testsson",
            personal_number=personal_number(born),
            date_of_birth=born,
            registered_by_agency=world.school,
        )
        Guardianship.objects.create(child=sibling, guardian=world.guardian1, has_custody=True)
        Case.objects.create(
            child=sibling,
            owner_agency=world.school,
            opened_by=world.school_staff.user,
            need_description="Sixtens behov.",
        )
    log_entry(agency_id=world.school.pk, actor_name="Syskon Läsare", child_id=sibling.pk)
    text = export(world).content.decode()
    assert "Sixten" not in text and "Sixtens behov" not in text and "Syskon Läsare" not in text
    sibling_text = export(world, child=sibling).content.decode()
    assert "Sixtens behov" in sibling_text and "Alva behöver" not in sibling_text


def test_the_export_is_logged_in_the_familys_chains(world):
    response = export(world)
    entries = entries_of(None, chain__startswith="family:", request_id=response["X-Request-ID"])
    assert entries and {e.action for e in entries} == {"export"}
    assert {e.actor_id for e in entries} == {world.guardian1.user_id}
    assert ("accesslog.AccessLogEntry", world.child.pk) in {(e.object_type, e.child_id) for e in entries}
    assert ("cases.Case", world.child.pk) in {(e.object_type, e.child_id) for e in entries}


def test_html_and_pdf_are_readable_documents(world):
    html = export(world, "html")
    assert html.status_code == 200
    body = html.content.decode()
    assert '<html lang="sv">' in body and "<h1>Uppgifter i Samverkansportalen</h1>" in body
    assert "Alva behöver stöd" in body and "<main>" in body
    assert "style=" not in body and "<script" not in body
    pdf = export(world, "pdf")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")


@pytest.mark.parametrize("who", ["other_guardian", "school_staff", "coordinator"])
def test_nobody_else_may_export(world, who):
    user = world.other_guardian.user if who == "other_guardian" else getattr(world, who)
    for fmt in ("json", "html", "pdf"):
        assert export(world, fmt, user).status_code == 404
    assert world.client_for(user).get(reverse("accesslog:export", args=[world.child.uuid])).status_code == 404


def test_a_guardian_without_custody_may_not_export(world):
    with system_scope():
        Guardianship.objects.filter(guardian=world.guardian2).update(has_custody=False)
    assert export(world, who=world.guardian2.user).status_code == 404


def test_the_child_may_export_only_when_deciding_alone(world):
    assert export(world, who=world.child.user).status_code == 404  # 10 years old
    with system_scope():
        MaturityAssessment.objects.create(child=world.child, level="child", reason="Mogen att bestämma själv.")
    response = export(world, who=world.child.user)
    assert response.status_code == 200
    assert json.loads(response.content)["child"]["förnamn"] == "Alva"


def test_the_export_page_offers_the_three_formats(world):
    html = world.client_for(world.guardian1.user).get(reverse("accesslog:export", args=[world.child.uuid]))
    body = html.content.decode()
    for fmt in ("json", "html", "pdf"):
        assert reverse(f"accesslog:export_{fmt}", args=[world.child.uuid]) in body
