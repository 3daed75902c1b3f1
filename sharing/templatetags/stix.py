"""`{% load stix %}`: `indicator|stix_id` is the id the API, TAXII and exports use for it."""

from __future__ import annotations

from django import template

from sharing.stix import stix_object_id

register = template.Library()


@register.filter
def stix_id(indicator) -> str:
    """Return the STIX id the indicator is exported under (`indicator--…` or `note--…`)."""
    return stix_object_id(indicator)
