// The one way the console talks to the API: same origin by default (the
// server serves the console), or `sessionStorage.apiBase` for a local trial
// against another port. The API key lives in sessionStorage only, so it is
// gone when the tab closes, and is sent as `Authorization: Bearer <key>`
// (openapi.yaml, securitySchemes.apiKey).

const KEY_ITEM = 'fleetRisk.apiKey';

export function getKey() {
  return sessionStorage.getItem(KEY_ITEM) || '';
}

export function setKey(key) {
  sessionStorage.setItem(KEY_ITEM, key.trim());
}

export function forgetKey() {
  sessionStorage.removeItem(KEY_ITEM);
}

function apiBase() {
  return (sessionStorage.getItem('apiBase') || '').replace(/\/+$/, '');
}

/** An RFC 9457 problem the API answered (or one made up for a network failure). */
export class ApiProblem extends Error {
  constructor({ status = 0, title = 'Request failed', detail = '', code = null, errors = [], retryAfter = null }) {
    super(title);
    this.status = status;
    this.title = title;
    this.detail = detail;
    this.code = code;
    this.errors = Array.isArray(errors) ? errors : [];
    this.retryAfter = retryAfter;
  }
}

async function problemFrom(response) {
  const retryAfter = response.headers.get('Retry-After');
  const type = response.headers.get('Content-Type') || '';
  let body = null;
  if (type.includes('json')) {
    try { body = await response.json(); } catch { body = null; }
  }
  if (body && typeof body === 'object' && typeof body.title === 'string') {
    return new ApiProblem({ ...body, status: body.status || response.status, retryAfter });
  }
  return new ApiProblem({
    status: response.status,
    title: response.statusText || `HTTP ${response.status}`,
    detail: `The server answered ${response.status} without a problem body.`,
    retryAfter,
  });
}

async function send(path, { method = 'GET', body, accept = 'application/json', signal } = {}) {
  const headers = { Accept: `${accept}, application/problem+json` };
  const key = getKey();
  if (key) headers.Authorization = `Bearer ${key}`;
  let payload;
  if (body !== undefined) {
    headers['Content-Type'] = 'application/json';
    payload = typeof body === 'string' ? body : JSON.stringify(body);
  }
  let response;
  try {
    response = await fetch(apiBase() + path, { method, headers, body: payload, signal });
  } catch (err) {
    if (err.name === 'AbortError') throw err;
    throw new ApiProblem({ title: 'Server not reachable', detail: 'The request did not reach the fleet-risk API. Check the connection and try again.' });
  }
  if (!response.ok) throw await problemFrom(response);
  return response;
}

/** GET or POST JSON; resolves to the parsed body, rejects with an ApiProblem. */
export async function request(path, options = {}) {
  const response = await send(path, options);
  return response.status === 204 ? null : response.json();
}

/** Like request(), but a 404 resolves to null (for "not scored yet"). */
export async function requestOrNull(path, options = {}) {
  try {
    return await request(path, options);
  } catch (err) {
    if (err instanceof ApiProblem && err.status === 404) return null;
    throw err;
  }
}

function fileName(response, fallback) {
  const disposition = response.headers.get('Content-Disposition') || '';
  const match = /filename\*?=(?:UTF-8'')?"?([^";]+)"?/i.exec(disposition);
  return match ? decodeURIComponent(match[1]) : fallback;
}

/**
 * Downloads a file that needs the key header: fetched as a blob, then saved
 * through a temporary object URL (a plain link could not send the header).
 */
export async function download(path, fallbackName) {
  const response = await send(path, { accept: '*/*' });
  const blob = await response.blob();
  const url = URL.createObjectURL(blob);
  const link = document.createElement('a');
  link.href = url;
  link.download = fileName(response, fallbackName);
  link.hidden = true;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
  return link.download;
}

/** Builds `path?query` from an object, leaving out empty values. */
export function withQuery(path, params) {
  const query = new URLSearchParams();
  for (const [k, v] of Object.entries(params || {})) {
    if (v !== null && v !== undefined && v !== '') query.set(k, String(v));
  }
  const text = query.toString();
  return text ? `${path}?${text}` : path;
}
