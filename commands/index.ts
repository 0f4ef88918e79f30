import { createRegistry } from "../src/core/dispatch.ts";
import account from "./account.ts";
import adjust from "./adjust.ts";
import adjustDecide from "./adjust-decide.ts";
import alerts from "./alerts.ts";
import audit from "./audit.ts";
import balance from "./balance.ts";
import cancel from "./cancel.ts";
import check from "./check.ts";
import codes from "./codes.ts";
import confirm from "./confirm.ts";
import help from "./help.ts";
import invite from "./invite.ts";
import history from "./history.ts";
import link from "./link.ts";
import paymentCredit from "./payment-credit.ts";
import paymentDismiss from "./payment-dismiss.ts";
import proof from "./proof.ts";
import queue from "./queue.ts";
import redeem from "./redeem.ts";
import recheck from "./recheck.ts";
import refund from "./refund.ts";
import refundApprove from "./refund-approve.ts";
import refundReject from "./refund-reject.ts";
import reopen from "./reopen.ts";
import reject from "./reject.ts";
import suspend from "./suspend.ts";
import topup from "./topup.ts";
import trial from "./trial.ts";
import unsuspend from "./unsuspend.ts";
import voucher from "./voucher.ts";
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
  adjust,
  adjustDecide,
  voucher,
  trial,
  suspend,
  unsuspend,
  audit,
  paymentCredit,
  paymentDismiss,
  refund,
  refundApprove,
  refundReject,
  redeem,
  invite,
  codes,
]);
