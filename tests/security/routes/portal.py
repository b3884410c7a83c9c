"""portal/ and project-level routes: home, static texts, health, sign-in (allauth),
language, the Django admin, the API schema."""

from tests.security.matrix import by_kind, entry, everyone

_signed_in_redirect = by_kind(staff=302, family=302, anonymous=200)

TABLE = {
    "portal:home": entry(by_kind(staff=200, family=200, anonymous=302)),
    "portal:accessibility": entry(everyone(200)),
    "portal:about": entry(everyone(200)),
    "portal:health": entry(everyone(200)),
    "portal:reference": entry(everyone(200)),
    # allauth: sign-in pages for the signed-out, account pages for the signed-in.
    "account_login": entry(_signed_in_redirect),
    "account_logout": entry(by_kind(staff=200, family=200, anonymous=302)),
    "account_inactive": entry(everyone(200)),
    "account_signup": entry(_signed_in_redirect),  # the adapter closes sign-up: a page saying so
    "account_reauthenticate": entry(by_kind(staff=200, family=403, anonymous=302)),  # families have no password
    "account_email": entry(by_kind(staff=200, family=200, anonymous=302)),
    "account_email_verification_sent": entry(everyone(200)),
    "account_change_password": entry(by_kind(staff=200, family=302, anonymous=302)),
    "account_set_password": entry(by_kind(staff=302, family=200, anonymous=302)),
    "account_reset_password": entry(everyone(200)),
    "account_confirm_login_code": entry(everyone(302)),
    "account_confirm_email": entry(everyone(200), kwargs={"key": lambda w, f: "ogiltig-nyckel"}),
    "account_reset_password_from_key_done": entry(everyone(200)),
    "account_reset_password_from_key": entry(
        everyone(200), kwargs={"uidb36": lambda w, f: "1", "key": lambda w, f: "ogiltig"}
    ),
    "account_reset_password_done": entry(everyone(200)),
    "account_request_login_code": entry(_signed_in_redirect),
    "mfa_index": entry(by_kind(staff=200, family=200, anonymous=302)),
    "mfa_authenticate": entry(everyone(302)),
    "mfa_reauthenticate": entry(by_kind(staff=200, family=403, anonymous=302)),
    "mfa_activate_totp": entry(by_kind(staff=302, family=200, anonymous=302)),  # staff already have TOTP
    "mfa_deactivate_totp": entry(by_kind(staff=302, family=404, anonymous=302)),
    "mfa_view_recovery_codes": entry(by_kind(staff=404, family=404, anonymous=302)),
    "mfa_generate_recovery_codes": entry(by_kind(staff=302, family=200, anonymous=302)),
    "mfa_download_recovery_codes": entry(by_kind(staff=404, family=404, anonymous=302)),
    "usersessions_list": entry(by_kind(staff=200, family=200, anonymous=302)),
    "set_language": entry(everyone(302)),
    "javascript-catalog": entry(everyone(200)),
    # The Django admin: no persona of the matrix is a superuser.
    "admin:login": entry(by_kind(staff=403, family=403, anonymous=302)),
    "admin:*": entry(
        everyone(302),
        kwargs={
            "object_id": lambda w, f: "1",
            "content_type_id": lambda w, f: "1",
            "app_label": lambda w, f: "consent",
        },
        foreign=False,
    ),
    "<unnamed> admin/*": entry(
        everyone(302), kwargs={"url": lambda w, f: "finns-inte/", "object_id": lambda w, f: "1"}
    ),
    "api-schema": entry(everyone(200)),
    "api-docs": entry(everyone(200)),
}
