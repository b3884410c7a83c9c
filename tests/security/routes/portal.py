"""portal/ and project-level routes: home, static texts, health, sign-in (allauth),
language, the Django admin, the API schema. None of them shows child data, so they are
probed in one consent state (`no_child_data`); the home page, which includes every app's
panels, in all seven."""

from tests.security.matrix import by_kind, entry, everyone, no_child_data

_signed_in_redirect = by_kind(staff=302, family=302, anonymous=200)

TABLE = {
    "portal:home": entry(by_kind(staff=200, family=200, anonymous=302)),
    "portal:accessibility": no_child_data(everyone(200)),
    "portal:about": no_child_data(everyone(200)),
    "portal:health": no_child_data(everyone(200)),
    "portal:reference": no_child_data(everyone(200)),
    # The benchmark's plain page has no consent layer: served only under `make bench`.
    "portal:plain_reference": no_child_data(everyone(404)),
    "portal:favicon": no_child_data(everyone(301)),
    # allauth: sign-in pages for the signed-out, account pages for the signed-in.
    "account_login": no_child_data(_signed_in_redirect),
    "account_logout": no_child_data(by_kind(staff=200, family=200, anonymous=302)),
    "account_inactive": no_child_data(everyone(200)),
    "account_signup": no_child_data(_signed_in_redirect),  # the adapter closes sign-up: a page saying so
    "account_reauthenticate": no_child_data(by_kind(staff=200, family=403, anonymous=302)),  # families have no password
    # Closed: adding an address would tell whether another account has it (rule 17).
    "account_email": no_child_data(everyone(404), post=everyone(404)),
    "account_email_verification_sent": no_child_data(everyone(200)),
    "account_change_password": no_child_data(by_kind(staff=200, family=302, anonymous=302)),
    "account_set_password": no_child_data(by_kind(staff=302, family=200, anonymous=302)),
    "account_reset_password": no_child_data(everyone(200)),
    "account_confirm_login_code": no_child_data(everyone(302)),
    "account_confirm_email": no_child_data(everyone(200), kwargs={"key": lambda w, f: "ogiltig-nyckel"}),
    "account_reset_password_from_key_done": no_child_data(everyone(200)),
    "account_reset_password_from_key": no_child_data(
        everyone(200), kwargs={"uidb36": lambda w, f: "1", "key": lambda w, f: "ogiltig"}
    ),
    "account_reset_password_done": no_child_data(everyone(200)),
    "account_request_login_code": no_child_data(_signed_in_redirect),
    "mfa_index": no_child_data(by_kind(staff=200, family=200, anonymous=302)),
    "mfa_authenticate": no_child_data(everyone(302)),
    "mfa_reauthenticate": no_child_data(by_kind(staff=200, family=403, anonymous=302)),
    "mfa_activate_totp": no_child_data(by_kind(staff=302, family=200, anonymous=302)),  # staff already have TOTP
    "mfa_deactivate_totp": no_child_data(by_kind(staff=302, family=404, anonymous=302)),
    "mfa_view_recovery_codes": no_child_data(by_kind(staff=404, family=404, anonymous=302)),
    "mfa_generate_recovery_codes": no_child_data(by_kind(staff=302, family=200, anonymous=302)),
    "mfa_download_recovery_codes": no_child_data(by_kind(staff=404, family=404, anonymous=302)),
    "usersessions_list": no_child_data(by_kind(staff=200, family=200, anonymous=302)),
    "set_language": no_child_data(everyone(302)),
    "javascript-catalog": no_child_data(everyone(200)),
    # The Django admin: no persona of the matrix is a superuser.
    "admin:login": no_child_data(by_kind(staff=403, family=403, anonymous=302)),
    "admin:*": no_child_data(
        everyone(302),
        kwargs={
            "object_id": lambda w, f: "1",
            "content_type_id": lambda w, f: "1",
            "app_label": lambda w, f: "consent",
        },
        foreign=False,
    ),
    "<unnamed> admin/*": no_child_data(
        everyone(302), kwargs={"url": lambda w, f: "finns-inte/", "object_id": lambda w, f: "1"}
    ),
    "api-schema": no_child_data(everyone(200)),
    "api-docs": no_child_data(everyone(200)),
}
