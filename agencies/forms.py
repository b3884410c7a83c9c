from django import forms
from django.utils.translation import gettext_lazy as _

from agencies.models import Membership
from portal import limits


class InviteForm(forms.Form):
    full_name = forms.CharField(label=_("Namn"), max_length=200, error_messages=limits.TOO_LONG)
    email = forms.EmailField(label=_("E-post"), max_length=254, error_messages=limits.TOO_LONG)
    role = forms.ChoiceField(label=_("Roll"), choices=Membership.Role.choices)
    title = forms.CharField(
        label=_("Befattning"),
        max_length=100,
        required=False,
        help_text=_("Till exempel mentor, skolsköterska eller handläggare."),
        error_messages=limits.TOO_LONG,
    )


class AcceptForm(forms.Form):
    password1 = forms.CharField(
        label=_("Välj lösenord"),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        min_length=12,
        help_text=_("Minst 12 tecken."),
        max_length=128,
        error_messages=limits.TOO_LONG,
    )
    password2 = forms.CharField(
        label=_("Upprepa lösenordet"),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        max_length=128,
        error_messages=limits.TOO_LONG,
    )

    def clean(self) -> dict:
        data = super().clean() or {}
        if data.get("password1") and data.get("password1") != data.get("password2"):
            raise forms.ValidationError(_("Lösenorden är inte lika."))
        if data.get("password1"):
            from django.contrib.auth.password_validation import validate_password

            validate_password(data["password1"])
        return data
