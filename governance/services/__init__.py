"""Governance writes, one module per topic: accounts, catalog, policy.

Until #18 part 1 / merge: the TAXII server (rewritten in parallel) authenticates through this
package; new code imports `governance.services.accounts`, and this re-export goes once it moved.
"""

from governance.services.accounts import api_token_authenticate

__all__ = ["api_token_authenticate"]
