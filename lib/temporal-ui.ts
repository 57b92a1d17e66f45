/** Deep links into the Temporal Web UI, so every chat message about a run opens that run. */
export function runLink(uiUrl: string, namespace: string, workflowId: string, runId?: string): string {
  const base = uiUrl.replace(/\/+$/, '');
  const run = runId ? `/${encodeURIComponent(runId)}` : '';
  return `${base}/namespaces/${encodeURIComponent(namespace)}/workflows/${encodeURIComponent(workflowId)}${run}/history`;
}
