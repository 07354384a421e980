import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import { TurnCork } from "../../../service/gateway/turnCork.js";

/** A socket stand-in that records each system call's worth of chunks. */
function recordingSocket() {
  const calls: string[][] = [];
  const socket = new Writable({
    writev(chunks, callback) {
      calls.push(chunks.map((c) => String(c.chunk)));
      callback();
    },
    write(chunk, _encoding, callback) {
      calls.push([String(chunk)]);
      callback();
    },
  });
  return { socket, calls };
}

const turnEnds = () => new Promise((resolve) => setImmediate(resolve));

describe("TurnCork", () => {
  it("sends everything written to a socket in one turn in one write, when the turn ends", async () => {
    const cork = new TurnCork();
    const a = recordingSocket();
    const b = recordingSocket();
    cork.hold(a.socket);
    a.socket.write("dispatch");
    cork.hold(a.socket);
    a.socket.write("ack");
    cork.hold(b.socket);
    b.socket.write("ack");
    expect(a.calls).toEqual([]);
    await turnEnds();
    expect(a.calls).toEqual([["dispatch", "ack"]]);
    expect(b.calls).toEqual([["ack"]]);

    // The next turn corks again.
    cork.hold(a.socket);
    a.socket.write("heartbeat ack");
    expect(a.calls).toHaveLength(1);
    await turnEnds();
    expect(a.calls).toEqual([["dispatch", "ack"], ["heartbeat ack"]]);
  });
});
