import { ApplicationOperations } from "./applications.js";
import { CertificateOperations } from "./certificates.js";
import { type BatchClientOptions, BatchHttp } from "./http.js";
import { JobScheduleOperations } from "./jobSchedules.js";
import { JobOperations } from "./jobs.js";
import { NodeOperations } from "./nodes.js";
import { PoolOperations } from "./pools.js";
import { StorageOperations } from "./storage.js";
import { TaskOperations } from "./tasks.js";
import { VirtualNetworkOperations } from "./virtualNetworks.js";

/**
 * A typed client for the Azure Batch data-plane REST API (api-version 2022-10-01.16.0), as served by
 * OpenBatch. Every request is signed with SharedKey.
 *
 * @example
 * const client = new BatchClient({ endpoint: "http://127.0.0.1:8765", accountName: "local", accountKey });
 * await client.pools.add({ id: "p1", vmSize: "standard_d2s_v3", targetDedicatedNodes: 2 });
 * for await (const pool of client.pools.list({ filter: "state eq 'active'" })) console.log(pool.id);
 */
export class BatchClient {
  readonly endpoint: string;
  readonly accountName: string;
  readonly pools: PoolOperations;
  readonly certificates: CertificateOperations;
  readonly nodes: NodeOperations;
  readonly jobs: JobOperations;
  readonly jobSchedules: JobScheduleOperations;
  readonly tasks: TaskOperations;
  /** The account's own file store (OpenBatch extension). */
  readonly storage: StorageOperations;
  /** Applications and their packages. */
  readonly applications: ApplicationOperations;
  /** Local virtual networks (OpenBatch extension). */
  readonly virtualNetworks: VirtualNetworkOperations;

  constructor(options: BatchClientOptions) {
    const http = new BatchHttp(options);
    this.endpoint = http.endpoint;
    this.accountName = options.accountName;
    this.pools = new PoolOperations(http);
    this.certificates = new CertificateOperations(http);
    this.nodes = new NodeOperations(http);
    this.jobs = new JobOperations(http);
    this.jobSchedules = new JobScheduleOperations(http);
    this.tasks = new TaskOperations(http);
    this.storage = new StorageOperations(http, options);
    this.applications = new ApplicationOperations(http);
    this.virtualNetworks = new VirtualNetworkOperations(http);
  }
}
