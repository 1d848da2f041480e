// A Camunda 7 external-task worker with the real camunda-external-task-client-js, unchanged:
//   node worker.mjs <engine-rest url> <user> <token> <topic> <complete|fail|bpmnError>
// It works on one topic until it is killed; tests/test_js_client.py starts and stops it.
import { BasicAuthInterceptor, Client, Variables } from "camunda-external-task-client-js";

const [baseUrl, username, password, topic, mode] = process.argv.slice(2);
const client = new Client({
  baseUrl, workerId: "js-worker-1", maxTasks: 1, interval: 100, asyncResponseTimeout: 500,
  lockDuration: 10000, interceptors: new BasicAuthInterceptor({ username, password }),
});

client.subscribe(topic, async ({ task, taskService }) => {
  const naam = task.variables.get("naam");
  if (mode === "fail") {
    await taskService.handleFailure(task, {
      errorMessage: `Rekenservice onbereikbaar voor ${naam}`, errorDetails: "ECONNREFUSED",
      retries: 0, retryTimeout: 0,
    });
  } else if (mode === "bpmnError") {
    const variables = new Variables().set("brp_resultaat", "onbekend");
    await taskService.handleBpmnError(task, "NIET_GEVONDEN", "Geen inschrijving gevonden",
      variables);
  } else {
    const variables = new Variables().setAll({
      bedrag: 120, berekend_voor: naam, regels: ["art. 3", "art. 4"],
    });
    await taskService.complete(task, variables);
  }
});
