"""Forms of the membership pages: input shapes only; the services decide."""

from __future__ import annotations

from django import forms

from membership.models import ExitKind
from membership.services.applications import MAX_EVIDENCE, MAX_NAME, MAX_REASON


class ApplicationForm(forms.Form):
    organization_name = forms.CharField(label="Organization", max_length=MAX_NAME)
    contact_name = forms.CharField(label="Contact name", max_length=MAX_NAME)
    contact_email = forms.EmailField(label="Contact e-mail", max_length=254)
    claimed = forms.MultipleChoiceField(
        label="Criteria your organization meets",
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    evidence = forms.CharField(
        label="Evidence",
        max_length=MAX_EVIDENCE,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=(
            f"How your organization meets each criterion you ticked (at most {MAX_EVIDENCE} "
            "characters). Technical facts only: no prices, customers or plans."
        ),
    )
    # Honeypot: hidden from people by CSS and aria-hidden; bots that fill every field give
    # themselves away. Never shown, never stored.
    website = forms.CharField(required=False, label="Leave this field empty")

    def __init__(self, *args, criteria=None, **kwargs):
        super().__init__(*args, **kwargs)
        items = criteria.content["criteria"] if criteria is not None else []
        self.fields["claimed"].choices = [(c["key"], c["title"]) for c in items]


class DocumentDraftForm(forms.Form):
    """A draft of either document; criteria as one `key | title | description` per line."""

    title = forms.CharField(max_length=200)
    introduction = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3}))
    criteria = forms.CharField(
        required=False,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 10, "class": "code"}),
        help_text="One criterion per line: key | title | description.",
    )
    text = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 16}),
        help_text="The charter's text, shown to every user before they accept it.",
    )

    def content(self, kind: str) -> dict:
        data = self.cleaned_data
        if kind == "charter":
            return {"title": data["title"], "text": data["text"]}
        items = []
        for line in data["criteria"].splitlines():
            if not line.strip():
                continue
            parts = [part.strip() for part in line.split("|", 2)]
            parts += [""] * (3 - len(parts))
            items.append({"key": parts[0], "title": parts[1], "description": parts[2]})
        return {"title": data["title"], "introduction": data["introduction"], "criteria": items}


class DocumentDecisionForm(forms.Form):
    decision = forms.ChoiceField(choices=[("approve", "Approve"), ("reject", "Reject")])
    statement = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), max_length=MAX_REASON)


class ApplicationDecisionForm(forms.Form):
    decision = forms.ChoiceField(choices=[("accept", "Accept"), ("refuse", "Refuse")])
    reason = forms.CharField(
        label="Written reason",
        widget=forms.Textarea(attrs={"rows": 5}),
        max_length=MAX_REASON,
        help_text="Shown to the applicant on its status page and kept in the audit log.",
    )

    def __init__(self, *args, keys=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.keys = list(keys)
        for key in self.keys:
            self.fields[f"criterion_{key}"] = forms.ChoiceField(
                choices=[("met", "Met"), ("not_met", "Not met")],
                widget=forms.RadioSelect,
                required=False,
            )

    def assessment(self) -> dict:
        marks = {}
        for key in self.keys:
            value = self.cleaned_data.get(f"criterion_{key}")
            if value:
                marks[key] = value == "met"
        return marks


class ExitForm(forms.Form):
    kind = forms.ChoiceField(choices=ExitKind.choices)
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), max_length=MAX_REASON)


class ColleagueInviteForm(forms.Form):
    email = forms.EmailField(label="E-mail address", max_length=254)
    role = forms.ChoiceField(
        choices=[
            ("analyst", "Analyst"),
            ("legal_reviewer", "Legal reviewer"),
            ("member_admin", "Member admin"),
        ]
    )


class InvitationAcceptForm(forms.Form):
    username = forms.CharField(max_length=150)
    first_name = forms.CharField(max_length=150, required=False)
    last_name = forms.CharField(max_length=150, required=False)
    password = forms.CharField(widget=forms.PasswordInput, max_length=200)
    password_again = forms.CharField(
        label="Password (again)", widget=forms.PasswordInput, max_length=200
    )

    def clean(self):
        data = super().clean()
        if data.get("password") and data.get("password") != data.get("password_again"):
            self.add_error("password_again", "The two passwords differ.")
        return data
