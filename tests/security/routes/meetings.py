"""meetings/: routes of the meetings app (completed by its engineer or the lead)."""

from tests.security.matrix import by_kind, entry

TABLE = {
    "meetings:list": entry(by_kind(staff=200, family=200, anonymous=200)),
}
