"""notifications/: the bell."""

from tests.security.matrix import by_kind, entry

TABLE = {
    "notifications:list": entry(by_kind(staff=200, family=200, anonymous=302)),
    "notifications:mark_all_read": entry(by_kind(staff=405, family=405, anonymous=405)),
}
