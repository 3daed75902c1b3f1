"""Audit writes, one module per topic: the log, checkpoints, cosignatures, exports."""
