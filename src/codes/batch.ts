import { z } from "zod";

export const ELIGIBILITIES = ["new", "any", "listed"] as const;
export type Eligibility = (typeof ELIGIBILITIES)[number];

/** A batch of redemption codes, read from its row once, here. */
export interface CodeBatch {
  id: string;
  seq: number;
  batchNo: string;
  amount: bigint;
  codeCount: number;
  usesPerCode: number;
  expiresAt: Date;
  eligibility: Eligibility;
  newAccountDays: number | null;
  accountIds: string[];
  note: string | null;
  status: "active" | "disabled";
  createdBy: string;
  createdByAccount: string | null;
  disabledBy: string | null;
  disabledAt: Date | null;
  createdAt: Date;
}

export interface CodeBatchRow {
  id: string;
  seq: number;
  amount: bigint;
  codeCount: number;
  usesPerCode: number;
  expiresAt: Date;
  eligibility: string;
  newAccountDays: number | null;
  accountIds: string[];
  note: string | null;
  status: string;
  createdBy: string;
  createdByAccount: string | null;
  disabledBy: string | null;
  disabledAt: Date | null;
  createdAt: Date;
}

export function batchNo(seq: number): string {
  return `RC-${String(seq).padStart(6, "0")}`;
}

/** "RC-000012", "rc-12", "12" → 12; null when it is not a batch number. */
export function parseBatchNo(text: string): number | null {
  const match = /^(?:RC-?)?0*(\d{1,9})$/i.exec(text.trim());
  if (!match) return null;
  const seq = Number(match[1]);
  return seq > 0 ? seq : null;
}

export function toCodeBatch(row: CodeBatchRow): CodeBatch {
  return {
    ...row,
    batchNo: batchNo(row.seq),
    eligibility: z.enum(ELIGIBILITIES).parse(row.eligibility),
    status: z.enum(["active", "disabled"]).parse(row.status),
  };
}
