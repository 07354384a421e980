/**
 * Every operation needs `api-version=2022-10-01.16.0` (missing: MissingRequiredQueryParameter, other:
 * UnsupportedApiVersion); a method and path that are no operation are 404 OperationNotFound.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type ApiService,
  expectBatchError,
  expectOk,
  signedFetch,
  signedRequest,
  startApi,
} from "./apiHarness.js";

describe("api-version and routes", () => {
  let service: ApiService;

  beforeAll(async () => {
    service = await startApi("apiversion");
  });
  afterAll(() => service.dispose());

  it("refuses an operation without api-version", async () => {
    const response = await signedRequest(service, "GET", "/pools");
    await expectBatchError(response, 400, "MissingRequiredQueryParameter", {
      QueryParameterName: "api-version",
    });
  });

  it("refuses an empty api-version as unsupported", async () => {
    const response = await signedRequest(service, "GET", "/pools?api-version=");
    await expectBatchError(response, 400, "UnsupportedApiVersion", { QueryParameterName: "api-version" });
  });

  it.each([
    "2021-06-01.14.0",
    "2023-05-01.17.0",
    "latest",
  ])("refuses api-version=%s as unsupported", async (version) => {
    const response = await signedRequest(service, "GET", `/pools?api-version=${version}`);
    await expectBatchError(response, 400, "UnsupportedApiVersion", {
      QueryParameterName: "api-version",
      QueryParameterValue: version,
    });
  });

  it("checks api-version on a POST before its body", async () => {
    const response = await signedRequest(service, "POST", "/pools", "{ not json");
    await expectBatchError(response, 400, "MissingRequiredQueryParameter", {
      QueryParameterName: "api-version",
    });
  });

  it("serves the supported api-version", async () => {
    await expectOk(await signedFetch(service, "GET", "/pools"));
  });

  it.each([
    ["GET", "/nosuchthing"],
    ["GET", "/pools/p/nosuchthing"],
    ["PUT", "/pools"],
    ["PATCH", "/jobs/j/tasks"],
  ])("answers %s %s with 404 OperationNotFound", async (method, path) => {
    const response = await signedFetch(service, method, path);
    const error = await expectBatchError(response, 404, "OperationNotFound");
    expect(error.message.value).toContain(`${method} ${path}`);
  });

  it("answers an unknown route with 404 even without api-version", async () => {
    await expectBatchError(await signedRequest(service, "GET", "/nosuchthing"), 404, "OperationNotFound");
  });
});
