/** Browser-side JSON calls to our own routes; errors carry the field messages of AppError.toJSON(). */
export interface ApiFailure {
  status: number
  code: string
  message: string
  fields: Record<string, string>
}

export async function apiFetch<T>(
  url: string,
  init: { method?: string; body?: unknown } = {},
): Promise<{ ok: true; data: T } | { ok: false; error: ApiFailure }> {
  const res = await fetch(url, {
    method: init.method ?? 'GET',
    headers: init.body !== undefined ? { 'content-type': 'application/json' } : {},
    body: init.body !== undefined ? JSON.stringify(init.body) : undefined,
  })
  const payload = (await res.json().catch(() => ({}))) as {
    error?: { code?: string; message?: string; details?: { fields?: Record<string, string> } }
  }
  if (res.ok) return { ok: true, data: payload as T }
  return {
    ok: false,
    error: {
      status: res.status,
      code: payload.error?.code ?? 'error',
      message: payload.error?.message ?? res.statusText,
      fields: payload.error?.details?.fields ?? {},
    },
  }
}
