"""Membership has no Celery task: its e-mails carry one-time link secrets, so they are sent on
commit by the service that made the secret, never through the broker (docs/membership.md)."""
