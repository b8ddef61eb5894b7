-- Scheduler state (hand-written; see packages/scheduler/README.md).
--
-- metric_watermark   high-water mark per (tenant, account, region, metric group): the end of the last
--                    window whose points are durably stored. Metrics jobs start from it, so an outage is
--                    backfilled automatically and a replay never skips a period.
-- resource_event     resource.created / updated / terminated, written in the discovery transaction, for
--                    alert evaluation (later) and the UI's activity feed.
-- ts.rollup_dirty    5-minute buckets (per account) whose raw points changed since their rollup was computed; the
--                    global rollup job drains it (incremental 5 m and 1 h rollups).
-- ts.ensure_partitions / ts.drop_partitions_before are replaced by SECURITY DEFINER versions: the worker
-- role (cms_worker) may not CREATE/DROP tables in schema ts, and creating a partition whose range already
-- has rows in the DEFAULT partition fails — the new ensure_partitions moves those rows into the new
-- partition in the same transaction.

CREATE TABLE "metric_watermark" (
    "tenant_id" UUID NOT NULL,
    "account_id" UUID NOT NULL,
    "region" TEXT NOT NULL,
    "metric_group" TEXT NOT NULL,
    "high_water" TIMESTAMPTZ(3) NOT NULL,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "metric_watermark_pkey" PRIMARY KEY ("tenant_id", "account_id", "region", "metric_group")
);
CREATE INDEX "metric_watermark_account_id_idx" ON "metric_watermark"("account_id");
ALTER TABLE "metric_watermark" ADD CONSTRAINT "metric_watermark_account_id_fkey" FOREIGN KEY ("account_id") REFERENCES "cloud_account"("id") ON DELETE CASCADE ON UPDATE CASCADE;

CREATE TABLE "resource_event" (
    "id" BIGSERIAL NOT NULL,
    "tenant_id" UUID NOT NULL,
    "account_id" UUID NOT NULL,
    "resource_id" UUID NOT NULL,
    -- resource.created | resource.updated | resource.terminated
    "type" TEXT NOT NULL,
    "data" JSONB NOT NULL DEFAULT '{}',
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "resource_event_pkey" PRIMARY KEY ("id")
);
CREATE INDEX "resource_event_tenant_id_created_at_idx" ON "resource_event"("tenant_id", "created_at");
CREATE INDEX "resource_event_account_id_idx" ON "resource_event"("account_id");
CREATE INDEX "resource_event_resource_id_idx" ON "resource_event"("resource_id");
ALTER TABLE "resource_event" ADD CONSTRAINT "resource_event_account_id_fkey" FOREIGN KEY ("account_id") REFERENCES "cloud_account"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "resource_event" ADD CONSTRAINT "resource_event_resource_id_fkey" FOREIGN KEY ("resource_id") REFERENCES "resource"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- Discovery looks up live resources of one account; terminated ones stay for history.
CREATE INDEX "resource_tenant_id_account_id_terminated_at_idx" ON "resource"("tenant_id", "account_id", "terminated_at");

DO $$
DECLARE t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['metric_watermark', 'resource_event']
  LOOP
    EXECUTE format('ALTER TABLE public.%I ENABLE ROW LEVEL SECURITY', t);
    EXECUTE format('ALTER TABLE public.%I FORCE ROW LEVEL SECURITY', t);
    EXECUTE format('CREATE POLICY tenant_isolation ON public.%I USING (tenant_id = public.app_tenant_id()) WITH CHECK (tenant_id = public.app_tenant_id())', t);
    EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON public.%I TO cms_app, cms_worker', t);
  END LOOP;
END
$$;
GRANT USAGE, SELECT ON SEQUENCE public.resource_event_id_seq TO cms_app, cms_worker;

CREATE TABLE ts.rollup_dirty (
  tenant_id uuid NOT NULL,
  account_id uuid NOT NULL,
  bucket timestamptz NOT NULL,
  PRIMARY KEY (tenant_id, account_id, bucket)
);
GRANT SELECT, INSERT, UPDATE, DELETE ON ts.rollup_dirty TO cms_worker;

-- Partitions ahead, safe against rows already sitting in the DEFAULT partition.
CREATE OR REPLACE FUNCTION ts.ensure_partitions(parent text, unit text, from_ts timestamptz, n integer)
RETURNS integer LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, ts AS $$
DECLARE
  i integer;
  lo timestamptz;
  hi timestamptz;
  part text;
  def text := parent || '_default';
  created integer := 0;
  moved bigint;
BEGIN
  IF parent NOT IN ('metric_points', 'metric_points_5m', 'metric_points_1h') THEN
    RAISE EXCEPTION 'ensure_partitions: unknown parent %', parent;
  END IF;
  IF unit NOT IN ('day', 'month') THEN
    RAISE EXCEPTION 'ensure_partitions: unknown unit %', unit;
  END IF;
  FOR i IN 0..n - 1 LOOP
    lo := date_trunc(unit, from_ts AT TIME ZONE 'UTC') AT TIME ZONE 'UTC' + (i || ' ' || unit)::interval;
    hi := lo + ('1 ' || unit)::interval;
    part := parent || '_' || to_char(lo AT TIME ZONE 'UTC', CASE unit WHEN 'day' THEN 'YYYYMMDD' ELSE 'YYYYMM' END);
    IF to_regclass('ts.' || part) IS NULL THEN
      -- Serialize with writers to the default partition for this range (a point arriving between the
      -- move and the attach would otherwise make CREATE … PARTITION OF fail).
      EXECUTE format('LOCK TABLE ts.%I IN SHARE ROW EXCLUSIVE MODE', def);
      EXECUTE format('CREATE TEMP TABLE IF NOT EXISTS _cms_moving (LIKE ts.%I) ON COMMIT DROP', parent);
      EXECUTE 'TRUNCATE _cms_moving';
      EXECUTE format('WITH m AS (DELETE FROM ts.%I WHERE ts >= %L AND ts < %L RETURNING *) INSERT INTO _cms_moving SELECT * FROM m', def, lo, hi);
      GET DIAGNOSTICS moved = ROW_COUNT;
      EXECUTE format('CREATE TABLE ts.%I PARTITION OF ts.%I FOR VALUES FROM (%L) TO (%L)', part, parent, lo, hi);
      IF moved > 0 THEN
        EXECUTE format('INSERT INTO ts.%I SELECT * FROM _cms_moving', parent);
      END IF;
      EXECUTE 'DROP TABLE _cms_moving';
      created := created + 1;
    END IF;
  END LOOP;
  RETURN created;
END
$$;

-- Retention: drop whole partitions ending before `older_than`, and delete expired rows that landed in
-- the DEFAULT partition (points far outside the prepared range).
CREATE OR REPLACE FUNCTION ts.drop_partitions_before(parent text, older_than timestamptz)
RETURNS integer LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, ts AS $$
DECLARE
  r record;
  dropped integer := 0;
  upper_bound timestamptz;
BEGIN
  IF parent NOT IN ('metric_points', 'metric_points_5m', 'metric_points_1h') THEN
    RAISE EXCEPTION 'drop_partitions_before: unknown parent %', parent;
  END IF;
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
  EXECUTE format('DELETE FROM ts.%I WHERE ts < %L', parent || '_default', older_than);
  RETURN dropped;
END
$$;

REVOKE ALL ON FUNCTION ts.ensure_partitions(text, text, timestamptz, integer) FROM PUBLIC;
REVOKE ALL ON FUNCTION ts.drop_partitions_before(text, timestamptz) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION ts.ensure_partitions(text, text, timestamptz, integer) TO cms_worker;
GRANT EXECUTE ON FUNCTION ts.drop_partitions_before(text, timestamptz) TO cms_worker;
