"""Pages map domain errors once, and one helper puts a service's errors on a form."""

from __future__ import annotations

import pytest
from django import forms
from django.contrib.auth.models import AnonymousUser
from django.contrib.messages.storage.fallback import FallbackStorage
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.test import RequestFactory

from config.errors import AccessDenied, Conflict, NotFound, ValidationFailed
from config.pages import form_add_errors, page

pytestmark = pytest.mark.django_db


def _request(user):
    request = RequestFactory().get("/somewhere/")
    request.user = user
    request.session = {}
    request._messages = FallbackStorage(request)
    return request


def _raising(exc):
    def view(request):
        raise exc

    return view


def test_anonymous_visitor_is_sent_to_the_login_page():
    response = page(lambda request: HttpResponse("ok"))(_request(AnonymousUser()))
    assert response.status_code == 302
    assert "/login/" in response["Location"]


def test_access_denied_is_the_403_page_with_its_message(users):
    with pytest.raises(PermissionDenied, match="not yours"):
        page(_raising(AccessDenied("not yours")))(_request(users["analyst"]))


def test_not_found_is_the_404_page_with_its_message(users):
    with pytest.raises(Http404, match="no such thing"):
        page(_raising(NotFound("no such thing")))(_request(users["analyst"]))


def test_other_domain_errors_are_left_to_the_view(users):
    with pytest.raises(Conflict):
        page(_raising(Conflict("busy")))(_request(users["analyst"]))


def test_a_user_the_page_does_not_allow_is_refused_before_the_view_runs(users):
    ran = []
    view = page(allow=lambda user: False, refusal="reviewers only")(ran.append)
    with pytest.raises(PermissionDenied, match="reviewers only"):
        view(_request(users["analyst"]))
    assert ran == []


def test_an_error_code_can_redirect_with_its_message(users):
    error = AccessDenied("accept the terms first", code="marking_not_acknowledged")
    view = page(redirect_on={"marking_not_acknowledged": "indicator-list"})(_raising(error))
    request = _request(users["analyst"])
    response = view(request)
    assert response.status_code == 302
    assert [str(m) for m in request._messages] == ["accept the terms first"]


class _Form(forms.Form):
    name = forms.CharField(required=False)
    ip = forms.CharField(required=False)


def _form():
    form = _Form({})
    assert form.is_valid()
    return form


def test_service_errors_go_next_to_the_fields_they_name():
    form = _form()
    exc = ValidationFailed(
        "bad", errors=[{"field": "name", "message": "required"}, {"field": "x", "message": "no"}]
    )
    form_add_errors(form, exc)
    assert form.errors["name"] == ["required"]
    assert form.non_field_errors() == ["x: no"]


def test_an_error_without_items_puts_its_message_on_the_form():
    form = _form()
    form_add_errors(form, Conflict("already cosigned"))
    assert form.non_field_errors() == ["already cosigned"]


def test_field_paths_can_be_mapped_and_unknown_fields_left_to_the_page():
    form = _form()
    exc = ValidationFailed(
        "bad",
        errors=[{"field": "payload.ip", "message": "not an IP"}, {"field": "z", "message": "no"}],
    )
    form_add_errors(
        form, exc, field_for=lambda path: path.removeprefix("payload."), fields_only=True
    )
    assert form.errors["ip"] == ["not an IP"]
    assert form.non_field_errors() == []
