import { z } from "zod";
import { LINK_CODE_DEFAULT_TTL_MINUTES, LINK_CODE_MAX_TTL_MINUTES } from "../accounts/linkCodes.ts";
import { MAX_USAGE_COST } from "../ledger/postUsageBatch.ts";
import { BUCKETS } from "../ledger/types.ts";
import { EARLIEST_USAGE_TIME, MAX_USAGE_BATCH, USAGE_TIME_LEEWAY_MS, usageRecordSchema, type RejectReason } from "../usage/usageRecord.ts";
import type { RouteHandler } from "./guard.ts";
import { sendJson } from "./io.ts";
import { LINK_CODE_BODY_LIMIT, linkCodeRequestSchema } from "./linkCodesRoute.ts";
import { USAGE_BODY_LIMIT } from "./usageRoute.ts";

/**
 * The OpenAPI 3.1 description of the usage API. Request bodies are generated from the zod schemas
 * the routes parse with (z.toJSONSchema, input side: what a client sends), so a rule added to a
 * route's schema shows here without a second edit. Answers have no zod schema in the routes (they
 * are built where they are sent); they are described here, and test/http/openapi.test.ts sends
 * real requests to the real server and checks every answer against this document.
 */

export const OPENAPI_PATH = "/api/v1/openapi.json";

type JsonSchema = Record<string, unknown>;

const REJECT_REASONS = ["invalid_record", "unknown_account", "id_conflict", "balance_out_of_range"] as const satisfies readonly RejectReason[];
// A reason added to RejectReason without being listed above fails to compile here.
const everyReasonListed: Exclude<RejectReason, (typeof REJECT_REASONS)[number]> extends never ? true : false = true;
void everyReasonListed;

const ACCOUNT_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const ACCOUNT_ID_ANY_CASE = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;
const microUsd = (what: string) =>
  z
    .string()
    .regex(/^-?\d+$/)
    .meta({ description: `${what}, in integer micro-USD (1 USD = 1000000), as a string of digits.` });

const EXAMPLE_ACCOUNT_ID = "6f1c2a9e-4b7d-4e0a-9c3b-2d5e8f1a7b40";
const EXAMPLE_RECORD = {
  id: "gw-2026-01-31-000123",
  accountId: EXAMPLE_ACCOUNT_ID,
  model: "gpt-4o-mini",
  endpoint: "/v1/chat/completions",
  inputTokens: 1200,
  outputTokens: 350,
  calls: 1,
  cost: "1500",
  time: "2026-01-31T12:00:00Z",
  token: "team-a",
  tokenGroup: "default",
};

const TEXT_RULE =
  "1 to 200 characters of well-formed Unicode (no lone surrogates), with no control characters (U+0000–U+001F, tab and line feed included; U+007F–U+009F) and no bidirectional embeddings, overrides or isolates (U+202A–U+202E, U+2066–U+2069).";
const hours = USAGE_TIME_LEEWAY_MS / 3_600_000;

/** What each field of a usage record means; every property of the schema must have a line. */
const USAGE_RECORD_FIELDS: Record<string, string> = {
  id: `The record's id at the gateway. A record is debited once per id, however often it is sent; the same id for a different account, cost, model or endpoint is rejected (id_conflict). ${TEXT_RULE}`,
  accountId: "The account to debit: a UUID, in any case.",
  model: `The model that was called. ${TEXT_RULE}`,
  endpoint: `The endpoint that was called, such as /v1/chat/completions. ${TEXT_RULE}`,
  inputTokens: "Prompt tokens.",
  outputTokens: "Completion tokens.",
  cachedTokens: "Prompt tokens read from the cache.",
  calls: "API calls this record stands for.",
  token: `The API token the call was made with: its name or id, never the key. Stored with the record and used to break spend down; not part of the record's identity (a record sent again with a token it lacked is a duplicate). Null or absent: none. ${TEXT_RULE}`,
  tokenGroup: `The token group the call was billed at (it sets the rate; it is not a balance). Not part of the record's identity. Null or absent: none. ${TEXT_RULE}`,
  cost: `What the call costs, in integer micro-USD (1 USD = 1000000) as a string of digits: no sign, no decimals, at most ${MAX_USAGE_COST} ($1,000,000). A JSON number is refused: 1.5 or 1e21 would lose micro-USD.`,
  time: `When the call was made: ISO 8601 with an offset, from ${EARLIEST_USAGE_TIME.toISOString().replace(".000", "")} to ${hours} hours after the server's clock.`,
};

const LINK_CODE_REQUEST_FIELDS: Record<string, string> = {
  accountId: "The account the code links a chat user to: a UUID, in any case.",
  ttlMinutes: `How long the code stays valid, in minutes: ${LINK_CODE_DEFAULT_TTL_MINUTES} when absent, at most ${LINK_CODE_MAX_TTL_MINUTES}.`,
};

const usageRecord = usageRecordSchema();
const usageBatch = z.object({ records: z.array(usageRecord).min(1).max(MAX_USAGE_BATCH) });

const rejectedRecord = z.strictObject({
  index: z.int().min(0).meta({ description: "The record's position in the request's records, from 0." }),
  id: z.string().nullable().meta({ description: "The record's id as sent (its first 200 characters), or null when it sent none that is a string." }),
  reason: z.enum(REJECT_REASONS).meta({
    description:
      "invalid_record: a field is wrong (see fields). unknown_account: no such account. id_conflict: the id was already used for a different account, cost, model or endpoint. balance_out_of_range: debiting it would take the balance, or a bucket, below -10^15 micro-USD; the records after it are debited without it.",
  }),
  message: z.string().meta({ description: "What is wrong, for the gateway's developers." }),
  fields: z.record(z.string(), z.string()).optional().meta({ description: "invalid_record only: a message per field that is wrong." }),
});

const usageResult = z.strictObject({
  accepted: z.array(z.string()).meta({ description: "Ids debited by this request, in the order sent." }),
  duplicates: z.array(z.string()).meta({ description: "Ids debited before (by an earlier request, or earlier in this one): not debited again." }),
  rejected: z.array(rejectedRecord).meta({ description: "Records not debited, by index. Sent again unchanged, a record is rejected again." }),
  counts: z.strictObject({ accepted: z.int().min(0), duplicates: z.int().min(0), rejected: z.int().min(0) }),
});

const balance = z.strictObject({
  accountId: z.string().regex(ACCOUNT_ID),
  status: z.enum(["active", "suspended"]).meta({ description: "A suspended account's requests are to be refused by the gateway, whatever its balance." }),
  unit: z.literal("micro-USD"),
  balance: microUsd("The sum of the buckets (may be below zero)"),
  balanceUsd: z
    .string()
    .regex(/^-?\d+\.\d{2,6}$/)
    .meta({ description: "The same in USD, with 2 to 6 decimals and no thousands separators." }),
  buckets: z.strictObject(Object.fromEntries(BUCKETS.map((bucket) => [bucket, microUsd(`The ${bucket} bucket`)]))),
  lowBalanceThreshold: microUsd("The balance below which the customer is warned").nullable(),
});

const linkCode = z.strictObject({
  code: z
    .string()
    .regex(/^[A-Z2-9]{4}(?:-[A-Z2-9]{4})+$/)
    .meta({ description: "The one-time code the customer types with the link command. Shown once: only its hash is stored." }),
  accountId: z.string().regex(ACCOUNT_ID),
  expiresAt: z.iso.datetime(),
});

const unauthorized = z.strictObject({ error: z.literal("unauthorized"), message: z.string() });
const internalError = z.strictObject({
  error: z.literal("internal"),
  message: z.string(),
  traceId: z.string().meta({ description: "Names the failure in the server's log." }),
});

/** The shared error body, narrowed to the codes one answer can carry. */
function errorBody(codes: readonly [string, ...string[]], extra: z.ZodRawShape = {}) {
  return z.strictObject({ error: z.enum(codes), message: z.string(), ...extra });
}

const invalidBody = errorBody(["invalid_body"], {
  fields: z.record(z.string(), z.string()).meta({ description: "A message per field that is wrong (body: the body as a whole)." }),
});

const document = z.looseObject({ openapi: z.string().regex(/^3\.1\.\d+$/), info: z.looseObject({ title: z.string(), version: z.string() }), paths: z.record(z.string(), z.unknown()) });

const COMPONENTS = {
  UsageRecord: usageRecord,
  UsageBatch: usageBatch,
  RejectedRecord: rejectedRecord,
  UsageResult: usageResult,
  Balance: balance,
  LinkCodeRequest: linkCodeRequestSchema,
  LinkCode: linkCode,
  Unauthorized: unauthorized,
  InternalError: internalError,
};

const ref = (name: keyof typeof COMPONENTS) => ({ $ref: `#/components/schemas/${name}` });

const jsonOptions = { target: "draft-2020-12", io: "input", unrepresentable: "throw" } as const;

/** One schema inline (it must not use a component: that would be copied, not referred to). */
function inline(schema: z.ZodType): JsonSchema {
  const { $schema: _dialect, ...json } = z.toJSONSchema(schema, jsonOptions) as JsonSchema;
  return json;
}

function components(): Record<string, JsonSchema> {
  const registry = z.registry<{ id: string }>();
  for (const [id, schema] of Object.entries(COMPONENTS)) registry.add(schema, { id });
  const { schemas } = z.toJSONSchema(registry, { ...jsonOptions, uri: (id) => `#/components/schemas/${id}` });
  const out: Record<string, JsonSchema> = {};
  // A fragment is not a valid $id in JSON Schema 2020-12: the component's place in the document names it.
  for (const [id, { $schema: _dialect, $id: _id, ...json }] of Object.entries(schemas as Record<string, JsonSchema>)) out[id] = json;
  describeProperties(out.UsageRecord, USAGE_RECORD_FIELDS, "UsageRecord");
  describeProperties(out.LinkCodeRequest, LINK_CODE_REQUEST_FIELDS, "LinkCodeRequest");
  return out;
}

/** Adds a description to each property; a property without one, or a line for none, is a bug here. */
function describeProperties(schema: JsonSchema, lines: Record<string, string>, name: string): void {
  const properties = schema.properties as Record<string, JsonSchema>;
  const missing = Object.keys(properties).filter((p) => !(p in lines));
  const extra = Object.keys(lines).filter((p) => !(p in properties));
  if (missing.length || extra.length) throw new Error(`${name}: no description for ${missing.join(", ") || "-"}; a description for no field: ${extra.join(", ") || "-"}`);
  for (const [property, description] of Object.entries(lines)) properties[property].description = description;
}

const json = (schema: JsonSchema, example?: unknown) => ({ "application/json": example === undefined ? { schema } : { schema, example } });

function response(description: string, schema: JsonSchema, example?: unknown, headers?: Record<string, unknown>) {
  return { description, ...(headers ? { headers } : {}), content: json(schema, example) };
}

const unauthorizedResponse = response("No bearer key, or one that is not in API_KEYS.", ref("Unauthorized"), undefined, {
  "WWW-Authenticate": { description: 'Bearer realm="credit-desk"', schema: { type: "string" } },
});
const internalResponse = response("An unexpected failure (the database unreachable, say). The detail is in the server's log, under traceId.", ref("InternalError"), {
  error: "internal",
  message: "internal error; trace id 3f9a1c2e",
  traceId: "3f9a1c2e",
});
const tooLarge = (limit: number) => response(`The body is larger than ${limit} bytes; it is refused before it is read to the end.`, inline(errorBody(["body_too_large"])));

function buildDocument() {
  return {
    openapi: "3.1.1",
    info: {
      title: "Credit Desk usage API",
      version: "1",
      description:
        "What the AI-API platform's gateway calls: it reports usage to be debited, asks an account's balance before a request, and issues link codes for linked onboarding. Amounts are integer micro-USD (1 USD = 1000000), sent and answered as strings of digits. Every route but this document's wants `Authorization: Bearer <one of API_KEYS>`. An unknown path answers 404 and a known path with another method 405 (with Allow), both as {error, message}.",
    },
    security: [{ bearer: [] }],
    paths: {
      "/api/v1/usage": {
        post: {
          operationId: "ingestUsage",
          summary: "Debit usage records",
          description: `Up to ${MAX_USAGE_BATCH} records. Each record is debited once (in the spending order: trial, promo, bonus, principal), however often it is sent. Records are checked one by one: a bad record is listed in rejected and never fails the rest of its batch. After a 5xx or a timeout, send the same batch again: the records already debited come back as duplicates.`,
          requestBody: { required: true, content: json(ref("UsageBatch"), { records: [EXAMPLE_RECORD] }) },
          responses: {
            "200": response("What became of each record.", ref("UsageResult"), {
              accepted: [EXAMPLE_RECORD.id],
              duplicates: [],
              rejected: [],
              counts: { accepted: 1, duplicates: 0, rejected: 0 },
            }),
            "400": response(
              `invalid_json: the body is empty or not JSON. invalid_batch: not an object with records, an array of 1 to ${MAX_USAGE_BATCH}. Nothing is debited.`,
              inline(errorBody(["invalid_json", "invalid_batch"])),
              { error: "invalid_batch", message: '"records" must be an array of usage records' },
            ),
            "401": unauthorizedResponse,
            "413": tooLarge(USAGE_BODY_LIMIT),
            "500": internalResponse,
          },
        },
      },
      "/api/v1/accounts/{id}/balance": {
        get: {
          operationId: "getBalance",
          summary: "An account's balance",
          description: "For the gateway's pre-check. Read from the cached balances: it costs the same however many entries the account has.",
          parameters: [
            {
              name: "id",
              in: "path",
              required: true,
              description: "The account id: a UUID, in any case.",
              schema: inline(z.string().regex(ACCOUNT_ID_ANY_CASE)),
              example: EXAMPLE_ACCOUNT_ID,
            },
          ],
          responses: {
            "200": response("The balance and its buckets.", ref("Balance"), {
              accountId: EXAMPLE_ACCOUNT_ID,
              status: "active",
              unit: "micro-USD",
              balance: "8250000",
              balanceUsd: "8.25",
              buckets: { principal: "7000000", bonus: "1250000", trial: "0", promo: "0" },
              lowBalanceThreshold: "5000000",
            }),
            "400": response("invalid_account_id: the id is not a UUID. invalid_path: the path is not valid URL encoding.", inline(errorBody(["invalid_account_id", "invalid_path"]))),
            "401": unauthorizedResponse,
            "404": response("No such account.", inline(errorBody(["account_not_found"]))),
            "500": internalResponse,
          },
        },
      },
      "/api/v1/link-codes": {
        post: {
          operationId: "issueLinkCode",
          summary: "Issue a one-time link code",
          description: "A code the customer redeems in chat with the link command (linked onboarding, ONBOARDING_MODE=linked), which ties their chat identity to this account. Only its hash is stored.",
          requestBody: { required: true, content: json(ref("LinkCodeRequest"), { accountId: EXAMPLE_ACCOUNT_ID, ttlMinutes: 30 }) },
          responses: {
            "201": response("The code, once.", ref("LinkCode"), { code: "K7QM-W3XP-9HDA", accountId: EXAMPLE_ACCOUNT_ID, expiresAt: "2026-01-31T12:30:00.000Z" }),
            "400": {
              description: "invalid_json: the body is empty or not JSON. invalid_body: it does not match LinkCodeRequest; fields says why.",
              content: json({ oneOf: [inline(errorBody(["invalid_json"])), inline(invalidBody)] }, { error: "invalid_body", message: "the body does not match {accountId, ttlMinutes?}", fields: { accountId: "a UUID" } }),
            },
            "401": unauthorizedResponse,
            "404": response("No such account.", inline(errorBody(["account_not_found"]))),
            "413": tooLarge(LINK_CODE_BODY_LIMIT),
            "500": internalResponse,
          },
        },
      },
      [OPENAPI_PATH]: {
        get: {
          operationId: "getOpenApi",
          summary: "This document",
          description: "Needs no key: it describes the API and holds nothing of any account.",
          security: [],
          responses: { "200": response("The OpenAPI 3.1 description of this API.", inline(document)) },
        },
      },
    },
    components: {
      securitySchemes: { bearer: { type: "http", scheme: "bearer", description: "One of the keys in API_KEYS." } },
      schemas: components(),
    },
  };
}

export type OpenApiDocument = ReturnType<typeof buildDocument>;

let built: OpenApiDocument | undefined;

/** The document, built once per process: nothing in it depends on the request or the clock. */
export function openApiDocument(): OpenApiDocument {
  built ??= buildDocument();
  return built;
}

/** GET /api/v1/openapi.json. */
export function openApiRoute(): RouteHandler {
  return async (_req, res) => {
    sendJson(res, 200, openApiDocument());
  };
}
