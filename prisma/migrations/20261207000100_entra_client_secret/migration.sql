-- The Entra ID syncs saved before certificates sign in with a client secret (a migration of its
-- own: PostgreSQL uses an enum's new value only once the transaction adding it has committed).
UPDATE "UserSync" SET "authMethod" = 'CLIENT_SECRET' WHERE "provider" = 'ENTRA_ID';
