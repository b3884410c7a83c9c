from django.core.management.base import BaseCommand

from benchdata.seed import seed_scale


class Command(BaseCommand):
    help = "Create a county-scale data set for benchmarks (bulk inserts; the full county: --children 60000)."

    def add_arguments(self, parser):  # type: ignore[no-untyped-def]
        parser.add_argument("--children", type=int, default=60000)
        parser.add_argument("--seed", type=int, default=2026)

    def handle(self, *args: object, children: int, seed: int, **options: object) -> None:
        report = seed_scale(children, seed=seed, log=lambda msg: self.stdout.write(msg))
        self.stdout.write(self.style.SUCCESS(f"Seeded {report.children} children in {report.seconds:.0f} s"))
        for key, value in sorted(report.counts.items()):
            self.stdout.write(f"  {key:14} {value:>10,}")
