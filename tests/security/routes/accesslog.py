"""accesslog/ (/logg/): the family's "Vem har tittat?" and data export, the agency
admin's log review. Family pages: the custodial guardians and the child; the export:
custodial guardians (the world's child is 10 and does not decide alone); the review: the
agency admin. Everyone else 404; the signed-out are sent to sign in."""

from tests.security.matrix import GUARDIANS, OWN_FAMILY, by_role, entry, when

_FAMILY = {"guardian", "other_guardian", "unrelated_guardian", "child"}


def _child_uuid(mw, foreign):  # type: ignore[no-untyped-def]
    return (mw.other_child if foreign else mw.child).uuid


CHILD = {"child_uuid": _child_uuid}
# The index pages redirect a family member to their (only) child's page.
family_redirect = by_role(404, anonymous=302, **dict.fromkeys(_FAMILY, 302))
own_child = when(lambda role, state: role in OWN_FAMILY)
export = when(lambda role, state: role in GUARDIANS)
admin_only = by_role(404, agency_admin=200, anonymous=302)

TABLE = {
    "accesslog:index": entry(by_role(404, anonymous=302, agency_admin=302, **dict.fromkeys(_FAMILY, 302))),
    "accesslog:family_index": entry(family_redirect),
    "accesslog:family": entry(own_child, kwargs=CHILD),
    "accesslog:export_index": entry(family_redirect),
    "accesslog:export": entry(export, kwargs=CHILD),
    "accesslog:export_json": entry(export, kwargs=CHILD),
    "accesslog:export_html": entry(export, kwargs=CHILD),
    "accesslog:export_pdf": entry(export, kwargs=CHILD),
    "accesslog:review": entry(admin_only),
    "accesslog:review_csv": entry(admin_only),
}
