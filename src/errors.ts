/**
 * The one kind of error meant for a user. It carries a message key from locales/ and its
 * parameters; each surface renders it in the user's language in one place.
 * `field` names the form field it belongs to, so a modal can show it beside that field.
 */
export class UserError extends Error {
  readonly key: string;
  readonly params: Record<string, string | number>;
  readonly field?: string;

  constructor(key: string, params: Record<string, string | number> = {}, field?: string) {
    super(key);
    this.name = "UserError";
    this.key = key;
    this.params = params;
    this.field = field;
  }
}

/** Several field errors at once, for a form. */
export class FormErrors extends UserError {
  readonly fields: Record<string, { key: string; params: Record<string, string | number> }>;

  constructor(fields: Record<string, { key: string; params?: Record<string, string | number> }>) {
    const first = Object.values(fields)[0];
    super(first?.key ?? "errors.invalid_input", first?.params ?? {});
    this.name = "FormErrors";
    this.fields = Object.fromEntries(
      Object.entries(fields).map(([name, e]) => [name, { key: e.key, params: e.params ?? {} }]),
    );
  }
}

export function isUserError(err: unknown): err is UserError {
  return err instanceof UserError;
}
