/**
 * `/openbatch/virtualNetworks`: local virtual networks (an OpenBatch extension; Azure's VNets are ARM
 * resources). PUT creates or changes one, GET reads one or all, DELETE removes one no pool uses.
 */
import type { FastifyInstance, FastifyReply } from "fastify";
import { VirtualNetworkPutParameter } from "../../../protocol/rest/virtualNetwork.js";
import type { VirtualNetworkRecord } from "../../core/records.js";
import { eTag, virtualNetworkView } from "../../core/views.js";
import { JSON_CONTENT_TYPE, sendEmpty, sendJson, setEntityHeaders } from "../responses.js";
import type { RouteContext } from "../routeContext.js";
import { bodyValidator } from "../validation.js";

type NetworkParams = { Params: { networkName: string } };

const validatePut = bodyValidator(VirtualNetworkPutParameter, "VirtualNetworkPutParameter");

export function virtualNetworkRoutes(app: FastifyInstance, { account, endpoint }: RouteContext): void {
  const { store, virtualNetworks } = account;
  const view = (network: VirtualNetworkRecord) =>
    virtualNetworkView(
      endpoint(),
      network,
      virtualNetworks.isolation,
      virtualNetworks.poolsUsing(network.name),
    );
  const send = (reply: FastifyReply, network: VirtualNetworkRecord, status: 200 | 201 = 200) =>
    setEntityHeaders(reply, { eTag: eTag(network.version), lastModified: network.lastModified })
      .status(status)
      .header("content-type", JSON_CONTENT_TYPE)
      .send(view(network));

  app.put<NetworkParams>("/openbatch/virtualNetworks/:networkName", async (request, reply) => {
    const { network, created } = virtualNetworks.put(request.params.networkName, validatePut(request.body));
    await store.flush();
    return send(reply, network, created ? 201 : 200);
  });

  app.get("/openbatch/virtualNetworks", async (_request, reply) =>
    sendJson(reply, { value: virtualNetworks.list().map(view) }),
  );

  app.get<NetworkParams>("/openbatch/virtualNetworks/:networkName", async (request, reply) =>
    send(reply, virtualNetworks.get(request.params.networkName)),
  );

  app.delete<NetworkParams>("/openbatch/virtualNetworks/:networkName", async (request, reply) => {
    virtualNetworks.delete(request.params.networkName);
    await store.flush();
    return sendEmpty(reply, 200);
  });
}
