"""agencies/idp/: the agency admin's sign-in settings, the organisation sign-in chooser,
and allauth's socialaccount routes (SAML and OpenID Connect) it brings."""

from tests.security.matrix import by_kind, by_role, everyone, no_child_data

_admin_only = by_role(404, agency_admin=200)
_unknown_app = {"organization_slug": lambda w, f: "finns-inte", "provider_id": lambda w, f: "agency-finns-inte"}

TABLE = {
    "idp:choose": no_child_data(everyone(200)),
    "idp:settings": no_child_data(_admin_only),
    "idp:save": no_child_data(everyone(405)),
    "idp:test": no_child_data(everyone(405), post=by_role(404, agency_admin=302)),
    "idp:identity": no_child_data(everyone(405)),
    # allauth's connections page is closed (idp.views.connections_closed answers first).
    "<unnamed> konto/3rdparty/": no_child_data(everyone(404)),
    "<unnamed> konto/social/connections/": no_child_data(everyone(404)),
    # allauth's old "social/" prefix redirects to "3rdparty/".
    "<unnamed> konto/social/*": no_child_data(everyone(301)),
    "socialaccount_connections": no_child_data(everyone(404)),
    "socialaccount_login_cancelled": no_child_data(everyone(200)),
    "socialaccount_login_error": no_child_data(everyone(401)),
    "socialaccount_signup": no_child_data(by_kind(staff=302, family=302, anonymous=302)),
    # An app that does not exist: 404 whoever asks.
    "saml_*": no_child_data(everyone(404), kwargs=_unknown_app, foreign=False),
    # The ACS only stores the POST and redirects to its finish step, which looks the app up.
    "saml_acs": no_child_data(everyone(302), kwargs=_unknown_app, foreign=False),
    # idp.views.saml_finish_acs wraps allauth's finish step (python3-saml's stray errors).
    "<unnamed> konto/saml/<str:organization_slug>/acs/finish/": no_child_data(
        everyone(404), kwargs=_unknown_app, foreign=False
    ),
    "openid_connect_*": no_child_data(everyone(404), kwargs=_unknown_app, foreign=False),
}
