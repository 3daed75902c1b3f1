"""The formatting helpers every page uses: no Python repr, names not keys, one-line dates."""

from __future__ import annotations

import datetime as dt

import pytest
from django.template import Context, Template

from governance.core.wording import label_text, with_article
from governance.templatetags.clearroom import display, object_label, org_names, type_name, when


def test_display_renders_mappings_and_lists_without_python_reprs():
    html = str(display({"since_size": None, "keys": ["hmac:k1:aa", "hmac:k1:bb"], "ok": True}))
    assert "{'" not in html and "['" not in html and "None" not in html
    assert "<dt>Since size</dt>" in html and "hmac:k1:aa</span>, <span" in html
    assert "<dd>Yes</dd>" in html


def test_display_escapes_values():
    assert "<script>" not in str(display({"x": "<script>alert(1)</script>"}))


def test_display_shortens_digests_and_keeps_the_whole_value_on_hover():
    digest = "ab" * 32
    html = str(display(digest))
    assert f'title="{digest}"' in html and ">abababababab…<" in html


def test_when_is_one_line_utc_in_markup_and_on_hover():
    moment = dt.datetime(2026, 11, 29, 17, 5, 9, tzinfo=dt.UTC)
    html = str(when(moment))
    assert 'datetime="2026-11-29T17:05:09Z"' in html
    assert 'title="2026-11-29 17:05:09 UTC"' in html and ">2026-11-29 17:05 UTC<" in html
    assert str(when(None)) == "—"


def test_labels_articles_and_object_names():
    assert label_text("in_review") == "In review"
    assert with_article("Account cluster", capital=True) == "An Account cluster"
    assert with_article("Proxy or reseller service") == "a Proxy or reseller service"
    name = object_label("sharing.sharedindicator", "1a2b3c4d-0000-4000-8000-000000000000")
    assert name == "Shared indicator 1a2b3c4d"
    assert "sharing." not in object_label("sharing.submission", "x")


@pytest.mark.django_db
def test_organization_and_type_names_replace_slugs_and_keys(orgs, catalog):
    assert org_names(["acme", "globex"]) == "Acme AI, Globex Labs"
    assert type_name("account-cluster") == "Account cluster"
    out = Template("{% load clearroom %}{{ slug|org_name }}").render(Context({"slug": "initech"}))
    assert out == "Initech"
