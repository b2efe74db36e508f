/**
 * Facts about the workspace that some rules depend on, read from dependency manifests.
 * Pure: callers pass file names and contents (the VS Code adapter and the CLI read them).
 */

/** Manifest files that may declare Python dependencies, by base name. */
export const PYTHON_MANIFESTS: readonly RegExp[] = [
  /^requirements[\w.-]*\.(txt|in)$/i,
  /^pyproject\.toml$/i,
  /^setup\.(py|cfg)$/i,
  /^environment[\w.-]*\.ya?ml$/i,
  /^Pipfile$/,
  /^constraints[\w.-]*\.txt$/i,
];

export function isPythonManifest(baseName: string): boolean {
  return PYTHON_MANIFESTS.some((r) => r.test(baseName));
}

/**
 * Whether `flash_attn` is declared: a line (outside `#` comments) naming the `flash-attn` /
 * `flash_attn` distribution as a requirement.
 */
export function declaresFlashAttention(manifests: readonly { name: string; text: string }[]): boolean {
  for (const m of manifests) {
    for (const raw of m.text.split(/\r?\n/)) {
      const line = raw.replace(/#.*/, '');
      if (/(^|[\s"',[=])flash[-_]attn(?![\w-])/i.test(line)) return true;
    }
  }
  return false;
}
