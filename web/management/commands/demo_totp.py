from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from django.core.management.base import BaseCommand

from portal import demo


def current_code() -> str:
    import time

    return format_hotp_value(hotp_value(demo.DEMO_TOTP_SECRET, int(time.time()) // 30))


class Command(BaseCommand):
    help = "Print the current TOTP code of the demo staff accounts."

    def handle(self, *args: object, **options: object) -> None:
        self.stdout.write(current_code())
