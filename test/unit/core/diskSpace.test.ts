import { describe, expect, it } from "vitest";
import { diskFullBelow } from "../../../service/core/diskSpace.js";

describe("diskFullBelow", () => {
  it("is 1% of the disk, at most 50 MiB, unless the service sets it", () => {
    expect(diskFullBelow(undefined, 16 * 1024 ** 2)).toBe((16 * 1024 ** 2) / 100);
    expect(diskFullBelow(undefined, 1e12)).toBe(50 * 1024 ** 2);
    expect(diskFullBelow(1024, 1e12)).toBe(1024);
  });
});
