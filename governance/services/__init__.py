"""Governance writes, one module per topic: accounts, catalog, policy."""
