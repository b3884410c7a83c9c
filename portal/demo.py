"""Demo sign-ins shared by every app's demo data (`<app>/demo.py`): the staff password,
the TOTP secret, the mail domain. The demo itself is seeded by `web.demo.seed`
(`manage.py seed_demo`).

Every demo staff member signs in with DEMO_PASSWORD and a TOTP code from DEMO_TOTP_SECRET
(`make totp` prints the current code); families sign in with a one-time code that is
printed on the console (e-mail goes to the console in the embedded default).
"""

from __future__ import annotations

from portal.models import User

DEMO_PASSWORD = "Samverkan-demo-2026"
# Base32 secret shared by all demo staff (demo only: real users enrol their own).
DEMO_TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
DEMO_DOMAIN = "demo.samverkan.se"


def staff_email(key: str) -> str:
    return f"{key}@{DEMO_DOMAIN}"


def _ensure_totp(user: User) -> None:
    from allauth.mfa.models import Authenticator
    from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
    from allauth.mfa.totp.internal.auth import TOTP

    if not Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists():
        TOTP.activate(user, DEMO_TOTP_SECRET)
        RecoveryCodes.activate(user)
