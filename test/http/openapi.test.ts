import { Validator } from "@seriousme/openapi-schema-validator";
import { Ajv2020, type ValidateFunction } from "ajv/dist/2020.js";
import addFormats from "ajv-formats";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openDatabase } from "../../src/db/index.ts";
import { reconcile } from "../../src/ledger/reconcile.ts";
import { apiRoutes, healthRoutes } from "../../src/http/routes.ts";
import { startWebServer, type WebServer } from "../../src/http/server.ts";
import type { Services } from "../../src/services.ts";
import { onPostgres } from "../helpers/db.ts";
import { createTestServices } from "../helpers/services.ts";

/**
 * The OpenAPI description against the OpenAPI 3.1 schema, and against the server it describes:
 * real requests (a valid one, taken from the document's own examples, and invalid ones) to the
 * real web server on 127.0.0.1, each answer's status one the document lists for that operation
 * and its body valid against the schema listed for that status. Every status the document lists
 * is seen at least once, and every /api/ route the server has is in the document.
 */

const KEY = "openapi-test-key-2c94b1";
let services: Services;
let web: WebServer;
let doc: any;
const ajv = new Ajv2020({ allErrors: true, strict: true });
addFormats.default(ajv);
const validators = new Map<string, ValidateFunction>();

beforeAll(async () => {
  services = await createTestServices({ env: { API_KEYS: KEY } });
  web = await startWebServer(services, 0, "127.0.0.1");
  const res = await fetch(`${web.url}/api/v1/openapi.json`);
  expect(res.status).toBe(200);
  doc = await res.json();
});
afterAll(async () => {
  await web?.close();
  await services?.db.close();
});

/** The document's "#/components/schemas/…" references, replaced by what they name. */
function deref(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(deref);
  if (schema === null || typeof schema !== "object") return schema;
  const ref = (schema as { $ref?: unknown }).$ref;
  if (typeof ref === "string") {
    const name = /^#\/components\/schemas\/(\w+)$/.exec(ref)?.[1];
    if (!name || !doc.components.schemas[name]) throw new Error(`a reference to nothing: ${ref}`);
    return deref(doc.components.schemas[name]);
  }
  return Object.fromEntries(Object.entries(schema).map(([k, v]) => [k, deref(v)]));
}

function validatorFor(where: string, schema: unknown): ValidateFunction {
  let validate = validators.get(where);
  if (!validate) {
    validate = ajv.compile(deref(schema) as object);
    validators.set(where, validate);
  }
  return validate;
}

type Operation = { path: string; method: string; op: any };

function operations(): Operation[] {
  return Object.entries(doc.paths as Record<string, Record<string, unknown>>).flatMap(([path, item]) =>
    Object.entries(item).map(([method, op]) => ({ path, method: method.toUpperCase(), op })),
  );
}

function operation(method: string, path: string): any {
  const op = doc.paths[path]?.[method.toLowerCase()];
  if (!op) throw new Error(`${method} ${path} is not in the document`);
  return op;
}

const jsonExample = (method: string, path: string) => operation(method, path).requestBody.content["application/json"].example;

/** Every (operation, status) an answer was seen with. */
const seen = new Set<string>();

interface Sent {
  status: number;
  body: any;
}

/**
 * Sends one request and checks the answer against the document: a status the operation lists,
 * JSON, a body that validates against that status's schema, and the headers that status lists.
 */
async function send(
  path: string,
  request: { method: string; url: string; body?: string; key?: string | null; base?: string },
): Promise<Sent> {
  const headers: Record<string, string> = {};
  const key = request.key === undefined ? KEY : request.key;
  if (key !== null) headers.authorization = `Bearer ${key}`;
  if (request.body !== undefined) headers["content-type"] = "application/json";
  const res = await fetch(`${request.base ?? web.url}${request.url}`, { method: request.method, headers, body: request.body });
  const text = await res.text();
  const op = operation(request.method, path);
  const label = `${request.method} ${path}`;
  const documented = op.responses[String(res.status)];
  expect(documented, `${label} answered ${res.status}, which the document does not list: ${text.slice(0, 300)}`).toBeDefined();
  expect(res.headers.get("content-type")).toMatch(/^application\/json/);
  const body = JSON.parse(text);
  const validate = validatorFor(`${label} ${res.status}`, documented.content["application/json"].schema);
  expect(validate(body), `${label} ${res.status}: ${ajv.errorsText(validate.errors)} in ${text.slice(0, 300)}`).toBe(true);
  for (const name of Object.keys(documented.headers ?? {})) expect(res.headers.get(name), `${label} ${res.status} header ${name}`).not.toBeNull();
  seen.add(`${label} ${res.status}`);
  return { status: res.status, body };
}

const ledgerRows = async () => ({
  entries: await services.prisma.ledgerEntry.count(),
  linkCodes: await services.prisma.linkCode.count(),
});

describe("the OpenAPI document", () => {
  it("is valid OpenAPI 3.1, and the validator does refuse a broken copy", async () => {
    const validator = new Validator();
    const result = await validator.validate(structuredClone(doc));
    expect(result.errors).toBeUndefined();
    expect(result.valid).toBe(true);
    expect(validator.version).toBe("3.1");

    // A response object must have a description: the check is not a formality.
    const broken = structuredClone(doc);
    delete broken.paths["/api/v1/usage"].post.responses["200"].description;
    expect((await new Validator().validate(broken)).valid).toBe(false);
  });

  it("documents every /api/ route the server has, and only those", () => {
    const served = [...apiRoutes(services), ...healthRoutes(services)]
      .filter((r) => r.path.startsWith("/api/"))
      .map((r) => `${r.method.toUpperCase()} ${r.path.replace(/:(\w+)/g, "{$1}")}`)
      .sort();
    const documented = operations()
      .map((o) => `${o.method} ${o.path}`)
      .sort();
    expect(documented).toEqual(served);
    expect(served).toContain("GET /api/v1/openapi.json");
  });

  it("declares each path parameter it templates, and gives every route but itself the bearer scheme and a 401", () => {
    expect(doc.components.securitySchemes.bearer).toMatchObject({ type: "http", scheme: "bearer" });
    expect(doc.security).toEqual([{ bearer: [] }]);
    for (const { path, method, op } of operations()) {
      const templated = [...path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
      const declared = (op.parameters ?? []).filter((p: any) => p.in === "path").map((p: any) => p.name).sort();
      expect(declared, `${method} ${path}`).toEqual(templated);
      if (path === "/api/v1/openapi.json") {
        expect(op.security).toEqual([]);
      } else {
        expect(op.security, `${method} ${path} overrides the bearer scheme`).toBeUndefined();
        expect(op.responses["401"], `${method} ${path}`).toBeDefined();
      }
    }
  });

  it("has examples that match their own schemas", () => {
    let checked = 0;
    const check = (where: string, schema: unknown, example: unknown) => {
      if (example === undefined) return;
      const validate = ajv.compile(deref(schema) as object);
      expect(validate(example), `${where}: ${ajv.errorsText(validate.errors)}`).toBe(true);
      checked++;
    };
    for (const { path, method, op } of operations()) {
      for (const p of op.parameters ?? []) check(`${method} ${path} parameter ${p.name}`, p.schema, p.example);
      const request = op.requestBody?.content["application/json"];
      if (request) check(`${method} ${path} request`, request.schema, request.example);
      for (const [status, response] of Object.entries<any>(op.responses)) {
        const media = response.content?.["application/json"];
        if (media) check(`${method} ${path} ${status}`, media.schema, media.example);
      }
    }
    expect(checked).toBeGreaterThanOrEqual(8);
  });

  it("describes every field of a usage record", () => {
    for (const [name, property] of Object.entries<any>(doc.components.schemas.UsageRecord.properties)) {
      expect(property.description, name).toMatch(/\w/);
    }
  });
});

describe("the server answers as the document says", () => {
  const USAGE = "/api/v1/usage";
  const BALANCE = "/api/v1/accounts/{id}/balance";
  const LINK_CODES = "/api/v1/link-codes";
  const OPENAPI = "/api/v1/openapi.json";
  const UNKNOWN = "00000000-0000-4000-8000-000000000000";

  it("POST /api/v1/usage", async () => {
    const example = jsonExample("POST", USAGE);
    const record = example.records[0];
    // The document's example names an account; it exists here so that the example is debited.
    await services.prisma.account.create({ data: { id: record.accountId } });

    const before = await ledgerRows();
    for (const bad of [
      { body: JSON.stringify({ records: "all of them" }), status: 400, error: "invalid_batch" },
      { body: JSON.stringify({ records: [] }), status: 400, error: "invalid_batch" },
      { body: "{not json", status: 400, error: "invalid_json" },
      { body: "", status: 400, error: "invalid_json" },
      { body: JSON.stringify(example), key: null, status: 401, error: "unauthorized" },
      { body: JSON.stringify(example), key: "not-a-key", status: 401, error: "unauthorized" },
      { body: JSON.stringify({ records: [record], pad: "x".repeat(2 * 1024 * 1024) }), status: 413, error: "body_too_large" },
    ]) {
      const res = await send(USAGE, { method: "POST", url: USAGE, body: bad.body, key: bad.key });
      expect(res.status, bad.error).toBe(bad.status);
      expect(res.body.error).toBe(bad.error);
    }
    expect(await ledgerRows()).toEqual(before);

    const ok = await send(USAGE, { method: "POST", url: USAGE, body: JSON.stringify(example) });
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({ accepted: [record.id], duplicates: [], rejected: [] });
    const again = await send(USAGE, { method: "POST", url: USAGE, body: JSON.stringify(example) });
    expect(again.body).toMatchObject({ accepted: [], duplicates: [record.id], rejected: [] });

    // Bad records are rejected one by one, in a 200 that still debits the good one.
    const mixed = await send(USAGE, {
      method: "POST",
      url: USAGE,
      body: JSON.stringify({
        records: [
          { ...record, id: "doc-bad-cost", cost: 1.5 },
          { ...record, id: "doc-unknown", accountId: UNKNOWN },
          { ...record, id: "doc-second", cost: "1" },
          { ...record, id: record.id, cost: "2" },
        ],
      }),
    });
    expect(mixed.status).toBe(200);
    expect(mixed.body.accepted).toEqual(["doc-second"]);
    expect(mixed.body.rejected.map((r: any) => [r.index, r.reason])).toEqual([
      [0, "invalid_record"],
      [1, "unknown_account"],
      [3, "id_conflict"],
    ]);
    expect(Object.keys(mixed.body.rejected[0].fields)).toEqual(["cost"]);
    expect((await reconcile(services.prisma)).mismatches).toEqual([]);
  });

  it("GET /api/v1/accounts/{id}/balance", async () => {
    const id = operation("GET", BALANCE).parameters[0].example;
    await services.prisma.account.upsert({ where: { id }, create: { id }, update: {} });
    const ok = await send(BALANCE, { method: "GET", url: `/api/v1/accounts/${id.toUpperCase()}/balance` });
    expect(ok.status).toBe(200);
    expect(ok.body.accountId).toBe(id);

    for (const bad of [
      { id: "not-a-uuid", status: 400, error: "invalid_account_id" },
      { id: "%E0%A4%A", status: 400, error: "invalid_path" },
      { id: UNKNOWN, status: 404, error: "account_not_found" },
      { id, key: null, status: 401, error: "unauthorized" },
    ]) {
      const res = await send(BALANCE, { method: "GET", url: `/api/v1/accounts/${bad.id}/balance`, key: bad.key });
      expect(res.status, bad.error).toBe(bad.status);
      expect(res.body.error).toBe(bad.error);
    }
  });

  it("POST /api/v1/link-codes", async () => {
    const example = jsonExample("POST", LINK_CODES);
    await services.prisma.account.upsert({ where: { id: example.accountId }, create: { id: example.accountId }, update: {} });

    const before = await ledgerRows();
    for (const bad of [
      { body: JSON.stringify({ accountId: "someone" }), status: 400, error: "invalid_body", fields: ["accountId"] },
      { body: JSON.stringify({ ...example, ttlMinutes: 0.5 }), status: 400, error: "invalid_body", fields: ["ttlMinutes"] },
      { body: JSON.stringify([example]), status: 400, error: "invalid_body", fields: ["body"] },
      { body: "", status: 400, error: "invalid_json" },
      { body: JSON.stringify({ ...example, accountId: UNKNOWN }), status: 404, error: "account_not_found" },
      { body: JSON.stringify(example), key: null, status: 401, error: "unauthorized" },
      { body: JSON.stringify({ ...example, pad: "x".repeat(17 * 1024) }), status: 413, error: "body_too_large" },
    ]) {
      const res = await send(LINK_CODES, { method: "POST", url: LINK_CODES, body: bad.body, key: bad.key });
      expect(res.status, bad.error).toBe(bad.status);
      expect(res.body.error).toBe(bad.error);
      if (bad.fields) expect(Object.keys(res.body.fields)).toEqual(bad.fields);
    }
    expect(await ledgerRows()).toEqual(before);

    const ok = await send(LINK_CODES, { method: "POST", url: LINK_CODES, body: JSON.stringify(example) });
    expect(ok.status).toBe(201);
    expect(ok.body.accountId).toBe(example.accountId);
    expect(await services.prisma.linkCode.count()).toBe(before.linkCodes + 1);
  });

  it("GET /api/v1/openapi.json, without a key", async () => {
    const res = await send(OPENAPI, { method: "GET", url: OPENAPI, key: null });
    expect(res.status).toBe(200);
    expect(res.body).toEqual(doc);
  });

  it("answers 500 with a trace id when the database is gone", async () => {
    const db = await openDatabase(onPostgres ? { url: process.env.DATABASE_URL, poolSize: 1 } : { dataDir: "memory://" });
    const broken = await startWebServer({ ...services, db, prisma: db.prisma }, 0, "127.0.0.1");
    // Closed before any request: nothing can be read or written through it.
    await db.close();
    try {
      const base = broken.url;
      const usage = jsonExample("POST", USAGE);
      const link = jsonExample("POST", LINK_CODES);
      const id = operation("GET", BALANCE).parameters[0].example;
      for (const res of [
        await send(USAGE, { method: "POST", url: USAGE, body: JSON.stringify(usage), base }),
        await send(BALANCE, { method: "GET", url: `/api/v1/accounts/${id}/balance`, base }),
        await send(LINK_CODES, { method: "POST", url: LINK_CODES, body: JSON.stringify(link), base }),
      ]) {
        expect(res.status).toBe(500);
        expect(res.body.traceId).toMatch(/^\w+$/);
      }
    } finally {
      await broken.close();
    }
  });

  it("has seen every status the document lists, for every operation", () => {
    const listed = operations().flatMap(({ path, method, op }) => Object.keys(op.responses).map((status) => `${method} ${path} ${status}`));
    expect([...seen].sort()).toEqual(listed.sort());
  });
});
