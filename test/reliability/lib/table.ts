/** One line of the printed table: a section, what was measured, the figure, and whether it passed. */
export interface Row {
  section: string;
  what: string;
  figure: string;
  pass: boolean;
}

export class Results {
  readonly rows: Row[] = [];
  /** Findings worth a reproduction in the report: real bugs, with how to see them. */
  readonly findings: { title: string; detail: string }[] = [];

  add(section: string, what: string, figure: string | number, pass: boolean): void {
    this.rows.push({ section, what, figure: typeof figure === "number" ? figure.toLocaleString("en-US") : figure, pass });
  }

  finding(title: string, detail: string): void {
    this.findings.push({ title, detail });
  }

  get passed(): boolean {
    return this.rows.every((r) => r.pass);
  }

  markdown(): string {
    const esc = (s: string) => s.replace(/\|/g, "\\|").replace(/\n/g, " ");
    const lines = ["| section | what | figure | pass/fail |", "|---|---|---|---|"];
    for (const r of this.rows) lines.push(`| ${esc(r.section)} | ${esc(r.what)} | ${esc(r.figure)} | ${r.pass ? "pass" : "**FAIL**"} |`);
    return lines.join("\n");
  }
}

export const fmt = (n: number) => n.toLocaleString("en-US");
export const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
