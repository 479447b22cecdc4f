/** CPU time this process has used (user + system, all threads, GC included), in milliseconds. */
export function cpuMs(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
}

export interface SamplingPlan {
  /** CPU spent warming each variant up before any sample is taken. */
  warmupMs: number;
  /** Fewest passes over the messages in the warm-up. */
  warmupPasses: number;
  /**
   * Fewest messages handled in the warm-up. The handler's code paths (HTML reading, extraction, the SDK's
   * serialisers) take dozens of calls to be compiled; a sample taken before that measures the compiler.
   */
  warmupMessages: number;
  /** Samples per variant. */
  samples: number;
  /** A sample repeats whole passes until it is expected to take at least this much CPU. */
  minSampleMs: number;
}

export interface Variant {
  name: string;
  /** Handles one message; only what happens inside this call is measured. */
  run: (raw: Buffer, index: number) => Promise<unknown>;
  /** Unmeasured work before each call (e.g. storing the raw message for the handler). */
  prepare?: (raw: Buffer, index: number) => Promise<unknown>;
  /** Called before each sample (not during the warm-up). */
  startSample?: () => void;
}

export interface VariantSamples {
  /** CPU ms per message, one entry per sample. */
  perMessageMs: number[];
  /** All samples' CPU over all their messages: the per-message cost with every garbage collection amortised. */
  meanMs: number;
  /** Passes over the messages in each sample. */
  passesPerSample: number;
  warmupPasses: number;
}

/** CPU of one pass over `messages`, counting only the time inside `run`. */
async function pass(variant: Variant, messages: Buffer[]): Promise<number> {
  let total = 0;
  for (let i = 0; i < messages.length; i++) {
    if (variant.prepare) await variant.prepare(messages[i], i);
    const start = cpuMs();
    await variant.run(messages[i], i);
    total += cpuMs() - start;
  }
  return total;
}

/**
 * Warms every variant up, then takes samples round-robin (the order rotating each round) so
 * that drift on the machine spreads over all variants alike.
 */
export async function sampleVariants(
  variants: Variant[],
  messages: Buffer[],
  plan: SamplingPlan,
  onSample: () => void = () => {},
): Promise<Record<string, VariantSamples>> {
  const passesPerSample: number[] = [];
  const warmups: number[] = [];
  for (const variant of variants) {
    let spent = 0;
    let passes = 0;
    while (passes < plan.warmupPasses || spent < plan.warmupMs || passes * messages.length < plan.warmupMessages) {
      spent += await pass(variant, messages);
      passes++;
    }
    warmups.push(passes);
    const perPass = Math.max(spent / passes, 0.01);
    passesPerSample.push(Math.max(1, Math.ceil(plan.minSampleMs / perPass)));
  }
  const out: Record<string, VariantSamples> = Object.fromEntries(
    variants.map((v, i) => [v.name, { perMessageMs: [] as number[], meanMs: 0, passesPerSample: passesPerSample[i], warmupPasses: warmups[i] }]),
  );
  for (let round = 0; round < plan.samples; round++) {
    for (let j = 0; j < variants.length; j++) {
      const index = (j + round) % variants.length;
      const variant = variants[index];
      // No collection is forced before a sample: after a forced one the handler ran up to 2.5 times slower for its
      // next few calls, in its own code, not the collector. Collections come as they do in a busy function instead.
      variant.startSample?.();
      let total = 0;
      for (let p = 0; p < passesPerSample[index]; p++) total += await pass(variant, messages);
      out[variant.name].perMessageMs.push(total / (passesPerSample[index] * messages.length));
      onSample();
    }
  }
  // Every sample of a variant covers the same number of messages, so the mean of samples is total CPU / messages.
  for (const v of Object.values(out)) v.meanMs = v.perMessageMs.reduce((a, b) => a + b, 0) / v.perMessageMs.length;
  return out;
}
