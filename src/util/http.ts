// The HTTP client both API clients (Woodpecker, ArgoCD) are built on: ky with a bearer token,
// JSON, a timeout, and retries of idempotent GETs on network errors, timeouts, 408/429/5xx
// (honouring Retry-After on 429 and 503, with jittered back-off). Every attempt, retries included,
// is reported to `onAttempt`: counted in the fetch wrapper, which sees each one.
import ky, { type KyInstance } from "ky";

export interface JsonHttpOptions {
  /** Server root, without trailing slash. */
  readonly baseUrl: string;
  readonly token: string;
  readonly timeoutMs: number;
  /** Retries after the first attempt; default 3. */
  readonly retries?: number;
  /** Upper bound of one back-off delay; default 10 s. */
  readonly backoffLimitMs?: number;
  /** Called once per HTTP attempt with its status code, or "error" when no response came. */
  readonly onAttempt?: (code: string) => void;
  readonly fetch?: typeof fetch;
}

/**
 * `absoluteUrls`: the caller prefixes `baseUrl` itself and ky gets no `baseUrl`, which builds a
 * Request per call only to resolve the base (issue 14: ~13,500 requests in a backfill of 1M
 * pipelines).
 */
export function jsonHttp(opts: JsonHttpOptions, { absoluteUrls = false } = {}): KyInstance {
  const baseFetch = opts.fetch ?? fetch;
  const onAttempt = opts.onAttempt ?? (() => {});
  const countingFetch = (async (input: string | URL | Request, init?: RequestInit) => {
    try {
      const res = await baseFetch(input, init);
      onAttempt(String(res.status));
      return res;
    } catch (e) {
      onAttempt("error");
      throw e;
    }
  }) as typeof fetch;
  return ky.create({
    ...(absoluteUrls ? {} : { baseUrl: opts.baseUrl + "/" }),
    timeout: opts.timeoutMs,
    headers: { Authorization: `Bearer ${opts.token}`, Accept: "application/json" },
    fetch: countingFetch,
    throwHttpErrors: true,
    retry: {
      limit: opts.retries ?? 3,
      methods: ["get"],
      statusCodes: [408, 429, 500, 502, 503, 504],
      afterStatusCodes: [429, 503],
      maxRetryAfter: 60_000,
      backoffLimit: opts.backoffLimitMs ?? 10_000,
      jitter: true,
      retryOnTimeout: true,
    },
  });
}
