/**
 * A worker in an OS process of its own, for the crash test: it runs the watcher's log scan once
 * on the network named in NETWORK (payment methods in METHODS_JSON), on DATABASE_URL, and prints
 * the result. The test kills it in the middle.
 */
import { createServices } from "../../src/app/createServices.ts";
import { loadEnv } from "../../src/config/env.ts";
import { openDatabase } from "../../src/db/index.ts";
import { createLogger } from "../../src/log.ts";
import { detectPaymentsOnce } from "../../src/payments/detectPayments.ts";
import { findMethod, parseMethods, type UsdtNetwork } from "../../src/methods/paymentMethods.ts";

const db = await openDatabase({ url: process.env.DATABASE_URL, poolSize: 4 });
const services = await createServices({
  env: loadEnv({ LOG_LEVEL: "silent", FILE_STORE_DIR: process.env.FILE_STORE_DIR }),
  db,
  methods: parseMethods(JSON.parse(process.env.METHODS_JSON!)),
  log: createLogger({ level: "silent" }),
  migrate: false,
});
const result = await detectPaymentsOnce(services, findMethod(services.methods, process.env.NETWORK!) as UsdtNetwork);
process.stdout.write(JSON.stringify(result) + "\n");
await db.close();
