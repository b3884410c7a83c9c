"""portal/eid and allauth's socialaccount routes (families' Swedish eID sign-in). No child
data; eID is not configured in the matrix, so the provider's routes answer 404 (no such
provider) and the step-up return 404 to the signed-in (302 sign-in to the anonymous)."""

from tests.security.matrix import by_kind, everyone, no_child_data

_provider = {"provider_id": lambda w, f: "eid"}

TABLE = {
    "eid:confirm_return": no_child_data(by_kind(staff=404, family=404, anonymous=302)),
    "eid:nothing": no_child_data(by_kind(staff=200, family=200, anonymous=302)),
    "openid_connect_login": no_child_data(everyone(404), kwargs=_provider),
    "openid_connect_callback": no_child_data(everyone(404), kwargs=_provider),
    # allauth's socialaccount routes are declared once, in routes/idp.py (connections closed).
}
