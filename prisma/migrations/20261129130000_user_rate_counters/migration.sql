-- What one user did in one time window, per action: the per-user limits on top-ups, proofs and
-- code redemptions hold across every process of a deployment.
CREATE TABLE "user_rate_counters" (
    "key" TEXT NOT NULL,
    "windowStart" TIMESTAMPTZ(3) NOT NULL,
    "count" INTEGER NOT NULL DEFAULT 0,

    CONSTRAINT "user_rate_counters_pkey" PRIMARY KEY ("key", "windowStart")
);
CREATE INDEX "user_rate_counters_windowStart_idx" ON "user_rate_counters" ("windowStart");
