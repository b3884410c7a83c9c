"""agencies/: the admin's staff pages, invitations, API keys, switching agency."""

import uuid

from tests.security.matrix import by_kind, by_role, entry, everyone

_admin_only = by_role(404, agency_admin=200)

TABLE = {
    "agencies:staff": entry(_admin_only),
    "agencies:invite": entry(everyone(405), post=by_role(404, agency_admin=400)),
    "agencies:deactivate": entry(
        everyone(405),
        kwargs={"membership_uuid": lambda w, f: (w.school_staff if f else w.health_staff).uuid},
    ),
    "agencies:accept": entry(everyone(404), kwargs={"token": lambda w, f: "ogiltig-inbjudan"}, foreign=False),
    "agencies:switch": entry(everyone(405), post=by_kind(staff=302, family=302, anonymous=302)),
    "agencies:api_tokens": entry(by_kind(staff=200, family=404, anonymous=404)),
    "agencies:api_token_create": entry(everyone(405)),
    "agencies:api_token_revoke": entry(everyone(405), kwargs={"token_uuid": lambda w, f: uuid.uuid4()}),
    # API: the acting agency's own staff, for its admin.
    "staff-list": entry(by_role(403, agency_admin=200, anonymous=401), api=True),
    "staff-detail": entry(
        by_role(403, agency_admin=200, anonymous=401),
        kwargs={"uuid": lambda w, f: (w.school_staff if f else w.health_staff).uuid},
        api=True,
    ),
}
