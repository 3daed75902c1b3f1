"""Keep PostgreSQL's planner statistics fresh for the tables intake grows in bursts.

Autovacuum analyses a table once about 10 % of it changed, at most once a minute, and only when
it is on. A TAXII envelope adds thousands of rows in one transaction; until the table is
analysed the planner guesses (a never-analysed permission table is estimated at one row) and
the feed page joined and sorted every visible indicator instead of reading an index range
(figures in docs/performance.md, round 2).
"""

from __future__ import annotations

from django.db import connection

# Analyse once this many rows plus this share of the table changed since the last analysis:
# autovacuum's defaults (autovacuum_analyze_threshold, autovacuum_analyze_scale_factor).
THRESHOLD_ROWS = 50
SCALE_FACTOR = 0.1


def refresh_stale_statistics(tables: list[str]) -> list[str]:
    """ANALYZE those of `tables` never analysed or changed past autovacuum's threshold since
    their last analysis; return their names (none on a database other than PostgreSQL)."""
    if connection.vendor != "postgresql" or not tables:
        return []
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_stat_clear_snapshot()")
        cursor.execute(
            "SELECT s.relname, c.reltuples, s.n_mod_since_analyze, "
            "s.last_analyze IS NULL AND s.last_autoanalyze IS NULL "
            "FROM pg_stat_user_tables s JOIN pg_class c ON c.oid = s.relid "
            "WHERE s.relname = ANY(%s)",
            [tables],
        )
        stale = sorted(
            name
            for name, rows, changed, never in cursor.fetchall()
            if never or changed > THRESHOLD_ROWS + SCALE_FACTOR * max(rows, 0)
        )
        if stale:
            cursor.execute("ANALYZE " + ", ".join(connection.ops.quote_name(t) for t in stale))
    return stale
