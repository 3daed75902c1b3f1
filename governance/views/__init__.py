"""Governance pages, one module per topic: dashboard, policy, catalog, accounts."""
