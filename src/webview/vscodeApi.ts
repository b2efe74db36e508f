// The API VS Code injects into every webview. It is a global, not an import, and may be
// acquired only once per page load.

import type { WebviewToHostMessage } from '../core/panelProtocol';

export interface VsCodeApi {
  postMessage(message: WebviewToHostMessage): void;
  /** Whatever was last passed to setState — possibly by an older build, so validate it. */
  getState(): unknown;
  setState<T>(state: T): T;
}

declare global {
  function acquireVsCodeApi(): VsCodeApi;
}
