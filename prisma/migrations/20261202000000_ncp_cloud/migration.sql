-- Naver Cloud Platform becomes the fourth cloud. ADD VALUE is not transactional-safe for use in the same
-- transaction, so this migration only adds the value.
ALTER TYPE "CloudKind" ADD VALUE IF NOT EXISTS 'ncp';
