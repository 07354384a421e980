/** `/jobs/{jobId}/tasks`: add, addtaskcollection, list, get, delete, terminate. */
import type { FastifyInstance } from "fastify";
import { BatchError } from "../../../protocol/errors.js";
import {
  type CloudTaskListSubtasksResult,
  MAX_TASKS_PER_COLLECTION,
  Task,
  TaskAddCollectionParameter,
  TaskAddParameter,
  TaskUpdateParameter,
} from "../../../protocol/rest/task.js";
import { checkOutputFiles, checkResourceFiles } from "../../../protocol/rest/taskFiles.js";
import type { TaskRecord } from "../../core/records.js";
import { eTag, taskStatsView, taskUrl, taskView } from "../../core/views.js";
import { fillPage, listBody, readExpandStats, readListQuery, readSelect } from "../listing.js";
import { applySelect } from "../odata.js";
import { sendCreated, sendEmpty, sendJson } from "../responses.js";
import type { RouteContext } from "../routeContext.js";
import { bodyValidator } from "../validation.js";

type JobParams = { Params: { jobId: string } };
type TaskParams = { Params: { jobId: string; taskId: string } };

const validateTaskAdd = bodyValidator(TaskAddParameter, "TaskAddParameter");
const validateTaskUpdate = bodyValidator(TaskUpdateParameter, "TaskUpdateParameter");
const validateTaskCollection = bodyValidator(TaskAddCollectionParameter, "TaskAddCollectionParameter");

/** What the schema cannot check about a task's resourceFiles and outputFiles; `at` prefixes property names. */
function checkTaskFiles(task: TaskAddParameter, at = ""): TaskAddParameter {
  checkResourceFiles(task.resourceFiles, `${at}resourceFiles`);
  checkOutputFiles(task.outputFiles, `${at}outputFiles`);
  return task;
}

export function taskRoutes(app: FastifyInstance, { account, endpoint }: RouteContext): void {
  const { store } = account;
  const headersOf = (task: TaskRecord) => ({
    eTag: eTag(task.version),
    lastModified: task.lastModified,
    url: taskUrl(endpoint(), task.jobId, task.id),
  });

  /** The task as Azure shows it, with its statistics when `$expand=stats` asked for them. */
  const view = (task: TaskRecord, stats: boolean): Task => {
    const shown = taskView(endpoint(), task);
    if (stats) shown.stats = taskStatsView(endpoint(), task);
    return shown;
  };

  app.post<JobParams>("/jobs/:jobId/tasks", async (request, reply) => {
    const task = account.tasks.add(
      request.params.jobId,
      checkTaskFiles(validateTaskAdd(request.body)),
      request.arrivedAt,
    );
    await store.flush();
    return sendCreated(reply, headersOf(task));
  });

  app.post<JobParams>("/jobs/:jobId/addtaskcollection", async (request, reply) => {
    // Counted before validation, so a caller sending 5,000 tasks learns to split, not which one is bad.
    const value = (request.body as { value?: unknown } | undefined)?.value;
    if (Array.isArray(value) && value.length > MAX_TASKS_PER_COLLECTION) {
      throw new BatchError(
        "TooManyRequestsInBatch",
        `The collection has ${value.length} tasks; send at most ${MAX_TASKS_PER_COLLECTION} per call.`,
        [{ key: "MaxTasksPerCollection", value: String(MAX_TASKS_PER_COLLECTION) }],
      );
    }
    const collection = validateTaskCollection(request.body);
    for (const [i, task] of collection.value.entries()) checkTaskFiles(task, `value[${i}].`);
    const results = account.tasks.addCollection(request.params.jobId, collection.value, request.arrivedAt);
    await store.flush();
    return sendJson(reply, { "odata.metadata": `${endpoint()}/$metadata#taskaddresult`, value: results });
  });

  app.get<JobParams>("/jobs/:jobId/tasks", async (request, reply) => {
    const query = readListQuery(request, Task);
    const stats = readExpandStats(request);
    const { jobId } = request.params;
    account.jobs.get(jobId);
    const page = fillPage(
      query,
      (afterSeq, limit) => store.listTasks(jobId, { afterSeq, limit, state: query.state }),
      (task) => view(task, stats),
    );
    const expand = stats ? { $expand: "stats" } : {};
    return sendJson(reply, listBody(request, endpoint(), "tasks", query, page, expand));
  });

  /** Azure's List Subtasks: the instances of a multi-instance task other than the primary (none for other tasks). */
  app.get<TaskParams>("/jobs/:jobId/tasks/:taskId/subtasksinfo", async (request, reply) => {
    const task = account.tasks.get(request.params.jobId, request.params.taskId);
    const body: CloudTaskListSubtasksResult = { value: account.multiInstance.subtasks(endpoint(), task) };
    return sendJson(reply, { "odata.metadata": `${endpoint()}/$metadata#subtaskinformations`, ...body });
  });

  app.get<TaskParams>("/jobs/:jobId/tasks/:taskId", async (request, reply) => {
    const select = readSelect(request, Task);
    const stats = readExpandStats(request);
    const task = account.tasks.get(request.params.jobId, request.params.taskId);
    const body = {
      "odata.metadata": `${endpoint()}/$metadata#tasks/@Element`,
      ...applySelect(view(task, stats), select),
    };
    return sendJson(reply, body, headersOf(task));
  });

  app.delete<TaskParams>("/jobs/:jobId/tasks/:taskId", async (request, reply) => {
    account.tasks.delete(request.params.jobId, request.params.taskId);
    await store.flush();
    return sendEmpty(reply, 200);
  });

  app.put<TaskParams>("/jobs/:jobId/tasks/:taskId", async (request, reply) => {
    const { jobId, taskId } = request.params;
    const task = account.tasks.update(jobId, taskId, validateTaskUpdate(request.body));
    await store.flush();
    return sendEmpty(reply, 200, headersOf(task));
  });

  app.post<TaskParams>("/jobs/:jobId/tasks/:taskId/reactivate", async (request, reply) => {
    const task = account.tasks.reactivate(request.params.jobId, request.params.taskId);
    await store.flush();
    return sendEmpty(reply, 204, headersOf(task));
  });

  app.post<TaskParams>("/jobs/:jobId/tasks/:taskId/terminate", async (request, reply) => {
    account.tasks.terminate(request.params.jobId, request.params.taskId);
    await store.flush();
    return sendEmpty(reply, 204, headersOf(account.tasks.get(request.params.jobId, request.params.taskId)));
  });
}
