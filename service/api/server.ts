/**
 * The REST API: Azure Batch's operations (api-version 2022-10-01.16.0) on a fastify instance that
 * is not yet listening, plus OpenBatch extensions under `/openbatch/`. Every route is
 * SharedKey-authenticated except `/openbatch/health` and the agent bundle.
 */
import Fastify, { type FastifyInstance, type RouteOptions } from "fastify";
import type { AgentBundle } from "../agentBundle/agentBundle.js";
import type { Account } from "../core/account.js";
import { registerArrivalTime } from "./arrivalTime.js";
import { registerApiVersionCheck, registerSharedKey } from "./auth.js";
import { registerBodyParsing } from "./bodyParsing.js";
import { type ApiLog, registerErrorHandling } from "./errors.js";
import { registerCommonHeaders } from "./responses.js";
import { routeContext } from "./routeContext.js";
import { applicationRoutes } from "./routes/applications.js";
import { certificateRoutes } from "./routes/certificates.js";
import { extensionRoutes } from "./routes/extensions.js";
import { fileRoutes } from "./routes/files.js";
import { jobScheduleRoutes } from "./routes/jobSchedules.js";
import { jobRoutes } from "./routes/jobs.js";
import { nodeBootstrapRoutes } from "./routes/nodeBootstrap.js";
import { nodeRoutes } from "./routes/nodes.js";
import { poolRoutes } from "./routes/pools.js";
import { statisticsRoutes } from "./routes/statistics.js";
import { storageRoutes } from "./routes/storage.js";
import { taskRoutes } from "./routes/tasks.js";
import { virtualNetworkRoutes } from "./routes/virtualNetworks.js";

export interface RestApiOptions {
  accountName: string;
  accountKey: string;
  log?: ApiLog;
  /** Served to machines at `/openbatch/agent/bundle.tar.gz`. */
  agentBundle: AgentBundle;
  /**
   * Called with each route as it is registered: the routes are added before this function returns,
   * so a caller cannot hook them afterwards (the reference docs test lists the operations this way).
   */
  onRoute?: (route: RouteOptions) => void;
}

/** A body of 100 tasks with long command lines and environments fits well under this. */
const BODY_LIMIT = 4 * 1024 * 1024;

export function createRestApi(account: Account, options: RestApiOptions): FastifyInstance {
  const app = Fastify({
    bodyLimit: BODY_LIMIT,
    // Azure Batch ids are case-sensitive but paths are not case-folded; trailing slashes are tolerated.
    routerOptions: { ignoreTrailingSlash: true },
    genReqId: () => crypto.randomUUID(),
    // HEAD routes are Azure operations of their own (pool exists, file properties), not GET echoes.
    exposeHeadRoutes: false,
  });
  const context = routeContext(account);
  registerArrivalTime(app);
  registerErrorHandling(
    app,
    context.endpoint,
    options.log ?? ((line) => process.stderr.write(`openbatch: ${line}\n`)),
  );
  registerBodyParsing(app);
  registerSharedKey(app, options.accountName, options.accountKey);
  registerApiVersionCheck(app);
  registerCommonHeaders(app);
  if (options.onRoute) app.addHook("onRoute", options.onRoute);

  extensionRoutes(app, context);
  nodeBootstrapRoutes(app, context, options.agentBundle);
  poolRoutes(app, context);
  certificateRoutes(app, context);
  nodeRoutes(app, context);
  jobRoutes(app, context);
  jobScheduleRoutes(app, context);
  taskRoutes(app, context);
  fileRoutes(app, context);
  storageRoutes(app, context);
  applicationRoutes(app, context);
  virtualNetworkRoutes(app, context);
  statisticsRoutes(app, context);
  return app;
}
