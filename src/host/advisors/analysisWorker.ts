// The advisors' worker thread (dist/advisorWorker.js): parsing and rules run here, so a large
// file never blocks the extension host. Never imports `vscode` (the build enforces it).

import { parentPort, workerData } from 'worker_threads';
import { createMessageConnection, PortMessageReader, PortMessageWriter } from 'vscode-jsonrpc/node';
import { IncrementalDocument } from '../../advisors/incremental';
import { configureParser, parse } from '../../advisors/parser';
import { topLevelFunctions } from '../../advisors/pyFunctions';
import { AnalyzeRequest, CloseNotification, FunctionsRequest, type AdvisorWorkerData, type AnalyzeResult } from '../../advisors/workerProtocol';

if (!parentPort) throw new Error('analysisWorker.js runs as a worker thread of the extension');
configureParser({ wasmDir: (workerData as AdvisorWorkerData).wasmDir });

const docs = new Map<string, IncrementalDocument>();
const connection = createMessageConnection(new PortMessageReader(parentPort), new PortMessageWriter(parentPort));

connection.onRequest(AnalyzeRequest, async (p): Promise<AnalyzeResult> => {
  const t0 = performance.now();
  let doc = docs.get(p.uri);
  let incremental = false;
  if (doc && doc.language === p.language) {
    doc.update(p.edits, p.text);
    incremental = true;
  } else {
    doc?.dispose();
    doc = await IncrementalDocument.open(p.language, p.text);
    docs.set(p.uri, doc);
  }
  const t1 = performance.now();
  const { findings, failures } = doc.analyze(p.settings);
  return { findings, failures, parseMs: t1 - t0, analysisMs: performance.now() - t1, incremental };
});

connection.onRequest(FunctionsRequest, async ({ text }) => {
  const tree = await parse(text, 'python');
  try {
    return { functions: topLevelFunctions(tree) };
  } finally {
    tree.delete();
  }
});

connection.onNotification(CloseNotification, ({ uri }) => {
  docs.get(uri)?.dispose();
  docs.delete(uri);
});

connection.listen();
