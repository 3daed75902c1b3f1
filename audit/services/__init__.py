"""Audit writes, one module per topic: the log, checkpoints, cosignatures, exports.

Until #18 part 1 / merge: the sharing services being rewritten in parallel import the log's API
from this package; new code imports `audit.services.log`, and these re-exports go once they
have moved over.
"""

from audit.services.log import AuditSpec, audit_record, audit_record_many

__all__ = ["AuditSpec", "audit_record", "audit_record_many"]
