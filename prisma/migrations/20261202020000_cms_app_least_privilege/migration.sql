-- cms_app is the role tenant requests run as (RLS applies); authentication tables and the plan catalogue
-- are cms_worker's (better-auth and operators). The blanket grant of the RLS migration (and its DEFAULT
-- PRIVILEGES) gave cms_app full access to tables that have no tenant column and so no RLS backstop:
-- password hashes (auth_account), password-reset tokens (verification), sessions, every plan's limits
-- and the migration history. A SQL injection in a tenant query could have read or rewritten them.
-- Found in the issue 18 review; test/security/rls.test.ts holds it.
REVOKE ALL ON public.auth_account, public.verification, public.session FROM cms_app;
-- Prisma's history table exists when `migrate deploy` runs, not when `migrate diff` replays into a shadow database.
DO $$
BEGIN
  IF to_regclass('public._prisma_migrations') IS NOT NULL THEN
    REVOKE ALL ON public._prisma_migrations FROM cms_app;
  END IF;
END
$$;
-- Plans are read by tenant code (limits, plan names) but only operators change them.
REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON public.plan FROM cms_app;
-- Users: the members page shows a colleague's name and e-mail (member → user); nothing else of the row.
REVOKE ALL ON public.user FROM cms_app;
GRANT SELECT (id, name, email) ON public.user TO cms_app;
