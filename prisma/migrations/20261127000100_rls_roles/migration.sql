-- Tenant isolation backstop: PostgreSQL row-level security (hand-written; see prisma/README.md).
--
-- Two group roles, never used to log in directly; the application's connection switches to one of them
-- at connect time (libpq option `-c role=…`):
--   cms_app     request-serving code. Subject to RLS: sees only rows of current_setting('app.tenant_id').
--   cms_worker  cross-tenant workers (scheduler, auth tables, migrations of data). BYPASSRLS.
DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'cms_app') THEN
    CREATE ROLE cms_app NOLOGIN NOBYPASSRLS;
  END IF;
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'cms_worker') THEN
    CREATE ROLE cms_worker NOLOGIN BYPASSRLS;
  END IF;
  -- The migrating user must be able to SET ROLE to both (a superuser already can).
  BEGIN
    EXECUTE format('GRANT cms_app, cms_worker TO %I', current_user);
  EXCEPTION WHEN OTHERS THEN
    RAISE NOTICE 'could not grant cms_app/cms_worker to %: %', current_user, SQLERRM;
  END;
END
$$;

GRANT USAGE ON SCHEMA public TO cms_app, cms_worker;
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO cms_app, cms_worker;
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO cms_app, cms_worker;
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO cms_app, cms_worker;
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO cms_app, cms_worker;

-- The tenant of the current transaction, or NULL (which matches no row).
CREATE OR REPLACE FUNCTION public.app_tenant_id() RETURNS uuid
  LANGUAGE sql STABLE PARALLEL SAFE
  AS $$ SELECT NULLIF(current_setting('app.tenant_id', true), '')::uuid $$;

-- Tenant-owned tables: ENABLE + FORCE, one policy keyed on tenant_id.
DO $$
DECLARE t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['api_key', 'cloud_account', 'resource', 'metric_series', 'daily_cost', 'api_call_ledger', 'audit_log']
  LOOP
    EXECUTE format('ALTER TABLE public.%I ENABLE ROW LEVEL SECURITY', t);
    EXECUTE format('ALTER TABLE public.%I FORCE ROW LEVEL SECURITY', t);
    EXECUTE format('CREATE POLICY tenant_isolation ON public.%I USING (tenant_id = public.app_tenant_id()) WITH CHECK (tenant_id = public.app_tenant_id())', t);
  END LOOP;
END
$$;

-- The organization row itself, and its members/invitations, are visible to their own tenant only.
ALTER TABLE public.organization ENABLE ROW LEVEL SECURITY;
ALTER TABLE public.organization FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON public.organization USING (id = public.app_tenant_id()) WITH CHECK (id = public.app_tenant_id());
ALTER TABLE public.member ENABLE ROW LEVEL SECURITY;
ALTER TABLE public.member FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON public.member USING (organization_id = public.app_tenant_id()) WITH CHECK (organization_id = public.app_tenant_id());
ALTER TABLE public.invitation ENABLE ROW LEVEL SECURITY;
ALTER TABLE public.invitation FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON public.invitation USING (organization_id = public.app_tenant_id()) WITH CHECK (organization_id = public.app_tenant_id());
