"""directory/ (/stodkatalog/): the support directory is public — search, entry pages and
the API answer everyone, signed in or not. Editing: the admin of the agency that keeps
the entry (the matrix's agency admin is health's; the foreign probe uses an entry kept by
the unrelated agency). Linking into a plan action: the case's coordinator only."""

from datetime import date

from tests.security.matrix import by_kind, by_role, entry, everyone


def _entry(mw, foreign):  # type: ignore[no-untyped-def]
    """A published entry kept by health services (or, foreign, by the unrelated agency)."""
    key = "directory:entry:foreign" if foreign else "directory:entry"
    if key not in mw.objects:
        from access.scoping import system_scope
        from directory.models import NeedKind, SupportEntry

        agency = mw.unrelated if foreign else mw.health
        with system_scope():
            found = SupportEntry.objects.create(
                agency=agency,
                principal=agency.principal,
                name=f"Matrisstöd {agency.name}",
                summary="Stöd.",
                for_whom="Barn.",
                how_to_apply="Ring.",
                provider=agency.name,
                phone="010-00 00 00",
            )
            found.needs.set(NeedKind.objects.filter(code="parenting"))
        mw.objects[key] = found
    return mw.objects[key].uuid


def _action(mw, foreign):  # type: ignore[no-untyped-def]
    """A plan action of the world's case (or, foreign, of the other family's case)."""
    key = "directory:action:foreign" if foreign else "directory:action"
    if key not in mw.objects:
        from access.scoping import system_scope
        from cases.models import PlanAction

        case = mw.other_case if foreign else mw.case
        with system_scope():
            mw.objects[key] = PlanAction.objects.create(
                case=case,
                author_agency=mw.unrelated if foreign else mw.coordination,
                description="Ansöka om avlastning",
                due_date=date(2030, 1, 1),
                responsible_person="Samordnaren",
            )
    return mw.objects[key].uuid


def _link(mw, foreign):  # type: ignore[no-untyped-def]
    key = "directory:link:foreign" if foreign else "directory:link"
    if key not in mw.objects:
        from access.scoping import system_scope
        from directory.models import PlanActionLink, SupportEntry

        _action(mw, foreign)
        _entry(mw, False)
        action = mw.objects["directory:action:foreign" if foreign else "directory:action"]
        with system_scope():
            mw.objects[key] = PlanActionLink.objects.create(
                case=action.case,
                action=action,
                entry=SupportEntry.objects.get(uuid=mw.objects["directory:entry"].uuid),
                author_agency=action.author_agency,
            )
    return mw.objects[key].uuid


_admin = by_role(404, agency_admin=200, anonymous=302)
_coordinator = by_role(404, coordinator=200, anonymous=302)
_post_only = by_kind(staff=405, family=405, anonymous=302)

TABLE = {
    "directory:search": entry(everyone(200)),
    "directory:detail": entry(everyone(200), kwargs={"entry_uuid": _entry}, foreign=False),
    "directory:manage": entry(_admin),
    "directory:manage_create": entry(_admin, post=by_role(404, agency_admin=400, anonymous=302)),
    "directory:manage_edit": entry(
        _admin, post=by_role(404, agency_admin=400, anonymous=302), kwargs={"entry_uuid": _entry}
    ),
    "directory:manage_publish": entry(
        _post_only,
        post=by_role(404, agency_admin=302, anonymous=302),
        kwargs={"entry_uuid": _entry},
        data={"publicerad": "1"},
    ),
    "directory:link_action": entry(_coordinator, post=_coordinator, kwargs={"action_uuid": _action}),
    "directory:unlink_action": entry(
        _post_only, post=by_role(404, coordinator=302, anonymous=302), kwargs={"link_uuid": _link}
    ),
    # API: public read.
    "directory-entry-list": entry(everyone(200), api=True),
    "directory-entry-detail": entry(everyone(200), kwargs={"uuid": _entry}, api=True, foreign=False),
    "directory-need-list": entry(everyone(200), api=True),
}
