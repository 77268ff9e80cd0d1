"""Forms for appeals: the letter and its languages, the targeting, the schedule."""

from __future__ import annotations

from django import forms
from django.db.models import Exists, OuterRef

from campaign.models import (
    Ballot,
    Bloc,
    Mission,
    Position,
    RegionalGroup,
    Stance,
    UNLanguage,
    Vote,
)

from .headers import UnsafeHeader, check_header
from .targeting import COSPONSOR, NO_STANCE, NOT_COSPONSOR, Criteria


class BallotChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, ballot: Ballot) -> str:
        return (
            f"{ballot.document.symbol} — {ballot.get_body_display()}, {ballot.date}"
            + (f" ({ballot.subject})" if ballot.subject else "")
        )


class AppealForm(forms.Form):
    name = forms.CharField(
        max_length=200,
        help_text="For the coalition: shown on staff screens, never to missions.",
    )
    letter = forms.ModelChoiceField(queryset=None)
    languages = forms.MultipleChoiceField(
        choices=UNLanguage.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="Translations to send",
        help_text="A contact preferring one of these gets it; everyone else gets "
        "the letter's original language.",
    )
    attach_pdf = forms.BooleanField(
        required=False, label="Attach the letter as a PDF, addressed to each state"
    )
    groups = forms.MultipleChoiceField(
        choices=RegionalGroup.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="Regional groups",
        help_text="None ticked: every group.",
    )
    blocs = forms.ModelMultipleChoiceField(
        queryset=Bloc.objects.all(),
        to_field_name="code",
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 6}),
        help_text="States in any of the blocs chosen; none chosen: any.",
    )
    ballot = BallotChoiceField(
        queryset=Ballot.objects.none(),
        required=False,
        label="Position on a past ballot",
        empty_label="(any)",
    )
    positions = forms.MultipleChoiceField(
        choices=Position.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="Took this position on that ballot",
    )
    cosponsor = forms.ChoiceField(
        choices=[
            ("", "Any"),
            (COSPONSOR, "Cosponsoring this session's draft"),
            (NOT_COSPONSOR, "Not cosponsoring this session's draft"),
        ],
        required=False,
        label="Cosponsors",
    )
    stances = forms.MultipleChoiceField(
        choices=[*Stance.Position.choices, (NO_STANCE, "No read yet")],
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="The coalition's stance",
        help_text="None ticked: any stance.",
    )
    city = forms.ChoiceField(
        choices=Mission.City.choices, initial=Mission.City.NEW_YORK, label="Missions in"
    )
    window_days = forms.IntegerField(
        min_value=0,
        max_value=365,
        initial=30,
        label="Flag states this campaign appealed to in the last (days)",
        help_text="0: no flag.",
    )
    include_recent = forms.BooleanField(
        required=False, label="Send to flagged states as well"
    )

    def __init__(self, *args, letters, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["letter"].queryset = letters
        self.fields["ballot"].queryset = (
            Ballot.objects.recorded()
            .filter(Exists(Vote.objects.filter(ballot=OuterRef("pk"))))
            .select_related("document")
            .order_by("-date", "body")
        )

    def clean_name(self) -> str:
        name = self.cleaned_data["name"].strip()
        try:
            return check_header(name, field="Name")
        except UnsafeHeader as exc:
            raise forms.ValidationError(str(exc)) from exc

    def clean(self):
        data = super().clean()
        if data.get("ballot") and not data.get("positions"):
            self.add_error("positions", "Tick the positions wanted on that ballot.")
        if data.get("positions") and not data.get("ballot"):
            self.add_error("ballot", "Choose the ballot the positions were taken on.")
        letter = data.get("letter")
        if letter and data.get("languages"):
            have = set(letter.versions.values_list("language", flat=True))
            missing = [
                UNLanguage(code).label for code in data["languages"] if code not in have
            ]
            if missing:
                self.add_error(
                    "languages", f"The letter has no text in {', '.join(missing)}."
                )
        return data

    def criteria(self) -> Criteria:
        data = self.cleaned_data
        return Criteria(
            groups=list(data["groups"]),
            blocs=[b.code for b in data["blocs"]],
            ballot=data["ballot"].pk if data["ballot"] else None,
            positions=list(data["positions"]),
            cosponsor=data["cosponsor"],
            stances=list(data["stances"]),
            city=data["city"],
            window_days=data["window_days"],
            include_recent=data["include_recent"],
        )

    @staticmethod
    def initial_for(appeal) -> dict:
        criteria = Criteria.from_dict(appeal.criteria)
        return {
            "name": appeal.name,
            "letter": appeal.letter_id,
            "languages": appeal.languages,
            "attach_pdf": appeal.attach_pdf,
            **criteria.to_dict(),
        }


class ScheduleForm(forms.Form):
    at = forms.DateTimeField(
        label="Send at",
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
    )
