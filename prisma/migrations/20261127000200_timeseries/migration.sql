-- Time-series storage (hand-written; Prisma does not model partitioning). Lives in schema `ts`, which
-- Prisma does not manage, so `migrate diff` never proposes to drop it.
--
-- ts.metric_points     raw points, partitioned by day on ts          (retention default 14 d)
-- ts.metric_points_5m  5-minute rollups, partitioned by month         (retention default 90 d)
-- ts.metric_points_1h  1-hour rollups, partitioned by month           (retention default 13 months)
-- Keys start with tenant_id so the tables can be distributed by tenant (e.g. Citus) and RLS-indexed.
-- Writes are idempotent upserts on (tenant_id, series_id, ts): a replayed job never duplicates a point.
CREATE SCHEMA IF NOT EXISTS ts;
GRANT USAGE ON SCHEMA ts TO cms_app, cms_worker;

CREATE TABLE ts.metric_points (
  tenant_id uuid NOT NULL,
  series_id bigint NOT NULL,
  ts timestamptz NOT NULL,
  value double precision NOT NULL,
  PRIMARY KEY (tenant_id, series_id, ts)
) PARTITION BY RANGE (ts);

CREATE TABLE ts.metric_points_5m (
  tenant_id uuid NOT NULL,
  series_id bigint NOT NULL,
  ts timestamptz NOT NULL,
  min double precision NOT NULL,
  max double precision NOT NULL,
  sum double precision NOT NULL,
  count integer NOT NULL,
  PRIMARY KEY (tenant_id, series_id, ts)
) PARTITION BY RANGE (ts);

CREATE TABLE ts.metric_points_1h (LIKE ts.metric_points_5m INCLUDING ALL) PARTITION BY RANGE (ts);

-- Catch-all partitions so a point outside the prepared range is never lost; maintenance moves on.
CREATE TABLE ts.metric_points_default PARTITION OF ts.metric_points DEFAULT;
CREATE TABLE ts.metric_points_5m_default PARTITION OF ts.metric_points_5m DEFAULT;
CREATE TABLE ts.metric_points_1h_default PARTITION OF ts.metric_points_1h DEFAULT;

DO $$
DECLARE t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['metric_points', 'metric_points_5m', 'metric_points_1h']
  LOOP
    EXECUTE format('ALTER TABLE ts.%I ENABLE ROW LEVEL SECURITY', t);
    EXECUTE format('ALTER TABLE ts.%I FORCE ROW LEVEL SECURITY', t);
    EXECUTE format('CREATE POLICY tenant_isolation ON ts.%I USING (tenant_id = public.app_tenant_id()) WITH CHECK (tenant_id = public.app_tenant_id())', t);
    EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON ts.%I TO cms_app, cms_worker', t);
  END LOOP;
END
$$;

-- Create partitions covering [from, from + n units). Idempotent; called at start and daily by the
-- scheduler's maintenance job. unit: 'day' for raw points, 'month' for rollups.
CREATE OR REPLACE FUNCTION ts.ensure_partitions(parent text, unit text, from_ts timestamptz, n integer)
RETURNS integer LANGUAGE plpgsql AS $$
DECLARE
  i integer;
  lo timestamptz;
  hi timestamptz;
  part text;
  created integer := 0;
BEGIN
  FOR i IN 0..n - 1 LOOP
    lo := date_trunc(unit, from_ts AT TIME ZONE 'UTC') AT TIME ZONE 'UTC' + (i || ' ' || unit)::interval;
    hi := lo + ('1 ' || unit)::interval;
    part := parent || '_' || to_char(lo AT TIME ZONE 'UTC', CASE unit WHEN 'day' THEN 'YYYYMMDD' ELSE 'YYYYMM' END);
    IF to_regclass('ts.' || part) IS NULL THEN
      EXECUTE format('CREATE TABLE ts.%I PARTITION OF ts.%I FOR VALUES FROM (%L) TO (%L)', part, parent, lo, hi);
      created := created + 1;
    END IF;
  END LOOP;
  RETURN created;
END
$$;

-- Drop whole partitions that end before `older_than` (retention). Returns the number dropped.
CREATE OR REPLACE FUNCTION ts.drop_partitions_before(parent text, older_than timestamptz)
RETURNS integer LANGUAGE plpgsql AS $$
DECLARE
  r record;
  dropped integer := 0;
  upper_bound timestamptz;
BEGIN
  FOR r IN
    SELECT c.relname, pg_get_expr(c.relpartbound, c.oid) AS bound
    FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
    WHERE i.inhparent = ('ts.' || parent)::regclass AND pg_get_expr(c.relpartbound, c.oid) <> 'DEFAULT'
  LOOP
    upper_bound := substring(r.bound FROM 'TO \(''([^'']+)''\)')::timestamptz;
    IF upper_bound <= older_than THEN
      EXECUTE format('DROP TABLE ts.%I', r.relname);
      dropped := dropped + 1;
    END IF;
  END LOOP;
  RETURN dropped;
END
$$;

SELECT ts.ensure_partitions('metric_points', 'day', now() - interval '2 days', 10);
SELECT ts.ensure_partitions('metric_points_5m', 'month', now() - interval '1 month', 3);
SELECT ts.ensure_partitions('metric_points_1h', 'month', now() - interval '1 month', 3);
