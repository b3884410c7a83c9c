"""insights/ (/forbattring/): coordinators record gaps; the reports are for municipal
management only — a role none of the matrix's people hold, so every report route is 404
(pages) or 403 (API) for all of them. The signed-out are sent to sign in. No route takes
an object id: a gap record has no link to a case to probe."""

from tests.security.matrix import by_kind, by_role, entry

_coordinator = by_role(404, coordinator=200, anonymous=302)
_nobody = by_kind(staff=404, family=404, anonymous=302)
_api_nobody = by_kind(staff=403, family=403, anonymous=401)

TABLE = {
    "insights:index": entry(_coordinator),
    "insights:gap_list": entry(_coordinator),
    "insights:gap_create": entry(_coordinator, post=by_role(404, coordinator=400, anonymous=302)),
    "insights:gap_report": entry(_nobody),
    "insights:gap_report_csv": entry(_nobody),
    "insights:followup": entry(_nobody),
    "insights:followup_csv": entry(_nobody),
    "insights-gaps-list": entry(_api_nobody, api=True),
    "insights-followup-list": entry(_api_nobody, api=True),
}
