"""Text search: a word missing from a full list of common lexemes gets the list's lowest share as its bound.

Migration 0026's text_tier_shares gave NULL (unknown) for a word missing from a full list
(pg_stats.most_common_elems of the name-and-address index holds 1,000 lexemes at 1,000,000 assets, so
every word not among them was unknown). The search then walked the two lower tiers together over the
whole bound: "vacant" (only in descriptions) read 3,000 rows, ~15 ms at 1M on a loaded machine, and
was the text benchmark's p95 (bench/results/text_search.md, 2026-12-03). ANALYZE keeps the lexemes
above its cut-off, and a word it dropped is, up to the sampling error, no more common than the lowest
it kept: PostgreSQL's own tsquery selectivity takes the same bound (half that minimum, ts_selfuncs.c).
pg_stats appends the minimum to most_common_elem_freqs after one share per lexeme. The shares only
choose walk or GIN list, never the answer (tests/integration/test_text_ranking.py).

Revision ID: 0031
Revises: 0030
"""

from alembic import op

revision = "0031"
down_revision = "0030"
branch_labels = None
depends_on = None

FUNCTION = r"""
CREATE OR REPLACE FUNCTION text_tier_shares(q tsquery) RETURNS float8[]
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public AS $$
    WITH words AS (  -- the positive lexemes of the query: 'librari' but not !'car'
        SELECT DISTINCT replace(m[2], '''''', '''') AS word
          FROM regexp_matches(q::text, '(!?)''((?:[^'']|'''')+)''', 'g') AS m
         WHERE m[1] = ''
    ),
    tiers (tier, relation, attribute) AS (
        VALUES (0, 'ix_asset_search_name', 'ts_filter'), (1, 'ix_asset_search_name_address', 'ts_filter'),
               (2, 'asset', 'search_vector')
    ),
    stats AS (
        SELECT t.tier, s.most_common_elems::text::text[] AS elems, s.most_common_elem_freqs AS freqs,
               -- the list is full when it holds 10 × the statistics target (ts_typanalyze's bound)
               cardinality(s.most_common_elems::text::text[]) >= 10 * coalesce(
                   nullif((SELECT attstattarget FROM pg_attribute
                            WHERE attrelid = ('public.' || t.relation)::regclass AND attname = t.attribute), -1),
                   current_setting('default_statistics_target')::int) AS full_list
          FROM tiers t
          LEFT JOIN pg_stats s ON s.schemaname = 'public' AND s.tablename = t.relation AND s.attname = t.attribute
    )
    SELECT array_agg(
        CASE WHEN s.elems IS NULL OR position(' | ' IN q::text) > 0 OR NOT EXISTS (SELECT 1 FROM words) THEN NULL
             ELSE (SELECT CASE WHEN bool_or(share IS NULL) THEN NULL ELSE min(share) END
                     FROM (SELECT CASE WHEN array_position(s.elems, w.word) IS NOT NULL
                                       THEN s.freqs[array_position(s.elems, w.word)]::float8
                                       -- dropped from a full list: at most the lowest share it kept
                                       WHEN s.full_list THEN s.freqs[cardinality(s.elems) + 1]::float8
                                       ELSE 0 END AS share
                             FROM words w) shares)
        END ORDER BY s.tier)
      FROM stats s
$$;
"""


def upgrade():
    op.execute(FUNCTION)


def downgrade():
    # 0026's function: a word dropped from a full list is unknown again.
    op.execute(FUNCTION.replace("THEN s.freqs[cardinality(s.elems) + 1]::float8", "THEN NULL"))
