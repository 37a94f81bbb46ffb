// A one-line progress bar for a terminal (stderr), redrawn at most ten times a second.
import type { WriteStream } from "node:tty";

const WIDTH = 28;

export class ProgressBar {
  private done = 0;
  private lastDraw = 0;
  private readonly started = Date.now();

  constructor(
    private readonly out: WriteStream,
    private readonly total: number,
    private readonly unit: string,
  ) {}

  add(n: number): void {
    this.done += n;
    const now = Date.now();
    if (now - this.lastDraw >= 100) this.draw(now);
  }

  finish(): void {
    this.draw(Date.now());
    this.out.write("\n");
  }

  private draw(now: number): void {
    this.lastDraw = now;
    // The total was counted before the export began, so it can be passed (tag filters, new chats).
    const ratio = this.total > 0 ? Math.min(1, this.done / this.total) : 1;
    const filled = Math.round(ratio * WIDTH);
    const rate = Math.round(this.done / Math.max(0.001, (now - this.started) / 1000));
    const line = `[${"#".repeat(filled)}${"-".repeat(WIDTH - filled)}] ${String(Math.floor(ratio * 100)).padStart(3)}% ${this.done.toLocaleString("en")}/${this.total.toLocaleString("en")} ${this.unit} ${rate.toLocaleString("en")}/s`;
    this.out.write(`\r${line}\x1b[K`);
  }
}
