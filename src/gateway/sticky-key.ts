/**
 * The key sticky routing hashes: Grafana's panel identity when the client sends it (Grafana adds
 * X-Dashboard-Uid and X-Panel-Id to datasource queries), else the request's parameters in a
 * canonical order, so one panel, or one query, keeps its replica across refreshes.
 */
export function stickyKeyOf(
  endpoint: string,
  headers: Readonly<Record<string, string | string[] | undefined>>,
  rawQuery: string,
  formBody: Buffer | undefined,
): string {
  const dashboard = first(headers['x-dashboard-uid']);
  const panel = first(headers['x-panel-id']);
  if (dashboard !== undefined && panel !== undefined) return `panel\u0000${dashboard}\u0000${panel}`;
  const params = new URLSearchParams(rawQuery);
  if (formBody && formBody.length > 0) for (const [k, v] of new URLSearchParams(formBody.toString('latin1'))) params.append(k, v);
  // Only what identifies the query: times move on every refresh of a relative-time panel.
  const identity = [...params].filter(([k]) => k === 'query' || k === 'match[]' || k === 'step').sort();
  return `${endpoint}\u0000${JSON.stringify(identity)}`;
}

function first(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
