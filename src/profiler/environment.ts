// The machine a result was measured on, so results can be compared honestly later.

import * as os from 'os';
import type * as Ort from 'onnxruntime-node';
import si from 'systeminformation';
import type { Environment } from '../core/result';
import { ortVersion } from './ort';

/** `ort`: the onnxruntime the target ran in; left out for targets it does not run (Python, commands). */
export async function collectEnvironment(ort?: typeof Ort): Promise<Environment> {
  const [cpu, osInfo] = await Promise.all([si.cpu().catch(() => undefined), si.osInfo().catch(() => undefined)]);
  const cpuName = cpu ? `${cpu.manufacturer} ${cpu.brand}`.trim() : os.cpus()[0]?.model ?? 'unknown CPU';
  return {
    os: osInfo ? `${osInfo.distro} ${osInfo.release} (${os.type()} ${os.release()})`.trim() : `${os.type()} ${os.release()}`,
    arch: os.arch(),
    cpu: cpuName,
    cpuCores: cpu?.cores ?? os.cpus().length,
    totalMemoryBytes: os.totalmem(),
    node: process.versions.node,
    ...(ort ? { onnxruntime: ortVersion(ort) } : {}),
    hostname: os.hostname(),
  };
}
