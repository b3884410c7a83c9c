"""accesslog/: routes of the accesslog app (completed by its engineer or the lead at integration)."""

from tests.security.matrix import by_kind, entry

TABLE: dict = {}
_ = (by_kind, entry)
