import type { List } from "../protocol/rest/common.js";
import type { NodeFile } from "../protocol/rest/node.js";
import {
  type CloudTaskListSubtasksResult,
  MAX_TASKS_PER_COLLECTION,
  type SubtaskInformation,
  type Task,
  type TaskAddParameter,
  type TaskAddResult,
  type TaskTimeline,
  type TaskUpdateParameter,
} from "../protocol/rest/task.js";
import { type FileListOptions, FileOperations, type FileProperties, type FileReadOptions } from "./files.js";
import { type BatchHttp, batchPath } from "./http.js";
import { type ListOptions, listAll, listPage, type PageOptions } from "./paging.js";

export interface AddManyOptions {
  /** How many `addtaskcollection` calls of up to 100 tasks run at once. Default 4. */
  concurrency?: number;
}

/** Tasks of a job, and the files in their directories on the node. */
export class TaskOperations {
  private readonly files: FileOperations;

  constructor(private readonly http: BatchHttp) {
    this.files = new FileOperations(http);
  }

  /** `POST /jobs/{jobId}/tasks` (201). */
  async add(jobId: string, task: TaskAddParameter): Promise<void> {
    await this.http.send({ method: "POST", path: batchPath`/jobs/${jobId}/tasks`, body: task });
  }

  /**
   * `POST /jobs/{jobId}/addtaskcollection`: up to 100 tasks in one call. Each task succeeds or fails
   * on its own; check every result's `status`.
   */
  async addCollection(jobId: string, tasks: TaskAddParameter[]): Promise<{ value: TaskAddResult[] }> {
    if (tasks.length > MAX_TASKS_PER_COLLECTION) {
      throw new RangeError(
        `addCollection takes at most ${MAX_TASKS_PER_COLLECTION} tasks per call, got ${tasks.length}; use addMany`,
      );
    }
    return this.http.json({
      method: "POST",
      path: batchPath`/jobs/${jobId}/addtaskcollection`,
      body: { value: tasks },
    });
  }

  /** Adds any number of tasks in chunks of 100, several chunks in parallel; results keep the input order. */
  async addMany(
    jobId: string,
    tasks: TaskAddParameter[],
    options: AddManyOptions = {},
  ): Promise<TaskAddResult[]> {
    const chunks: TaskAddParameter[][] = [];
    for (let i = 0; i < tasks.length; i += MAX_TASKS_PER_COLLECTION) {
      chunks.push(tasks.slice(i, i + MAX_TASKS_PER_COLLECTION));
    }
    const results: TaskAddResult[][] = new Array(chunks.length);
    let next = 0;
    const worker = async () => {
      while (next < chunks.length) {
        const index = next++;
        results[index] = (await this.addCollection(jobId, chunks[index]!)).value;
      }
    };
    const workers = Math.max(1, Math.min(options.concurrency ?? 4, chunks.length));
    await Promise.all(Array.from({ length: workers }, worker));
    return results.flat();
  }

  /** `GET /jobs/{jobId}/tasks`, following `odata.nextLink` across pages. */
  list(jobId: string, options?: ListOptions): AsyncGenerator<Task> {
    return listAll<Task>(this.http, batchPath`/jobs/${jobId}/tasks`, options);
  }

  listPage(jobId: string, options?: PageOptions): Promise<List<Task>> {
    return listPage<Task>(this.http, batchPath`/jobs/${jobId}/tasks`, options);
  }

  /** `expand: "stats"` adds the task's statistics. */
  get(jobId: string, taskId: string, options: { select?: string; expand?: "stats" } = {}): Promise<Task> {
    const path = batchPath`/jobs/${jobId}/tasks/${taskId}`;
    return this.http.json<Task>({
      method: "GET",
      path,
      query: { $select: options.select, $expand: options.expand },
    });
  }

  /** The subtasks of a multi-instance task (ids 1 to numberOfInstances - 1); empty for other tasks. */
  async listSubtasks(jobId: string, taskId: string): Promise<SubtaskInformation[]> {
    const result = await this.http.json<CloudTaskListSubtasksResult>({
      method: "GET",
      path: batchPath`/jobs/${jobId}/tasks/${taskId}/subtasksinfo`,
    });
    return result.value;
  }

  /** OpenBatch extension: when the task was accepted, dispatched, received by its agent and spawned. */
  getTimeline(jobId: string, taskId: string): Promise<TaskTimeline> {
    return this.http.json<TaskTimeline>({
      method: "GET",
      path: batchPath`/openbatch/jobs/${jobId}/tasks/${taskId}/timeline`,
    });
  }

  /** `DELETE /jobs/{jobId}/tasks/{taskId}`: a running task is terminated first. */
  async delete(jobId: string, taskId: string): Promise<void> {
    await this.http.send({ method: "DELETE", path: batchPath`/jobs/${jobId}/tasks/${taskId}` });
  }

  /** `PUT /jobs/{jobId}/tasks/{taskId}`: new constraints, for the task's next runs. */
  async update(jobId: string, taskId: string, params: TaskUpdateParameter): Promise<void> {
    await this.http.send({ method: "PUT", path: batchPath`/jobs/${jobId}/tasks/${taskId}`, body: params });
  }

  /** `POST /jobs/{jobId}/tasks/{taskId}/reactivate` (204): a failed task runs again, its retry count reset. */
  async reactivate(jobId: string, taskId: string): Promise<void> {
    await this.http.send({ method: "POST", path: batchPath`/jobs/${jobId}/tasks/${taskId}/reactivate` });
  }

  /** `POST /jobs/{jobId}/tasks/{taskId}/terminate` (204): the task completes without retry. */
  async terminate(jobId: string, taskId: string): Promise<void> {
    await this.http.send({ method: "POST", path: batchPath`/jobs/${jobId}/tasks/${taskId}/terminate` });
  }

  /** `GET /jobs/{jobId}/tasks/{taskId}/files`: the task's directory (`stdout.txt`, `stderr.txt`, `wd/`...). */
  listFiles(jobId: string, taskId: string, options: FileListOptions = {}): AsyncGenerator<NodeFile> {
    return this.files.list(filesPath(jobId, taskId), options);
  }

  /** `GET /jobs/{jobId}/tasks/{taskId}/files/{filePath}`: the file's bytes (or the requested range). */
  getFile(
    jobId: string,
    taskId: string,
    filePath: string,
    options: FileReadOptions = {},
  ): Promise<Uint8Array> {
    return this.files.bytes(filesPath(jobId, taskId), filePath, options);
  }

  /** The file decoded as UTF-8, e.g. `getFileText(job, task, "stdout.txt")`. */
  getFileText(
    jobId: string,
    taskId: string,
    filePath: string,
    options: FileReadOptions = {},
  ): Promise<string> {
    return this.files.text(filesPath(jobId, taskId), filePath, options);
  }

  /** `HEAD /jobs/{jobId}/tasks/{taskId}/files/{filePath}`. */
  getFileProperties(jobId: string, taskId: string, filePath: string): Promise<FileProperties> {
    return this.files.properties(filesPath(jobId, taskId), filePath);
  }
}

function filesPath(jobId: string, taskId: string): string {
  return batchPath`/jobs/${jobId}/tasks/${taskId}/files`;
}
