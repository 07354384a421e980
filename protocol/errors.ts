/**
 * The one error registry. Every error the service returns comes from here, with Azure Batch's code,
 * its HTTP status, and a message that says what failed and what to do. `docs/errors.md` is checked
 * against this table by a test.
 */
export const errorRegistry = {
  AuthenticationFailed: {
    status: 403,
    message:
      "Server failed to authenticate the request. Sign it with SharedKey <account>:<HMAC-SHA256 of the canonical string, base64 key>.",
  },
  MissingRequiredHeader: { status: 400, message: "A required HTTP header was not specified." },
  InvalidHeaderValue: {
    status: 400,
    message: "The value of one of the HTTP headers is in an invalid format.",
  },
  MissingRequiredQueryParameter: { status: 400, message: "A required query parameter was not specified." },
  InvalidQueryParameterValue: { status: 400, message: "A query parameter has an invalid value." },
  UnsupportedApiVersion: { status: 400, message: "The api-version is not supported; use 2022-10-01.16.0." },
  InvalidRequestBody: {
    status: 400,
    message: "The request body is not valid JSON or does not match the schema.",
  },
  MissingRequiredProperty: {
    status: 400,
    message: "A property required by this operation is missing from the request body.",
  },
  InvalidPropertyValue: {
    status: 400,
    message: "A property in the request body has a value that is not allowed.",
  },
  RequestBodyTooLarge: { status: 413, message: "The request body is too large." },
  TooManyRequestsInBatch: {
    status: 400,
    message: "addtaskcollection accepts at most 100 tasks per call; split the collection.",
  },
  UnsupportedOperation: { status: 400, message: "The operation is not supported by this account." },
  ResourceNotFound: { status: 404, message: "The specified resource does not exist." },
  OperationNotFound: {
    status: 404,
    message: "No such operation: check the method and path against the Azure Batch REST reference.",
  },
  ConditionNotMet: {
    status: 412,
    message: "The condition specified using HTTP conditional header(s) is not met.",
  },
  PoolNotFound: { status: 404, message: "The specified pool does not exist." },
  PoolExists: {
    status: 409,
    message: "The specified pool already exists; choose another id or delete the pool first.",
  },
  PoolBeingDeleted: {
    status: 409,
    message: "The specified pool has been marked for deletion and is being reclaimed.",
  },
  PoolNotResizing: { status: 409, message: "The pool is not resizing: there is no resize to stop." },
  PoolIsResizing: {
    status: 409,
    message: "The pool is resizing: stop the resize or wait until allocationState is steady.",
  },
  AutoScaleEnabled: {
    status: 409,
    message: "The pool has autoscale enabled; disable autoscale before resizing it by hand.",
  },
  AutoScaleTooManyRequestsToEnable: {
    status: 409,
    message:
      "Enable autoscale requests for the same pool must be separated by its sample period (30 s, or the evaluation interval when shorter); try again later.",
  },
  AutoScaleNotEnabled: {
    status: 409,
    message: "Autoscale is not enabled on the pool; enable it (enableautoscale) before evaluating a formula.",
  },
  InvalidAutoScaleFormula: {
    status: 400,
    message: "The autoscale formula is not valid; fix it at the line and column given.",
  },
  AutoScaleFormulaTooLong: {
    status: 400,
    message: "The autoscale formula is longer than 8 KB; shorten it.",
  },
  AutoScaleFormulaTooManyStatements: {
    status: 400,
    message: "The autoscale formula has more than 100 statements; combine or drop some.",
  },
  NodeNotFound: { status: 404, message: "The specified compute node does not exist in this pool." },
  NodeNotReady: {
    status: 409,
    message: "The compute node is not ready to serve this request; wait until it is idle or running.",
  },
  NodeAlreadyInTargetSchedulingState: {
    status: 409,
    message: "The specified node is already in the target scheduling state.",
  },
  OperationNotValidOnNode: { status: 409, message: "The specified operation is not valid on the node." },
  NodeLogUploadFailed: {
    status: 400,
    message: "The compute node could not upload its service logs to the container.",
  },
  FileNotFound: { status: 404, message: "The specified file does not exist." },
  JobNotFound: { status: 404, message: "The specified job does not exist." },
  JobExists: {
    status: 409,
    message: "The specified job already exists; choose another id or delete the job first.",
  },
  JobBeingDeleted: {
    status: 409,
    message: "The specified job has been marked for deletion and is being reclaimed.",
  },
  JobCompleted: { status: 409, message: "The specified job is already in a completed state." },
  JobBeingTerminated: { status: 409, message: "The specified job is being terminated." },
  JobNotDisabled: {
    status: 409,
    message: "The specified job is not disabled: only a disabled job can be enabled.",
  },
  JobNotActive: {
    status: 409,
    message:
      "The specified job is not active; this operation needs an active job (enable it first if it is disabled).",
  },
  JobScheduleNotFound: { status: 404, message: "The specified job schedule does not exist." },
  JobScheduleExists: {
    status: 409,
    message: "The specified job schedule already exists; choose another id or delete the job schedule first.",
  },
  JobScheduleBeingDeleted: {
    status: 409,
    message: "The specified job schedule has been marked for deletion and is being reclaimed.",
  },
  JobScheduleBeingTerminated: {
    status: 409,
    message: "The specified job schedule is being terminated: it creates no more jobs.",
  },
  JobScheduleCompleted: {
    status: 409,
    message: "The specified job schedule is already in a completed state: add a new job schedule instead.",
  },
  JobPreparationTaskNotSpecified: {
    status: 409,
    message:
      "The job has no job preparation task, so there is no preparation and release task status to show.",
  },
  TaskNotFound: { status: 404, message: "The specified task does not exist." },
  TaskExists: { status: 409, message: "The specified task already exists; choose another id." },
  TaskCompleted: { status: 409, message: "The specified task is already completed." },
  TaskNotFailed: {
    status: 409,
    message: "Only a task that completed with a failure can be reactivated; this one has not.",
  },
  TaskDependenciesNotSpecifiedOnJob: {
    status: 409,
    message:
      "The task has dependencies but its job does not allow them; add the job with usesTaskDependencies true.",
  },
  TaskDependencyListTooLong: {
    status: 400,
    message: "The task's dependsOn.taskIds are too long in total (64,000 characters at most).",
  },
  CertificateExists: {
    status: 409,
    message: "The specified certificate already exists in the account; to replace it, delete it first.",
  },
  CertificateNotFound: {
    status: 404,
    message: "The specified certificate does not exist in the account; list them with GET /certificates.",
  },
  CertificateBeingDeleted: {
    status: 409,
    message:
      "The specified certificate is being deleted; cancel the deletion (canceldelete) to use it again.",
  },
  CertificateStateActive: {
    status: 409,
    message: "The specified certificate is active: there is no deletion to cancel.",
  },
  PoolsReferencingCertificate: {
    status: 409,
    message:
      "The specified certificate is referenced by pools and cannot be deleted; remove the reference (delete those pools) first.",
  },
  InvalidCertificateReferences: {
    status: 409,
    message:
      "The pool references certificates the account does not have; add them with POST /certificates first.",
  },
  InvalidRange: {
    status: 416,
    message: "The range specified is invalid for the current size of the resource.",
  },
  ContainerNotFound: {
    status: 404,
    message: "The specified container of the account's file store does not exist.",
  },
  BlobNotFound: { status: 404, message: "The specified blob does not exist." },
  InvalidResourceName: {
    status: 400,
    message: "The container or blob name is not valid for the account's file store.",
  },
  ApplicationNotFound: {
    status: 404,
    message:
      "The specified application does not exist; create it with PUT /openbatch/applications/{applicationId}.",
  },
  ApplicationPackageNotFound: {
    status: 404,
    message: "The specified application package (version) does not exist; upload it first.",
  },
  ApplicationPackageExists: {
    status: 409,
    message:
      "The version is already uploaded and the application does not allow updates; upload another version or set allowUpdates.",
  },
  ApplicationPackageInUse: {
    status: 409,
    message: "The application or version is referenced by a pool; remove the reference (or the pool) first.",
  },
  InvalidApplicationPackage: {
    status: 400,
    message: "The uploaded application package is not a safe .tar.gz or .zip archive.",
  },
  InvalidApplicationPackageReferences: {
    status: 409,
    message: "One or more of the application package references are invalid.",
  },
  VirtualNetworkNotFound: {
    status: 404,
    message:
      "The specified virtual network does not exist; create it with PUT /openbatch/virtualNetworks/{name}.",
  },
  VirtualNetworkInUse: {
    status: 409,
    message: "The virtual network is used by pools; delete those pools (and wait until they are gone) first.",
  },
  VirtualNetworkAddressOverlap: {
    status: 409,
    message: "The address prefix overlaps another virtual network's; choose a subnet that overlaps none.",
  },
  ServerBusy: { status: 503, message: "The server is busy; retry with backoff." },
  InternalError: {
    status: 500,
    message: "The server encountered an internal error; retry, and report it if it persists.",
  },
} as const satisfies Record<string, { status: number; message: string }>;

export type ErrorCode = keyof typeof errorRegistry;

export interface ErrorDetail {
  key: string;
  value: string;
}

/** Azure Batch's error body: `{"code","message":{"lang","value"},"values"}`. */
export interface BatchErrorBody {
  "odata.metadata"?: string;
  code: ErrorCode;
  message: { lang: "en-US"; value: string };
  values?: ErrorDetail[];
}

/** Thrown anywhere in the service (and parsed back by the client) for a request that cannot be served. */
export class BatchError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly values: ErrorDetail[];

  constructor(code: ErrorCode, detail?: string, values: ErrorDetail[] = []) {
    const base = errorRegistry[code].message;
    super(detail ? `${base} ${detail}` : base);
    this.name = "BatchError";
    this.code = code;
    this.status = errorRegistry[code].status;
    this.values = values;
  }

  toBody(requestId?: string): BatchErrorBody {
    const stamp = requestId ? `\nRequestId:${requestId}\nTime:${new Date().toISOString()}` : "";
    const body: BatchErrorBody = { code: this.code, message: { lang: "en-US", value: this.message + stamp } };
    if (this.values.length > 0) body.values = this.values;
    return body;
  }
}

export function isBatchError(e: unknown): e is BatchError {
  return e instanceof BatchError;
}

/** `InvalidPropertyValue` for one property, with Azure's PropertyName/PropertyValue/Reason details. */
export function invalidPropertyValue(path: string, value: unknown, reason: string): BatchError {
  return new BatchError("InvalidPropertyValue", `The value of '${path}' is not valid: ${reason}`, [
    { key: "PropertyName", value: path },
    {
      key: "PropertyValue",
      value: typeof value === "string" ? value : (JSON.stringify(value) ?? "undefined"),
    },
    { key: "Reason", value: reason },
  ]);
}
