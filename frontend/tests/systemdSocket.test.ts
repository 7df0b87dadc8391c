/** The release's socket-activation preload: it takes fd 3 only when systemd passed sockets to this very process. */
import { createRequire } from "node:module";
import { describe, expect, it } from "vitest";

const require = createRequire(import.meta.url);
const { activatedFd } = require("../server/systemd-socket.cjs") as {
  activatedFd: (env: Record<string, string | undefined>, pid: number) => number | null;
};

describe("systemd socket activation preload", () => {
  it("uses fd 3 when LISTEN_FDS and LISTEN_PID name this process", () => {
    expect(activatedFd({ LISTEN_FDS: "1", LISTEN_PID: "4242" }, 4242)).toBe(3);
  });
  it("ignores sockets meant for another process or none at all", () => {
    expect(activatedFd({ LISTEN_FDS: "1", LISTEN_PID: "1" }, 4242)).toBeNull();
    expect(activatedFd({ LISTEN_FDS: "0", LISTEN_PID: "4242" }, 4242)).toBeNull();
    expect(activatedFd({}, 4242)).toBeNull();
  });
});
