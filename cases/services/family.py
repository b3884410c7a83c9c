"""The family: guardians (custody, protected identity) and others whose needs matter."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils.translation import gettext as _

from access import policy
from access.scoping import Viewer, system_scope
from cases import personnummer
from cases.models import Case, FamilyMember, Guardian, Guardianship
from cases.services._common import (
    CaseError,
    check_family_author,
    clean_text,
    require_coordinator,
    require_open,
)
from portal import audit


def _rebuild_grants_for_child(child_id: int) -> None:
    """Who must agree to a consent depends on custody: recompute the child's open cases."""
    from consent import services as consent_services

    with system_scope():
        cases = list(Case.objects.filter(child_id=child_id, status=Case.Status.OPEN))
    for case in cases:
        consent_services.grants_rebuild(case)


def guardian_add(
    *,
    viewer: Viewer,
    case: Case,
    personal_number: str,
    first_name: str,
    last_name: str,
    email: str = "",
    phone: str = "",
    address: str = "",
    has_custody: bool = True,
    lives_with_child: bool = True,
    protected_identity: bool = False,
) -> Guardianship:
    """Link a guardian to the child.

    DESIGN rule 17: a guardian record is reused only when the viewer can already see it
    (for example as the guardian of a sibling in a collaboration of their own). Otherwise a
    new record holds exactly what the viewer typed, also when the person is registered by
    another agency, so neither the answer nor any page after it tells whether the person
    was known. The names typed are always required for the same reason.

    Custody decides who must agree to a consent, so the grant index is rebuilt.
    """
    require_coordinator(viewer, case, _("Bara samordnaren eller barnets bästa-ansvarig kan ändra familjen."))
    require_open(case)
    try:
        number = personnummer.normalize(personal_number)
    except personnummer.PersonnummerError as error:
        raise CaseError(str(error)) from None
    first_name, last_name = clean_text(first_name), clean_text(last_name)
    if not (first_name and last_name):
        raise CaseError(_("Skriv vårdnadshavarens förnamn och efternamn."))
    email = clean_text(email)
    if email:
        try:
            validate_email(email)
        except ValidationError:
            raise CaseError(_("Skriv en giltig e-postadress, eller lämna fältet tomt.")) from None
    with transaction.atomic():
        with system_scope():
            if case.child.personal_number == number:
                raise CaseError(_("Barnet kan inte vara sin egen vårdnadshavare."))
            if Guardianship.objects.filter(child_id=case.child_id, guardian__personal_number=number).exists():
                raise CaseError(_("Personen finns redan med i barnets familj."))
        guardian = policy.visible_to(Guardian, viewer).filter(personal_number=number).order_by("pk").first()
        with system_scope():
            if guardian is None:
                guardian = Guardian.objects.create(
                    first_name=first_name[:100],
                    last_name=last_name[:100],
                    personal_number=number,
                    email=email,
                    phone=clean_text(phone)[:40],
                    address=clean_text(address)[:300],
                    protected_identity=bool(protected_identity),
                    registered_by_agency_id=viewer.agency_id,
                )
            if Guardianship.objects.filter(child_id=case.child_id, guardian=guardian).exists():
                raise CaseError(_("Personen finns redan med i barnets familj."))
            guardianship = Guardianship.objects.create(
                child_id=case.child_id,
                guardian=guardian,
                has_custody=bool(has_custody),
                lives_with_child=bool(lives_with_child),
            )
        _rebuild_grants_for_child(case.child_id)
        audit.record(
            viewer=viewer,
            action="case.guardian_added",
            obj=guardian,
            case_id=case.pk,
            data={"custody": bool(has_custody)},
        )
    return guardianship


def guardianship_update(
    *, viewer: Viewer, case: Case, guardianship: Guardianship, has_custody: bool, lives_with_child: bool
) -> Guardianship:
    """Change custody or where the child lives (custody changes who must agree to consents)."""
    require_coordinator(viewer, case, _("Bara samordnaren eller barnets bästa-ansvarig kan ändra familjen."))
    require_open(case)
    if guardianship.child_id != case.child_id:
        raise CaseError(_("Personen finns inte i barnets familj."))
    changed = {}
    if guardianship.has_custody != bool(has_custody):
        changed["custody"] = bool(has_custody)
    if guardianship.lives_with_child != bool(lives_with_child):
        changed["lives_with_child"] = bool(lives_with_child)
    if not changed:
        return guardianship
    with transaction.atomic():
        guardianship.has_custody = bool(has_custody)
        guardianship.lives_with_child = bool(lives_with_child)
        with system_scope():
            Guardianship.objects.filter(pk=guardianship.pk).update(
                has_custody=guardianship.has_custody, lives_with_child=guardianship.lives_with_child
            )
        if "custody" in changed:
            _rebuild_grants_for_child(case.child_id)
        audit.record(
            viewer=viewer,
            action="case.guardianship_changed",
            obj=case,
            case_id=case.pk,
            data={"guardianship": guardianship.pk, **changed},
        )
    return guardianship


def family_member_add(
    *,
    viewer: Viewer,
    case: Case,
    relation: str,
    name: str = "",
    guardian_id: int | None = None,
    lives_with_child: bool = True,
    needs: str = "",
    written_by_guardian_id: int | None = None,
    written_by_child: bool = False,
) -> FamilyMember:
    """Someone in the family whose own needs matter (the adult may be the one who needs
    support). Shared as "the family's own description" (category `family`)."""
    require_coordinator(viewer, case)
    require_open(case)
    if relation not in FamilyMember.Relation.values:
        raise CaseError(_("Välj relation till barnet."))
    name = clean_text(name)
    if guardian_id is not None:
        check_family_author(case, guardian_id)
    elif not name:
        raise CaseError(_("Skriv personens namn eller välj en vårdnadshavare."))
    check_family_author(case, written_by_guardian_id)
    with transaction.atomic():
        member = FamilyMember.objects.create(
            case=case,
            author_agency_id=viewer.agency_id,
            created_by_id=viewer.user_id,
            relation=relation,
            name=name,
            guardian_id=guardian_id,
            lives_with_child=bool(lives_with_child),
            needs=clean_text(needs),
            written_by_guardian_id=written_by_guardian_id,
            written_by_child=bool(written_by_child),
        )
        audit.record(viewer=viewer, action="case.family_member_added", obj=member, case_id=case.pk)
    return member


def family_records_link(*, user_id: int, personal_number: str) -> int:
    """Link every guardian and child record with this personal identity number, and no
    account yet, to the account `user_id`. Returns how many records were linked.

    Call it only with a number the person has proven (Swedish eID: the claim
    `https://id.oidc.se/claim/personalIdentityNumber`), never with one typed on our side.
    Since an agency that cannot see a person registers its own record (DESIGN rule 17),
    one person may have several; this is how the family comes to see every collaboration
    registered for them, and can bring them together (`cases.services.joining`).
    """
    from cases.models import Child

    try:
        number = personnummer.normalize(personal_number)
    except personnummer.PersonnummerError as error:
        raise CaseError(str(error)) from None
    with transaction.atomic(), system_scope():
        linked = Guardian.objects.filter(personal_number=number, user__isnull=True).update(user_id=user_id)
        linked += Child.objects.filter(personal_number=number, user__isnull=True).update(user_id=user_id)
    return linked
