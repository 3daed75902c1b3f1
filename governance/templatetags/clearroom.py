"""Formatting for every page and e-mail, in one place: `{% load clearroom %}`.

- `value|display` renders any stored value for a person: a mapping as a definition list, a list
  as comma-separated items, None as a dash, a datetime through `when`, a hex digest shortened
  (whole on hover); never a Python repr.
- `value|as_json` renders data as indented JSON in a `<pre>` (for "exactly as published").
- `moment|when` renders a datetime on one line: UTC in the markup and on hover; the page's
  script rewrites the text into the reader's own time zone.
- `key|label` turns a stored key into words (`in_review` → "In review").
- `slug|org_name`, `key|type_name` show a lab's name and an indicator type's name.
- `event|object_label` (or `object_label type id`) names an audited object
  ("Shared indicator 1a2b3c4d"), never `sharing.sharedindicator:<uuid>`.
- `name|with_article` prefixes "a" or "an" ("an Account cluster").
"""

from __future__ import annotations

import datetime as dt
import json
import re
import time
from collections.abc import Mapping

from django import template
from django.apps import apps
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

from governance.core.wording import EMPTY, label_text
from governance.core.wording import with_article as with_article_text

register = template.Library()

_NAMES_TTL_SECONDS = 60.0
_LONG_HEX = re.compile(r"[0-9a-f]{40,}")
_names: dict[str, tuple[float, dict[str, str]]] = {}


def _lookup(kind: str, key: str) -> str | None:
    """Return the display name of an organization slug or an indicator type key, or None."""
    now = time.monotonic()
    loaded_at, names = _names.get(kind, (0.0, {}))
    if key not in names or now - loaded_at > _NAMES_TTL_SECONDS:
        if kind == "org":
            model = apps.get_model("governance", "Organization")
            names = dict(model.objects.values_list("slug", "name"))
        else:
            model = apps.get_model("governance", "IndicatorType")
            names = dict(model.objects.values_list("key", "name"))
        _names[kind] = (now, names)
    return names.get(key)


def org_name_text(slug) -> str:
    """Return the organization's name for its slug (the slug itself if unknown)."""
    if not slug:
        return EMPTY
    return _lookup("org", str(slug)) or str(slug)


def type_name_text(key) -> str:
    """Return the indicator type's name for its key (the key as words if unknown)."""
    if not key:
        return EMPTY
    return _lookup("type", str(key)) or label_text(key)


def object_label_text(object_type, object_id) -> str:
    """Return "Shared indicator 1a2b3c4d" for (`sharing.sharedindicator`, uuid)."""
    if not object_type:
        return EMPTY
    try:
        model = apps.get_model(str(object_type))
        name = str(model._meta.verbose_name)
    except (LookupError, ValueError):
        name = str(object_type).rpartition(".")[2]
    name = name[:1].upper() + name[1:]
    short = str(object_id or "")
    if len(short) > 12 and "-" in short:
        short = short.split("-")[0]
    return f"{name} {short}".strip()


def utc_text(moment: dt.datetime) -> str:
    """Return `moment` in UTC as `YYYY-MM-DD HH:MM:SS UTC`."""
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


@register.filter
def when(moment) -> str:
    """Render a datetime on one line, UTC in the markup and on hover, local time by script."""
    if moment is None or moment == "":
        return EMPTY
    if isinstance(moment, str):
        try:
            moment = dt.datetime.fromisoformat(moment)
        except ValueError:
            return format_html("{}", moment)
    if isinstance(moment, dt.date) and not isinstance(moment, dt.datetime):
        return moment.isoformat()
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment, dt.UTC)
    utc = moment.astimezone(dt.UTC)
    return format_html(
        '<time class="when" datetime="{}" title="{}">{}</time>',
        utc.isoformat().replace("+00:00", "Z"),
        utc_text(utc),
        utc.strftime("%Y-%m-%d %H:%M UTC"),
    )


@register.filter
def label(key) -> str:
    """Turn a stored key into words."""
    return label_text(key)


@register.filter
def org_name(slug) -> str:
    """Show an organization's name for its slug."""
    return org_name_text(slug)


@register.filter
def org_names(slugs) -> str:
    """Show a list of organization slugs as their names, comma-separated."""
    if not slugs:
        return EMPTY
    if isinstance(slugs, str):
        slugs = [s.strip() for s in slugs.split(",") if s.strip()]
    return ", ".join(org_name_text(slug) for slug in slugs)


@register.filter
def type_name(key) -> str:
    """Show an indicator type's name for its key."""
    return type_name_text(key)


@register.filter
def with_article(phrase) -> str:
    """Prefix "a" or "an"."""
    return with_article_text(str(phrase))


@register.filter
def object_label(event, object_id=None) -> str:
    """Name an audited object: `event|object_label` or `type|object_label:id`."""
    if object_id is None and hasattr(event, "object_type"):
        return object_label_text(event.object_type, event.object_id)
    return object_label_text(event, object_id)


def _display(value) -> str:
    if value is None or value == "" or value == [] or value == {}:
        return format_html('<span class="muted">{}</span>', EMPTY)
    if isinstance(value, bool):
        return format_html("{}", "Yes" if value else "No")
    if isinstance(value, dt.datetime):
        return when(value)
    if isinstance(value, Mapping):
        rows = format_html_join(
            "", "<dt>{}</dt><dd>{}</dd>", ((label_text(k), _display(v)) for k, v in value.items())
        )
        return format_html('<dl class="data">{}</dl>', rows)
    if isinstance(value, list | tuple | set | frozenset):
        if all(not isinstance(v, Mapping | list | tuple) for v in value):
            return format_html_join(", ", '<span class="value">{}</span>', ((v,) for v in value))
        return format_html(
            '<ol class="data">{}</ol>',
            format_html_join("", "<li>{}</li>", ((_display(v),) for v in value)),
        )
    if isinstance(value, str) and _LONG_HEX.fullmatch(value):
        # A digest: the first characters identify it; the whole value is on hover.
        return format_html('<span class="mono" title="{}">{}…</span>', value, value[:12])
    return format_html("{}", value)


@register.filter
def display(value) -> SafeString:
    """Render a stored value for a person (definition list, items, dash); never a repr."""
    return _display(value)


@register.filter
def as_json(value) -> str:
    """Render data as indented JSON in a `<pre>`."""
    text = json.dumps(value, indent=2, sort_keys=True, ensure_ascii=False, default=str)
    return format_html('<pre class="json">{}</pre>', text)
