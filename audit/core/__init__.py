"""Audit's pure cores: no Django, no config, no models (an import contract in ``make lint``).

These modules are the offline verifier's sources too: ``standalone.py`` ships them, verbatim, in
every export bundle as ``clearroom_verify.py``, so they import only the standard library,
``cryptography`` and each other.
"""
