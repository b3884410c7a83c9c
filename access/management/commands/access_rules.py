"""`manage.py access_rules`: the whole rule table — who sees which rows of every scoped
model — as the SQL each kind of viewer's queries are filtered with (consent/compiled.py).

    manage.py access_rules                 # every model, every kind of viewer
    manage.py access_rules --model cases.Case --kind staff:staff
    manage.py access_rules --summary       # one line per model and kind

`:agency`, `:user` and `:now` mark the values bound per query; everything else in a rule
is the same for every viewer of that kind.
"""

from __future__ import annotations

from enum import Enum
from typing import Any

from django.apps import apps
from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from access import compiled
from access.scoping import ANONYMOUS, FAMILY, STAFF, ScopedManager, Viewer

STAFF_ROLES = ("staff", "coordinator", "admin")
FAMILY_ROLES = ("guardian", "child")


def viewer_kinds() -> list[Viewer]:
    kinds = [Viewer(kind=STAFF, user_id=1, agency_id=1, role=role) for role in STAFF_ROLES]
    kinds += [Viewer(kind=FAMILY, user_id=1, role=role) for role in FAMILY_ROLES]
    return [*kinds, Viewer(kind=ANONYMOUS)]


def scoped_models() -> list[Any]:
    return sorted(
        (m for m in apps.get_models() if isinstance(m._default_manager, ScopedManager)),
        key=lambda m: m._meta.label,
    )


def readable(rule: compiled.CompiledRule) -> str:
    """The rule's SQL with its bound values named and its constants written out."""
    if rule.nothing:
        return "(nothing)"
    values = tuple(
        f":{slot}" if slot else repr(param.value if isinstance(param, Enum) else param)
        for param, slot in zip(rule.params, rule.slots, strict=True)
    )
    return rule.sql.replace("%s", "{}").format(*values)


class Command(BaseCommand):
    help = "Print the access rule of every scoped model for every kind of viewer."

    def add_arguments(self, parser):  # type: ignore[no-untyped-def]
        parser.add_argument("--model", help="one model, as app_label.Model")
        parser.add_argument("--kind", help="one kind of viewer, e.g. staff:coordinator or family:child")
        parser.add_argument("--summary", action="store_true", help="one line per model and kind")

    def handle(self, *args: Any, model: str | None = None, kind: str | None = None, **options: Any) -> None:
        models = scoped_models()
        if model:
            models = [m for m in models if m._meta.label == model]
            if not models:
                raise CommandError(f"No scoped model {model}.")
        viewers = [v for v in viewer_kinds() if not kind or compiled.viewer_kind(v) == kind]
        if not viewers:
            raise CommandError(f"No kind of viewer {kind}.")
        self.stdout.write(f"{len(models)} scoped models × {len(viewers)} kinds of viewer ({connection.vendor})")
        for m in models:
            for viewer in viewers:
                rule = compiled.rule_for(m, viewer, connection)
                if options["summary"]:
                    sees = "nothing" if rule.nothing else f"{len(rule.sql)} chars of SQL, {len(rule.params)} values"
                    self.stdout.write(f"{m._meta.label:34} {compiled.viewer_kind(viewer):18} {sees}")
                else:
                    self.stdout.write(f"\n## {m._meta.label} — {compiled.viewer_kind(viewer)}\n{readable(rule)}")
