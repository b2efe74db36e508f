// The parameter count of a model file, read through positioned reads so a multi-gigabyte model
// costs a few hundred small reads, not its size in memory.

import * as fs from 'fs';
import { OnnxFormatError, countOnnxParameters, type ByteSource, type ParameterCount } from '../core/onnxParameters';

/** null when the file cannot be read or is not a well-formed model: the count is a nicety, never a reason to fail a run. */
export function readModelParameters(modelPath: string): ParameterCount | null {
  let fd: number | undefined;
  try {
    fd = fs.openSync(modelPath, 'r');
    const size = fs.fstatSync(fd).size;
    const handle = fd;
    const source: ByteSource = {
      size,
      read(offset, length) {
        const buf = Buffer.alloc(Math.max(0, Math.min(length, size - offset)));
        const n = buf.length ? fs.readSync(handle, buf, 0, buf.length, offset) : 0;
        return buf.subarray(0, n);
      },
    };
    return countOnnxParameters(source);
  } catch (err) {
    if (err instanceof OnnxFormatError || (err as NodeJS.ErrnoException).code) return null;
    throw err;
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}
