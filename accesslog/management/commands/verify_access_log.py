"""`manage.py verify_access_log`: walk every hash chain of the access log, check it against
the checkpoints and the signed heads published outside the database, and report the first
break of each. Exit code 1 when any chain is broken (for monitoring and CI)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from access.scoping import system_scope
from accesslog import integrity


class Command(BaseCommand):
    help = "Verify the access log's hash chains; report the first break of each chain."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--chain", help='Only this chain, e.g. "agency:3" or "family:12".')

    def handle(self, *args: Any, **options: Any) -> None:
        with system_scope():
            reports = integrity.verify(options.get("chain"))
        if not reports:
            self.stdout.write("The access log is empty.")
            return
        broken = 0
        for report in reports:
            if report.ok:
                span = f"seq {report.first_seq}–{report.head_seq}" if report.entries else "no entries"
                self.stdout.write(
                    self.style.SUCCESS(f"OK      {report.chain}: {report.entries} entries ({span}), ")
                    + f"{report.checkpoints_checked} checkpoints, {report.published_checked} signed heads, "
                    + f"head {report.head_hash or '-'}"
                )
                for note in report.notes:
                    self.stdout.write(f"        {note}")
            else:
                broken += 1
                where = f"seq {report.break_seq}" + (f" (id {report.break_id})" if report.break_id else "")
                self.stdout.write(
                    self.style.ERROR(f"BROKEN  {report.chain} at {where}: {report.problem}")
                    + f"; {report.entries} entries before it verified"
                )
        if broken:
            raise CommandError(f"{broken} of {len(reports)} chains broken", returncode=1)
