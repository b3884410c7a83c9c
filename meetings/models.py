"""Joint meetings: the meeting, its agenda, invitations (consent-gated) and answers,
each agency's preparation, the family's input, and the minutes with their decisions.

Every model is a `CaseItem`, so `access.policy` decides who sees it: the coordinating
agency (the author) always; another agency only while it holds an active invitation to
the meeting *and* an effective consent for the item's category; the family by custody.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cases.models import CaseItem
from portal import limits

if TYPE_CHECKING:
    from access.scoping import Viewer


def _invited(viewer: Viewer, meeting_ref: str) -> Q:
    """The viewer's agency holds an active invitation to the outer row's meeting."""
    return Q(
        Exists(
            Invitation._base_manager.filter(
                meeting_id=OuterRef(meeting_ref),
                agency_id=viewer.agency_id,  # type: ignore[misc]
                withdrawn_at__isnull=True,
            )
        )
    )


def _organised_by(viewer: Viewer, meeting_ref: str) -> Q:
    """The viewer's agency called the outer row's meeting."""
    return Q(Exists(Meeting._base_manager.filter(pk=OuterRef(meeting_ref), author_agency_id=viewer.agency_id)))


def _minutes_shared(meeting_ref: str) -> Q:
    return Q(Exists(Meeting._base_manager.filter(pk=OuterRef(meeting_ref), minutes_shared_at__isnull=False)))


class Meeting(CaseItem):
    """A joint meeting called by the coordinator. One calendar UID for its whole life;
    `sequence` rises on every change sent out (RFC 5545)."""

    CATEGORY_CODE = "basic"

    class Status(models.TextChoices):
        PLANNED = "planned", _("Planerat")
        HELD = "held", _("Genomfört")
        CANCELLED = "cancelled", _("Inställt")

    purpose = models.TextField(
        _("syfte med mötet"), max_length=limits.TEXT, validators=limits.text_validators(limits.TEXT)
    )
    starts_at = models.DateTimeField(_("börjar"), validators=[limits.SANE_DATE])
    ends_at = models.DateTimeField(_("slutar"), validators=[limits.SANE_DATE])
    place = models.CharField(_("plats"), max_length=200, blank=True)
    video_link = models.URLField(_("länk till videomöte"), blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PLANNED)
    sequence = models.PositiveIntegerField(default=0)
    ical_uid = models.CharField(max_length=120, unique=True)
    preparation_due_at = models.DateTimeField(_("förberedelser senast"), null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    cancel_reason = models.CharField(_("skäl till att mötet ställs in"), max_length=300, blank=True)
    # The live room: when it opened and closed, and the agenda item being discussed.
    started_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    current_item = models.ForeignKey(
        "meetings.AgendaItem", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    minutes_shared_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("möte")
        verbose_name_plural = _("möten")
        ordering = ["starts_at"]
        indexes = [models.Index(fields=["case", "starts_at"], name="meeting_case_starts")]
        constraints = [
            models.CheckConstraint(condition=Q(ends_at__gt=models.F("starts_at")), name="meeting_ends_after_start")
        ]

    def __str__(self) -> str:
        return f"Möte {self.starts_at:%Y-%m-%d %H:%M}"

    def save(self, *args: object, **kwargs: object) -> None:
        if not self.ical_uid:
            self.ical_uid = f"{self.uuid}@samverkansportalen"
        super().save(*args, **kwargs)  # type: ignore[arg-type]

    @classmethod
    def shared_condition(cls, viewer: Viewer) -> Q:
        # Another agency sees a meeting only while it holds an active invitation to it.
        return _invited(viewer, "pk")

    @property
    def is_cancelled(self) -> bool:
        return self.status == self.Status.CANCELLED

    @property
    def is_live(self) -> bool:
        return self.started_at is not None and self.ended_at is None and not self.is_cancelled

    @property
    def is_upcoming(self) -> bool:
        return self.status == self.Status.PLANNED and self.ends_at > timezone.now()

    @property
    def is_open_for_changes(self) -> bool:
        """Time, place and invitations can still change (not started, held or cancelled)."""
        return self.status == self.Status.PLANNED and self.started_at is None


class Invitation(CaseItem):
    """One invitation: to an agency (consent-gated), to one guardian (each separately),
    to the child, or to an external actor (time and place only, by e-mail)."""

    CATEGORY_CODE = "basic"

    class Answer(models.TextChoices):
        PENDING = "pending", _("Inte svarat")
        YES = "yes", _("Kommer")
        NO = "no", _("Kommer inte")
        MAYBE = "maybe", _("Kanske")

    class Attendance(models.TextChoices):
        UNKNOWN = "", _("Inte markerat")
        PRESENT = "present", _("Närvarande")
        ABSENT = "absent", _("Frånvarande")

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="invitations")
    agency = models.ForeignKey("agencies.Agency", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    guardian = models.ForeignKey("cases.Guardian", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    for_child = models.BooleanField(default=False)
    external = models.ForeignKey(
        "cases.ExternalContact", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    answer = models.CharField(max_length=10, choices=Answer.choices, default=Answer.PENDING)
    answer_comment = models.TextField(
        _("kommentar"), blank=True, max_length=limits.SHORT, validators=limits.text_validators(limits.SHORT)
    )
    proposed_time = models.DateTimeField(_("förslag på annan tid"), null=True, blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)
    answered_by = models.ForeignKey("portal.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    withdrawn_reason = models.CharField(max_length=200, blank=True)
    attendance = models.CharField(max_length=10, choices=Attendance.choices, default=Attendance.UNKNOWN, blank=True)

    class Meta:
        verbose_name = _("inbjudan")
        verbose_name_plural = _("inbjudningar")
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(agency__isnull=False, guardian__isnull=True, for_child=False, external__isnull=True)
                    | Q(agency__isnull=True, guardian__isnull=False, for_child=False, external__isnull=True)
                    | Q(agency__isnull=True, guardian__isnull=True, for_child=True, external__isnull=True)
                    | Q(agency__isnull=True, guardian__isnull=True, for_child=False, external__isnull=False)
                ),
                name="invitation_one_invitee",
            ),
        ]
        indexes = [models.Index(fields=["agency", "withdrawn_at"], name="invitation_agency_active")]

    def __str__(self) -> str:
        return f"Inbjudan {self.uuid.hex[:8]}"

    @classmethod
    def shared_condition(cls, viewer: Viewer) -> Q:
        # Visible with the meeting: to agencies invited to the same meeting.
        return _invited(viewer, "meeting_id")

    def mark_answered(self, *, answer: str, by: object) -> None:
        self.answer = answer
        self.answered_at = timezone.now()
        self.answered_by = by  # type: ignore[assignment]

    @property
    def is_active(self) -> bool:
        return self.withdrawn_at is None

    @property
    def invitee_kind(self) -> str:
        if self.agency_id:
            return "agency"
        if self.guardian_id:
            return "guardian"
        if self.for_child:
            return "child"
        return "external"


class AgendaItem(CaseItem):
    """A point on the agenda. The coordinator writes most; guardians add their own
    (marked as the family's, DESIGN rule 8)."""

    CATEGORY_CODE = "basic"

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="agenda_items")
    title = models.CharField(_("punkt"), max_length=200)
    details = models.TextField(
        _("mer om punkten"), blank=True, max_length=limits.SHORT, validators=limits.text_validators(limits.SHORT)
    )
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("punkt på dagordningen")
        verbose_name_plural = _("dagordning")
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.title

    @classmethod
    def shared_condition(cls, viewer: Viewer) -> Q:
        return _invited(viewer, "meeting_id")


class Preparation(CaseItem):
    """An invited agency's preparation for a meeting. The preparation itself (that the
    agency prepared, and when it handed it in) is of the category "preparations"; what it
    says is in its sections, each of the category of what it holds. Others see it only once
    submitted, and only per consent."""

    CATEGORY_CODE = "preparations"

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="preparations")
    updated_at = models.DateTimeField(default=timezone.now)
    submitted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("förberedelse")
        verbose_name_plural = _("förberedelser")
        ordering = ["submitted_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["meeting", "author_agency"], name="preparation_one_per_agency"),
        ]

    def __str__(self) -> str:
        return f"Förberedelse {self.uuid.hex[:8]}"

    @classmethod
    def shared_condition(cls, viewer: Viewer) -> Q:
        return Q(submitted_at__isnull=False) & (_invited(viewer, "meeting_id") | _organised_by(viewer, "meeting_id"))

    @classmethod
    def family_condition(cls, viewer: Viewer) -> Q:
        return Q(submitted_at__isnull=False)

    @property
    def is_submitted(self) -> bool:
        return self.submitted_at is not None

    @property
    def changed_after_submit(self) -> bool:
        """Edited since it was first handed in (`updated_at` moves only on a real change)."""
        return self.submitted_at is not None and self.updated_at > self.submitted_at

    @property
    def is_late(self) -> bool:
        due = self.meeting.preparation_due_at
        return bool(due and self.submitted_at and self.submitted_at > due)


class PreparationSection(CaseItem):
    """One section of a preparation ("what we see", "what we can contribute", "our
    questions"), with the information category of what it holds (DESIGN rule 6).

    Another agency reads a section only while it may read the preparation itself
    (submitted, taking part in the meeting, a consent for "preparations") *and* an
    effective consent covers the section's own category: healthcare with a consent for
    health but not for school situation does not see the school's school-situation
    section. The author agency always sees its own sections. Empty sections are not
    stored.
    """

    class Kind(models.TextChoices):
        WHAT_WE_SEE = "what_we_see", _("Det här ser vi")
        WHAT_WE_CONTRIBUTE = "what_we_contribute", _("Det här kan vi bidra med")
        OUR_QUESTIONS = "our_questions", _("Våra frågor")

    preparation = models.ForeignKey(Preparation, on_delete=models.CASCADE, related_name="sections")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    position = models.PositiveSmallIntegerField(default=0)
    category = models.ForeignKey(
        "consent.InformationCategory", on_delete=models.PROTECT, related_name="+", verbose_name=_("kategori")
    )
    text = models.TextField(_("text"), max_length=limits.TEXT, validators=limits.text_validators(limits.TEXT))
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("avsnitt i en förberedelse")
        verbose_name_plural = _("avsnitt i förberedelser")
        ordering = ["preparation_id", "position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["preparation", "kind"], name="preparationsection_one_per_kind"),
        ]

    def __str__(self) -> str:
        return self.get_kind_display()

    @classmethod
    def shared_condition(cls, viewer: Viewer) -> Q:
        # The preparation itself must be readable (submitted, the viewer's agency takes
        # part, a "preparations" grant): the section's own category comes on top.
        from cases.access import item_q

        return Q(Exists(Preparation._base_manager.filter(item_q(Preparation, viewer), pk=OuterRef("preparation_id"))))

    @classmethod
    def family_condition(cls, viewer: Viewer) -> Q:
        from cases.access import item_q

        return Q(Exists(Preparation._base_manager.filter(item_q(Preparation, viewer), pk=OuterRef("preparation_id"))))


class ChildVoice(CaseItem):
    """What the child wants to say at the meeting, in their own words (category "family").

    The child's words are the child's (DESIGN rule 19): by default only the case's named
    coordinator (and the child) reads them — not the coordinator's colleagues, not the
    other invited agencies, not the guardians. Sharing with everyone at the meeting is the
    child's explicit choice; then the meeting's agencies read them under consent for
    "family", and the custodial guardians read them too.
    """

    CATEGORY_CODE = "family"

    class ShareWith(models.TextChoices):
        COORDINATOR = "coordinator", _("Bara min samordnare")
        EVERYONE = "everyone", _("Alla som är med på mötet")

    class Feeling(models.TextChoices):
        GOOD = "good", _("Bra")
        OK = "ok", _("Sådär")
        HARD = "hard", _("Jobbigt")
        UNSURE = "", _("Vet inte")

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="child_voices")
    feeling = models.CharField(_("hur känns det just nu?"), max_length=10, choices=Feeling.choices, blank=True)
    good_things = models.TextField(
        _("det här är bra"), blank=True, max_length=limits.SHORT, validators=limits.text_validators(limits.SHORT)
    )
    hard_things = models.TextField(
        _("det här är svårt"), blank=True, max_length=limits.SHORT, validators=limits.text_validators(limits.SHORT)
    )
    wishes = models.TextField(
        _("det här önskar jag"), blank=True, max_length=limits.SHORT, validators=limits.text_validators(limits.SHORT)
    )
    share_with = models.CharField(
        _("vem får läsa?"), max_length=12, choices=ShareWith.choices, default=ShareWith.COORDINATOR
    )
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("det jag vill säga")
        verbose_name_plural = _("det barnet vill säga")
        constraints = [models.UniqueConstraint(fields=["meeting"], name="childvoice_one_per_meeting")]

    def __str__(self) -> str:
        return f"Barnets röst {self.uuid.hex[:8]}"

    @property
    def for_coordinator_only(self) -> bool:
        return self.share_with != self.ShareWith.EVERYONE

    @classmethod
    def staff_condition(cls, viewer: Viewer, default: Q) -> Q:
        # Narrows the generic staff rule (own agency | invited under consent): a voice for
        # the coordinator only is seen by the case's named coordinator and nobody else on
        # staff, whatever agency wrote the row.
        from cases.access import coordinator_condition

        return (Q(share_with=cls.ShareWith.EVERYONE) & default) | (
            ~Q(share_with=cls.ShareWith.EVERYONE) & coordinator_condition(viewer, "case_id")
        )

    @classmethod
    def shared_condition(cls, viewer: Viewer) -> Q:
        return Q(share_with=cls.ShareWith.EVERYONE) & _invited(viewer, "meeting_id")

    @classmethod
    def family_condition(cls, viewer: Viewer) -> Q:
        if viewer.role == "child":
            return Q()
        return Q(share_with=cls.ShareWith.EVERYONE)


class MinuteNote(CaseItem):
    """A note in the minutes, written live by the coordinator under an agenda item."""

    CATEGORY_CODE = "minutes"

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="notes")
    agenda_item = models.ForeignKey(AgendaItem, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    text = models.TextField(_("anteckning"), max_length=limits.TEXT, validators=limits.text_validators(limits.TEXT))

    class Meta:
        verbose_name = _("anteckning")
        verbose_name_plural = _("anteckningar")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return self.text[:60]

    @classmethod
    def shared_condition(cls, viewer: Viewer) -> Q:
        return _invited(viewer, "meeting_id")

    @classmethod
    def family_condition(cls, viewer: Viewer) -> Q:
        return _minutes_shared("meeting_id")


class Decision(CaseItem):
    """A decision of the meeting: who does what by when. Becomes an action in the joint
    plan (`cases.services.plan_action_create`)."""

    CATEGORY_CODE = "minutes"

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="decisions")
    agenda_item = models.ForeignKey(AgendaItem, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    text = models.TextField(_("beslut"), max_length=limits.TEXT, validators=limits.text_validators(limits.TEXT))
    responsible_agency = models.ForeignKey(
        "agencies.Agency", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    responsible_person = models.CharField(_("ansvarig person"), max_length=200, blank=True)
    due_date = models.DateField(_("klart senast"), null=True, blank=True, validators=[limits.SANE_DATE])
    plan_action = models.ForeignKey(
        "cases.PlanAction", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("beslut")
        verbose_name_plural = _("beslut")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return self.text[:60]

    @classmethod
    def shared_condition(cls, viewer: Viewer) -> Q:
        return _invited(viewer, "meeting_id")

    @classmethod
    def family_condition(cls, viewer: Viewer) -> Q:
        return _minutes_shared("meeting_id")


class MinutesReply(CaseItem):
    """A guardian's or the child's answer to the shared minutes: approve, or comment.
    Seen by the coordinator's agency and by the one who wrote it."""

    CATEGORY_CODE = "minutes"

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="minutes_replies")
    approved = models.BooleanField(_("jag godkänner anteckningarna"), default=False)
    comment = models.TextField(
        _("kommentar"), blank=True, max_length=limits.TEXT, validators=limits.text_validators(limits.TEXT)
    )

    class Meta:
        verbose_name = _("svar på anteckningarna")
        verbose_name_plural = _("svar på anteckningarna")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"Svar {self.uuid.hex[:8]}"

    @classmethod
    def shared_condition(cls, viewer: Viewer) -> Q:
        return Q(pk__in=[])

    @classmethod
    def family_condition(cls, viewer: Viewer) -> Q:
        if viewer.role == "child":
            return Q(written_by_child=True)
        return Q(written_by_guardian__user_id=viewer.user_id)
