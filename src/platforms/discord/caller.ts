import type { APIInteractionGuildMember, BaseInteraction, GuildMember } from "discord.js";
import type { Caller } from "../../core/command.ts";
import { resolveLocale } from "../../i18n.ts";

/** Discord user ids are global, so every Discord identity lives in one workspace. */
export const DISCORD_WORKSPACE = "discord";

/** Support rights come from the member's roles in this very interaction, never from a cache of ours. */
export function hasSupportRole(member: GuildMember | APIInteractionGuildMember | null, supportRoles: readonly string[]): boolean {
  if (!member || supportRoles.length === 0) return false;
  const held = Array.isArray(member.roles) ? member.roles : [...(member as GuildMember).roles.cache.keys()];
  return held.some((role) => supportRoles.includes(role));
}

export function callerOf(interaction: BaseInteraction, supportRoles: readonly string[]): Caller {
  const member = interaction.member;
  const displayName =
    member && "displayName" in member
      ? member.displayName
      : ((member as APIInteractionGuildMember | null)?.nick ?? interaction.user.globalName ?? interaction.user.username);
  return {
    platform: "discord",
    workspaceId: DISCORD_WORKSPACE,
    userId: interaction.user.id,
    displayName,
    locale: resolveLocale(interaction.locale),
    isSupport: hasSupportRole(member, supportRoles),
  };
}
