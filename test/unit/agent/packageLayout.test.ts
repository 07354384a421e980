/** Where packages go on a node and the AZ_BATCH_APP_PACKAGE_* variables, named as Azure names them on Linux. */
import { describe, expect, it } from "vitest";
import { packageFolder, packageVariableName, packageVariables } from "../../../agent/packageLayout.js";

describe("packageVariableName", () => {
  it("flattens '.', '-' and '#' to '_' and keeps the case", () => {
    expect(packageVariableName("Agent-linux-x64", "1.1.46.0")).toBe(
      "AZ_BATCH_APP_PACKAGE_Agent_linux_x64_1_1_46_0",
    );
    expect(packageVariableName("blender", "2.79#b")).toBe("AZ_BATCH_APP_PACKAGE_blender_2_79_b");
    expect(packageVariableName("my_app")).toBe("AZ_BATCH_APP_PACKAGE_my_app");
  });
});

describe("packageVariables", () => {
  it("sets the versioned variable for every package and the plain one for a default reference", () => {
    expect(
      packageVariables("/n/applications", [
        { applicationId: "tool", version: "1.0", isDefault: true },
        { applicationId: "tool", version: "2.0", isDefault: false },
      ]),
    ).toEqual({
      AZ_BATCH_APP_PACKAGE_tool_1_0: "/n/applications/tool.1.0",
      AZ_BATCH_APP_PACKAGE_tool: "/n/applications/tool.1.0",
      AZ_BATCH_APP_PACKAGE_tool_2_0: "/n/applications/tool.2.0",
    });
  });

  it("gives each application and version its own folder", () => {
    expect(packageFolder("/n/applications", "a_b", "c")).not.toBe(
      packageFolder("/n/applications", "a", "b_c"),
    );
  });
});
