"""Helpers of the OPRF evaluation tests: a member's blinded request and its audit trail."""

from __future__ import annotations

import base64
import json

from audit.models import AuditEvent
from sharing.core import oprf
from sharing.core.match import canonical_form

URL = "/api/v1/oprf/evaluate/"


def post_evaluation(client, user, body):
    """POST `body` to the evaluation endpoint as `user`."""
    client.force_login(user)
    return client.post(URL, data=json.dumps(body), content_type="application/json")


def blind(*values: str):
    """Return ([(blind scalar, blinded element)], request body) for `values`, as a lab blinds."""
    pairs = [oprf.blind(canonical_form(v).encode()) for v in values]
    body = {"blinded_elements": [base64.b64encode(b).decode() for _, b in pairs]}
    return pairs, body


def evaluation_events():
    """The audit events of evaluation batches."""
    return AuditEvent.objects.filter(action="oprf.evaluated")
