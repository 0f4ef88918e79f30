/**
 * A small reader of prisma/schema.prisma, enough to check the migrations against it: models,
 * @@map, scalar fields with their type, `?`, `[]`, @map and @db.* attributes. Relation fields
 * (whose type is another model) are skipped: they are not columns.
 */
export interface SchemaField {
  name: string;
  column: string;
  type: string;
  optional: boolean;
  list: boolean;
  /** "@db.Timestamptz(3)" → { name: "Timestamptz", args: ["3"] } */
  nativeType?: { name: string; args: string[] };
}

export interface SchemaModel {
  name: string;
  table: string;
  fields: SchemaField[];
}

export interface ParsedSchema {
  models: SchemaModel[];
  /** Enum name → its database type name. */
  enums: Map<string, string>;
}

function stripComment(line: string): string {
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    if (line[i] === '"' && line[i - 1] !== "\\") quoted = !quoted;
    if (!quoted && line[i] === "/" && line[i + 1] === "/") return line.slice(0, i);
  }
  return line;
}

const mapArg = (text: string) => /^\s*(?:name\s*:\s*)?"([^"]+)"/.exec(text)?.[1];

export function parsePrismaSchema(source: string): ParsedSchema {
  const blocks: { kind: string; name: string; lines: string[] }[] = [];
  let current: { kind: string; name: string; lines: string[] } | undefined;
  for (const raw of source.split(/\r?\n/)) {
    const line = stripComment(raw).trim();
    if (!line) continue;
    if (!current) {
      const open = /^(\w+)\s+(\w+)\s*\{$/.exec(line);
      if (open) current = { kind: open[1], name: open[2], lines: [] };
      continue;
    }
    if (line === "}") {
      blocks.push(current);
      current = undefined;
      continue;
    }
    current.lines.push(line);
  }
  if (current) throw new Error(`schema: block ${current.kind} ${current.name} is not closed`);

  const enums = new Map<string, string>();
  for (const block of blocks.filter((b) => b.kind === "enum")) {
    const mapped = block.lines.find((l) => l.startsWith("@@map("));
    enums.set(block.name, (mapped && mapArg(mapped.slice(6))) ?? block.name);
  }
  const modelNames = new Set(blocks.filter((b) => b.kind === "model").map((b) => b.name));

  const models: SchemaModel[] = [];
  for (const block of blocks.filter((b) => b.kind === "model")) {
    if (block.lines.some((l) => l.startsWith("@@ignore"))) continue;
    const mapped = block.lines.find((l) => l.startsWith("@@map("));
    const model: SchemaModel = { name: block.name, table: (mapped && mapArg(mapped.slice(6))) ?? block.name, fields: [] };
    for (const line of block.lines) {
      if (line.startsWith("@@")) continue;
      const field = /^(\w+)\s+([\w.]+(?:\([^)]*\))?)(\[\])?(\?)?\s*(.*)$/.exec(line);
      if (!field) throw new Error(`schema: cannot read field line in ${block.name}: ${line}`);
      const [, name, type, list, optional, attributes] = field;
      if (modelNames.has(type) || /(^|\s)@ignore\b/.test(attributes)) continue;
      const column = /@map\(([^)]*)\)/.exec(attributes);
      const native = /@db\.(\w+)(?:\(([^)]*)\))?/.exec(attributes);
      model.fields.push({
        name,
        column: (column && mapArg(column[1])) ?? name,
        type,
        optional: optional === "?",
        list: list === "[]",
        nativeType: native
          ? { name: native[1], args: native[2] ? native[2].split(",").map((a) => a.trim()).filter(Boolean) : [] }
          : undefined,
      });
    }
    models.push(model);
  }
  return { models, enums };
}

/** What information_schema.columns reports for a Prisma field on PostgreSQL. */
export function expectedColumnType(field: SchemaField, enums: Map<string, string>): { dataType: string; udtName?: string; datetimePrecision?: number } {
  if (field.list) return { dataType: "ARRAY" };
  const native = field.nativeType?.name;
  if (enums.has(field.type)) return { dataType: "USER-DEFINED", udtName: enums.get(field.type) };
  const byNative: Record<string, string> = {
    Uuid: "uuid",
    Text: "text",
    VarChar: "character varying",
    Char: "character",
    Xml: "xml",
    Inet: "inet",
    SmallInt: "smallint",
    Integer: "integer",
    Oid: "oid",
    Real: "real",
    DoublePrecision: "double precision",
    Decimal: "numeric",
    Money: "money",
    Timestamptz: "timestamp with time zone",
    Timestamp: "timestamp without time zone",
    Date: "date",
    Time: "time without time zone",
    Timetz: "time with time zone",
    Json: "json",
    JsonB: "jsonb",
    Bit: "bit",
    VarBit: "bit varying",
    ByteA: "bytea",
    Boolean: "boolean",
    BigInt: "bigint",
  };
  if (native) {
    const dataType = byNative[native];
    if (!dataType) throw new Error(`schema: no mapping for @db.${native} on ${field.name}`);
    if (native === "Timestamptz" || native === "Timestamp" || native === "Time" || native === "Timetz") {
      return { dataType, datetimePrecision: field.nativeType!.args[0] ? Number(field.nativeType!.args[0]) : 6 };
    }
    return { dataType };
  }
  const byType: Record<string, string> = {
    String: "text",
    Int: "integer",
    BigInt: "bigint",
    Boolean: "boolean",
    DateTime: "timestamp without time zone",
    Float: "double precision",
    Decimal: "numeric",
    Json: "jsonb",
    Bytes: "bytea",
  };
  const dataType = byType[field.type];
  if (!dataType) throw new Error(`schema: unknown scalar type ${field.type} on ${field.name}`);
  // Prisma's DateTime without a native type is timestamp(3).
  return field.type === "DateTime" ? { dataType, datetimePrecision: 3 } : { dataType };
}

export interface DbColumn {
  table_name: string;
  column_name: string;
  data_type: string;
  udt_name: string;
  is_nullable: "YES" | "NO";
  datetime_precision: number | null;
}

/** Every difference between the schema and the migrated database, one line each. */
export function schemaDrift(schema: ParsedSchema, columns: DbColumn[], ignoreTables: string[] = ["_prisma_migrations"]): string[] {
  const problems: string[] = [];
  const byTable = new Map<string, Map<string, DbColumn>>();
  for (const c of columns) {
    if (ignoreTables.includes(c.table_name)) continue;
    if (!byTable.has(c.table_name)) byTable.set(c.table_name, new Map());
    byTable.get(c.table_name)!.set(c.column_name, c);
  }
  const modelTables = new Set(schema.models.map((m) => m.table));
  for (const model of schema.models) {
    const table = byTable.get(model.table);
    if (!table) {
      problems.push(`model ${model.name}: table "${model.table}" is missing`);
      continue;
    }
    const fieldColumns = new Set(model.fields.map((f) => f.column));
    for (const field of model.fields) {
      const where = `${model.name}.${field.name} ("${model.table}"."${field.column}")`;
      const column = table.get(field.column);
      if (!column) {
        problems.push(`${where}: column is missing`);
        continue;
      }
      if (field.type.startsWith("Unsupported(")) continue;
      const expected = expectedColumnType(field, schema.enums);
      if (column.data_type !== expected.dataType) problems.push(`${where}: type is ${column.data_type}, schema says ${expected.dataType}`);
      if (expected.udtName && column.udt_name !== expected.udtName) problems.push(`${where}: enum type is ${column.udt_name}, schema says ${expected.udtName}`);
      if (expected.datetimePrecision !== undefined && column.data_type === expected.dataType && Number(column.datetime_precision) !== expected.datetimePrecision) {
        problems.push(`${where}: precision is ${column.datetime_precision}, schema says ${expected.datetimePrecision}`);
      }
      const nullable = column.is_nullable === "YES";
      if (nullable !== field.optional) problems.push(`${where}: column is ${nullable ? "nullable" : "NOT NULL"}, schema says ${field.optional ? "optional" : "required"}`);
    }
    for (const name of table.keys()) {
      if (!fieldColumns.has(name)) problems.push(`table "${model.table}": column "${name}" is not in model ${model.name}`);
    }
  }
  for (const table of byTable.keys()) {
    if (!modelTables.has(table)) problems.push(`table "${table}" has no model in schema.prisma`);
  }
  return problems;
}
