-- Plans, marketplace subscriptions (AWS, Azure, GCP, partners), inbound marketplace events (replay
-- protection) and hourly metering records. Hand-written; see packages/marketplace/README.md.

-- Enums rather than CHECK constraints: the WASM schema engine's describer crashes on CHECK constraints
-- (see prisma/README.md).
CREATE TYPE "SubscriptionSource" AS ENUM ('aws', 'azure', 'gcp', 'partner');
CREATE TYPE "SubscriptionStatus" AS ENUM ('pending', 'active', 'suspended', 'cancelled');
CREATE TYPE "MeteringStatus" AS ENUM ('pending', 'sent', 'duplicate', 'rejected');

CREATE TABLE "plan" (
    "id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "limits" JSONB NOT NULL,
    "sort" INTEGER NOT NULL DEFAULT 0,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "plan_pkey" PRIMARY KEY ("id")
);

-- Limits: cloudAccounts, monitoredResources, minPollSeconds, retention{Raw,5m,1h}Days, alertRules,
-- webhookEndpoints. null = unlimited.
INSERT INTO "plan" ("id", "name", "sort", "limits") VALUES
  ('free', 'Free', 0, '{"cloudAccounts": 2, "monitoredResources": 50, "minPollSeconds": 300, "retentionRawDays": 3, "retention5mDays": 14, "retention1hDays": 90, "alertRules": 5, "webhookEndpoints": 1}'),
  ('team', 'Team', 1, '{"cloudAccounts": 20, "monitoredResources": 2000, "minPollSeconds": 60, "retentionRawDays": 14, "retention5mDays": 90, "retention1hDays": 395, "alertRules": 100, "webhookEndpoints": 10}'),
  ('enterprise', 'Enterprise', 2, '{"cloudAccounts": null, "monitoredResources": null, "minPollSeconds": 30, "retentionRawDays": 30, "retention5mDays": 180, "retention1hDays": 790, "alertRules": null, "webhookEndpoints": null}');

CREATE TABLE "marketplace_subscription" (
    "id" UUID NOT NULL,
    "tenant_id" UUID NOT NULL,
    "source" "SubscriptionSource" NOT NULL,
    "external_id" TEXT NOT NULL,
    "customer_identifier" TEXT,
    "customer_account_id" TEXT,
    "license_arn" TEXT,
    "product_code" TEXT,
    "offer_id" TEXT,
    "plan_id" TEXT NOT NULL,
    "quantity" INTEGER,
    "status" "SubscriptionStatus" NOT NULL DEFAULT 'pending',
    "status_reason" TEXT,
    "purge_after" TIMESTAMPTZ(3),
    "data" JSONB NOT NULL DEFAULT '{}',
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "marketplace_subscription_pkey" PRIMARY KEY ("id")
);
CREATE UNIQUE INDEX "marketplace_subscription_source_external_id_key" ON "marketplace_subscription"("source", "external_id");
CREATE INDEX "marketplace_subscription_tenant_id_status_idx" ON "marketplace_subscription"("tenant_id", "status");
CREATE INDEX "marketplace_subscription_plan_id_idx" ON "marketplace_subscription"("plan_id");
ALTER TABLE "marketplace_subscription" ADD CONSTRAINT "marketplace_subscription_tenant_id_fkey" FOREIGN KEY ("tenant_id") REFERENCES "organization"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "marketplace_subscription" ADD CONSTRAINT "marketplace_subscription_plan_id_fkey" FOREIGN KEY ("plan_id") REFERENCES "plan"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- Every inbound marketplace message, keyed by its source's own id: a replayed message is a no-op.
CREATE TABLE "marketplace_event" (
    "id" BIGSERIAL NOT NULL,
    "source" TEXT NOT NULL,
    "event_id" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "tenant_id" UUID,
    "subscription_id" UUID,
    "payload" JSONB NOT NULL DEFAULT '{}',
    "outcome" TEXT,
    "received_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "marketplace_event_pkey" PRIMARY KEY ("id")
);
CREATE UNIQUE INDEX "marketplace_event_source_event_id_key" ON "marketplace_event"("source", "event_id");
CREATE INDEX "marketplace_event_tenant_id_received_at_idx" ON "marketplace_event"("tenant_id", "received_at");
CREATE INDEX "marketplace_event_subscription_id_idx" ON "marketplace_event"("subscription_id");

-- One record per subscription, hour and dimension; sent to the marketplace at most once (the unique
-- key makes a retried job reuse the row, and AWS treats identical BatchMeterUsage records idempotently).
CREATE TABLE "metering_record" (
    "tenant_id" UUID NOT NULL,
    "subscription_id" UUID NOT NULL,
    "hour" TIMESTAMPTZ(3) NOT NULL,
    "dimension" TEXT NOT NULL,
    "quantity" INTEGER NOT NULL,
    "status" "MeteringStatus" NOT NULL DEFAULT 'pending',
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "external_record_id" TEXT,
    "last_error" TEXT,
    "sent_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "metering_record_pkey" PRIMARY KEY ("tenant_id", "subscription_id", "hour", "dimension")
);
CREATE INDEX "metering_record_subscription_id_idx" ON "metering_record"("subscription_id");
CREATE INDEX "metering_record_status_hour_idx" ON "metering_record"("status", "hour");
ALTER TABLE "metering_record" ADD CONSTRAINT "metering_record_subscription_id_fkey" FOREIGN KEY ("subscription_id") REFERENCES "marketplace_subscription"("id") ON DELETE CASCADE ON UPDATE CASCADE;

ALTER TABLE "organization" ADD CONSTRAINT "organization_plan_id_fkey" FOREIGN KEY ("plan_id") REFERENCES "plan"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
CREATE INDEX "organization_plan_id_idx" ON "organization"("plan_id");

GRANT SELECT, INSERT, UPDATE, DELETE ON "plan", "marketplace_subscription", "marketplace_event", "metering_record" TO cms_app, cms_worker;
GRANT USAGE, SELECT ON SEQUENCE "marketplace_event_id_seq" TO cms_app, cms_worker;

DO $$
DECLARE t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['marketplace_subscription', 'metering_record']
  LOOP
    EXECUTE format('ALTER TABLE public.%I ENABLE ROW LEVEL SECURITY', t);
    EXECUTE format('ALTER TABLE public.%I FORCE ROW LEVEL SECURITY', t);
    EXECUTE format('CREATE POLICY tenant_isolation ON public.%I USING (tenant_id = public.app_tenant_id()) WITH CHECK (tenant_id = public.app_tenant_id())', t);
  END LOOP;
END
$$;
-- marketplace_event rows may precede their tenant (a token is resolved before the organization exists):
-- only cms_worker code (the marketplace handlers) touches them.
REVOKE ALL ON "marketplace_event" FROM cms_app;
REVOKE ALL ON SEQUENCE "marketplace_event_id_seq" FROM cms_app;
