"""Who reads the access log, and the log's connection to the access core: registered
from AccessLogConfig.ready()."""

from __future__ import annotations

from django.apps import apps
from django.db import models
from django.db.models import CharField, Q
from django.db.models.functions import Cast

from access import policy
from access.policy import NOTHING, never_shared_types, register
from access.scoping import Viewer
from cases.access import family_link

# Items whose very existence is kept from some of the family: a read of one is shown in
# the family's "who has looked" only to those who may see the item itself. (The child's
# words for the coordinator only, DESIGN rule 19: a guardian must not learn from the log
# that she wrote something, or when the coordinator read it.)
FAMILY_LOG_ONLY_IF_VISIBLE = ("meetings.ChildVoice",)


def _reads_of_unseen_items(viewer: Viewer) -> Q:
    """Access-log rows about an item of FAMILY_LOG_ONLY_IF_VISIBLE the viewer cannot see."""
    hidden = Q()
    for label in FAMILY_LOG_ONLY_IF_VISIBLE:
        model = apps.get_model(label)
        seen = policy.visible_to(model, viewer).annotate(uuid_text=Cast("uuid", CharField())).values("uuid_text")
        hidden |= Q(object_type=label) & ~Q(object_id__in=seen)
    return hidden


def _log_entry(model: type[models.Model], viewer: Viewer) -> Q:
    # Agency admins review their own agency's chain; the family sees entries about
    # their own child (a public authority's log is a public document).
    if viewer.is_agency_admin:
        return Q(agency_id=viewer.agency_id)
    if viewer.is_family:
        # Never an entry about a kind the family never sees (DESIGN rule 9), nor about
        # an item this family member may not see (the child's words, rule 19).
        return (
            family_link(viewer, "child_id") & ~Q(object_type__in=never_shared_types()) & ~_reads_of_unseen_items(viewer)
        )
    return NOTHING


def _family(viewer: Viewer) -> bool:
    return viewer.is_family


def register_rules() -> None:
    from accesslog import writes

    # Inline for the family: "who has looked" reads the newest entries of a child out of
    # many thousands (see `register`): 161 -> 93 ms wall on the bench. Not for the agency
    # admin's review, whose query became slower with it (121 -> 210 ms).
    register("accesslog.AccessLogEntry", _log_entry, inline=_family)
    policy.connect_log(
        policy.LogSink(write_reads=writes.write_reads, note_denied=writes.note_denied, links=writes.LINKS)
    )
