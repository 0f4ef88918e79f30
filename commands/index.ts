import { createRegistry } from "../src/core/dispatch.ts";
import account from "./account.ts";
import alerts from "./alerts.ts";
import balance from "./balance.ts";
import cancel from "./cancel.ts";
import check from "./check.ts";
import confirm from "./confirm.ts";
import help from "./help.ts";
import history from "./history.ts";
import link from "./link.ts";
import paymentCredit from "./payment-credit.ts";
import paymentDismiss from "./payment-dismiss.ts";
import proof from "./proof.ts";
import queue from "./queue.ts";
import recheck from "./recheck.ts";
import reopen from "./reopen.ts";
import reject from "./reject.ts";
import topup from "./topup.ts";
import usage from "./usage.ts";

/** Every chat command. Adapters know only this registry. */
export const registry = createRegistry([
  topup,
  proof,
  check,
  balance,
  usage,
  history,
  cancel,
  alerts,
  link,
  help,
  confirm,
  reject,
  reopen,
  recheck,
  queue,
  account,
  paymentCredit,
  paymentDismiss,
]);
