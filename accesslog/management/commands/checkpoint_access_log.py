"""`manage.py checkpoint_access_log`: record and publish the access log's signed heads now
(beat does it every 5 minutes). `--new-key` first makes the signing key file."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from access.scoping import system_scope
from accesslog import heads, integrity


class Command(BaseCommand):
    help = "Checkpoint the access log: record every moved chain's head and publish it signed."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--new-key", action="store_true", help="Make the key file ACCESS_LOG_SIGNING_KEY names (never overwrites)."
        )

    def handle(self, *args: Any, new_key: bool, **options: Any) -> None:
        if new_key:
            if not settings.ACCESS_LOG_SIGNING_KEY:
                raise CommandError("Set ACCESS_LOG_SIGNING_KEY to the key file's path.")
            path = Path(settings.ACCESS_LOG_SIGNING_KEY)
            if path.exists():
                raise CommandError(f"{path} exists; a signing key is never overwritten.")
            heads.generate_key(path)
            self.stdout.write(f"New signing key in {path} (public half in {path}.pub): pin the public key.")
        with system_scope():
            count = integrity.checkpoint()
        where = settings.ACCESS_LOG_HEADS_DIR or "nowhere (ACCESS_LOG_HEADS_DIR is not set)"
        self.stdout.write(f"Checkpointed {count} chains; heads published to {where}.")
