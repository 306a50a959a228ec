// The API client. The key lives in sessionStorage (this tab only, gone when it closes) and is
// sent as "Authorization: Bearer"; it never appears in a URL. Sign-out removes it.

const KEY_NAME = "nlp-service.key";

export class ApiError extends Error {
  constructor(status, code, message, field) {
    super(message);
    this.status = status;
    this.code = code;
    this.field = field;
  }
}

export const session = {
  get key() {
    return sessionStorage.getItem(KEY_NAME);
  },
  set(key) {
    sessionStorage.setItem(KEY_NAME, key);
  },
  clear() {
    sessionStorage.removeItem(KEY_NAME);
  },
};

/** "/v1/x" + {a: 1, b: "", c: null} -> "/v1/x?a=1" (empty filters are left out). */
export function withQuery(path, params = {}) {
  const query = new URLSearchParams();
  for (const [name, value] of Object.entries(params)) {
    if (value === undefined || value === null || value === "") continue;
    query.set(name, String(value));
  }
  const text = query.toString();
  return text ? `${path}?${text}` : path;
}

async function request(path, { method = "GET", body, raw, contentType, key = session.key, accept } = {}) {
  const headers = { Accept: accept || "application/json" };
  if (key) headers.Authorization = `Bearer ${key}`;
  if (body !== undefined) headers["Content-Type"] = "application/json";
  if (raw !== undefined) headers["Content-Type"] = contentType;
  const response = await fetch(path, {
    method,
    headers,
    body: raw !== undefined ? raw : body === undefined ? undefined : JSON.stringify(body),
    credentials: "omit",
    cache: "no-store",
  });
  if (!response.ok) {
    let code = "http_error";
    let message = `${response.status} ${response.statusText}`;
    let field = null;
    try {
      const data = await response.json();
      if (data && data.error) ({ code, message, field } = data.error);
    } catch {
      /* not JSON: keep the status line */
    }
    throw new ApiError(response.status, code, message, field);
  }
  return response;
}

export async function getJson(path, params, options) {
  const response = await request(withQuery(path, params), options);
  return response.json();
}

export async function postJson(path, body) {
  const response = await request(path, { method: "POST", body });
  return response.json();
}

/** POST a file's content as it is (an import); `contentType` names its format. */
export async function postText(path, text, contentType) {
  const response = await request(path, { method: "POST", raw: text, contentType });
  return response.json();
}

export async function putJson(path, body) {
  const response = await request(path, { method: "PUT", body });
  return response.json();
}

export async function deleteResource(path) {
  await request(path, { method: "DELETE" });
}

/** Download `path?format=csv` with the key in the header, then save it through a blob URL. */
export async function downloadCsv(path, params, filename) {
  await download(path, { ...params, format: "csv" }, filename, "text/csv");
}

/** Download `path?params` (any format) with the key in the header and save it as `filename`. */
export async function download(path, params, filename, accept) {
  const response = await request(withQuery(path, params), { accept });
  const blob = await response.blob();
  const url = URL.createObjectURL(blob);
  const link = document.createElement("a");
  link.href = url;
  link.download = filename;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}
