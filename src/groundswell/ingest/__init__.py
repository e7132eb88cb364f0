"""Readers: one module per source format, each turning raw files into canonical rows.

Every reader keeps the same rules (see :mod:`groundswell.ingest.common`): identifiers are
pseudonymised with the workspace key, the source is recorded in ``sources``, the whole ingest
is one transaction, the same file twice adds nothing, and bad input raises
:class:`~groundswell.errors.InputError` naming the file, the line and what was expected.
"""
