from django.core.management.base import BaseCommand

from portal import demo


class Command(BaseCommand):
    help = "Create (or complete) the Sörmland demo data. Safe to run more than once."

    def handle(self, *args: object, **options: object) -> None:
        world = demo.seed()
        self.stdout.write(self.style.SUCCESS("Demo data ready."))
        self.stdout.write(f"Staff password: {demo.DEMO_PASSWORD}   TOTP secret: {demo.DEMO_TOTP_SECRET}")
        self.stdout.write(
            "Current TOTP code: python manage.py demo_totp   (families: the code is printed on this console)"
        )
        for user in world["users"].values():
            self.stdout.write(f"  {user.email:40} {user.full_name}")
