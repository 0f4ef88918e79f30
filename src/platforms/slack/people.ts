import type { Caller } from "../../core/command.ts";
import { resolveLocale, type Locale } from "../../i18n.ts";
import type { Logger } from "../../log.ts";
import type { SlackIdentity } from "./identity.ts";
import type { SlackApi } from "./webApi.ts";

/**
 * Who a Slack user is to us: their language (users.info with include_locale, cached) and whether
 * they are a support member (SLACK_SUPPORT_USERS, or a member of SLACK_SUPPORT_USERGROUP). Rights
 * are evaluated on every request; only the group's member list is cached, briefly, because
 * usergroups.users.list is a Tier 2 method (20 calls a minute).
 */

export interface PeopleOptions {
  supportUsers: string[];
  supportUsergroup?: string;
  defaultLocale: Locale;
  localeTtlMs?: number;
  usergroupTtlMs?: number;
  now?: () => number;
}

const MAX_CACHED_LOCALES = 10_000;
const STALE_GROUP_GRACE_MS = 5 * 60_000;

export class SlackPeople {
  private readonly locales = new Map<string, { locale: Locale; until: number }>();
  private readonly pendingLocales = new Map<string, Promise<Locale>>();
  private group?: { members: Set<string>; until: number };
  private pendingGroup?: Promise<Set<string>>;
  private readonly supportUsers: Set<string>;
  private readonly now: () => number;

  constructor(
    private readonly api: SlackApi,
    private readonly log: Logger,
    private readonly options: PeopleOptions,
  ) {
    this.supportUsers = new Set(options.supportUsers);
    this.now = options.now ?? Date.now;
  }

  async caller(input: SlackIdentity): Promise<Caller> {
    const [locale, isSupport] = await Promise.all([this.localeOf(input.workspaceId, input.userId), this.isSupport(input.userId)]);
    return { platform: "slack", workspaceId: input.workspaceId, userId: input.userId, displayName: input.displayName, locale, isSupport };
  }

  async localeOf(workspaceId: string, userId: string): Promise<Locale> {
    const key = `${workspaceId}:${userId}`;
    const cached = this.locales.get(key);
    if (cached && cached.until > this.now()) return cached.locale;
    const pending = this.pendingLocales.get(key);
    if (pending) return pending;
    const lookup = this.fetchLocale(userId)
      .then((locale) => {
        this.remember(key, locale, this.options.localeTtlMs ?? 60 * 60_000);
        return locale;
      })
      .catch((err: unknown) => {
        this.log.warn({ err: String(err), userId }, "users.info failed; using the default locale");
        // Try again soon rather than answering in the wrong language for an hour.
        this.remember(key, this.options.defaultLocale, 60_000);
        return this.options.defaultLocale;
      })
      .finally(() => this.pendingLocales.delete(key));
    this.pendingLocales.set(key, lookup);
    return lookup;
  }

  async isSupport(userId: string): Promise<boolean> {
    if (this.supportUsers.has(userId)) return true;
    if (!this.options.supportUsergroup) return false;
    const members = await this.groupMembers();
    return members.has(userId);
  }

  /** Forget what was cached (a test changes a locale or the group). */
  forget(): void {
    this.locales.clear();
    this.group = undefined;
  }

  private async fetchLocale(userId: string): Promise<Locale> {
    const result = await this.api.call<{ user?: { locale?: string } }>("users.info", { user: userId, include_locale: true });
    return result.user?.locale ? resolveLocale(result.user.locale) : this.options.defaultLocale;
  }

  private remember(key: string, locale: Locale, ttlMs: number): void {
    if (this.locales.size >= MAX_CACHED_LOCALES) {
      const oldest = this.locales.keys().next().value;
      if (oldest !== undefined) this.locales.delete(oldest);
    }
    this.locales.delete(key);
    this.locales.set(key, { locale, until: this.now() + ttlMs });
  }

  private async groupMembers(): Promise<Set<string>> {
    if (this.group && this.group.until > this.now()) return this.group.members;
    if (this.pendingGroup) return this.pendingGroup;
    const usergroup = this.options.supportUsergroup!;
    this.pendingGroup = this.api
      .call<{ users?: string[] }>("usergroups.users.list", { usergroup })
      .then((result) => {
        const members = new Set(result.users ?? []);
        this.group = { members, until: this.now() + (this.options.usergroupTtlMs ?? 30_000) };
        return members;
      })
      .catch((err: unknown) => {
        // Fail closed, unless we knew the group a few minutes ago.
        this.log.warn({ err: String(err), usergroup }, "usergroups.users.list failed");
        const recent = this.group && this.group.until + STALE_GROUP_GRACE_MS > this.now();
        return recent ? this.group!.members : new Set<string>();
      })
      .finally(() => {
        this.pendingGroup = undefined;
      });
    return this.pendingGroup;
  }
}
