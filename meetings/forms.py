"""Forms of the meeting pages: parse and validate input; the services decide the rest."""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from consent.rules import STOCKHOLM
from meetings import workdays
from meetings.models import ChildVoice, Invitation
from portal import limits


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%Y-%m-%d", **kwargs)


class TimeInput(forms.TimeInput):
    input_type = "time"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%H:%M", **kwargs)


class DateTimeLocalInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%Y-%m-%dT%H:%M", **kwargs)


def set_choices(field: forms.Field, choices: list[Any]) -> None:
    assert isinstance(field, forms.ChoiceField)
    field.choices = choices


def local(day: date, at: time) -> datetime:
    return datetime.combine(day, at, tzinfo=STOCKHOLM)


class MeetingTimeForm(forms.Form):
    """What, when and where: shared by calling and changing a meeting."""

    purpose = forms.CharField(
        label=_("Syfte med mötet"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Står i inbjudan. Skriv så att familjen förstår vad mötet ska leda till."),
        max_length=limits.TEXT,
        error_messages=limits.TOO_LONG,
    )
    day = forms.DateField(label=_("Datum"), widget=DateInput(), validators=[limits.MEETING])
    start = forms.TimeField(label=_("Börjar"), widget=TimeInput())
    end = forms.TimeField(label=_("Slutar"), widget=TimeInput())
    # One pair: a place, a video link, or both ("Plats eller videolänk"); the rule is
    # checked on the pair (clean) and shown once, on the fieldset.
    place = forms.CharField(
        label=_("Plats"),
        required=False,
        max_length=200,
        help_text=_(
            "Till exempel skolans konferensrum. Skriv inte barnets namn: platsen skickas till externa deltagare."
        ),
        error_messages=limits.TOO_LONG,
    )
    video_link = forms.URLField(
        label=_("Länk till videomöte"),
        required=False,
        max_length=200,
        assume_scheme="https",
        help_text=_("En säker länk som börjar med https://."),
        error_messages=limits.TOO_LONG,
    )
    preparation_due = forms.DateField(
        label=_("Förberedelser senast"),
        required=False,
        widget=DateInput(),
        validators=[limits.MEETING],
        help_text=_(
            "Verksamheterna skickar in sin förberedelse senast kl. 16 den här dagen (en vardag). "
            "Lämna tomt: kl. 16 två arbetsdagar före mötet."
        ),
    )

    def clean_video_link(self) -> str:
        link = self.cleaned_data.get("video_link") or ""
        if link and not link.lower().startswith("https://"):
            raise forms.ValidationError(_("Länken måste börja med https://."), code="not_https")
        return link

    def clean_preparation_due(self) -> date | None:
        due = self.cleaned_data.get("preparation_due")
        if due and not workdays.is_working_day(due) and not self._due_unchanged(due):
            raise forms.ValidationError(_("Välj en vardag som inte är en helgdag."), code="not_working_day")
        return due

    def _due_unchanged(self, due: date) -> bool:
        return False

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        day, start, end = data.get("day"), data.get("start"), data.get("end")
        if day and start and end:
            data["starts_at"] = local(day, start)
            data["ends_at"] = local(day, end)
        if not data.get("place") and not data.get("video_link") and not {"place", "video_link"} & set(self.errors):
            # Kept on "place", shown once for the pair (the fieldset in _time_fields.html).
            self.add_error(
                "place",
                forms.ValidationError(_("Fyll i en plats eller en länk till videomötet."), code="place_or_link"),
            )
        due = data.get("preparation_due")
        data["preparation_due_at"] = local(due, workdays.PREPARATION_DUE_TIME) if due else None
        return data

    def service_kwargs(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "purpose": data["purpose"],
            "starts_at": data.get("starts_at"),
            "ends_at": data.get("ends_at"),
            "place": data.get("place", ""),
            "video_link": data.get("video_link", ""),
            "preparation_due_at": data.get("preparation_due_at"),
        }

    @classmethod
    def initial_for(cls, meeting: Any) -> dict[str, Any]:
        starts = timezone.localtime(meeting.starts_at)
        ends = timezone.localtime(meeting.ends_at)
        due = timezone.localtime(meeting.preparation_due_at) if meeting.preparation_due_at else None
        return {
            "purpose": meeting.purpose,
            "day": starts.date(),
            "start": starts.time().replace(second=0, microsecond=0),
            "end": ends.time().replace(second=0, microsecond=0),
            "place": meeting.place,
            "video_link": meeting.video_link,
            "preparation_due": due.date() if due else None,
        }


class MeetingEditForm(MeetingTimeForm):
    def __init__(self, *args: Any, meeting: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.meeting = meeting

    def _due_unchanged(self, due: date) -> bool:
        current = self.meeting.preparation_due_at if self.meeting else None
        return bool(current and timezone.localtime(current).date() == due)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        due = data.get("preparation_due")
        current = self.meeting.preparation_due_at if self.meeting else None
        if due and current and timezone.localtime(current).date() == due:
            data["preparation_due_at"] = current  # unchanged: keep the exact time
        return data


class MeetingCallForm(MeetingTimeForm):
    agenda = forms.CharField(
        label=_("Dagordning"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("En punkt per rad. Familjen kan lägga till egna punkter."),
        max_length=limits.TEXT,
        error_messages=limits.TOO_LONG,
    )
    agencies = forms.TypedMultipleChoiceField(
        label=_("Verksamheter"), coerce=int, required=False, widget=forms.CheckboxSelectMultiple
    )
    invite_child = forms.BooleanField(label=_("Bjud in barnet"), required=False)
    externals = forms.TypedMultipleChoiceField(
        label=_("Externa deltagare"), coerce=int, required=False, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args: Any, agency_choices: Any = (), external_choices: Any = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Every team agency is a valid choice here: the service refuses those without
        # consent with a message naming the agency (and the template greys them out).
        set_choices(self.fields["agencies"], list(agency_choices))
        set_choices(self.fields["externals"], list(external_choices))

    def clean_agenda(self) -> str:
        # Each line becomes an agenda item: a line longer than an item's title is refused
        # with its number, rather than cut short without a word.
        value: str = self.cleaned_data.get("agenda", "")
        lines = [line.strip() for line in value.splitlines() if line.strip()]
        for number, line in enumerate(lines, start=1):
            if len(line) > limits.NAME:
                raise forms.ValidationError(
                    _("Punkt %(number)d är för lång: högst %(limit)d tecken per rad (den är %(length)d)."),
                    code="agenda_line_too_long",
                    params={"number": number, "limit": limits.NAME, "length": len(line)},
                )
        if len(lines) > limits.AGENDA_ITEMS:
            raise forms.ValidationError(
                _("Dagordningen får ha högst %(limit)d punkter (den har %(count)d)."),
                code="agenda_too_many",
                params={"limit": limits.AGENDA_ITEMS, "count": len(lines)},
            )
        return value

    def service_kwargs(self) -> dict[str, Any]:
        kwargs = super().service_kwargs()
        data = self.cleaned_data
        kwargs.update(
            agenda=[line for line in data.get("agenda", "").splitlines() if line.strip()],
            agency_ids=data.get("agencies", []),
            invite_child=data.get("invite_child", False),
            external_ids=data.get("externals", []),
        )
        return kwargs


class InviteMoreForm(forms.Form):
    agencies = forms.TypedMultipleChoiceField(
        label=_("Verksamheter"), coerce=int, required=False, widget=forms.CheckboxSelectMultiple
    )
    invite_child = forms.BooleanField(label=_("Bjud in barnet"), required=False)
    externals = forms.TypedMultipleChoiceField(
        label=_("Externa deltagare"), coerce=int, required=False, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args: Any, agency_choices: Any = (), external_choices: Any = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        set_choices(self.fields["agencies"], list(agency_choices))
        set_choices(self.fields["externals"], list(external_choices))


class CancelForm(forms.Form):
    reason = forms.CharField(
        label=_("Varför ställs mötet in?"),
        required=False,
        max_length=300,
        help_text=_("Visas i portalen för de inbjudna, inte i e-posten."),
        error_messages=limits.TOO_LONG,
    )


class AnswerForm(forms.Form):
    answer = forms.ChoiceField(
        label=_("Kommer du?"),
        choices=[
            (Invitation.Answer.YES, _("Ja, jag kommer")),
            (Invitation.Answer.MAYBE, _("Kanske")),
            (Invitation.Answer.NO, _("Nej, jag kan inte")),
        ],
        widget=forms.RadioSelect,
    )
    comment = forms.CharField(
        label=_("Kommentar"),
        required=False,
        max_length=limits.SHORT,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages=limits.TOO_LONG,
    )
    proposed_time = forms.DateTimeField(
        label=_("Föreslå en annan tid"),
        required=False,
        widget=DateTimeLocalInput(),
        input_formats=["%Y-%m-%dT%H:%M"],
        validators=[limits.MEETING],
    )


class AgendaItemForm(forms.Form):
    title = forms.CharField(label=_("Ny punkt"), max_length=200, error_messages=limits.TOO_LONG)
    details = forms.CharField(
        label=_("Mer om punkten"),
        required=False,
        max_length=limits.SHORT,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages=limits.TOO_LONG,
    )


class PreparationForm(forms.Form):
    """The three sections of a preparation, each with the category of what it holds
    (preselected: the default for the writer's kind of agency)."""

    SECTIONS = ("what_we_see", "what_we_contribute", "our_questions")

    what_we_see = forms.CharField(
        label=_("Det här ser vi"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Hur ser barnets situation ut från er verksamhet? Skriv en sammanfattning, inte er journal."),
        max_length=limits.TEXT,
        error_messages=limits.TOO_LONG,
    )
    what_we_see_category = forms.ChoiceField(label=_("Vilken sorts information är ”Det här ser vi”?"), required=False)
    what_we_contribute = forms.CharField(
        label=_("Det här kan vi bidra med"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=limits.TEXT,
        error_messages=limits.TOO_LONG,
    )
    what_we_contribute_category = forms.ChoiceField(
        label=_("Vilken sorts information är ”Det här kan vi bidra med”?"), required=False
    )
    our_questions = forms.CharField(
        label=_("Våra frågor"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=limits.TEXT,
        error_messages=limits.TOO_LONG,
    )
    our_questions_category = forms.ChoiceField(label=_("Vilken sorts information är ”Våra frågor”?"), required=False)

    def __init__(self, *args: Any, categories: Any = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = [(c.code, c.label) for c in categories]
        for name in self.SECTIONS:
            field = self.fields[f"{name}_category"]
            assert isinstance(field, forms.ChoiceField)
            field.choices = choices


class ChildVoiceForm(forms.Form):
    feeling = forms.ChoiceField(
        label=_("Hur känns det just nu?"),
        choices=[
            (ChildVoice.Feeling.GOOD, _("Bra")),
            (ChildVoice.Feeling.OK, _("Sådär")),
            (ChildVoice.Feeling.HARD, _("Jobbigt")),
            (ChildVoice.Feeling.UNSURE, _("Vet inte")),
        ],
        widget=forms.RadioSelect,
        required=False,
    )
    good_things = forms.CharField(
        label=_("Det här är bra"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=limits.SHORT,
        error_messages=limits.TOO_LONG,
    )
    hard_things = forms.CharField(
        label=_("Det här är svårt"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=limits.SHORT,
        error_messages=limits.TOO_LONG,
    )
    wishes = forms.CharField(
        label=_("Det här önskar jag"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=limits.SHORT,
        error_messages=limits.TOO_LONG,
    )
    share_with = forms.ChoiceField(
        label=_("Vem får läsa det du skriver?"),
        choices=ChildVoice.ShareWith.choices,
        widget=forms.RadioSelect,
        initial=ChildVoice.ShareWith.COORDINATOR,
        required=False,
        help_text=_("Om du inte väljer något annat är det bara din samordnare som kan läsa det."),
    )

    def clean_share_with(self) -> str:
        # Widening is the child's explicit choice (DESIGN rule 19): no answer means the
        # coordinator only.
        return self.cleaned_data.get("share_with") or ChildVoice.ShareWith.COORDINATOR


class NoteForm(forms.Form):
    text = forms.CharField(
        label=_("Anteckning"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=limits.TEXT,
        error_messages=limits.TOO_LONG,
    )


class DecisionForm(forms.Form):
    text = forms.CharField(
        label=_("Beslut"),
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=limits.TEXT,
        error_messages=limits.TOO_LONG,
    )
    responsible_agency = forms.TypedChoiceField(
        label=_("Ansvarig verksamhet"), coerce=int, required=False, empty_value=None
    )
    responsible_person = forms.CharField(
        label=_("Eller ansvarig person"),
        required=False,
        max_length=200,
        help_text=_("Till exempel en vårdnadshavare eller en extern kontakt."),
        error_messages=limits.TOO_LONG,
    )
    due_date = forms.DateField(label=_("Klart senast"), widget=DateInput(), validators=[limits.PLANNED])

    def __init__(self, *args: Any, agency_choices: Any = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        set_choices(self.fields["responsible_agency"], [("", _("Ingen verksamhet")), *agency_choices])


class MinutesReplyForm(forms.Form):
    approved = forms.BooleanField(label=_("Jag godkänner anteckningarna"), required=False)
    comment = forms.CharField(
        label=_("Kommentar"),
        required=False,
        max_length=limits.TEXT,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages=limits.TOO_LONG,
    )
