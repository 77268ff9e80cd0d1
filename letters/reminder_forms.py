"""Forms for reminder rules, follows and the public subscription form."""

from __future__ import annotations

import datetime
import time

from django import forms
from django.core import signing
from django.utils.translation import gettext_lazy as _

from campaign.models import Ballot, Campaign, MemberState, ResolutionSeries

from . import audiences
from .reminders import Follow, ReminderRule, rule_problems

STAMP_SALT = "letters.subscription.form-stamp"
# A person needs a few seconds to type an address; scripts post at once.
MIN_FILL_SECONDS = 3
MAX_FORM_AGE = 24 * 3600


def letter_choices(campaign: Campaign) -> list[tuple[str, str]]:
    found = audiences._letter_models()
    if found is None:
        return []
    Letter = found[0]
    return [
        (str(pk), title)
        for pk, title in Letter.objects.filter(campaign=campaign).values_list(
            "pk", "title"
        )
    ]


def add_rule_problems(form, data: dict, *, letter_field: str) -> None:
    """``rule_problems`` of a rule form's data as errors on its fields
    (``letter_field``: the form's field for the letter)."""
    for field, message in rule_problems(
        anchor=data.get("anchor"),
        audience=data.get("audience"),
        has_ballot=data.get("ballot") is not None,
        has_letter=data.get(letter_field) is not None,
    ).items():
        field = letter_field if field == "letter_id" else field
        if field not in form.errors:
            form.add_error(field, message)


class ReminderRuleForm(forms.ModelForm):
    letter = forms.TypedChoiceField(
        required=False,
        coerce=int,
        empty_value=None,
        help_text=_(
            "For a deadline anchor or co-signers; a follow-up appeal sends this "
            "letter's version once every co-signer approved it."
        ),
    )
    skip_if_late_hours = forms.IntegerField(
        required=False,
        min_value=0,
        max_value=24 * 30,
        label=_("Skip if late by more than (hours)"),
        help_text=_("If the site was down at the due time. Empty: send however late."),
    )

    class Meta:
        model = ReminderRule
        fields = [
            "name",
            "anchor",
            "ballot",
            "letter",
            "offset_days",
            "local_time",
            "audience",
            "mission_filter",
            "subject",
            "message",
            "skip_if_late_hours",
        ]
        widgets = {
            "local_time": forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
        }

    def __init__(self, *args, campaign: Campaign, **kwargs):
        super().__init__(*args, **kwargs)
        self.campaign = campaign
        self.fields["ballot"].queryset = Ballot.objects.filter(
            document__series=campaign.series, document__session=campaign.session
        ).select_related("document")
        self.fields["letter"].choices = [("", "—")] + letter_choices(campaign)
        self.fields["local_time"].help_text = _("Time of day in %(zone)s.") % {
            "zone": campaign.time_zone
        }
        if self.instance.pk:
            self.initial["letter"] = self.instance.letter_id
            if self.instance.skip_if_late_by is not None:
                self.initial["skip_if_late_hours"] = int(
                    self.instance.skip_if_late_by.total_seconds() // 3600
                )

    def clean(self):
        data = super().clean()
        add_rule_problems(self, data, letter_field="letter")
        return data

    def save(self, commit=True):
        rule = super().save(commit=False)
        rule.campaign = self.campaign
        rule.letter_id = self.cleaned_data.get("letter")
        if rule.anchor == ReminderRule.Anchor.LETTER_DEADLINE:
            rule.ballot = None
        hours = self.cleaned_data.get("skip_if_late_hours")
        rule.skip_if_late_by = (
            None if hours is None else datetime.timedelta(hours=hours)
        )
        return rule


class FollowForm(forms.Form):
    series = forms.ModelChoiceField(
        queryset=ResolutionSeries.objects.all(), required=False
    )
    state = forms.ModelChoiceField(
        queryset=MemberState.objects.order_by("name"), required=False
    )
    frequency = forms.ChoiceField(choices=Follow.Frequency.choices)

    def clean(self):
        data = super().clean()
        if bool(data.get("series")) == bool(data.get("state")):
            raise forms.ValidationError(_("Choose a resolution or a state, not both."))
        return data


def new_stamp() -> str:
    return signing.dumps(time.time(), salt=STAMP_SALT)


class SubscribeForm(forms.Form):
    email = forms.EmailField(label=_("Your email address"))
    # Hidden from people by CSS; a script filling every field fills it.
    website = forms.CharField(
        required=False,
        label=_("Leave this empty"),
        widget=forms.TextInput(attrs={"tabindex": "-1", "autocomplete": "off"}),
    )
    stamp = forms.CharField(widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.initial.setdefault("stamp", new_stamp())

    @property
    def is_bot(self) -> bool:
        return bool(self.cleaned_data.get("website"))

    def clean_stamp(self):
        try:
            started = signing.loads(
                self.cleaned_data["stamp"], salt=STAMP_SALT, max_age=MAX_FORM_AGE
            )
        except signing.BadSignature as exc:
            raise forms.ValidationError(
                _("This form has expired; please submit it again.")
            ) from exc
        if time.time() - float(started) < MIN_FILL_SECONDS:
            raise forms.ValidationError(
                _("That was quicker than a person types; please submit again.")
            )
        return started
