"""Membership has no REST endpoint: applications and charter acceptance are for people, in the
browser (docs/membership.md)."""
