import { describe, expect, it } from "vitest";
import { chooseStore } from "../../../service/store/storeChoice.js";

describe("choosing the store", () => {
  it("is SQLite in the data directory by default and for 'sqlite'", () => {
    for (const choice of [undefined, "sqlite"])
      expect(chooseStore(choice, "/d")).toEqual({ kind: "sqlite", file: "/d/account.db" });
  });

  it("is PostgreSQL for postgres:// and postgresql:// URLs", () => {
    for (const url of ["postgres://u@h:5432/db", "postgresql://u@h/db?schema=acct1"])
      expect(chooseStore(url, "/d")).toEqual({ kind: "postgres", url });
  });

  it("refuses anything else with what it takes", () => {
    expect(() => chooseStore("mysql://db/x", "/d")).toThrow(
      /'mysql:\/\/db\/x' is neither 'sqlite' nor a PostgreSQL URL: use sqlite .* or postgres:\/\//,
    );
  });
});
