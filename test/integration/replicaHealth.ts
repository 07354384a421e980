/** What a replica says about itself at `GET /openbatch/health` (service/replicas/replica.ts). */
export interface ReplicaHealth {
  id: string;
  role: "follower" | "takingOver" | "leader" | "stopped";
  /** The leader's REST endpoint, null while none is known. */
  leader: string | null;
  /** Agents this replica relays to the leader. */
  relayedAgents: number;
}

export async function replicaHealth(endpoint: string): Promise<ReplicaHealth> {
  const response = await fetch(`${endpoint}/openbatch/health`);
  const body = (await response.json()) as { replica?: ReplicaHealth };
  if (!body.replica) throw new Error(`${endpoint} is not a replica: ${JSON.stringify(body)}`);
  return body.replica;
}
