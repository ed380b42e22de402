import { sql, type Kysely } from 'kysely';
import { currencyDigits } from '../../lib/money.ts';
import { runStatements } from '../statements.ts';

// What the overview reads from the scores, kept beside them so a page view reads a few dozen rows instead
// of grouping a million: per workspace the counts of the scoring snapshot (R×F cells, RFM segments,
// lifecycle stages, value tiers, CLV bands), written by each full run in its transaction and adjusted by
// targeted rescores; and lifecycle moves per day, kept current on write by triggers on the transitions.
export async function up(db: Kysely<unknown>): Promise<void> {
  await runStatements(
    db,
    `
    CREATE TABLE analytics_score_snapshots (
      workspace_id bigint PRIMARY KEY REFERENCES workspaces (id),
      run_id bigint NOT NULL,
      as_of date NOT NULL,
      clv_edges double precision[] NOT NULL,
      updated_run_id bigint NOT NULL,
      updated_at timestamptz NOT NULL
    );

    CREATE TABLE analytics_score_counts (
      workspace_id bigint NOT NULL REFERENCES workspaces (id),
      dimension text NOT NULL,
      key text NOT NULL,
      customers bigint NOT NULL,
      revenue_minor bigint NOT NULL,
      clv_minor double precision NOT NULL,
      PRIMARY KEY (workspace_id, dimension, key)
    );

    CREATE TABLE lifecycle_flow_days (
      workspace_id bigint NOT NULL REFERENCES workspaces (id),
      changed_on date NOT NULL,
      from_stage text NOT NULL,
      to_stage text NOT NULL,
      customers bigint NOT NULL,
      PRIMARY KEY (workspace_id, changed_on, from_stage, to_stage)
    )
  `,
  );
  // The one definition of the groups a score row counts in; the CLV band is width_bucket over the
  // snapshot's 1-2-5 edges (0 below the first edge never happens: CLV is clamped at 0, the first edge).
  await sql
    .raw(
      `CREATE FUNCTION analytics_score_keys(r smallint, f smallint, segment text, stage text, tier text, clv double precision, edges double precision[])
       RETURNS TABLE (dimension text, key text) LANGUAGE sql IMMUTABLE AS $$
         VALUES ('rfm_cell', r || ':' || f), ('rfm_segment', segment), ('lifecycle_stage', stage), ('value_tier', tier),
                ('clv_band', CASE WHEN clv IS NULL THEN 'none' ELSE width_bucket(greatest(clv, 0), edges)::text END)
       $$`,
    )
    .execute(db);
  // Whoever deletes scores (a run dropping former buyers, an erasure) takes them out of the counts too.
  await sql
    .raw(
      `CREATE FUNCTION analytics_uncount_scores() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      INSERT INTO analytics_score_counts AS c (workspace_id, dimension, key, customers, revenue_minor, clv_minor)
      SELECT g.workspace_id, k.dimension, k.key, -count(*), -sum(g.revenue_minor), -coalesce(sum(g.clv_minor), 0)
      FROM gone g JOIN analytics_score_snapshots s ON s.workspace_id = g.workspace_id
      CROSS JOIN LATERAL analytics_score_keys(g.r_score, g.f_score, g.rfm_segment, g.lifecycle_stage, g.value_tier, g.clv_minor, s.clv_edges) k
      GROUP BY 1, 2, 3
      ON CONFLICT (workspace_id, dimension, key) DO UPDATE
        SET customers = c.customers + excluded.customers, revenue_minor = c.revenue_minor + excluded.revenue_minor, clv_minor = c.clv_minor + excluded.clv_minor;
      RETURN NULL;
    END
    $$`,
    )
    .execute(db);
  await sql
    .raw('CREATE TRIGGER analytics_counts_scores_delete AFTER DELETE ON customer_scores REFERENCING OLD TABLE AS gone FOR EACH STATEMENT EXECUTE FUNCTION analytics_uncount_scores()')
    .execute(db);
  // A first stage (from_stage NULL) is kept as '' so it can be part of the key.
  await sql
    .raw(
      `CREATE FUNCTION analytics_count_flows() RETURNS trigger LANGUAGE plpgsql AS $$
    DECLARE direction int := CASE WHEN TG_OP = 'DELETE' THEN -1 ELSE 1 END;
    BEGIN
      INSERT INTO lifecycle_flow_days AS d (workspace_id, changed_on, from_stage, to_stage, customers)
      SELECT t.workspace_id, t.changed_on, coalesce(t.from_stage, ''), t.to_stage, direction * count(*) FROM moved t GROUP BY 1, 2, 3, 4
      ON CONFLICT (workspace_id, changed_on, from_stage, to_stage) DO UPDATE SET customers = d.customers + excluded.customers;
      RETURN NULL;
    END
    $$`,
    )
    .execute(db);
  for (const [op, transition] of [
    ['INSERT', 'NEW'],
    ['DELETE', 'OLD'],
  ] as const) {
    await sql
      .raw(`CREATE TRIGGER analytics_flows_${op.toLowerCase()} AFTER ${op} ON lifecycle_transitions REFERENCING ${transition} TABLE AS moved FOR EACH STATEMENT EXECUTE FUNCTION analytics_count_flows()`)
      .execute(db);
  }

  // Existing installations: count what is there now, as of each workspace's latest full run.
  await sql`
    INSERT INTO lifecycle_flow_days (workspace_id, changed_on, from_stage, to_stage, customers)
    SELECT workspace_id, changed_on, coalesce(from_stage, ''), to_stage, count(*) FROM lifecycle_transitions GROUP BY 1, 2, 3, 4`.execute(db);
  const scored = await sql<{ workspace_id: number; currency: string; run_id: number; as_of: string }>`
    SELECT w.id AS workspace_id, w.currency, r.id AS run_id, r.as_of::text AS as_of FROM workspaces w
    JOIN LATERAL (SELECT id, as_of FROM score_runs WHERE workspace_id = w.id AND finished_at IS NOT NULL AND kind <> 'targeted' ORDER BY id DESC LIMIT 1) r ON true`.execute(db);
  for (const w of scored.rows) {
    const unit = 10 ** currencyDigits(w.currency);
    const edges = [0];
    for (let decade = 1; decade <= 1e9; decade *= 10) edges.push(unit * decade, unit * decade * 2, unit * decade * 5);
    await sql`
      INSERT INTO analytics_score_snapshots (workspace_id, run_id, as_of, clv_edges, updated_run_id, updated_at)
      VALUES (${w.workspace_id}, ${w.run_id}, ${w.as_of}::date, ${edges}::float8[], ${w.run_id}, now())`.execute(db);
    await sql`
      INSERT INTO analytics_score_counts (workspace_id, dimension, key, customers, revenue_minor, clv_minor)
      SELECT ${w.workspace_id}::bigint, k.dimension, k.key, count(*), sum(c.revenue_minor), coalesce(sum(c.clv_minor), 0)
      FROM customer_scores c
      CROSS JOIN LATERAL analytics_score_keys(c.r_score, c.f_score, c.rfm_segment, c.lifecycle_stage, c.value_tier, c.clv_minor, ${edges}::float8[]) k
      WHERE c.workspace_id = ${w.workspace_id}
      GROUP BY 1, 2, 3`.execute(db);
  }
}
