/** Layer sizes above this are refused: they would not fit a JS engine's memory anyway. */
export const MAX_LAYER_SIZE = 1 << 16;

/** One named parameter: a rows×cols row-major matrix (a vector has cols = 1). */
export interface ParameterSpec {
  readonly name: string;
  readonly rows: number;
  readonly cols: number;
  /** Weight decay applies to weights, not to biases or initial states. */
  readonly decay: boolean;
}

export interface PlacedParameter extends ParameterSpec {
  readonly offset: number;
  readonly size: number;
}

/**
 * Where each parameter sits in the model's parameter block. Decayed
 * parameters come first so weight decay is one contiguous range [0, decayCount).
 */
export class ParameterLayout {
  readonly parameters: readonly PlacedParameter[];
  readonly count: number;
  readonly decayCount: number;
  private readonly byName = new Map<string, PlacedParameter>();

  constructor(specs: readonly ParameterSpec[]) {
    const ordered = [...specs.filter((s) => s.decay), ...specs.filter((s) => !s.decay)];
    let offset = 0;
    const placed: PlacedParameter[] = [];
    for (const spec of ordered) {
      const p = { ...spec, offset, size: spec.rows * spec.cols };
      placed.push(p);
      this.byName.set(p.name, p);
      offset += p.size;
    }
    this.parameters = placed;
    this.count = offset;
    this.decayCount = placed.filter((p) => p.decay).reduce((n, p) => n + p.size, 0);
  }

  get names(): string[] {
    return this.parameters.map((p) => p.name);
  }

  find(name: string): PlacedParameter | undefined {
    return this.byName.get(name);
  }
}
