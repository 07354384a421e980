/**
 * When each request arrived (protocol/clock.ts `preciseNow`), stamped before anything else runs, so
 * a task's dispatch timeline starts at the service's door rather than after auth and validation.
 */
import type { FastifyInstance, FastifyRequest } from "fastify";
import { preciseNow } from "../../protocol/clock.js";

declare module "fastify" {
  interface FastifyRequest {
    arrivedAt: number;
  }
}

export function registerArrivalTime(app: FastifyInstance): void {
  app.decorateRequest("arrivedAt", 0);
  app.addHook("onRequest", async (request: FastifyRequest) => {
    request.arrivedAt = preciseNow();
  });
}
