/**
 * Every run in flight, by dispatch id: which task (or start task) runs on which node with how many
 * slots. Rebuilt from the store at start-up; agent reports are matched against it.
 */
import type { DispatchKind } from "../../protocol/agent.js";

export interface Dispatch {
  dispatchId: string;
  kind: DispatchKind;
  poolId: string;
  nodeId: string;
  jobId: string;
  taskId: string;
  slots: number;
  /** Which instance of a multi-instance task it runs (0 is the primary); absent for any other run. */
  instance?: number;
}

export class DispatchRegistry {
  private readonly byId = new Map<string, Dispatch>();
  private readonly byNode = new Map<string, Set<string>>();

  add(dispatch: Dispatch): void {
    this.byId.set(dispatch.dispatchId, dispatch);
    const key = nodeKey(dispatch.poolId, dispatch.nodeId);
    let set = this.byNode.get(key);
    if (!set) {
      set = new Set();
      this.byNode.set(key, set);
    }
    set.add(dispatch.dispatchId);
  }

  get(dispatchId: string): Dispatch | undefined {
    return this.byId.get(dispatchId);
  }

  remove(dispatchId: string): Dispatch | undefined {
    const dispatch = this.byId.get(dispatchId);
    if (!dispatch) return undefined;
    this.byId.delete(dispatchId);
    this.byNode.get(nodeKey(dispatch.poolId, dispatch.nodeId))?.delete(dispatchId);
    return dispatch;
  }

  onNode(poolId: string, nodeId: string): Dispatch[] {
    const ids = this.byNode.get(nodeKey(poolId, nodeId));
    return ids ? [...ids].map((id) => this.byId.get(id)!) : [];
  }

  forJob(jobId: string): Dispatch[] {
    return [...this.byId.values()].filter((d) => d.kind === "task" && d.jobId === jobId);
  }
}

export function nodeKey(poolId: string, nodeId: string): string {
  return `${poolId}/${nodeId}`;
}
