-- CreateExtension
CREATE EXTENSION IF NOT EXISTS "pg_trgm";

-- CreateIndex
CREATE INDEX "DirectoryUser_name_trgm_idx" ON "DirectoryUser" USING GIN ("name" gin_trgm_ops);

-- CreateIndex
CREATE INDEX "DirectoryUser_email_trgm_idx" ON "DirectoryUser" USING GIN ("email" gin_trgm_ops);

-- CreateIndex
CREATE INDEX "DirectoryUser_username_trgm_idx" ON "DirectoryUser" USING GIN ("username" gin_trgm_ops);
