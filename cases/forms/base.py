"""The base of the collaboration forms: widgets, choices, and the family-author field."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

YES_NO = [("yes", _("Ja")), ("no", _("Nej"))]
YES_NO_UNKNOWN = [("", _("Vet inte / inte svarat")), ("yes", _("Ja")), ("no", _("Nej"))]
STRESS_CHOICES = [("", _("Inte svarat"))] + [(str(n), str(n)) for n in range(1, 11)]


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs=attrs, format="%Y-%m-%d")


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs=attrs, format="%Y-%m-%dT%H:%M")


class CaseForm(forms.Form):
    """Labels without a trailing colon (Swedish forms rarely use one)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)

    def choice_field(self, name: str) -> forms.ChoiceField:
        field = self.fields[name]
        assert isinstance(field, forms.ChoiceField)
        return field


def _yes(value: str | None) -> bool | None:
    return {"yes": True, "no": False}.get(value or "")


def written_by_choices(guardianships: list[Any]) -> list[tuple[str, Any]]:
    choices: list[tuple[str, Any]] = [("", _("Personal"))]
    for guardianship in guardianships:
        choices.append((f"g:{guardianship.guardian_id}", f"{guardianship.guardian.full_name} ({_('vårdnadshavare')})"))
    choices.append(("child", _("Barnet självt")))
    return choices


class WrittenByMixin(CaseForm):
    written_by = forms.ChoiceField(
        label=_("Vem har skrivit det?"),
        required=False,
        help_text=_("Det som familjen har skrivit eller sagt med egna ord märks som familjens."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["written_by"] = self.fields.pop("written_by")  # asked last, after the content

    def set_family(self, guardianships: list[Any]) -> None:
        self.choice_field("written_by").choices = written_by_choices(guardianships)

    def written_by_kwargs(self) -> dict[str, Any]:
        value = self.cleaned_data.get("written_by") or ""
        if value.startswith("g:"):
            return {"written_by_guardian_id": int(value[2:]), "written_by_child": False}
        return {"written_by_guardian_id": None, "written_by_child": value == "child"}
