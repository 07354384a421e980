import type { ErrorDetail } from "../protocol/errors.js";

/**
 * Thrown when the service answers with a non-2xx status. `code`, `message` and `values` come from
 * Azure Batch's error body; a response without one gets the code `UnexpectedResponse`.
 */
export class BatchRequestError extends Error {
  readonly code: string;
  readonly status: number;
  readonly values: ErrorDetail[];
  /** The `request-id` response header, to find the request in the service's log. */
  readonly requestId: string | undefined;

  constructor(init: {
    code: string;
    status: number;
    message: string;
    values?: ErrorDetail[];
    requestId?: string;
  }) {
    super(init.message);
    this.name = "BatchRequestError";
    this.code = init.code;
    this.status = init.status;
    this.values = init.values ?? [];
    this.requestId = init.requestId;
  }
}

/** Thrown when the service cannot be reached at all (refused, reset, DNS, timeout). */
export class BatchConnectionError extends Error {
  readonly code = "ServiceUnreachable";
  readonly endpoint: string;

  constructor(endpoint: string, cause: unknown) {
    const why = describeCause(cause);
    super(
      `could not reach the Batch service at ${endpoint}${why ? ` (${why})` : ""}. ` +
        "Check that the service is running (`openbatch service start`) and that the endpoint is right.",
      { cause },
    );
    this.name = "BatchConnectionError";
    this.endpoint = endpoint;
  }
}

/** Node's fetch hides the socket error (ECONNREFUSED, ENOTFOUND, ...) in `cause`. */
function describeCause(cause: unknown): string | undefined {
  if (!(cause instanceof Error)) return undefined;
  const inner = cause.cause;
  if (inner && typeof inner === "object" && "code" in inner && typeof inner.code === "string")
    return inner.code;
  return cause.message;
}
