"""cases/: the collaboration pages."""

from tests.security.matrix import by_kind, case_object, entry

TABLE = {
    "cases:list": entry(by_kind(staff=200, family=404, anonymous=404)),
    "cases:detail": entry(case_object(anonymous=404)),
}
