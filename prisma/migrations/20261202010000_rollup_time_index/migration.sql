-- Time-leading indexes for the set-based rollups (packages/scheduler/src/storage/rollups.ts).
--
-- The primary keys (tenant_id, series_id, ts) serve per-series reads (dashboards) but make "every point
-- of one tenant in one 5-minute bucket" one index descent per series. (tenant_id, ts) turns it into one
-- range scan per (account, span of dirty buckets); on the 5-minute rows it finds which buckets of a
-- span already had a row (those are recomputed, new ones folded into their hour). Every series of a
-- tenant shares each bucket's ts, so B-tree deduplication stores the key once per (tenant, ts) with a
-- posting list of row pointers: ~8 bytes per point (measured, docs/scaling.md). Created on the
-- partitioned parents, so every existing and future partition (and the DEFAULT one) gets its own.
CREATE INDEX metric_points_tenant_ts ON ts.metric_points (tenant_id, ts);
CREATE INDEX metric_points_5m_tenant_ts ON ts.metric_points_5m (tenant_id, ts);
