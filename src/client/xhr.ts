/**
 * Uploads from a browser through XMLHttpRequest: fetch reports no upload
 * progress, and it cannot stream a request body over HTTP/1.1, while XHR
 * sends a Blob or FormData as the browser reads it and reports progress.
 * The answer is turned into a Response so callers read it one way.
 */
import type { UploadBody } from './bodies.js';
import type { Transport } from './transport.js';
import type { ProgressListener } from './types.js';

export async function postWithXhr(transport: Transport, endpoint: string, body: UploadBody | FormData, headers: Record<string, string>, options: { onProgress?: ProgressListener | undefined; signal?: AbortSignal | undefined }): Promise<Response> {
  const send = (token: string) => new Promise<Response>((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', transport.baseUrl + endpoint);
    for (const [name, value] of Object.entries({ ...headers, 'X-Agile-Authorization': token })) xhr.setRequestHeader(name, value);
    const total = typeof Blob !== 'undefined' && body instanceof Blob ? body.size : undefined;
    xhr.upload.onprogress = (e) => options.onProgress?.({ transferredBytes: e.loaded, totalBytes: total ?? (e.lengthComputable ? e.total : undefined) });
    xhr.onload = () => {
      const answer = new Headers();
      for (const line of xhr.getAllResponseHeaders().trim().split(/[\r\n]+/)) {
        const cut = line.indexOf(':');
        if (cut > 0) answer.append(line.slice(0, cut).trim(), line.slice(cut + 1).trim());
      }
      resolve(new Response(xhr.status === 204 ? null : xhr.responseText, { status: xhr.status, headers: answer }));
    };
    xhr.onerror = () => reject(new TypeError(`network error on ${endpoint}`));
    xhr.onabort = () => reject(options.signal?.reason ?? new Error('aborted'));
    options.signal?.addEventListener('abort', () => xhr.abort(), { once: true });
    xhr.send(body as XMLHttpRequestBodyInit);
  });
  const token = await transport.token();
  const response = await send(token);
  if (response.headers.get('x-agile-status') === '-10001' && transport.canLogIn) {
    transport.forget();
    return send(await transport.token());
  }
  return response;
}
