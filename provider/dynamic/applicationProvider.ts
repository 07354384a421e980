/**
 * The implementation behind `Application` (application.ts), loaded inside the dynamic-provider plugin.
 * The id is the application id; its settings change in place (`PUT`, which replaces them all).
 */
import type * as pulumi from "@pulumi/pulumi";
import type { Application } from "../../protocol/rest/application.js";
import type { ApplicationInputs, ApplicationOutputs } from "./application.js";
import {
  type AccountConnection,
  clientFor,
  connectionFailures,
  connectionOf,
  unlessGone,
} from "./connection.js";
import { until } from "./polling.js";
import { type ChangeTable, diffByTable, idFailure, withoutUndefined } from "./propertyDiff.js";

const changeEffects: ChangeTable<ApplicationInputs> = {
  applicationId: "replace",
  accountName: "replace",
  displayName: "update",
  allowUpdates: "update",
  defaultVersion: "update",
  endpoint: "update",
  accountKey: "update",
};

function settingsOf(inputs: ApplicationInputs) {
  return withoutUndefined({
    displayName: inputs.displayName,
    allowUpdates: inputs.allowUpdates,
    defaultVersion: inputs.defaultVersion,
  });
}

class ApplicationProvider implements pulumi.dynamic.ResourceProvider<ApplicationInputs, ApplicationOutputs> {
  async check(
    _olds: ApplicationInputs,
    news: ApplicationInputs,
  ): Promise<pulumi.dynamic.CheckResult<ApplicationInputs>> {
    const inputs = withoutUndefined({ ...news, allowUpdates: news.allowUpdates ?? true });
    const failures = connectionFailures(inputs);
    const badId = idFailure("applicationId", inputs.applicationId);
    if (badId) failures.push(badId);
    return { inputs, failures };
  }

  async diff(_id: string, olds: ApplicationOutputs, news: ApplicationInputs) {
    return diffByTable(olds, news, changeEffects);
  }

  async create(inputs: ApplicationInputs): Promise<pulumi.dynamic.CreateResult<ApplicationOutputs>> {
    await clientFor(inputs).applications.create(inputs.applicationId, settingsOf(inputs));
    return { id: inputs.applicationId, outs: inputs };
  }

  /**
   * `PUT` replaces every setting. A default version the program leaves out is kept as the service
   * has it: an `ApplicationPackage` with `isDefault` may have set it.
   */
  async update(id: string, _olds: ApplicationOutputs, news: ApplicationInputs) {
    const client = clientFor(news);
    const current = await client.applications.getSettings(id);
    await client.applications.create(id, {
      ...settingsOf(news),
      defaultVersion: news.defaultVersion ?? current.defaultVersion,
    });
    return { outs: news };
  }

  /** No id when the application is gone. A default version is read only where the state declares one (see update). */
  async read(id: string, props?: ApplicationOutputs): Promise<pulumi.dynamic.ReadResult> {
    const client = clientFor(props);
    const answer = await unlessGone(client.applications.getSettings(id), "ApplicationNotFound");
    if (!answer.found) return {};
    const inputs = inputsFromService(answer.value, connectionOf(client, props), props);
    return { id, props: inputs, inputs };
  }

  /** Refused (ApplicationPackageInUse) while a pool references it; deletes its versions with it. */
  async delete(id: string, props: ApplicationOutputs): Promise<void> {
    const client = clientFor(props);
    if (!(await unlessGone(client.applications.delete(id), "ApplicationNotFound")).found) return;
    await until(
      `Application ${id} is still being deleted after 1 minute.`,
      60_000,
      async () => !(await unlessGone(client.applications.getSettings(id), "ApplicationNotFound")).found,
    );
  }
}

function inputsFromService(
  application: Application,
  connection: AccountConnection,
  known: ApplicationOutputs | undefined,
): ApplicationInputs {
  const imported = !known?.applicationId;
  return withoutUndefined({
    ...connection,
    applicationId: application.id,
    displayName: application.displayName,
    allowUpdates: application.allowUpdates,
    defaultVersion: imported || known?.defaultVersion ? application.defaultVersion : undefined,
  });
}

export const provider = new ApplicationProvider();
