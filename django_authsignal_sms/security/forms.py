"""The new number, as the user types it: spaces, dashes and brackets allowed, E.164 required."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from ..attributes import E164, PHONE_NOISE

NOT_E164 = _(
    "Enter the number in international format: a + and the country code, then the number, "
    "for example +64 21 123 4567."
)


class NewNumberForm(forms.Form):
    phone_number = forms.CharField(
        label=_("New mobile number"),
        max_length=32,
        help_text=_("With + and the country code, for example +64 21 123 4567."),
        widget=forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "tel"}),
    )

    def clean_phone_number(self) -> str:
        phone = PHONE_NOISE.sub("", self.cleaned_data["phone_number"])
        if not E164.match(phone):
            raise forms.ValidationError(NOT_E164, code="not_e164")
        return phone
