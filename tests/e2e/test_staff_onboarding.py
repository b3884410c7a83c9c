"""An agency admin invites a new staff member, who sets a password and must enrol TOTP
before reaching anything; the admin deactivates them and their next request is signed out."""

import re
import time

from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value

from tests.e2e.conftest import check_accessibility, login_staff, new_page

PASSWORD = "Ett-alldeles-nytt-losenord-7"


def test_invite_enrol_totp_and_deactivate(browser, server):
    admin = new_page(browser, server)
    newcomer = new_page(browser, server)
    try:
        login_staff(admin, "skoladmin@demo.samverkan.se")
        admin.goto("/verksamhet/personal/")
        check_accessibility(admin, "staff-list")
        admin.get_by_label("Namn").fill("Nina Nyanställd")
        admin.get_by_label("E-post").fill("nina@demo.samverkan.se")
        admin.get_by_label("Roll").select_option("staff")
        admin.get_by_label("Befattning").fill("Speciallärare")
        admin.get_by_role("button", name="Skicka inbjudan").click()
        assert admin.get_by_text("Inbjudan är skickad.").is_visible()

        deadline = time.time() + 10
        while not server.mails_to("nina@demo.samverkan.se") and time.time() < deadline:
            time.sleep(0.2)
        mail = server.mails_to("nina@demo.samverkan.se")[-1]
        assert "Elsa" not in mail and "Noah" not in mail
        path = re.search(r"(/verksamhet/inbjudan/[^\s]+/)", mail).group(1)

        newcomer.goto(path)
        check_accessibility(newcomer, "invitation-accept")
        newcomer.get_by_label("Välj lösenord").fill(PASSWORD)
        newcomer.get_by_label("Upprepa lösenordet").fill(PASSWORD)
        newcomer.get_by_role("button", name="Fortsätt").click()
        # allauth asks for the password again before enabling TOTP.
        newcomer.wait_for_url(re.compile(r".*/konto/reauthenticate/.*"))
        newcomer.get_by_label("Lösenord").fill(PASSWORD)
        newcomer.get_by_role("button", name=re.compile("Bekräfta|Verifiera|Fortsätt")).click()
        newcomer.wait_for_url(re.compile(r".*/konto/2fa/totp/activate/"))
        check_accessibility(newcomer, "totp-activate")
        secret = newcomer.locator("#authenticator_secret").input_value()
        code = format_hotp_value(hotp_value(secret, int(time.time()) // 30))
        newcomer.locator("input[name=code]").fill(code)
        newcomer.get_by_role("button", name="Koppla appen").click()
        newcomer.goto("/")
        assert newcomer.get_by_role("heading", name="Hej Nina").is_visible()

        admin.goto("/verksamhet/personal/")
        admin.get_by_role("button", name="Inaktivera Nina Nyanställd").click()
        if "/konto/reauthenticate/" in admin.url:
            admin.get_by_label("Lösenord").fill("Samverkan-demo-2026")
            admin.get_by_role("button", name=re.compile("Bekräfta|Verifiera|Fortsätt")).click()
        assert admin.get_by_text("kan inte längre logga in").is_visible()

        newcomer.goto("/")
        assert "/konto/login/" in newcomer.url
    finally:
        admin.context.close()
        newcomer.context.close()
