"""Governance reads, one module per topic: policy, catalog, accounts."""
