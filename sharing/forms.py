"""Forms of the submission pages: a payload form built from an indicator type's field specs."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms

from sharing.core.scanning import CATEGORIES

_PLACEHOLDERS = {
    "datetime": "2026-03-01T10:15:00Z",
    "ipv4": "203.0.113.7",
    "ipv6": "2001:db8::1",
    "cidr": "203.0.113.0/24",
    "domain": "example.net",
    "email": "name@example.net",
    "url": "https://example.net/path",
    "sha256": "64 hexadecimal characters",
    "asn": "AS64500",
    "country": "DE",
}


def _scalar_field(spec: dict[str, Any], required: bool) -> forms.Field:
    datatype = spec["datatype"]
    common = {"label": spec.get("label") or spec["name"], "required": required}
    common["help_text"] = spec.get("help", "")
    if datatype == "integer":
        return forms.IntegerField(
            min_value=spec.get("minimum"), max_value=spec.get("maximum"), **common
        )
    if datatype == "decimal":
        return forms.DecimalField(**common)
    if datatype == "enum":
        choices = [(c, c) for c in spec.get("choices", [])]
        return forms.ChoiceField(choices=[("", "—")] + choices, **common)
    if datatype == "text":
        return forms.CharField(
            widget=forms.Textarea(attrs={"rows": 4}),
            max_length=spec.get("max_length"),
            strip=False,
            **common,
        )
    attrs = {"placeholder": _PLACEHOLDERS[datatype]} if datatype in _PLACEHOLDERS else {}
    return forms.CharField(
        max_length=spec.get("max_length"), widget=forms.TextInput(attrs=attrs), **common
    )


def _many_field(spec: dict[str, Any], required: bool) -> forms.Field:
    label = spec.get("label") or spec["name"]
    help_text = " ".join(filter(None, [spec.get("help", ""), "One per line."]))
    return forms.CharField(
        label=label,
        required=required,
        help_text=help_text,
        widget=forms.Textarea(attrs={"rows": 4, "class": "code"}),
    )


def _json_number(value: Decimal) -> int | float:
    return int(value) if value == value.to_integral_value() else float(value)


def _line_value(line: str, datatype: str) -> Any:
    """Return a line of a `many` field as JSON; the schema check reports anything malformed."""
    if datatype == "integer":
        try:
            return int(line)
        except ValueError:
            return line
    if datatype == "decimal":
        try:
            return _json_number(Decimal(line))
        except ArithmeticError:
            return line
    return line


class IndicatorTypeChoiceForm(forms.Form):
    """First step: which indicator type to submit."""

    type = forms.ChoiceField(label="Indicator type")

    def __init__(self, *args, types, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["type"].choices = [("", "Choose a type…")] + [(t.key, t.name) for t in types]


class SubmissionForm(forms.Form):
    """The payload form of one indicator type; `payload()` returns the JSON to submit."""

    client_reference = forms.CharField(widget=forms.HiddenInput, max_length=200)

    def __init__(self, *args, indicator_type, organizations=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.indicator_type = indicator_type
        self.specs = list(indicator_type.fields)
        if len(organizations) > 1:
            self.fields["organization"] = forms.ChoiceField(
                label="Submit for", choices=[(o.slug, o.name) for o in organizations]
            )
        for spec in self.specs:
            # Required-ness is checked once, by the schema, so every problem shows at once.
            required = bool(spec.get("required"))
            field = _many_field(spec, False) if spec.get("many") else _scalar_field(spec, False)
            field.widget.attrs["aria-required"] = "true" if required else "false"
            field.is_required_by_schema = required
            self.fields[spec["name"]] = field

    def payload(self) -> dict[str, Any]:
        """Return the payload of the cleaned data (empty optional fields omitted)."""
        payload: dict[str, Any] = {}
        for spec in self.specs:
            value = self.cleaned_data.get(spec["name"])
            if value in (None, ""):
                continue
            if spec.get("many"):
                lines = [line.strip() for line in str(value).splitlines() if line.strip()]
                if lines:
                    payload[spec["name"]] = [_line_value(v, spec["datatype"]) for v in lines]
            elif isinstance(value, Decimal):
                payload[spec["name"]] = _json_number(value)
            else:
                payload[spec["name"]] = value
        return payload


class WithdrawForm(forms.Form):
    reason = forms.CharField(
        label="Why withdraw it?", max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )


class WatchlistTermForm(forms.Form):
    term = forms.CharField(
        label="Term",
        max_length=200,
        widget=forms.PasswordInput(attrs={"autocomplete": "off"}),
        help_text="A customer name or model codename (up to 4 words). Only its keyed hash is "
        "kept; the term itself is never stored.",
    )
    category = forms.ChoiceField(choices=[(c, c) for c in CATEGORIES], initial="customer")


def payload_field(path: str) -> str:
    """Return the form field a service error's path names (`payload.ips[2]` → `ips`)."""
    if path.startswith("payload."):
        return path.removeprefix("payload.").split("[")[0].split(".")[0]
    return path
