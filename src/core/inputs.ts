import { z } from "zod";
import type { UploadedFile } from "../reply.ts";

/** Zod pieces shared by command inputs. Messages are locale keys, rendered by dispatch. */
export const optionalText = (max: number) =>
  z
    .union([z.string(), z.number()])
    .optional()
    .transform((v) => (v === undefined ? undefined : String(v).trim() || undefined))
    .refine((v) => v === undefined || v.length <= max, { message: "errors.too_long" });

export const requiredText = (max: number) =>
  optionalText(max).refine((v): v is string => v !== undefined, { message: "errors.required" });

export const uploadedFile = z.custom<UploadedFile>(
  (v) => typeof v === "object" && v !== null && (v as UploadedFile).bytes instanceof Uint8Array,
  { message: "errors.file_missing" },
);
