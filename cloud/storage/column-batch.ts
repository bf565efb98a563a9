/**
 * Column-oriented row buffers for bulk loads, and their Appender path.
 *
 * Why not row objects and the node-api vector wrappers: at 100k+ rows per second the per-value wrapper calls, the
 * BigInt conversions and the garbage from row objects cost more than DuckDB's own append (measured in
 * bench/suites/pipeline.ts). Here numbers go into typed arrays and reach DuckDB with one copy per column and
 * chunk; strings are dictionary-encoded (a batch repeats the same vehicle, sensor and signal names), so the buffer
 * is also cheap to move between threads.
 */
import bindings from '@duckdb/node-bindings';
import type { Vector } from '@duckdb/node-bindings';
import { DuckDBDataChunk, type DuckDBConnection, type DuckDBType } from '@duckdb/node-api';

export type ColumnKind = 'varchar' | 'bigint' | 'double' | 'integer' | 'utinyint' | 'boolean' | 'enum' | 'blob';

export interface ColumnSpec {
  name: string;
  kind: ColumnKind;
  type: DuckDBType;
  /** For 'enum': the values in declaration order. */
  values?: readonly string[];
}

const CHUNK = 2048;
const utf8 = new TextEncoder();
const TWO_32 = 4294967296;

type Store = Float64Array | Int32Array | Uint8Array | Uint32Array;

interface Col {
  spec: ColumnSpec;
  /** Numbers (bigint and double as float64, integer as int32, small kinds as uint8) or dictionary codes (varchar). */
  data: Store;
  /** 1 = null. Allocated lazily. */
  nulls: Uint8Array | null;
  dict: string[] | null;
  dictIndex: Map<string, number> | null;
  /** The last string and its code: consecutive rows mostly repeat vehicle, epoch, sensor. */
  lastStr: string | null;
  lastCode: number;
  enumIndex: Map<string, number> | null;
  blobs: (Uint8Array | null)[] | null;
}

function alloc(kind: ColumnKind, n: number): Store {
  switch (kind) {
    case 'bigint':
    case 'double':
      return new Float64Array(n);
    case 'integer':
      return new Int32Array(n);
    case 'varchar':
      return new Uint32Array(n);
    default:
      return new Uint8Array(n);
  }
}

/** The transferable form: plain arrays and typed arrays only (structured-clone friendly). */
export interface ColumnBatchData {
  length: number;
  columns: { data: Store; nulls: Uint8Array | null; dict: string[] | null; blobs: (Uint8Array | null)[] | null }[];
}

export class ColumnBatch {
  length = 0;
  private capacity: number;
  private readonly cols: Col[];

  constructor(
    readonly specs: readonly ColumnSpec[],
    capacity = 4096,
  ) {
    this.capacity = capacity;
    this.cols = specs.map((spec) => ({
      spec,
      data: alloc(spec.kind, capacity),
      nulls: null,
      dict: spec.kind === 'varchar' ? [] : null,
      dictIndex: spec.kind === 'varchar' ? new Map() : null,
      lastStr: null,
      lastCode: 0,
      enumIndex: spec.kind === 'enum' ? new Map((spec.values ?? []).map((v, i) => [v, i])) : null,
      blobs: spec.kind === 'blob' ? [] : null,
    }));
  }

  /** Starts a new row and returns its index; every column must then be set. */
  row(): number {
    if (this.length === this.capacity) this.grow();
    return this.length++;
  }

  private grow(): void {
    this.capacity *= 2;
    for (const c of this.cols) {
      const next = alloc(c.spec.kind, this.capacity);
      next.set(c.data as never);
      c.data = next;
      if (c.nulls) {
        const n = new Uint8Array(this.capacity);
        n.set(c.nulls);
        c.nulls = n;
      }
    }
  }

  private null(c: Col, i: number): void {
    if (c.nulls === null) c.nulls = new Uint8Array(this.capacity);
    c.nulls[i] = 1;
  }

  /** varchar */
  str(col: number, i: number, v: string | null): void {
    const c = this.cols[col]!;
    if (v === null) return this.null(c, i);
    if (v === c.lastStr) {
      c.data[i] = c.lastCode;
      return;
    }
    let code = c.dictIndex!.get(v);
    if (code === undefined) {
      code = c.dict!.length;
      c.dict!.push(v);
      c.dictIndex!.set(v, code);
    }
    c.lastStr = v;
    c.lastCode = code;
    c.data[i] = code;
  }

  /** bigint, double, integer, utinyint: a number (integers must be safe integers). */
  num(col: number, i: number, v: number | null): void {
    const c = this.cols[col]!;
    if (v === null) return this.null(c, i);
    c.data[i] = v;
  }

  bool(col: number, i: number, v: boolean | null): void {
    const c = this.cols[col]!;
    if (v === null) return this.null(c, i);
    c.data[i] = v ? 1 : 0;
  }

  enum(col: number, i: number, v: string | null): void {
    const c = this.cols[col]!;
    if (v === null) return this.null(c, i);
    const code = c.enumIndex!.get(v);
    if (code === undefined) throw new Error(`${c.spec.name}: '${v}' is not one of ${(c.spec.values ?? []).join(', ')}`);
    c.data[i] = code;
  }

  blob(col: number, i: number, v: Uint8Array | null): void {
    const c = this.cols[col]!;
    c.blobs![i] = v;
    if (v === null) this.null(c, i);
  }

  /** Reads one value back (tests and diagnostics). */
  get(col: number, i: number): string | number | boolean | Uint8Array | null {
    const c = this.cols[col]!;
    if (c.nulls?.[i] === 1) return null;
    switch (c.spec.kind) {
      case 'varchar':
        return c.dict![c.data[i]!]!;
      case 'enum':
        return c.spec.values![c.data[i]!]!;
      case 'boolean':
        return c.data[i] === 1;
      case 'blob':
        return c.blobs![i] ?? null;
      default:
        return c.data[i]!;
    }
  }

  /** Row i as an object keyed by column name (tests). */
  rowObject(i: number): Record<string, string | number | boolean | Uint8Array | null> {
    const o: Record<string, string | number | boolean | Uint8Array | null> = {};
    this.cols.forEach((c, k) => (o[c.spec.name] = this.get(k, i)));
    return o;
  }

  toData(): ColumnBatchData {
    return {
      length: this.length,
      columns: this.cols.map((c) => ({
        data: c.data.subarray(0, this.length) as Store,
        nulls: c.nulls === null ? null : c.nulls.subarray(0, this.length),
        dict: c.dict,
        blobs: c.blobs,
      })),
    };
  }

  /** Typed arrays to list in postMessage's transfer list. */
  transferables(): ArrayBuffer[] {
    const out: ArrayBuffer[] = [];
    for (const c of this.cols) {
      out.push(c.data.buffer as ArrayBuffer);
      if (c.nulls) out.push(c.nulls.buffer as ArrayBuffer);
    }
    return out;
  }

  static fromData(specs: readonly ColumnSpec[], d: ColumnBatchData): ColumnBatch {
    const b = new ColumnBatch(specs, Math.max(1, d.length));
    b.length = d.length;
    d.columns.forEach((c, k) => {
      const col = b.cols[k]!;
      col.data = c.data;
      col.nulls = c.nulls;
      if (c.dict) {
        col.dict = c.dict;
        col.dictIndex = new Map(c.dict.map((s, i) => [s, i]));
        col.lastStr = null;
      }
      col.blobs = c.blobs;
    });
    b.capacity = d.length;
    return b;
  }

  /** Appends all rows to `table` (columns in table order) inside the connection's current transaction. */
  async appendTo(conn: DuckDBConnection, table: string): Promise<void> {
    if (this.length === 0) return;
    const app = await conn.createAppender(table);
    try {
      const chunk = DuckDBDataChunk.create(
        this.specs.map((s) => s.type),
        CHUNK,
      );
      const scratch64 = new Int32Array(CHUNK * 2);
      const mask = new Uint8Array(CHUNK / 8);
      for (let base = 0; base < this.length; base += CHUNK) {
        const n = Math.min(CHUNK, this.length - base);
        chunk.reset();
        chunk.rowCount = n;
        for (let k = 0; k < this.cols.length; k++) this.writeColumn(bindings.data_chunk_get_vector(chunk.chunk, k), this.cols[k]!, base, n, scratch64, mask);
        app.appendDataChunk(chunk);
      }
      app.flushSync();
    } finally {
      app.closeSync();
    }
  }

  /** Per column: dictionary code -> its UTF-8 bytes, and -> its 16-byte string_t when short enough to inline. */
  private encoded = new Map<Col, { bytes: (Uint8Array | undefined)[]; inline: (Int32Array | null | undefined)[] }>();
  private readonly strScratch = new Int32Array(CHUNK * 4);

  /**
   * DuckDB's string_t is 16 bytes: a uint32 length, then either the string itself (up to 12 bytes, inlined) or a
   * 4-byte prefix and a pointer into the vector's string heap. Inlined strings are written straight into the
   * vector's data; a longer one is assigned once per chunk through the C API and its 16 bytes (pointing into the
   * same heap) are repeated for every row holding it. So the per-row native call is paid once per distinct
   * string and chunk instead of once per value.
   */
  private writeStrings(vec: Vector, c: Col, base: number, n: number): void {
    let enc = this.encoded.get(c);
    if (enc === undefined) this.encoded.set(c, (enc = { bytes: [], inline: [] }));
    const dict = c.dict!;
    const d = c.data;
    const nulls = c.nulls;
    const out = this.strScratch;
    const perChunk = new Map<number, Int32Array>();
    for (let i = 0; i < n; i++) {
      const o = i * 4;
      if (nulls !== null && nulls[base + i] === 1) {
        out[o] = 0;
        out[o + 1] = 0;
        out[o + 2] = 0;
        out[o + 3] = 0;
        continue;
      }
      const code = d[base + i]!;
      let t = enc.inline[code];
      if (t === undefined) {
        const bytes = (enc.bytes[code] ??= utf8.encode(dict[code]!));
        if (bytes.length <= 12) {
          const b = new Uint8Array(16);
          new DataView(b.buffer).setUint32(0, bytes.length, true);
          b.set(bytes, 4);
          t = new Int32Array(b.buffer);
        } else t = null;
        enc.inline[code] = t;
      }
      if (t === null) {
        t = perChunk.get(code);
        if (t === undefined) {
          bindings.vector_assign_string_element_len(vec, i, enc.bytes[code]!);
          const raw = bindings.vector_get_data(vec, (i + 1) * 16);
          // Copy out (the binding may hand back a Buffer, whose slice() is a view at an offset).
          const copy = new Uint8Array(16);
          copy.set(raw.subarray(i * 16, i * 16 + 16));
          t = new Int32Array(copy.buffer);
          perChunk.set(code, t);
        }
      }
      out[o] = t[0]!;
      out[o + 1] = t[1]!;
      out[o + 2] = t[2]!;
      out[o + 3] = t[3]!;
    }
    bindings.copy_data_to_vector(vec, 0, out.buffer as ArrayBuffer, 0, n * 16);
  }

  private writeColumn(vec: Vector, c: Col, base: number, n: number, scratch64: Int32Array, mask: Uint8Array): void {
    const d = c.data;
    switch (c.spec.kind) {
      case 'bigint': {
        // int64 little-endian as two int32 halves: no BigInt per value.
        for (let i = 0; i < n; i++) {
          const x = d[base + i]!;
          const hi = Math.floor(x / TWO_32);
          scratch64[2 * i] = (x - hi * TWO_32) | 0;
          scratch64[2 * i + 1] = hi;
        }
        bindings.copy_data_to_vector(vec, 0, scratch64.buffer as ArrayBuffer, 0, n * 8);
        break;
      }
      case 'double':
      case 'integer':
        bindings.copy_data_to_vector(vec, 0, d.buffer as ArrayBuffer, d.byteOffset + base * d.BYTES_PER_ELEMENT, n * d.BYTES_PER_ELEMENT);
        break;
      case 'utinyint':
      case 'boolean':
      case 'enum':
        // ENUMs with fewer than 256 values are stored as uint8 codes.
        bindings.copy_data_to_vector(vec, 0, d.buffer as ArrayBuffer, d.byteOffset + base, n);
        break;
      case 'varchar':
        this.writeStrings(vec, c, base, n);
        break;
      case 'blob': {
        const blobs = c.blobs!;
        for (let i = 0; i < n; i++) {
          const v = blobs[base + i];
          if (v !== null && v !== undefined) bindings.vector_assign_string_element_len(vec, i, v);
        }
        break;
      }
    }
    const nulls = c.nulls;
    if (nulls !== null) {
      let any = false;
      mask.fill(0xff);
      for (let i = 0; i < n; i++) {
        if (nulls[base + i] === 1) {
          mask[i >> 3]! &= ~(1 << (i & 7));
          any = true;
        }
      }
      if (any) {
        bindings.vector_ensure_validity_writable(vec);
        bindings.copy_data_to_vector_validity(vec, 0, mask.buffer as ArrayBuffer, 0, Math.ceil(n / 64) * 8);
      }
    }
  }
}
