import { SingleBar, Presets } from 'cli-progress';

/** A progress bar on a terminal; one line per finished step otherwise (CI logs, pipes). */
export interface Progress {
  /** Starts a step of `total` units. */
  start(label: string, total: number): void;
  /** Advances the current step by `units` (default 1). */
  tick(units?: number): void;
  /** Ends the current step. */
  done(): void;
}

export function createProgress(stream: NodeJS.WriteStream = process.stderr): Progress {
  if (!stream.isTTY) {
    let label = '';
    let started = 0;
    return {
      start(l) {
        label = l;
        started = Date.now();
      },
      tick() {},
      done() {
        stream.write(`  ${label} (${((Date.now() - started) / 1000).toFixed(1)} s)\n`);
      },
    };
  }
  let bar: SingleBar | undefined;
  return {
    start(label, total) {
      bar = new SingleBar({ format: `  {bar} {percentage}% | {value}/{total} | ${label}`, stream, hideCursor: true }, Presets.shades_classic);
      bar.start(total, 0);
    },
    tick(units = 1) {
      bar?.increment(units);
    },
    done() {
      bar?.stop();
      bar = undefined;
    },
  };
}
