import { describeServiceRestart } from "./restartScenario.js";

describeServiceRestart("SQLite", () => []);
