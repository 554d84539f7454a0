/**
 * The kernel module for threads, made from the SIMD build's bytes: the same
 * code, but its memory is imported (env.memory) and shared, so that one
 * instance per thread computes on one linear memory. The SIMD build defines
 * its own memory and imports nothing; this moves that memory definition into
 * an import section as a shared memory with a maximum (shared memories need
 * one) and leaves every other section as it is: the code section is byte for
 * byte the SIMD build's. Memory indices do not change (the one memory is
 * index 0 either way), and the module's data segments, constant tables only,
 * are written again, identically, by each instance.
 *
 * The online kernels' module (assembly/online.ts) imports its memory already:
 * that import is made shared, with the same maximum.
 *
 * Building these modules with asc (--importMemory --sharedMemory) would give
 * the same code; deriving them here keeps their bytes out of the bundle.
 * test/threads.test.ts checks the result against asc's own.
 */

const SECTION_TYPE = 1, SECTION_IMPORT = 2, SECTION_MEMORY = 5;
const KIND_MEMORY = 2;
/** Limits flags: a maximum follows (1), shared (2). */
const LIMITS_SHARED_WITH_MAX = 3;

export function sharedMemoryModuleBytes(bytes: Uint8Array, maximumPages: number): Uint8Array {
  const reader = { at: 8 };
  if (bytes.length < 8 || bytes[0] !== 0 || bytes[1] !== 0x61 || bytes[2] !== 0x73 || bytes[3] !== 0x6d) {
    throw new Error('not a WebAssembly module');
  }
  const sections: { id: number; body: Uint8Array }[] = [];
  while (reader.at < bytes.length) {
    const id = bytes[reader.at++]!;
    const size = readU32(bytes, reader);
    sections.push({ id, body: bytes.subarray(reader.at, reader.at + size) });
    reader.at += size;
  }
  const imports = sections.find((s) => s.id === SECTION_IMPORT);
  const memory = sections.find((s) => s.id === SECTION_MEMORY);
  let importBody: number[];
  if (!memory) {
    // A module that imports its memory (the online kernels, assembly/online.ts): that import becomes shared.
    if (!imports) throw new Error('the kernel module defines no memory');
    importBody = sharedMemoryImports(imports.body, maximumPages);
  } else {
    const limits = { at: 0 };
    if (readU32(memory.body, limits) !== 1) throw new Error('the kernel module defines more than one memory');
    const flags = memory.body[limits.at++]!;
    const initial = readU32(memory.body, limits);
    if (flags & 1) readU32(memory.body, limits);
    const entry = [...name('env'), ...name('memory'), KIND_MEMORY, LIMITS_SHARED_WITH_MAX, ...u32(initial), ...u32(maximumPages)];
    if (imports) {
      const count = { at: 0 };
      const n = readU32(imports.body, count);
      importBody = [...u32(n + 1), ...imports.body.subarray(count.at), ...entry];
    } else {
      importBody = [...u32(1), ...entry];
    }
  }
  const out: number[] = [...bytes.subarray(0, 8)];
  const emit = (id: number, body: ArrayLike<number>) => { out.push(id, ...u32(body.length)); for (let i = 0; i < body.length; i++) out.push(body[i]!); };
  let placed = false;
  for (const s of sections) {
    if (s.id === SECTION_MEMORY) continue;
    if (s.id === SECTION_IMPORT) { emit(SECTION_IMPORT, importBody); placed = true; continue; }
    // Known sections are ordered by id (custom sections, id 0, may sit anywhere): the imports go before the first known one after types.
    if (!placed && s.id !== 0 && s.id > SECTION_TYPE) { emit(SECTION_IMPORT, importBody); placed = true; }
    emit(s.id, s.body);
  }
  if (!placed) emit(SECTION_IMPORT, importBody);
  return Uint8Array.from(out);
}

/** An import section with its memory import's limits made shared, with a maximum; every other import as it was. */
function sharedMemoryImports(body: Uint8Array, maximumPages: number): number[] {
  const reader = { at: 0 };
  const count = readU32(body, reader);
  const out = u32(count);
  let memories = 0;
  for (let i = 0; i < count; i++) {
    const start = reader.at;
    for (let field = 0; field < 2; field++) { const length = readU32(body, reader); reader.at += length; } // module and field names
    const kind = body[reader.at++]!;
    if (kind === KIND_MEMORY) {
      out.push(...body.subarray(start, reader.at));
      const flags = body[reader.at++]!;
      const initial = readU32(body, reader);
      if (flags & 1) readU32(body, reader);
      out.push(LIMITS_SHARED_WITH_MAX, ...u32(initial), ...u32(maximumPages));
      memories++;
      continue;
    }
    if (kind === 0) readU32(body, reader); // a function: its type index
    else if (kind === 1) { reader.at++; const flags = body[reader.at++]!; readU32(body, reader); if (flags & 1) readU32(body, reader); } // a table: type, limits
    else if (kind === 3) reader.at += 2; // a global: value type, mutability
    else throw new Error(`unknown import kind ${kind}`);
    out.push(...body.subarray(start, reader.at));
  }
  if (memories !== 1) throw new Error('the kernel module neither defines nor imports one memory');
  return out;
}

function readU32(bytes: Uint8Array, reader: { at: number }): number {
  let result = 0, shift = 0;
  for (;;) {
    const byte = bytes[reader.at++];
    if (byte === undefined) throw new Error('truncated WebAssembly module');
    result += (byte & 0x7f) * 2 ** shift;
    if (!(byte & 0x80)) return result;
    shift += 7;
  }
}

function u32(value: number): number[] {
  const out: number[] = [];
  do {
    let byte = value & 0x7f;
    value = Math.floor(value / 128);
    if (value) byte |= 0x80;
    out.push(byte);
  } while (value);
  return out;
}

function name(text: string): number[] {
  const codes = Array.from(text, (c) => c.charCodeAt(0));
  return [...u32(codes.length), ...codes];
}
