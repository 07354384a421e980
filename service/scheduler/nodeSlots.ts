/**
 * Free task slots of the schedulable nodes of one pool, bucketed by how many are free, so that
 * choosing a node for a task costs O(slots per node), not O(nodes).
 *   spread: the node with the most free slots (ties go round-robin: a freed node rejoins its bucket last);
 *   pack:   the node with the fewest free slots that still fits (fill a node before starting the next).
 */
import type { NodeFillType } from "../../protocol/states.js";

interface NodeSlots {
  total: number;
  used: number;
  eligible: boolean;
}

export class PoolSlots {
  private readonly nodes = new Map<string, NodeSlots>();
  /** buckets[f] = eligible nodes with exactly f free slots (f ≥ 1). */
  private readonly buckets: Set<string>[] = [];

  addNode(nodeId: string, total: number): void {
    if (this.nodes.has(nodeId)) return;
    this.nodes.set(nodeId, { total, used: 0, eligible: false });
  }

  removeNode(nodeId: string): void {
    const node = this.nodes.get(nodeId);
    if (!node) return;
    this.unbucket(nodeId, node);
    this.nodes.delete(nodeId);
  }

  hasNode(nodeId: string): boolean {
    return this.nodes.has(nodeId);
  }

  setEligible(nodeId: string, eligible: boolean): void {
    const node = this.nodes.get(nodeId);
    if (!node || node.eligible === eligible) return;
    this.unbucket(nodeId, node);
    node.eligible = eligible;
    this.bucket(nodeId, node);
  }

  use(nodeId: string, slots: number): void {
    this.adjust(nodeId, slots);
  }

  release(nodeId: string, slots: number): void {
    this.adjust(nodeId, -slots);
  }

  usedSlots(nodeId: string): number {
    return this.nodes.get(nodeId)?.used ?? 0;
  }

  /** A node with `slots` free, as `fill` prefers, other than the `excluded` ones. */
  pick(slots: number, fill: NodeFillType, excluded?: ReadonlySet<string>): string | undefined {
    const top = this.buckets.length - 1;
    if (fill === "spread") {
      for (let f = top; f >= slots; f--) {
        const first = firstOf(this.buckets[f], excluded);
        if (first) return first;
      }
    } else {
      for (let f = slots; f <= top; f++) {
        const first = firstOf(this.buckets[f], excluded);
        if (first) return first;
      }
    }
    return undefined;
  }

  private adjust(nodeId: string, delta: number): void {
    const node = this.nodes.get(nodeId);
    if (!node) return;
    this.unbucket(nodeId, node);
    node.used = Math.max(0, node.used + delta);
    this.bucket(nodeId, node);
  }

  private bucket(nodeId: string, node: NodeSlots): void {
    const free = node.total - node.used;
    if (!node.eligible || free <= 0) return;
    while (this.buckets.length <= free) this.buckets.push(new Set());
    this.buckets[free].add(nodeId);
  }

  private unbucket(nodeId: string, node: NodeSlots): void {
    const free = node.total - node.used;
    if (free > 0) this.buckets[free]?.delete(nodeId);
  }
}

function firstOf(
  set: Set<string> | undefined,
  excluded: ReadonlySet<string> | undefined,
): string | undefined {
  if (!set || set.size === 0) return undefined;
  if (!excluded) return set.values().next().value;
  for (const nodeId of set) if (!excluded.has(nodeId)) return nodeId;
  return undefined;
}
