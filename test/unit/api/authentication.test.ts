/**
 * SharedKey: a request signed with another key, for another account, or not signed at all is 403
 * AuthenticationFailed saying why; the health check is the one route served without a key.
 */
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { API_VERSION } from "../../../protocol/apiVersion.js";
import {
  type ApiService,
  expectBatchError,
  expectOk,
  signedFetch,
  signedHeaders,
  startApi,
} from "./apiHarness.js";

describe("SharedKey authentication", () => {
  let service: ApiService;

  beforeAll(async () => {
    service = await startApi("auth");
  });
  afterAll(() => service.dispose());

  it("accepts a request signed with the account's key", async () => {
    const response = await expectOk(await signedFetch(service, "GET", "/pools"));
    expect(((await response.json()) as { value: unknown[] }).value).toEqual([]);
  });

  it("refuses a request signed with another key", async () => {
    const otherKey = randomBytes(32).toString("base64");
    const response = await signedFetch({ ...service, accountKey: otherKey }, "GET", "/pools");
    const error = await expectBatchError(response, 403, "AuthenticationFailed");
    expect(error.message.value).toContain("signature does not match");
  });

  it("refuses a request signed for another account", async () => {
    const response = await signedFetch({ ...service, accountName: "otheraccount" }, "GET", "/pools");
    const error = await expectBatchError(response, 403, "AuthenticationFailed");
    expect(error.message.value).toContain("'otheraccount'");
  });

  it("refuses a request without an Authorization header", async () => {
    const response = await fetch(`${service.endpoint}/pools?api-version=${API_VERSION}`);
    const error = await expectBatchError(response, 403, "AuthenticationFailed");
    expect(error.message.value).toContain("Authorization header is missing");
  });

  it("refuses a request whose signed query was changed in transit", async () => {
    const query = `api-version=${API_VERSION}&maxresults=`;
    const headers = signedHeaders(service, "GET", `/pools?${query}5`);
    await expectOk(await fetch(`${service.endpoint}/pools?${query}5`, { headers }));
    const response = await fetch(`${service.endpoint}/pools?${query}6`, { headers });
    const error = await expectBatchError(response, 403, "AuthenticationFailed");
    expect(error.message.value).toContain("signature does not match");
  });

  it("refuses an unsigned POST before reading its body", async () => {
    const response = await fetch(`${service.endpoint}/pools?api-version=${API_VERSION}`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: "{ not json",
    });
    await expectBatchError(response, 403, "AuthenticationFailed");
  });

  it("serves GET /openbatch/health without a key", async () => {
    const response = await fetch(`${service.endpoint}/openbatch/health`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: "ok", accountName: service.accountName });
  });
});
