"""Two agencies, one child, neither knowing of the other (DESIGN rule 17); the family
brings the collaborations together with every custodial guardian's yes."""

from __future__ import annotations

import pytest
from django.urls import reverse

from access import policy
from access.scoping import system_scope
from cases import services
from cases.models import Case, CaseJoin, Child, Guardian, TeamMember
from consent.models import Consent, ConsentScope
from notifications.models import Notification
from tests.cases.conftest import valid_pnr
from tests.world import World

pytestmark = pytest.mark.django_db


def _valid_numbers(world: World) -> dict[str, str]:
    """The world's numbers are not Luhn-valid; give the child and guardians valid ones."""
    numbers = {
        "child": valid_pnr(world.child.date_of_birth),
        "gun": valid_pnr(__import__("datetime").date(1985, 1, 1)),
        "gustav": valid_pnr(__import__("datetime").date(1983, 2, 2)),
    }
    with system_scope():
        Child.objects.filter(pk=world.child.pk).update(personal_number=numbers["child"])
        Guardian.objects.filter(pk=world.guardian1.pk).update(personal_number=numbers["gun"])
        Guardian.objects.filter(pk=world.guardian2.pk).update(personal_number=numbers["gustav"])
    return numbers


@pytest.fixture
def second(world: World) -> World:
    """The unrelated agency opens its own collaboration for Alva, with the names it typed,
    and adds both guardians with the details it has; the family's accounts are linked to
    the new records as an eID sign-in would (by proven personal identity number)."""
    numbers = _valid_numbers(world)
    viewer = world.viewer(world.unrelated_staff)
    case = services.case_open(
        viewer=viewer,
        personal_number=numbers["child"],
        first_name="Alva",
        last_name="Skrivensson",
        need_description="Behov i vår verksamhet.",
    )
    for key, first, email in (("gun", "Gun", "gun.annan@example.se"), ("gustav", "Gustav", "")):
        services.guardian_add(
            viewer=viewer, case=case, personal_number=numbers[key], first_name=first, last_name="S", email=email
        )
    services.family_records_link(user_id=world.guardian1.user_id, personal_number=numbers["gun"])
    services.family_records_link(user_id=world.guardian2.user_id, personal_number=numbers["gustav"])
    world.extras["second"] = case
    return world


def test_guardian_added_by_another_agency_gets_its_own_record_with_what_it_typed(second):
    case = second.extras["second"]
    with system_scope():
        records = list(Guardian.objects.filter(guardianships__child_id=case.child_id).order_by("first_name"))
    assert [(g.first_name, g.email, g.phone, g.address) for g in records] == [
        ("Gun", "gun.annan@example.se", "", ""),
        ("Gustav", "", "", ""),
    ]
    assert {g.pk for g in records}.isdisjoint({second.guardian1.pk, second.guardian2.pk})
    page = second.client_for(second.unrelated_staff).get(reverse("cases:family", args=[case.uuid])).content.decode()
    for secret in ("gun@test.example", "070-111", "Gatan 1", "gustav@test.example", "Andersson"):
        assert secret not in page, secret


def test_linking_by_proven_number_takes_only_unlinked_records(second):
    with system_scope():
        gun_records = set(Guardian.objects.filter(user_id=second.guardian1.user_id).values_list("pk", flat=True))
    assert len(gun_records) == 2
    # A record already linked to another account is never taken over.
    linked = services.family_records_link(
        user_id=second.guardian2.user_id,
        personal_number=Guardian._base_manager.get(pk=second.guardian1.pk).personal_number,
    )
    assert linked == 0


def test_the_family_sees_both_and_neither_agency_sees_the_other(second):
    case = second.extras["second"]
    assert [c.pk for c in services.join_candidates(viewer=second.guardian1_viewer)[0]] == [second.case.pk, case.pk]
    assert not policy.visible_to(Case, second.viewer(second.unrelated_staff)).filter(pk=second.case.pk).exists()
    assert not policy.visible_to(Case, second.coordinator_viewer).filter(pk=case.pk).exists()
    home = second.client_for(second.guardian1.user).get("/").content.decode()
    assert reverse("cases:join") in home
    page = second.client_for(second.guardian1.user).get(reverse("cases:join")).content.decode()
    assert second.unrelated.name in page and second.school.name in page


def test_nothing_reaches_the_agencies_until_every_guardian_with_custody_agrees(second):
    case = second.extras["second"]
    join = services.case_join_request(viewer=second.guardian1_viewer, keep=second.case, absorb=case)
    assert join.status == CaseJoin.Status.ASKED
    with system_scope():
        assert not TeamMember.objects.filter(case=second.case, agency=second.unrelated).exists()
        assert not Notification.objects.filter(kind="case.joined").exists()
        assert Case.objects.get(pk=case.pk).is_open
    services.case_join_agree(viewer=second.guardian2_viewer, join=join)
    with system_scope():
        join.refresh_from_db()
        assert join.status == CaseJoin.Status.JOINED
        assert TeamMember.objects.filter(case=second.case, agency=second.unrelated, left_at__isnull=True).exists()
        closed = Case.objects.get(pk=case.pk)
        assert (closed.status, closed.closure_reason) == ("closed", "other_support")
        told = set(Notification.objects.filter(kind="case.joined").values_list("recipient_id", flat=True))
        assert told == {second.coordinator.user_id, second.unrelated_staff.user_id}
        # The family is asked for consent for the agency that joined; until then it sees nothing.
        consent = Consent.objects.get(pk=join.consent_id)
        assert set(ConsentScope.objects.filter(consent=consent).values_list("agency_id", "category__code")) == {
            (second.unrelated.pk, "basic")
        }
    unrelated = second.client_for(second.unrelated_staff)
    assert unrelated.get(reverse("cases:detail", args=[second.case.uuid])).status_code == 404
    second.decide(consent, second.guardian1)
    second.decide(consent, second.guardian2)
    assert unrelated.get(reverse("cases:detail", args=[second.case.uuid])).status_code == 200


def test_one_guardian_saying_no_stops_it(second):
    case = second.extras["second"]
    join = services.case_join_request(viewer=second.guardian1_viewer, keep=second.case, absorb=case)
    services.case_join_withdraw(viewer=second.guardian2_viewer, join=join)
    with pytest.raises(services.CaseError, match="redan avgjord"):
        services.case_join_agree(viewer=second.guardian2_viewer, join=join)
    with system_scope():
        assert not TeamMember.objects.filter(case=second.case, agency=second.unrelated).exists()
        assert Case.objects.get(pk=case.pk).is_open


def test_only_guardians_with_custody_in_both_may_ask(second):
    case = second.extras["second"]
    for viewer in (second.child_viewer, second.viewer(second.unrelated_staff), second.coordinator_viewer):
        with pytest.raises(services.CaseError):
            services.case_join_request(viewer=viewer, keep=second.case, absorb=case)
    # The other family's guardian cannot even see the collaborations.
    other = __import__("tests.world", fromlist=["family_viewer"]).family_viewer(second.other_guardian.user)
    with pytest.raises(services.CaseError, match="finns inte"):
        services.case_join_request(viewer=other, keep=second.case, absorb=case)
    assert not CaseJoin._base_manager.exists()


def test_a_guardian_without_an_account_blocks_the_join_until_they_can_answer(second):
    case = second.extras["second"]
    with system_scope():
        Guardian.objects.filter(guardianships__child_id=case.child_id, first_name="Gustav").update(user=None)
    join = services.case_join_request(viewer=second.guardian1_viewer, keep=second.case, absorb=case)
    services.case_join_agree(viewer=second.guardian2_viewer, join=join)  # agrees for the record they hold
    with system_scope():
        assert CaseJoin.objects.get(pk=join.pk).status == CaseJoin.Status.ASKED


def test_the_page_asks_and_answers(second):
    case = second.extras["second"]
    gun = second.client_for(second.guardian1.user)
    url = reverse("cases:join")
    response = gun.post(
        url, {"action": "request", "pair": [str(second.case.uuid), str(case.uuid)], "keep": str(case.uuid)}
    )
    assert response.status_code == 302
    with system_scope():
        join = CaseJoin.objects.get()
        assert (join.keep_id, join.absorb_id) == (case.pk, second.case.pk)
    assert "Du har svarat ja" in gun.get(url).content.decode()
    gustav = second.client_for(second.guardian2.user)
    assert gustav.post(url, {"action": "agree", "join": str(join.uuid)}).status_code == 302
    with system_scope():
        assert CaseJoin.objects.get().status == CaseJoin.Status.JOINED
    # Staff and strangers get 404; a made-up id gets 404.
    assert second.client_for(second.school_staff).get(url).status_code == 404
    assert gun.post(url, {"action": "agree", "join": "00000000-0000-0000-0000-000000000000"}).status_code == 404
    assert gun.post(url, {"action": "request", "pair": ["x", "y"], "keep": "x"}).status_code == 404


def test_the_absorbed_collaborations_consents_read_ended_after_the_join(second):
    """Rule 18 through a join: the collaboration that closes ends its consents as a
    closure does, visibly to the family and in the API; the one that continues keeps its own."""
    from access.scoping import scope
    from cases.models import CoordinatorAppointment
    from consent import services as consent_services
    from tests.world import category, make_staff

    case = second.extras["second"]
    # The opener hands the second collaboration over to a coordinator of her own agency,
    # who asks the family for consent (DESIGN: the coordinator records consent).
    opener = second.viewer(second.unrelated_staff)
    cora = make_staff(second.unrelated, "Cora Samordnare", "coordinator")
    with scope(opener):
        services.coordinator_appoint(
            viewer=opener,
            case=case,
            wish=CoordinatorAppointment.Wish.NO_PREFERENCE,
            coordinator_membership_id=cora.pk,
        )
    with system_scope():
        basic = category("basic").pk
    coordinator = second.viewer(cora)
    with scope(coordinator):
        absorbed = consent_services.consent_request(
            viewer=coordinator,
            case=case,
            purpose="Stöd i vår verksamhet.",
            agency_ids=[second.unrelated.pk],
            category_ids=[basic],
        )
    kept = second.grant([second.health], ["basic"])
    guardian = second.client_for(second.guardian1.user)
    api = f"/api/v1/consents/?case={case.uuid}"
    # Before the join the request waits for the family's answers (so the check below can fail).
    assert {(r["state"], r["end_reason"]) for r in guardian.get(api).json()["results"]} == {("waiting", None)}
    gun, gustav = second.guardian1_viewer, second.guardian2_viewer
    with scope(gun):
        join = services.case_join_request(viewer=gun, keep=second.case, absorb=case)
    with scope(gustav):
        services.case_join_agree(viewer=gustav, join=join)
    with system_scope():
        newest = Consent.objects.filter(series=absorbed.series).order_by("-version").first()
        assert newest is not None and (newest.version, newest.end_reason) == (2, "case_closed")
        assert newest.ended_at is not None
        assert not Consent.objects.filter(series=kept.series, ended_at__isnull=False).exists()
    assert {(r["state"], r["end_reason"]) for r in guardian.get(api).json()["results"]} == {("ended", "case_closed")}
    detail = guardian.get(reverse("consent:family_detail", args=[newest.uuid]))
    assert detail.status_code == 200
    assert "Upphörde när samverkan avslutades" in detail.content.decode()
