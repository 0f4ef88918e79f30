-- Exchange rates support sets for methods priced in another currency (credit-desk rate set):
-- micro-units of the currency per USD. A rate of zero or below would make every order free or
-- negative, so the database refuses it as well as the CLI.
CREATE TABLE "fx_rates" (
    "currency" TEXT NOT NULL,
    "rate" BIGINT NOT NULL,
    "setBy" TEXT NOT NULL,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "fx_rates_pkey" PRIMARY KEY ("currency"),
    CONSTRAINT "fx_rates_rate_check" CHECK ("rate" > 0)
);
