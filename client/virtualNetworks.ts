import type { List } from "../protocol/rest/common.js";
import {
  VIRTUAL_NETWORKS_PATH,
  type VirtualNetwork,
  type VirtualNetworkPutParameter,
} from "../protocol/rest/virtualNetwork.js";
import { type BatchHttp, batchPath } from "./http.js";

/**
 * Local virtual networks (an OpenBatch extension, `/openbatch/virtualNetworks`): named private
 * subnets whose pools' nodes get addresses of their own. Put a network's `subnetId` in a pool's
 * `networkConfiguration.subnetId` to place the pool on it.
 *
 * @example
 * const network = await client.virtualNetworks.put("mpi", { addressPrefix: "10.88.0.0/24" });
 * await client.pools.add({ id: "p", vmSize: "small", targetDedicatedNodes: 2,
 *   networkConfiguration: { subnetId: network.subnetId } });
 */
export class VirtualNetworkOperations {
  constructor(private readonly http: BatchHttp) {}

  /** `PUT /openbatch/virtualNetworks/{name}`: creates the network (201) or changes its subnet while no pool uses it (200). */
  put(name: string, parameters: VirtualNetworkPutParameter): Promise<VirtualNetwork> {
    return this.http.json<VirtualNetwork>({
      method: "PUT",
      path: `${VIRTUAL_NETWORKS_PATH}/${batchPath`${name}`}`,
      body: parameters,
    });
  }

  get(name: string): Promise<VirtualNetwork> {
    return this.http.json<VirtualNetwork>({
      method: "GET",
      path: `${VIRTUAL_NETWORKS_PATH}/${batchPath`${name}`}`,
    });
  }

  /** Every network, by name (one response: an account has few). */
  async list(): Promise<VirtualNetwork[]> {
    return (await this.http.json<List<VirtualNetwork>>({ method: "GET", path: VIRTUAL_NETWORKS_PATH })).value;
  }

  /** `DELETE /openbatch/virtualNetworks/{name}`: refused (409 VirtualNetworkInUse) while a pool uses it. */
  async delete(name: string): Promise<void> {
    await this.http.send({ method: "DELETE", path: `${VIRTUAL_NETWORKS_PATH}/${batchPath`${name}`}` });
  }
}
