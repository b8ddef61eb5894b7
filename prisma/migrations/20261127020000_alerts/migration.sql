-- Alerting and outgoing webhooks (hand-written; see packages/alerts/README.md).
--
-- alert_rule            a tenant's rule: kind + zod-validated spec (jsonb), severity, re-notify interval
-- alert_rule_endpoint   which webhook endpoints a rule notifies
-- alert_instance        state of one (rule, subject) pair, keyed by fingerprint: pending → firing → resolved;
--                       `incident` counts firings so notification ids stay deterministic per incident
-- alert_silence         silences / maintenance windows: [starts_at, ends_at) + optional rule + label matchers
-- webhook_endpoint      target URL and signing secrets, both only as a vault envelope (AAD = tenant +
--                       endpoint id); url_view is the display form; disabled on 410 or sustained failure
-- webhook_delivery      one message to one endpoint (outbox row; unique per notification id, so a replayed
--                       evaluation never sends twice); webhook-id = delivery id, stable across retries
-- webhook_attempt       log of every HTTP attempt: status, duration, capped response excerpt

CREATE TABLE "alert_rule" (
    "id" UUID NOT NULL,
    "tenant_id" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "description" TEXT,
    -- metric_threshold | inventory_event | account_health | cost
    "kind" TEXT NOT NULL,
    "enabled" BOOLEAN NOT NULL DEFAULT true,
    -- critical | error | warning | info
    "severity" TEXT NOT NULL DEFAULT 'warning',
    "spec" JSONB NOT NULL,
    "renotify_minutes" INTEGER,
    "created_by_id" UUID,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,
    CONSTRAINT "alert_rule_pkey" PRIMARY KEY ("id")
);
CREATE INDEX "alert_rule_tenant_id_kind_enabled_idx" ON "alert_rule"("tenant_id", "kind", "enabled");

CREATE TABLE "webhook_endpoint" (
    "id" UUID NOT NULL,
    "tenant_id" UUID NOT NULL,
    "name" TEXT NOT NULL,
    -- standard | slack | pagerduty | alertmanager
    "format" TEXT NOT NULL,
    "url_view" TEXT NOT NULL,
    -- vault envelope of {url, secrets[], routingKey?}
    "secrets" JSONB NOT NULL,
    -- non-secret facts about the secrets (ids, creation, expiry) for the UI
    "secrets_view" JSONB NOT NULL DEFAULT '[]',
    -- active | disabled
    "status" TEXT NOT NULL DEFAULT 'active',
    "disabled_reason" TEXT,
    "disabled_at" TIMESTAMPTZ(3),
    "failing_since" TIMESTAMPTZ(3),
    "last_success_at" TIMESTAMPTZ(3),
    -- the tenant must be told (endpoint disabled automatically); cleared when acknowledged
    "needs_attention" BOOLEAN NOT NULL DEFAULT false,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,
    CONSTRAINT "webhook_endpoint_pkey" PRIMARY KEY ("id")
);
CREATE INDEX "webhook_endpoint_tenant_id_status_idx" ON "webhook_endpoint"("tenant_id", "status");

CREATE TABLE "alert_rule_endpoint" (
    "tenant_id" UUID NOT NULL,
    "rule_id" UUID NOT NULL,
    "endpoint_id" UUID NOT NULL,
    CONSTRAINT "alert_rule_endpoint_pkey" PRIMARY KEY ("tenant_id", "rule_id", "endpoint_id")
);
CREATE INDEX "alert_rule_endpoint_rule_id_idx" ON "alert_rule_endpoint"("rule_id");
CREATE INDEX "alert_rule_endpoint_endpoint_id_idx" ON "alert_rule_endpoint"("endpoint_id");

CREATE TABLE "alert_instance" (
    "id" UUID NOT NULL,
    "tenant_id" UUID NOT NULL,
    "rule_id" UUID NOT NULL,
    "fingerprint" TEXT NOT NULL,
    "subject_key" TEXT NOT NULL,
    "labels" JSONB NOT NULL DEFAULT '{}',
    -- inactive | pending | firing | resolved | event
    "state" TEXT NOT NULL,
    "value" DOUBLE PRECISION,
    "summary" TEXT NOT NULL DEFAULT '',
    "incident" INTEGER NOT NULL DEFAULT 0,
    "pending_since" TIMESTAMPTZ(3),
    "firing_since" TIMESTAMPTZ(3),
    "resolved_at" TIMESTAMPTZ(3),
    "last_eval_at" TIMESTAMPTZ(3),
    "last_notified_at" TIMESTAMPTZ(3),
    "notify_count" INTEGER NOT NULL DEFAULT 0,
    -- whether the current incident's firing notification went out (silenced ones don't get a resolve)
    "notified" BOOLEAN NOT NULL DEFAULT false,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,
    CONSTRAINT "alert_instance_pkey" PRIMARY KEY ("id")
);
CREATE UNIQUE INDEX "alert_instance_tenant_id_fingerprint_key" ON "alert_instance"("tenant_id", "fingerprint");
CREATE INDEX "alert_instance_tenant_id_rule_id_state_idx" ON "alert_instance"("tenant_id", "rule_id", "state");
CREATE INDEX "alert_instance_rule_id_idx" ON "alert_instance"("rule_id");

CREATE TABLE "alert_silence" (
    "id" UUID NOT NULL,
    "tenant_id" UUID NOT NULL,
    "rule_id" UUID,
    -- label equality matchers, all must match (empty = every alert of the rule / tenant)
    "matchers" JSONB NOT NULL DEFAULT '{}',
    "starts_at" TIMESTAMPTZ(3) NOT NULL,
    "ends_at" TIMESTAMPTZ(3) NOT NULL,
    "comment" TEXT NOT NULL DEFAULT '',
    "created_by_id" UUID,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "alert_silence_pkey" PRIMARY KEY ("id")
);
CREATE INDEX "alert_silence_tenant_id_ends_at_idx" ON "alert_silence"("tenant_id", "ends_at");
CREATE INDEX "alert_silence_rule_id_idx" ON "alert_silence"("rule_id");

CREATE TABLE "webhook_delivery" (
    "id" UUID NOT NULL,
    "tenant_id" UUID NOT NULL,
    "endpoint_id" UUID NOT NULL,
    "instance_id" UUID,
    "notification_id" TEXT NOT NULL,
    -- alert | test
    "kind" TEXT NOT NULL DEFAULT 'alert',
    "event_type" TEXT NOT NULL,
    "payload" JSONB NOT NULL,
    -- pending | succeeded | failed | cancelled
    "status" TEXT NOT NULL DEFAULT 'pending',
    "attempts" INTEGER NOT NULL DEFAULT 0,
    -- bumped by a manual replay; part of the job id so a replay is a new job
    "generation" INTEGER NOT NULL DEFAULT 0,
    "next_attempt_at" TIMESTAMPTZ(3),
    "last_attempt_at" TIMESTAMPTZ(3),
    "last_status_code" INTEGER,
    "succeeded_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,
    CONSTRAINT "webhook_delivery_pkey" PRIMARY KEY ("id")
);
CREATE UNIQUE INDEX "webhook_delivery_tenant_id_endpoint_id_notification_id_key" ON "webhook_delivery"("tenant_id", "endpoint_id", "notification_id");
CREATE INDEX "webhook_delivery_tenant_id_created_at_idx" ON "webhook_delivery"("tenant_id", "created_at");
CREATE INDEX "webhook_delivery_status_next_attempt_at_idx" ON "webhook_delivery"("status", "next_attempt_at");
CREATE INDEX "webhook_delivery_endpoint_id_idx" ON "webhook_delivery"("endpoint_id");
CREATE INDEX "webhook_delivery_instance_id_idx" ON "webhook_delivery"("instance_id");

CREATE TABLE "webhook_attempt" (
    "id" UUID NOT NULL,
    "tenant_id" UUID NOT NULL,
    "delivery_id" UUID NOT NULL,
    "attempt" INTEGER NOT NULL,
    "generation" INTEGER NOT NULL DEFAULT 0,
    "started_at" TIMESTAMPTZ(3) NOT NULL,
    "duration_ms" INTEGER NOT NULL,
    "status_code" INTEGER,
    -- success | retry | disable | failed
    "outcome" TEXT NOT NULL,
    "error" TEXT,
    "response_excerpt" TEXT,
    CONSTRAINT "webhook_attempt_pkey" PRIMARY KEY ("id")
);
CREATE INDEX "webhook_attempt_tenant_id_delivery_id_idx" ON "webhook_attempt"("tenant_id", "delivery_id");
CREATE INDEX "webhook_attempt_delivery_id_idx" ON "webhook_attempt"("delivery_id");

ALTER TABLE "alert_rule" ADD CONSTRAINT "alert_rule_tenant_id_fkey" FOREIGN KEY ("tenant_id") REFERENCES "organization"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "webhook_endpoint" ADD CONSTRAINT "webhook_endpoint_tenant_id_fkey" FOREIGN KEY ("tenant_id") REFERENCES "organization"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "alert_rule_endpoint" ADD CONSTRAINT "alert_rule_endpoint_rule_id_fkey" FOREIGN KEY ("rule_id") REFERENCES "alert_rule"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "alert_rule_endpoint" ADD CONSTRAINT "alert_rule_endpoint_endpoint_id_fkey" FOREIGN KEY ("endpoint_id") REFERENCES "webhook_endpoint"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "alert_instance" ADD CONSTRAINT "alert_instance_rule_id_fkey" FOREIGN KEY ("rule_id") REFERENCES "alert_rule"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "alert_silence" ADD CONSTRAINT "alert_silence_rule_id_fkey" FOREIGN KEY ("rule_id") REFERENCES "alert_rule"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "webhook_delivery" ADD CONSTRAINT "webhook_delivery_endpoint_id_fkey" FOREIGN KEY ("endpoint_id") REFERENCES "webhook_endpoint"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "webhook_delivery" ADD CONSTRAINT "webhook_delivery_instance_id_fkey" FOREIGN KEY ("instance_id") REFERENCES "alert_instance"("id") ON DELETE SET NULL ON UPDATE CASCADE;
ALTER TABLE "webhook_attempt" ADD CONSTRAINT "webhook_attempt_delivery_id_fkey" FOREIGN KEY ("delivery_id") REFERENCES "webhook_delivery"("id") ON DELETE CASCADE ON UPDATE CASCADE;

DO $$
DECLARE t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['alert_rule', 'webhook_endpoint', 'alert_rule_endpoint', 'alert_instance', 'alert_silence', 'webhook_delivery', 'webhook_attempt']
  LOOP
    EXECUTE format('ALTER TABLE public.%I ENABLE ROW LEVEL SECURITY', t);
    EXECUTE format('ALTER TABLE public.%I FORCE ROW LEVEL SECURITY', t);
    EXECUTE format('CREATE POLICY tenant_isolation ON public.%I USING (tenant_id = public.app_tenant_id()) WITH CHECK (tenant_id = public.app_tenant_id())', t);
    EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON public.%I TO cms_app, cms_worker', t);
  END LOOP;
END
$$;
