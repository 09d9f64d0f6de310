// Response shapes of Woodpecker's gin router. Clients must be robust against exactly these:
// JSON only on success, errors with an empty body (AbortWithStatus) or a short text/plain
// message (c.String), and the web UI's HTML with status 200 for any unknown path.

import { goJson } from "./serialize.ts";

export function json(status: number, body: unknown): Response {
  return new Response(goJson(body), {
    status,
    headers: { "Content-Type": "application/json; charset=utf-8" },
  });
}

/** gin's AbortWithStatus / AbortWithError: status only, no body and no Content-Type. */
export function empty(status: number): Response {
  return new Response(null, { status });
}

/** gin's c.String, e.g. `401 User not authorized` from the MustUser/MustAdmin middlewares. */
export function text(status: number, body: string): Response {
  return new Response(body, {
    status,
    headers: { "Content-Type": "text/plain; charset=utf-8" },
  });
}

/** The single-page web UI that Woodpecker serves for every route the API does not know. */
export function webUi(rootPath: string): Response {
  const html = `<!doctype html>
<html lang="en">
  <head>
    <meta charset="UTF-8" />
    <link rel="icon" href="${rootPath}/favicons/favicon-light-default.svg" type="image/svg+xml" />
    <meta name="viewport" content="width=device-width, initial-scale=1.0" />
    <title>Woodpecker</title>
    <script type="" src="${rootPath}/web-config.js"></script>
    <script type="module" crossorigin src="${rootPath}/assets/index.js"></script>
  </head>
  <body>
    <div id="app"></div>
  </body>
</html>
`;
  return new Response(html, {
    status: 200,
    headers: { "Content-Type": "text/html; charset=utf-8" },
  });
}
