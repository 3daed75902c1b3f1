"""Governance reads, one module per topic: policy, catalog, accounts.

Until #18 part 1 / merge: the sharing services being rewritten in parallel import these from
this package; new code imports the topic module, and these re-exports go once they have moved.
"""

from governance.selectors.catalog import catalog_fields
from governance.selectors.policy import EffectiveRule, effective_rule, member_org_slugs

__all__ = ["EffectiveRule", "catalog_fields", "effective_rule", "member_org_slugs"]
