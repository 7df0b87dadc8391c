/**
 * Loaded first by the release's server.js. The front end is the edge: browsers talk to it directly, so any
 * X-Forwarded-For / Forwarded / X-Real-IP a client sends is a claim, not a fact. Dropping them before Next.js
 * sees the request makes Next fill X-Forwarded-For from the socket's real address, which the /api proxy
 * then passes to the API (for per-client rate limits and logs).
 * Set VOTELAB_TRUST_PROXY_HEADERS=1 only when a trusted reverse proxy sits in front and sets them itself.
 */
"use strict";

const http = require("node:http");

const UNTRUSTED_HEADERS = ["x-forwarded-for", "x-forwarded-host", "x-forwarded-proto", "x-forwarded-port", "forwarded", "x-real-ip"];

function stripClientForwardingHeaders(req) {
  for (const name of UNTRUSTED_HEADERS) delete req.headers[name];
}

if (process.env.VOTELAB_TRUST_PROXY_HEADERS !== "1" && !http.Server.prototype.__votelabEdgeHeaders) {
  const originalEmit = http.Server.prototype.emit;
  http.Server.prototype.emit = function emitWithoutClientForwardingHeaders(event, req, ...rest) {
    if (event === "request" && req && req.headers) stripClientForwardingHeaders(req);
    return originalEmit.call(this, event, req, ...rest);
  };
  http.Server.prototype.__votelabEdgeHeaders = true;
}

module.exports = { stripClientForwardingHeaders, UNTRUSTED_HEADERS };
