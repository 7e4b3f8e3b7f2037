"""How common a search's words are in each ranking tier, from the statistics ANALYZE keeps.

Ranked text search (registry/search.py) finds each tier's first rows by a bounded walk in id order when
its words are common, else by the tier's GIN index. A walk for words the tier hardly holds reads its
whole bound for nothing (a word found only in descriptions paid two futile walks, ~4 ms each at
1,000,000 assets). PostgreSQL already knows: ANALYZE keeps each tsvector's most common lexemes and
their shares of rows (pg_stats.most_common_elems / most_common_elem_freqs) for the column and for the
two expression indexes of migration 0020. The app role may not read those statistics (pg_stats shows
a column's only to those who may read the column, and an index's to its owner), so this function,
owned by the schema's owner, returns just the shares: no row data.

``text_tier_shares(q)`` gives one share per tier (name; name and address; anywhere), the estimated
share of assets matching the query's positive words in that tier, as the planner would bound it: an
AND of words is at most its rarest word's share. NULL when it cannot say: no statistics yet, an OR in
the query, no positive word, or a word missing from a list that is full (a full list drops words at
its bottom, so a missing word may still be common). A word missing from a list that is not full is
below ANALYZE's cut-off, which is what 0 stands for.

Revision ID: 0026
Revises: 0025
"""

from alembic import op

revision = "0026"
down_revision = "0025"
branch_labels = None
depends_on = None

FUNCTION = r"""
CREATE FUNCTION text_tier_shares(q tsquery) RETURNS float8[]
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
                                       WHEN s.full_list THEN NULL
                                       ELSE 0 END AS share
                             FROM words w) shares)
        END ORDER BY s.tier)
      FROM stats s
$$;
"""


def upgrade():
    op.execute(FUNCTION)


def downgrade():
    op.execute("DROP FUNCTION text_tier_shares(tsquery)")
