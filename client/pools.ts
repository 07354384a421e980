import type { List } from "../protocol/rest/common.js";
import type {
  AutoScaleRun,
  Pool,
  PoolAddParameter,
  PoolEnableAutoScaleParameter,
  PoolResizeParameter,
  PoolStatistics,
  PoolUpdatePropertiesParameter,
} from "../protocol/rest/pool.js";
import type { PoolJoinInformation } from "../protocol/rest/poolJoin.js";
import { type BatchHttp, batchPath } from "./http.js";
import { type ListOptions, listAll, listPage, type PageOptions } from "./paging.js";

/** Pools: the sets of compute nodes that jobs' tasks run on. */
export class PoolOperations {
  constructor(private readonly http: BatchHttp) {}

  /** `POST /pools` (201). Nodes are allocated in the background; watch `allocationState`. */
  async add(pool: PoolAddParameter): Promise<void> {
    await this.http.send({ method: "POST", path: "/pools", body: pool });
  }

  /** `GET /pools`, following `odata.nextLink` across pages. */
  list(options?: ListOptions): AsyncGenerator<Pool> {
    return listAll<Pool>(this.http, "/pools", options);
  }

  listPage(options?: PageOptions): Promise<List<Pool>> {
    return listPage<Pool>(this.http, "/pools", options);
  }

  /** `expand: "stats"` adds the pool's usage and resource statistics (what its nodes' agents measured). */
  get(poolId: string, options: { select?: string; expand?: "stats" } = {}): Promise<Pool> {
    return this.http.json<Pool>({
      method: "GET",
      path: batchPath`/pools/${poolId}`,
      query: { $select: options.select, $expand: options.expand },
    });
  }

  /** `GET /lifetimepoolstats`: every pool's usage and resource statistics since the service started. */
  getAllLifetimeStatistics(): Promise<PoolStatistics> {
    return this.http.json<PoolStatistics>({ method: "GET", path: "/lifetimepoolstats" });
  }

  /** `HEAD /pools/{poolId}`: true while the pool exists (also while it is being deleted). */
  async exists(poolId: string): Promise<boolean> {
    const response = await this.http.send({
      method: "HEAD",
      path: batchPath`/pools/${poolId}`,
      acceptStatus: [404],
    });
    return response.status !== 404;
  }

  /** `DELETE /pools/{poolId}` (202): the pool turns `deleting` and disappears once its nodes are released. */
  async delete(poolId: string): Promise<void> {
    await this.http.send({ method: "DELETE", path: batchPath`/pools/${poolId}` });
  }

  /** `POST /pools/{poolId}/resize` (202). */
  async resize(poolId: string, parameters: PoolResizeParameter): Promise<void> {
    await this.http.send({ method: "POST", path: batchPath`/pools/${poolId}/resize`, body: parameters });
  }

  /**
   * `GET /openbatch/pools/{poolId}/join` (an OpenBatch extension): the agents' URL, the pool's join
   * token (a secret) and the agent bundle's URL, which a machine's boot script needs to join the pool.
   */
  getJoinInfo(poolId: string): Promise<PoolJoinInformation> {
    return this.http.json<PoolJoinInformation>({
      method: "GET",
      path: batchPath`/openbatch/pools/${poolId}/join`,
    });
  }

  /** `POST /pools/{poolId}/stopresize` (202): keeps the nodes allocated so far. */
  async stopResize(poolId: string): Promise<void> {
    await this.http.send({ method: "POST", path: batchPath`/pools/${poolId}/stopresize` });
  }

  /**
   * `POST /pools/{poolId}/updateproperties` (204): replaces the start task (absent: removed) and the
   * metadata. Nodes run the new start task when they next join or reboot.
   */
  async updateProperties(poolId: string, properties: PoolUpdatePropertiesParameter): Promise<void> {
    await this.http.send({
      method: "POST",
      path: batchPath`/pools/${poolId}/updateproperties`,
      body: properties,
    });
  }

  /** `POST /pools/{poolId}/enableautoscale` (200): sets the formula and/or interval and evaluates at once. */
  async enableAutoScale(poolId: string, parameters: PoolEnableAutoScaleParameter): Promise<void> {
    await this.http.send({
      method: "POST",
      path: batchPath`/pools/${poolId}/enableautoscale`,
      body: parameters,
    });
  }

  /** `POST /pools/{poolId}/disableautoscale` (200): the pool keeps its current targets. */
  async disableAutoScale(poolId: string): Promise<void> {
    await this.http.send({ method: "POST", path: batchPath`/pools/${poolId}/disableautoscale` });
  }

  /**
   * `POST /pools/{poolId}/evaluateautoscale`: evaluates a formula against the pool without applying it;
   * a formula error comes back in the run's `error` (the pool must have autoscale enabled).
   */
  async evaluateAutoScale(poolId: string, autoScaleFormula: string): Promise<AutoScaleRun> {
    const { "odata.metadata": _, ...run } = await this.http.json<
      AutoScaleRun & { "odata.metadata"?: string }
    >({
      method: "POST",
      path: batchPath`/pools/${poolId}/evaluateautoscale`,
      body: { autoScaleFormula },
    });
    return run;
  }
}
