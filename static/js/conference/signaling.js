// The /reception namespace over Socket.IO: every call resolves with the server's
// acknowledgement ({ok: true, ...} or {ok: false, error: {code, message}}).

import { io } from "../vendor/socket.io.esm.min.js";

const CALL_TIMEOUT_MS = 10000;

export class Signaling {
  /** `reception`: the id the join token names, sent on every request of the connection so
   *  a load balancer sends them all to the node that hosts it (deploy/nginx). */
  constructor(reception) {
    this.socket = io("/reception", {
      path: "/socket.io",
      query: reception ? { reception } : {},
      // WebSocket first (one round trip less on join); long polling where it is blocked.
      transports: ["websocket", "polling"],
      tryAllTransports: true,
      // A restarted node is answered within about a second and a half (the delay varies
      // by half either way), so the page is back well inside 5 s of the node.
      reconnectionDelay: 500,
      reconnectionDelayMax: 1000,
    });
  }

  on(event, handler) {
    this.socket.on(event, handler);
  }

  /** Send an event and wait for its acknowledgement (a timeout counts as an error). */
  async call(event, payload) {
    try {
      const args = payload === undefined ? [] : [payload];
      return await this.socket.timeout(CALL_TIMEOUT_MS).emitWithAck(event, ...args);
    } catch (error) {
      return { ok: false, error: { code: "timeout", message: String(error) } };
    }
  }

  close() {
    this.socket.disconnect();
  }
}
