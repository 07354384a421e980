/**
 * AWS Signature Version 4 against AWS's published examples: `get-vanilla` from the Signature Version 4
 * test suite, and the GET Object and PUT Object examples of the S3 API reference ("Signature
 * Calculations for the Authorization Header: Transferring Payload in a Single Chunk").
 */
import { describe, expect, it } from "vitest";
import { awsUriEncode, sha256Hex, signV4 } from "../../../agent/awsSignatureV4.js";

const s3Example = {
  accessKeyId: "AKIAIOSFODNN7EXAMPLE",
  secretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
};

describe("signV4", () => {
  it("signs the test suite's get-vanilla request", () => {
    const headers = signV4({
      method: "GET",
      url: new URL("https://example.amazonaws.com/"),
      headers: {},
      payloadHash: sha256Hex(""),
      region: "us-east-1",
      service: "service",
      credentials: {
        accessKeyId: "AKIDEXAMPLE",
        secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
      },
      date: new Date("2015-08-30T12:36:00Z"),
    });
    expect(headers.authorization).toBe(
      "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, " +
        "SignedHeaders=host;x-amz-date, Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31",
    );
    expect(headers["x-amz-date"]).toBe("20150830T123600Z");
  });

  it("signs S3's GET Object example", () => {
    const headers = signV4({
      method: "GET",
      url: new URL("https://examplebucket.s3.amazonaws.com/test.txt"),
      headers: { range: "bytes=0-9", "x-amz-content-sha256": sha256Hex("") },
      payloadHash: sha256Hex(""),
      region: "us-east-1",
      service: "s3",
      credentials: s3Example,
      date: new Date("2013-05-24T00:00:00Z"),
    });
    expect(headers.authorization).toBe(
      "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, " +
        "SignedHeaders=host;range;x-amz-content-sha256;x-amz-date, " +
        "Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41",
    );
  });

  it("signs S3's PUT Object example, whose key needs encoding", () => {
    const body = "Welcome to Amazon S3.";
    const payloadHash = sha256Hex(body);
    expect(payloadHash).toBe("44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072");
    const headers = signV4({
      method: "PUT",
      url: new URL(`https://examplebucket.s3.amazonaws.com/${awsUriEncode("test$file.text")}`),
      headers: {
        date: "Fri, 24 May 2013 00:00:00 GMT",
        "x-amz-storage-class": "REDUCED_REDUNDANCY",
        "x-amz-content-sha256": payloadHash,
      },
      payloadHash,
      region: "us-east-1",
      service: "s3",
      credentials: s3Example,
      date: new Date("2013-05-24T00:00:00Z"),
    });
    expect(headers.authorization).toBe(
      "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, " +
        "SignedHeaders=date;host;x-amz-content-sha256;x-amz-date;x-amz-storage-class, " +
        "Signature=98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd",
    );
  });

  it("adds the session token of temporary credentials, signed", () => {
    const headers = signV4({
      method: "PUT",
      url: new URL("http://127.0.0.1:9000/bucket/key"),
      headers: {},
      payloadHash: sha256Hex(""),
      region: "us-east-1",
      service: "s3",
      credentials: { ...s3Example, sessionToken: "token" },
      date: new Date(),
    });
    expect(headers["x-amz-security-token"]).toBe("token");
    expect(headers.authorization).toContain("SignedHeaders=host;x-amz-date;x-amz-security-token,");
  });

  it("encodes as RFC 3986 wants, unlike encodeURIComponent", () => {
    expect(awsUriEncode("a b!'()*~.-_")).toBe("a%20b%21%27%28%29%2A~.-_");
  });
});
