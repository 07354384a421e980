import { describe, expect, it } from "vitest";
import { type FrameTarget, TurnCork } from "../../../service/gateway/turnCork.js";

/** A connection stand-in that records each write's frames. */
function recordingTarget(): FrameTarget & { writes: string[][] } {
  const writes: string[][] = [];
  return { writes, writeFrames: (frames) => writes.push(frames) };
}

const turnEnds = () => new Promise((resolve) => setImmediate(resolve));

describe("TurnCork", () => {
  it("sends everything sent to a connection in one turn in one write, when the turn ends", async () => {
    let commits = 0;
    const cork = new TurnCork(() => {
      commits++;
      return undefined;
    });
    const a = recordingTarget();
    const b = recordingTarget();
    cork.send(a, "dispatch");
    cork.send(a, "ack");
    cork.send(b, "ack");
    expect(a.writes).toEqual([]);
    await turnEnds();
    expect(a.writes).toEqual([["dispatch", "ack"]]);
    expect(b.writes).toEqual([["ack"]]);
    expect(commits).toBe(1);

    // The next turn is a batch of its own.
    cork.send(a, "heartbeat ack");
    expect(a.writes).toHaveLength(1);
    await turnEnds();
    expect(a.writes).toEqual([["dispatch", "ack"], ["heartbeat ack"]]);
    expect(commits).toBe(2);
  });

  it("holds a turn's frames until the store's commit of that turn, in order, and a later turn never holds back an earlier one", async () => {
    const pending: (() => void)[] = [];
    const cork = new TurnCork(() => new Promise<void>((resolve) => pending.push(resolve)));
    const a = recordingTarget();
    cork.send(a, "dispatch 1");
    await turnEnds();
    cork.send(a, "dispatch 2");
    await turnEnds();
    expect(a.writes).toEqual([]);
    pending[0]!();
    await turnEnds();
    expect(a.writes).toEqual([["dispatch 1"]]);
    pending[1]!();
    await turnEnds();
    expect(a.writes).toEqual([["dispatch 1"], ["dispatch 2"]]);
  });

  it("sends nothing of a turn whose commit failed", async () => {
    const cork = new TurnCork(() => Promise.reject(new Error("the database session is gone")));
    const a = recordingTarget();
    cork.send(a, "dispatch");
    await turnEnds();
    await turnEnds();
    expect(a.writes).toEqual([]);
  });
});
