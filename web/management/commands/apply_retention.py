"""`manage.py apply_retention`: run the retention job now (it also runs daily on beat)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from web import retention


class Command(BaseCommand):
    help = "Remove closed collaborations and access-log entries past their retention, and record it."

    def handle(self, *args: Any, **options: Any) -> None:
        result = retention.run()
        self.stdout.write(
            f"Removed {len(result.cases)} closed collaborations ({len(result.children)} children, "
            f"{len(result.guardians)} guardians) and {sum(result.log_entries.values())} access-log entries."
        )
        for chain, count in sorted(result.log_entries.items()):
            self.stdout.write(f"  {chain}: {count}")
