import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Database } from "../../src/db/index.ts";
import { openTestDatabase } from "../helpers/db.ts";
import { parsePrismaSchema, schemaDrift, type DbColumn } from "./prismaSchema.ts";

const SCHEMA_FILE = fileURLToPath(new URL("../../prisma/schema.prisma", import.meta.url));

/** Rewrites one field line of one model, as a developer editing the schema by hand would. */
function editField(schema: string, model: string, field: string, edit: (line: string) => string): string {
  const block = new RegExp(`(model ${model} \\{[^}]*?\\n)([ \\t]+${field}[ \\t]+[^\\n]*)\\n`);
  return schema.replace(block, (_, before: string, line: string) => `${before}${edit(line)}\n`);
}

describe("prisma/schema.prisma and prisma/migrations agree", () => {
  let db: Database;
  let columns: DbColumn[];
  const schemaText = readFileSync(SCHEMA_FILE, "utf8");

  beforeAll(async () => {
    db = await openTestDatabase();
    columns = await db.driver.withSession((s) =>
      s.query<DbColumn & Record<string, unknown>>(`
        SELECT c.table_name, c.column_name, c.data_type, c.udt_name, c.is_nullable, c.datetime_precision
        FROM information_schema.columns c
        JOIN information_schema.tables t ON t.table_schema = c.table_schema AND t.table_name = c.table_name
        WHERE c.table_schema = current_schema() AND t.table_type = 'BASE TABLE'
        ORDER BY c.table_name, c.ordinal_position`),
    );
  });
  afterAll(async () => {
    await db?.close();
  });

  it("has every model's table and every field's column, with its type and nullability, and nothing else", () => {
    const schema = parsePrismaSchema(schemaText);
    expect(schema.models.length).toBeGreaterThan(0);
    expect(schemaDrift(schema, columns)).toEqual([]);
  });

  // The check above passes only if it can fail: the same comparison run on a schema edited the
  // way a developer would, without a migration, must report the edit.
  it.each([
    ["a new field", (s: string) => s.replace(/(model Account \{\n)/, "$1  nickname String\n"), 'Account.nickname ("accounts"."nickname"): column is missing'],
    ["a new model", (s: string) => `${s}\nmodel Voucher {\n  code String @id\n  @@map("vouchers")\n}\n`, 'model Voucher: table "vouchers" is missing'],
    ["a field made optional", (s: string) => editField(s, "Account", "locale", (l) => l.replace(/String\s/, "String? ")), "Account.locale"],
    ["a changed type", (s: string) => editField(s, "UsageRecord", "calls", (l) => l.replace(/\bInt\b/, "BigInt")), "UsageRecord.calls"],
    ["a dropped native type", (s: string) => editField(s, "TopupOrder", "expiresAt", (l) => l.replace(/@db\.Timestamptz\(3\)/, "")), "TopupOrder.expiresAt"],
    ["a removed field", (s: string) => editField(s, "LedgerEntry", "memo", () => ""), 'column "memo" is not in model LedgerEntry'],
  ])("reports %s that has no migration", (_, edit, expected) => {
    const edited = edit(schemaText);
    expect(edited, "the edit must apply to the current schema").not.toBe(schemaText);
    const problems = schemaDrift(parsePrismaSchema(edited), columns);
    expect(problems.join("\n")).toContain(expected);
  });
});

describe("the schema reader", () => {
  it("reads @@map, @map, optional, lists, native types, and skips relation fields and comments", () => {
    const schema = parsePrismaSchema(`
      // a comment with model Fake { inside }
      enum Colour {
        RED
        @@map("colour")
      }
      model Owner {
        id    String @id @db.Uuid // trailing comment
        pets  Pet[]
        @@map("owners")
      }
      model Pet {
        id      Int      @id @default(autoincrement())
        ownerId String   @map("owner_id") @db.Uuid
        owner   Owner    @relation(fields: [ownerId], references: [id])
        url     String?  @default("http://example.com")
        tags    String[]
        colour  Colour
        seenAt  DateTime @db.Timestamptz(3)
      }
    `);
    expect(schema.enums.get("Colour")).toBe("colour");
    expect(schema.models.map((m) => [m.name, m.table])).toEqual([
      ["Owner", "owners"],
      ["Pet", "Pet"],
    ]);
    const pet = schema.models[1].fields;
    expect(pet.map((f) => f.name)).toEqual(["id", "ownerId", "url", "tags", "colour", "seenAt"]);
    expect(pet[1]).toMatchObject({ column: "owner_id", nativeType: { name: "Uuid", args: [] }, optional: false });
    expect(pet[2]).toMatchObject({ optional: true, type: "String" });
    expect(pet[3]).toMatchObject({ list: true });
    expect(pet[5]).toMatchObject({ nativeType: { name: "Timestamptz", args: ["3"] } });
  });
});
