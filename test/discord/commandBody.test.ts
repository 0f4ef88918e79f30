import { ApplicationCommandOptionType, type APIApplicationCommandSubcommandOption, type RESTPostAPIChatInputApplicationCommandsJSONBody } from "discord.js";
import { z } from "zod";
import { describe, expect, it } from "vitest";
import { registry } from "../../commands/index.ts";
import { defineCommand, type CommandDefinition } from "../../src/core/command.ts";
import { createRegistry } from "../../src/core/dispatch.ts";
import { loadEnv } from "../../src/config/env.ts";
import { parseMethods } from "../../src/methods/paymentMethods.ts";
import { buildCommandBody, commandCharacters, LIMITS } from "../../src/platforms/discord/commandBody.ts";
import { textReply } from "../../src/reply.ts";
import type { Services } from "../../src/services.ts";
import { TEST_METHODS_JSON } from "../helpers/services.ts";

const services = { env: loadEnv({ LOG_LEVEL: "silent" }), methods: parseMethods(TEST_METHODS_JSON) } as unknown as Services;
const names = { name: "credits", adminName: "credits-admin" };

function command(name: string, audience: "customer" | "support", options: CommandDefinition["options"] = []): CommandDefinition {
  return defineCommand({ name, audience, descriptionKey: "commands.help.description", options, input: z.object({}), handle: async () => textReply("never run") }) as CommandDefinition;
}

describe("the Discord command body", () => {
  it("splits the registry by audience: customers' commands under /credits, support's under /credits-admin with default_member_permissions \"0\"", () => {
    const [customer, admin] = buildCommandBody(registry, { ...names, services }) as RESTPostAPIChatInputApplicationCommandsJSONBody[];
    expect(customer.default_member_permissions).toBeUndefined();
    expect(admin.default_member_permissions).toBe("0");
    const subs = (c: RESTPostAPIChatInputApplicationCommandsJSONBody) => (c.options ?? []).map((o) => o.name);
    expect(subs(customer)).toEqual(registry.commands.filter((c) => c.audience === "customer").map((c) => c.name));
    expect(subs(admin)).toEqual(registry.commands.filter((c) => c.audience === "support").map((c) => c.name));
    // No support word in the customers' command.
    for (const word of ["confirm", "reject", "queue", "account", "recheck"]) expect(subs(customer)).not.toContain(word);
    for (const body of [customer, admin]) expect(commandCharacters(body)).toBeLessThanOrEqual(LIMITS.characters);
  });

  it("registers no empty /credits-admin when the registry has no support command", () => {
    const body = buildCommandBody(createRegistry([command("help", "customer")]), { ...names, services });
    expect(body.map((c) => c.name)).toEqual(["credits"]);
  });

  it("refuses, naming the command and the count, a body Discord would reject: 26 subcommands", () => {
    const many = createRegistry(Array.from({ length: 26 }, (_, i) => command(`c${i}`, "support")));
    expect(() => buildCommandBody(many, { ...names, services })).toThrow("Discord allows 25 subcommands in /credits-admin; it has 26");
  });

  it("refuses a body past 8,000 characters, counting each text at its longest localization", () => {
    const wordy = createRegistry(
      Array.from({ length: 20 }, (_, i) =>
        command(`c${i}`, "customer", Array.from({ length: 5 }, (_, j) => ({ name: `o${j}`, kind: "string" as const, required: false, descriptionKey: "commands.help.description", choices: () => Array.from({ length: 20 }, (_, k) => ({ value: `value-${k}-${"x".repeat(60)}`, label: `Choice ${k}` })) }))),
      ),
    );
    expect(() => buildCommandBody(wordy, { ...names, services })).toThrow(/Discord allows 8000 characters of names, descriptions and choices in \/credits; it has \d+/);
  });

  it("more than 25 declared choices become autocomplete instead of being cut", () => {
    const body = buildCommandBody(createRegistry([command("pick", "customer", [{ name: "what", kind: "string", required: true, descriptionKey: "commands.help.description", choices: () => Array.from({ length: 30 }, (_, i) => ({ value: `v${i}`, label: `V ${i}` })) }])]), { ...names, services });
    const sub = (body[0] as RESTPostAPIChatInputApplicationCommandsJSONBody).options![0] as APIApplicationCommandSubcommandOption;
    expect(sub.options![0]).toMatchObject({ type: ApplicationCommandOptionType.String, name: "what", autocomplete: true });
    expect("choices" in sub.options![0]).toBe(false);
  });
});
