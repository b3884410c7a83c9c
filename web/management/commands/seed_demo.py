from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.mail.backends.filebased import EmailBackend as FileEmailBackend
from django.core.management.base import BaseCommand
from django.test import override_settings

from web import demo

CONSOLE = "django.core.mail.backends.console.EmailBackend"


class DemoMailFile(FileEmailBackend):
    """The demo's start-up mail (notifications and invitations the demo data sets off),
    written to var/mail/ instead of scrolling a thousand lines past the banner."""

    sent = 0

    def send_messages(self, email_messages: Any) -> int:
        count = super().send_messages(email_messages)
        DemoMailFile.sent += count
        return count


def start_up_mail_directory() -> Path:
    return Path(settings.BASE_DIR) / "var" / "mail"


class Command(BaseCommand):
    help = "Create (or complete) the Sörmland demo data. Safe to run more than once."

    def handle(self, *args: object, **options: object) -> None:
        if settings.PORTAL_EMAIL_BACKEND == CONSOLE:
            # Embedded: what the demo data sets off goes to a file; a family's sign-in code
            # asked for later still comes to the console.
            directory = start_up_mail_directory()
            directory.mkdir(parents=True, exist_ok=True)
            DemoMailFile.sent = 0
            with override_settings(PORTAL_EMAIL_BACKEND=f"{__name__}.DemoMailFile", EMAIL_FILE_PATH=str(directory)):
                world = demo.seed()
            if DemoMailFile.sent:
                self.stdout.write(
                    f"{DemoMailFile.sent} e-mails set off by the demo data saved in {_shown(directory)}/"
                    " (sign-in codes asked for later print here)"
                )
        else:
            world = demo.seed()
        self.stdout.write(self.style.SUCCESS("Demo data ready."))
        self.stdout.write(f"Staff password: {demo.DEMO_PASSWORD}   TOTP secret: {demo.DEMO_TOTP_SECRET}")
        self.stdout.write(
            "Current TOTP code: python manage.py demo_totp   (families: the code is printed on this console)"
        )
        for user in world["users"].values():
            self.stdout.write(f"  {user.email:40} {user.full_name}")


def _shown(directory: Path) -> str:
    try:
        return str(directory.relative_to(Path.cwd()))
    except ValueError:
        return str(directory)
