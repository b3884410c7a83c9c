"""Opening a collaboration: the exact personnummer search that never reveals an invisible
child, reuse of one child record, validation that changes nothing."""

import re

import pytest
from django.urls import reverse

from access.scoping import system_scope
from cases import services
from cases.models import Case, Child, TeamMember
from portal.models import AuditEvent
from tests.cases.conftest import open_case, valid_pnr

pytestmark = pytest.mark.django_db


def test_staff_member_opens_a_collaboration_as_barnets_basta_ansvarig(world):
    number = valid_pnr()
    case = services.case_open(
        viewer=world.viewer(world.school_staff),
        personal_number=number.replace("-", ""),
        first_name=" Vera ",
        last_name="Andersson",
        need_description="  Vera vill gå till skolan utan ont i magen.  ",
        level=Case.Level.JOINT,
        stress_at_start=7,
    )
    with system_scope():
        case.refresh_from_db()
        child = Child.objects.get(pk=case.child_id)
        assert (child.first_name, child.personal_number, str(child.date_of_birth)) == ("Vera", number, "2016-08-15")
        assert case.owner_agency_id == world.school.pk and case.opened_by_id == world.school_staff.user_id
        assert case.need_description == "Vera vill gå till skolan utan ont i magen."
        assert (case.level, case.stress_at_start, case.coordinator_id) == ("joint", 7, None)
        member = TeamMember.objects.get(case=case)
        assert (member.agency_id, member.contact_id) == (world.school.pk, world.school_staff.pk)
        assert AuditEvent.objects.filter(action="case.opened", case_id=case.pk).exists()


@pytest.mark.parametrize(
    "changes, message",
    [
        ({"personal_number": "2016-08-15"}, "tolv siffror"),
        ({"personal_number": "20160835-1234"}, "Datumet"),
        ({"personal_number": "20160815-1234"}, "kontrollsiffran"),
        ({"need_description": "   "}, "Beskriv behovet"),
        ({"first_name": ""}, "förnamn"),
        ({"level": "max"}, "samverkansnivå"),
        ({"stress_at_start": 11}, "från 1"),
    ],
)
def test_bad_input_is_refused_with_a_message_and_changes_nothing(world, changes, message):
    before = Case._base_manager.count(), Child._base_manager.count()
    kwargs = {"personal_number": valid_pnr(), "first_name": "Vera", "last_name": "A", "need_description": "Behov."}
    kwargs.update(changes)
    with pytest.raises(services.CaseError, match=message):
        services.case_open(viewer=world.viewer(world.school_staff), **kwargs)
    assert (Case._base_manager.count(), Child._base_manager.count()) == before


def test_search_is_exact_and_finds_only_children_the_viewer_may_see(world):
    case = open_case(world)
    with system_scope():
        number = Child.objects.get(pk=case.child_id).personal_number
    assert services.child_find(viewer=world.viewer(world.school_staff), personal_number=number).pk == case.child_id
    assert services.child_find(viewer=world.viewer(world.unrelated_staff), personal_number=number) is None
    assert services.child_find(viewer=world.viewer(world.health_staff), personal_number=number) is None
    # Exact match only: a near miss finds nothing.
    near = valid_pnr()
    assert services.child_find(viewer=world.viewer(world.school_staff), personal_number=near) is None


def _search_page(client, number):
    html = client.post(reverse("cases:open"), {"step": "search", "personal_number": number}).content.decode()
    html = html.replace(number, "PNR")
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", re.sub(r'"X-CSRFToken": "[^"]+"', "", html))


def test_search_answers_an_invisible_child_exactly_like_a_missing_one(world):
    case = open_case(world, first_name="Hemliga", last_name="Barnet")
    with system_scope():
        existing = Child.objects.get(pk=case.child_id).personal_number
    client = world.client_for(world.unrelated_staff)
    invisible = _search_page(client, existing)
    missing = _search_page(client, valid_pnr())
    assert invisible == missing
    assert "Hemliga" not in invisible
    # The child's own agency does find it (and sees the name).
    mine = world.client_for(world.school_staff)
    assert (
        "Hemliga" in mine.post(reverse("cases:open"), {"step": "search", "personal_number": existing}).content.decode()
    )


def _known_number(world):
    """Give the world's child a Luhn-valid number (the world's are not) and return it."""
    number = valid_pnr(world.child.date_of_birth)
    with system_scope():
        Child.objects.filter(pk=world.child.pk).update(personal_number=number)
    world.child.personal_number = number
    return number


def _open_as(client, number, first="Annat", last="Namn"):
    return client.post(
        reverse("cases:open"),
        {
            "step": "open",
            "personal_number": number,
            "first_name": first,
            "last_name": last,
            "need_description": "Behov i vår verksamhet.",
            "level": "light",
        },
    )


def test_a_second_agency_gets_its_own_record_with_the_names_it_typed(world):
    """DESIGN rule 17: the newcomer sees only what it typed; the first agency's record,
    its guardians and its collaboration stay unknown to it, and it stays unknown to them."""
    number, first_record = _known_number(world), world.child.pk
    client = world.client_for(world.unrelated_staff)
    response = _open_as(client, number)
    assert response.status_code == 302
    with system_scope():
        new = Case.objects.filter(owner_agency=world.unrelated).latest("pk")
        own = Child.objects.get(pk=new.child_id)
        assert own.pk != first_record
        assert (own.first_name, own.last_name, own.personal_number) == ("Annat", "Namn", number)
        assert own.registered_by_agency_id == world.unrelated.pk
        assert not own.guardianships.exists()
        unchanged = Child.objects.get(pk=first_record)
        assert (unchanged.first_name, unchanged.registered_by_agency_id) == ("Alva", world.school.pk)
    page = client.get(response.url).content.decode()
    assert "Annat Namn" in page
    for secret in ("Alva", "Gun", "Gustav", "gun@test.example", "070-111", "Gatan 1", "Vägen 2"):
        assert secret not in page, secret
    family = client.get(reverse("cases:family", args=[new.uuid])).content.decode()
    assert "Gun" not in family and "gun@test.example" not in family
    # Neither agency learns of the other.
    assert client.get(reverse("cases:detail", args=[world.case.uuid])).status_code == 404
    school = world.client_for(world.school_staff)
    assert school.get(reverse("cases:detail", args=[new.uuid])).status_code == 404
    assert "Annat" not in school.get(reverse("cases:list")).content.decode()
    assert "Annat" not in school.get(reverse("cases:detail", args=[world.case.uuid])).content.decode()


def test_the_answer_is_the_same_whether_the_number_is_known_elsewhere_or_not(world):
    known = _known_number(world)
    client = world.client_for(world.unrelated_staff)

    def shape(number):
        response = _open_as(client, number)
        assert response.status_code == 302
        page = client.get(response.url).content.decode()
        with system_scope():
            case = Case.objects.filter(owner_agency=world.unrelated).latest("pk")
        page = page.replace(str(case.uuid), "UUID").replace(case.uuid.hex[:8], "UUID")
        page = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", page)
        return re.sub(r'"X-CSRFToken": "[^"]+"', "", page)

    unknown = valid_pnr(world.child.date_of_birth)
    assert shape(known) == shape(unknown)


def test_a_protected_child_stays_protected_when_another_agency_opens_for_the_number(world):
    with system_scope():
        Child.objects.filter(pk=world.child.pk).update(protected_identity=True)
    number = _known_number(world)
    client = world.client_for(world.unrelated_staff)
    response = _open_as(client, number, "Skyddat", "Barn")
    page = client.get(response.url).content.decode()
    assert "Alva" not in page and "Skyddat Barn" in page
    with system_scope():
        new = Case.objects.filter(owner_agency=world.unrelated).latest("pk")
        assert Child.objects.get(pk=new.child_id).protected_identity is False  # what was typed


def test_an_agency_that_can_see_the_child_reuses_its_record(world):
    """Reuse is for what the viewer could already see: the school, after its case closed."""
    number = _known_number(world)
    with system_scope():
        Case.objects.filter(pk=world.case.pk).update(status="closed", closed_at=world.case.opened_at)
    case = services.case_open(
        viewer=world.viewer(world.school_staff), personal_number=number, need_description="Nytt behov."
    )
    assert case.child_id == world.child.pk


def test_opening_needs_names_also_when_an_invisible_child_exists(world):
    """Otherwise the missing-name error would tell whether the number is registered."""
    case = open_case(world)
    with system_scope():
        number = Child.objects.get(pk=case.child_id).personal_number
    for pnr in (number, valid_pnr()):
        with pytest.raises(services.CaseError, match="förnamn"):
            services.case_open(viewer=world.viewer(world.unrelated_staff), personal_number=pnr, need_description="X")


def test_a_visible_open_collaboration_is_not_opened_twice(world):
    case = open_case(world)
    with system_scope():
        number = Child.objects.get(pk=case.child_id).personal_number
    with pytest.raises(services.CaseError, match="redan en pågående samverkan"):
        services.case_open(viewer=world.viewer(world.school_staff), personal_number=number, need_description="X")


def test_open_page_in_two_steps_for_a_known_child(world):
    case = open_case(world, first_name="Kända")
    with system_scope():
        number = Child.objects.get(pk=case.child_id).personal_number
        Case.objects.filter(pk=case.pk).update(status="closed", closed_at=case.opened_at)
    client = world.client_for(world.school_staff)
    html = client.post(reverse("cases:open"), {"step": "search", "personal_number": number}).content.decode()
    assert "Kända" in html and 'name="first_name"' not in html
    response = client.post(
        reverse("cases:open"),
        {"step": "open", "personal_number": number, "need_description": "Nytt behov.", "level": "sip"},
    )
    assert response.status_code == 302
    with system_scope():
        assert Case.objects.filter(child_id=case.child_id, status="open", level="sip").exists()


def test_personal_numbers_are_never_listed(world):
    case = open_case(world)
    with system_scope():
        number = Child.objects.get(pk=case.child_id).personal_number
    client = world.client_for(world.school_staff)
    for url in (
        reverse("cases:list"),
        reverse("cases:detail", args=[case.uuid]),
        reverse("cases:family", args=[case.uuid]),
        "/api/v1/cases/",
        f"/api/v1/cases/{case.uuid}/",
    ):
        body = client.get(url).content.decode()
        assert number not in body and number.replace("-", "") not in body, url


def test_family_cannot_open_a_collaboration(world):
    client = world.client_for(world.guardian1.user)
    assert client.get(reverse("cases:open")).status_code == 404
    with pytest.raises(services.CaseError):
        services.case_open(
            viewer=world.guardian1_viewer,
            personal_number=valid_pnr(),
            first_name="A",
            last_name="B",
            need_description="C",
        )
