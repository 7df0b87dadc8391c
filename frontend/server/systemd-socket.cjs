/**
 * Loaded first by the release's server.js. When systemd passes a listening socket (socket activation:
 * LISTEN_FDS / LISTEN_PID, the socket on fd 3), Next's HTTP server takes that socket instead of binding the
 * port itself. systemd holds the socket across restarts, so connections that arrive while the front end restarts
 * wait in its backlog instead of being refused; Next's own SIGTERM handling finishes in-flight requests first.
 * Without socket activation nothing changes (PORT/HOSTNAME as usual).
 */
"use strict";

const net = require("node:net");

const SD_LISTEN_FDS_START = 3;

function activatedFd(env = process.env, pid = process.pid) {
  const count = Number.parseInt(env.LISTEN_FDS ?? "", 10);
  const forPid = Number.parseInt(env.LISTEN_PID ?? "", 10);
  return count >= 1 && forPid === pid ? SD_LISTEN_FDS_START : null;
}

const fd = activatedFd();
if (fd !== null && !net.Server.prototype.__votelabSocketActivation) {
  const originalListen = net.Server.prototype.listen;
  let taken = false;
  net.Server.prototype.listen = function listenOnActivatedSocket(...args) {
    if (taken) return originalListen.apply(this, args);
    taken = true;
    const callback = args.find((a) => typeof a === "function");
    return originalListen.call(this, { fd }, callback);
  };
  net.Server.prototype.__votelabSocketActivation = true;
  // Children must not think the socket is theirs.
  delete process.env.LISTEN_FDS;
  delete process.env.LISTEN_PID;
  delete process.env.LISTEN_FDNAMES;
}

module.exports = { activatedFd };
