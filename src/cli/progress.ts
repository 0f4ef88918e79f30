import type { Output } from "./context.ts";

/**
 * A one-line progress bar redrawn in place. Drawn only on a terminal: a redirected stderr gets
 * nothing, so logs and pipes stay clean.
 */
export class ProgressBar {
  private done = 0;
  private lastDraw = 0;
  private readonly enabled: boolean;

  constructor(
    private readonly out: Output,
    private readonly total: number,
    private readonly label: string,
    private readonly now: () => number = Date.now,
  ) {
    this.enabled = out.isTTY === true;
  }

  advance(count: number): void {
    this.done += count;
    if (!this.enabled) return;
    const t = this.now();
    // Redrawing on every batch would cost more than the export itself on a fast database.
    if (t - this.lastDraw < 100 && this.done < this.total) return;
    this.lastDraw = t;
    this.draw();
  }

  finish(): void {
    if (!this.enabled) return;
    this.draw();
    this.out.write("\n");
  }

  private draw(): void {
    const width = Math.max(10, Math.min(40, (this.out.columns ?? 80) - this.label.length - 30));
    const ratio = this.total === 0 ? 1 : Math.min(1, this.done / this.total);
    const filled = Math.round(ratio * width);
    const bar = "#".repeat(filled) + "-".repeat(width - filled);
    this.out.write(`\r${this.label} [${bar}] ${Math.floor(ratio * 100)}% ${this.done}/${this.total}`);
  }
}
